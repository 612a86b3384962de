"""OpenAI Responses (`POST /v1/responses`), the API Codex speaks, to and from the canonical form.

Shapes, in short (see the vendor reference for the rest):

- Requests carry `instructions` (→ system) and `input`: a string, or a list of items — messages
  (roles user / assistant / system / developer, content a string or input_text / output_text /
  input_image / input_file parts), `function_call` / `function_call_output`, `reasoning` items
  (summary, encrypted_content), `custom_tool_call(_output)` (Codex's freeform apply_patch) and
  hosted-tool items (web_search_call, compaction, item_reference…). Function tools are FLAT
  (`{"type": "function", "name", "parameters", "strict"}`).
- Responses are `{"object": "response", "output": [reasoning | message | function_call …], "usage"}`.
- Streams are typed SSE events (`event:` line = `type`, a `sequence_number` on each) from
  `response.created` to `response.completed` / `response.incomplete` / `response.failed`; no [DONE].

How the canonical form is used:

- Consecutive input items of one assistant turn (reasoning, messages, calls) form ONE assistant
  message; a TextPart whose extras carry an "item" entry starts a new message item on the way back.
  Each user message item is its own user message; consecutive `function_call_output`s form one.
- system / developer messages in `input` become system TextParts marked with their role and
  position ("at": index of the canonical message they preceded), so the same-format encoder puts
  them back where they were; unmarked system parts (other formats, `instructions`) become
  `instructions`. Hosted-tool items with no canonical home travel in `extras["responses"]["items"]`
  with their position, the same way.
- Codex's freeform `custom` tools (apply_patch) become FUNCTION tools taking `{"input": string}` so
  that other vendors can call them; the original definition rides in `config["responses"]` and
  calls are turned back into `custom_tool_call` items for the Responses client.
- Reasoning: each summary entry is a ThinkingPart(kind="summary"), raw reasoning text a
  ThinkingPart(kind="thinking"); the first part of an item carries `encrypted` and every part the
  item id. Signatures from other vendors (Anthropic thinking, redacted thinking, Gemini thought
  signatures on tool calls) are handed to the Responses client inside `encrypted_content` wrapped
  in a `vansroute.v1.` envelope, and unwrapped when the client sends them back, so a Codex
  conversation with Claude or Gemini keeps its signed reasoning across turns.
- `previous_response_id`, `store`, `prompt_cache_key`… have no canonical home: they stay in
  `extras["responses"]["fields"]`. A target other than Responses cannot honour
  `previous_response_id` (it names server-side state); `stateful_fields()` lists such fields so
  the gateway can refuse or warn.

The package, one module per job: `request_decode` / `request_encode` (whole requests),
`items_decode` / `items_encode` (input and output items, shared by requests and responses),
`response` (Response objects), `stream_decode` / `stream_encode` (SSE), `errors`, `usage`,
`tools`, `reasoning` (items, settings and the signature envelope), `extras` (what rides
in `extras["responses"]`), `checks` (typed reads of the JSON body) and `adapter` (ADAPTER).
"""

from __future__ import annotations

from app.formats.openai_responses.adapter import ADAPTER, ResponsesAdapter
from app.formats.openai_responses.errors import decode_error, encode_error, encode_stream_error
from app.formats.openai_responses.extras import FORMAT, stateful_fields
from app.formats.openai_responses.reasoning import ENVELOPE_PREFIX, seal, unseal
from app.formats.openai_responses.request_decode import decode_request
from app.formats.openai_responses.request_encode import encode_request
from app.formats.openai_responses.response import decode_response, encode_response
from app.formats.openai_responses.stream_decode import ResponsesStreamDecoder
from app.formats.openai_responses.stream_encode import ResponsesStreamEncoder
from app.formats.openai_responses.tools import safe_tool_name

__all__ = [
    "ADAPTER",
    "ENVELOPE_PREFIX",
    "FORMAT",
    "ResponsesAdapter",
    "ResponsesStreamDecoder",
    "ResponsesStreamEncoder",
    "decode_error",
    "decode_request",
    "decode_response",
    "encode_error",
    "encode_request",
    "encode_response",
    "encode_stream_error",
    "safe_tool_name",
    "seal",
    "stateful_fields",
    "unseal",
]
