"""Anthropic Messages (`POST /v1/messages`) ⇄ the canonical form.

Conventions of this adapter (the rest of the app only sees the canonical form):

* `Request.extras["anthropic"]` holds the top-level fields with no canonical home, verbatim
  (`context_management`, `container`, `mcp_servers`, `service_tier`, top-level `cache_control`…);
  the encoder copies them back. Keys starting with `_` are hints for this adapter and never copied:
  `_thinking` / `_output_config` (the raw objects, for what surrounds the canonical `Reasoning`),
  `_output_format` (the request used the beta top-level `output_format`), `_blocks` (fields of a
  content block whose canonical part has no `extras`, keyed "message.block[.inner]", the message
  counted without system messages), `_lists` (where a lone text block was written as a list, not the
  string shorthand) and `_system_messages` (see below). With them a same-format
  round trip reproduces the body exactly, which keeps prompt-cache prefixes intact when one turn is
  relayed as is and the next one is decoded and re-encoded.
  A router may set `_thinking: {"type": "adaptive"}` on a request from another format to ask for
  adaptive thinking (with the canonical effort as `output_config.effort`) on models that prefer it;
  by default a canonical effort becomes `{"type": "enabled", "budget_tokens": <its budget>}`.
* A content block this adapter does not model (`server_tool_use`, `web_search_tool_result`,
  `search_result`, `container_upload`…) travels as `TextPart("", extras={"anthropic": {"block": raw}})`
  and comes back unchanged; in streams as `BlockStart(kind=TEXT, data=<the block as JSON>)` sent
  whole at the block's stop. Other fields of text and tool_use blocks (citations, caller…) live in the
  part's `extras["anthropic"]`; fields of custom tools (defer_loading…) in `Tool.config["anthropic"]`;
  a server tool (`web_search_20250305`, `bash_20250124`…) is `Tool(kind=<type>, config=<its fields>)`.
* `{"role": "system"}` entries of `messages` (mid-conversation system messages: Claude Code sends its
  environment block this way for model names it does not know as Claude) join `Request.system`, in order,
  after the top-level system prompt, cache marks kept. `_system_messages` records where each stood
  (`{"top": <top-level parts>, "messages": <canonical messages>, "layout": [{"at": <index of the
  canonical message it preceded>, "n": <parts>, …}]}`); the encoder puts them back there only for a
  model that takes them (Claude Opus 4.8 and later Opus) and where the API's placement rules allow,
  and otherwise appends them to the top-level `system` (a Drop says so). Other formats never see a
  position: the canonical form has none.
* Answers for an Anthropic client never have a thinking block after a text block: Claude Code prints
  only the last block. An empty one (a Gemini 3 signature on the last text part) is left out, one
  with text is moved in front of the text (in a stream, where the text is already sent, left out).
  After a server tool's block (Anthropic's own interleaved thinking) the order is kept.
* From other formats: consecutive same-role messages are merged and tool results moved to the front of
  their user turn; a lone plain text is written as the string shorthand.
* Tool names from formats allowing `.` and `:` (Gemini) are escaped as `-x2e-` / `-x3a-` on the way to
  Anthropic and unescaped by the response and stream decoders.
* Usage: Anthropic's `input_tokens` excludes cache reads and writes; the canonical one includes them.

Layout: `adapter` holds the class behind ADAPTER and delegates to `request_decode`,
`request_encode`, `response`, `stream_decode`, `stream_encode`, `errors` and `usage`; those share
`blocks` (the `extras` key, opaque blocks, the string shorthand), `media`, `tools` and `fields`
(typed field readers that name the offending field); what all four formats share (cache marks, data
URLs, tool arguments and names, error kinds…) lives in `app.formats` itself.
"""

from app.formats.anthropic.adapter import ADAPTER, AnthropicAdapter
from app.formats.anthropic.blocks import FORMAT
from app.formats.anthropic.errors import kind_for_status
from app.formats.anthropic.request_encode import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_MAX_TOKENS_THINKING,
    EFFORT_LEVELS,
    MIN_THINKING_BUDGET,
    system_messages_refused,
)
from app.formats.anthropic.tools import escape_tool_name, unescape_tool_name

__all__ = [
    "ADAPTER",
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_MAX_TOKENS_THINKING",
    "EFFORT_LEVELS",
    "FORMAT",
    "MIN_THINKING_BUDGET",
    "AnthropicAdapter",
    "escape_tool_name",
    "kind_for_status",
    "system_messages_refused",
    "unescape_tool_name",
]
