"""Small per-vendor fixes, pure functions over the canonical IR or an OpenAI-chat body."""
