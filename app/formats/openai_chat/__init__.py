"""OpenAI Chat Completions ⇄ the canonical form (`ir`).

Requests: every field the official SDK types, plus the de-facto dialect of OpenAI-compatible servers
(DeepSeek/vLLM `reasoning_content`, OpenRouter `reasoning` / `reasoning_details` / part-level
`cache_control`, Gemini's `extra_content.google.thought_signature` on tool calls). Whatever has no
canonical home is kept in `extras["openai_chat"]`: unknown top-level fields verbatim (so `n`,
`logprobs`, `service_tier`… are at `extras["openai_chat"]["n"]` etc.), and the message layout under
keys starting with "_" (never an OpenAI parameter name), so decode → encode of this format gives the
body back. The layout is only trusted while it still matches the messages: a stage that rewrites the
conversation gets the plain default encoding instead of a stale layout.

Streams: Chat chunks have no block boundaries; the decoder opens a block on the first delta of each
kind (text, reasoning, one per tool call) and closes it when the next kind starts, so the canonical
stream is strictly sequential. OpenAI's tool-call `index` counts tool calls only; it is mapped to and
from the canonical block index. `StreamEnd` waits for `[DONE]` (the usage chunk comes after the
finish chunk).

The modules: `request_decode` (with `messages_decode`), `request_encode`, `response`,
`stream_decode`, `stream_encode`, `errors` and `usage` do one direction each; `checks`,
`vocabulary`, `tools`, `media` and `reasoning` are what they share; `adapter` is the thin
FormatAdapter over them. What all four formats share (field readers, cache marks, data URLs, tool
names, error kinds…) lives in `app.formats` itself.
"""

from app.formats.openai_chat.adapter import ADAPTER, OpenAIChatAdapter
from app.formats.openai_chat.stream_decode import ChatStreamDecoder
from app.formats.openai_chat.stream_encode import ChatStreamEncoder
from app.formats.openai_chat.tools import sanitize_tool_name, tool_name_mapping
from app.formats.openai_chat.usage import USAGE_ONLY_MARKERS, is_usage_only_event
from app.formats.openai_chat.vocabulary import FORMAT, UPSTREAM_PATH

__all__ = [
    "ADAPTER",
    "FORMAT",
    "UPSTREAM_PATH",
    "USAGE_ONLY_MARKERS",
    "ChatStreamDecoder",
    "ChatStreamEncoder",
    "OpenAIChatAdapter",
    "is_usage_only_event",
    "sanitize_tool_name",
    "tool_name_mapping",
]
