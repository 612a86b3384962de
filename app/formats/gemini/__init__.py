"""Google Gemini `generateContent` / `streamGenerateContent?alt=sse`, to and from the canonical form.

The model and the choice of streaming live in the URL, not the body. Requests are `contents` of
`user`/`model` turns made of parts: text (with `thought: true` for thought summaries), `inlineData`,
`fileData`, `functionCall`, `functionResponse`; `thoughtSignature` may sit on any part and must be
handed back exactly where it came from (Gemini 3 answers 400 when the first `functionCall` of a step
lacks it). The REST API accepts camelCase and snake_case keys; both are read, camelCase is written.

Decisions worth knowing:

* Tool call ids: Gemini usually sends none and matches results by name. Missing ids are synthesised
  deterministically with the prefix ``gfc_`` (from the response id, or the position in a request) so
  other formats can link results; ids with that prefix are never written back to Gemini.
* A `thoughtSignature` on a functionCall goes to ToolCallPart.thought_signature; on a thought part to
  ThinkingPart.signature; on any other part (usually the last text part of a Gemini 3 answer) it
  becomes an empty signed ThinkingPart right after that part, and is merged back onto it when encoding.
* History bound for a Gemini 3 model whose function calls carry no signature (they came from another
  vendor) gets the documented ``skip_thought_signature_validator`` value on the first call of the turn.
* Tool schemas from other formats are cleaned into Gemini's OpenAPI subset (`parameters`); a schema
  that subset cannot express (free-form objects, arrays without items, recursive refs) is sent as
  `parametersJsonSchema`, which takes JSON Schema. Gemini-side schemas are normalised to JSON Schema
  on decode (lower-case types, `nullable` → type unions) and restored exactly for Gemini.
* Function results are `{"output": text}` or `{"error": text}`; images in results are nested in
  `functionResponse.parts` for Gemini 3 models and sent as sibling `inlineData` parts otherwise.
* `thinkingBudget: -1` (dynamic) decodes as effort "medium" and is restored for Gemini.

Layout: `adapter` holds the class behind ADAPTER and delegates to `request_decode`,
`request_encode`, `response`, `stream_decode`, `stream_encode`, `errors` and `usage`; those share
`parts_decode` / `parts_encode` (content parts), `media`, `tools`, `schema`, `thinking`,
`model_version` and `fields` (camelCase/snake_case field readers and the format's constants).
"""

from app.formats.gemini.adapter import ADAPTER, GeminiAdapter
from app.formats.gemini.errors import retry_after_seconds
from app.formats.gemini.fields import FORMAT, SKIP_SIGNATURE, SYNTHETIC_ID_PREFIX
from app.formats.gemini.schema import clean_schema, openapi_to_json_schema
from app.formats.gemini.stream_decode import GeminiStreamDecoder
from app.formats.gemini.stream_encode import GeminiStreamEncoder
from app.formats.gemini.tools import sanitize_name
from app.formats.gemini.usage import metadata_from_usage, usage_from_metadata

__all__ = [
    "ADAPTER",
    "FORMAT",
    "SKIP_SIGNATURE",
    "SYNTHETIC_ID_PREFIX",
    "GeminiAdapter",
    "GeminiStreamDecoder",
    "GeminiStreamEncoder",
    "clean_schema",
    "metadata_from_usage",
    "openapi_to_json_schema",
    "retry_after_seconds",
    "sanitize_name",
    "usage_from_metadata",
]
