"""The canonical request, response and stream events: a lossless superset of the four wire formats.

Every adapter decodes its format into these types and encodes them back. Nothing here pivots through
one vendor's shape: thinking signatures, redacted thinking, cache marks, Gemini thought signatures
and encrypted reasoning all have a field of their own, and whatever has no field is carried in an
`extras` mapping keyed by the format it came from, so a same-format round trip loses nothing.

JSON-like payloads (tool schemas, arguments already parsed, extras) are plain dicts: the dataclasses
are frozen so no stage mutates what an earlier stage handed over, but they are never hashed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JSON = Any
EMPTY: Mapping[str, Any] = {}


# --- content parts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheControl:
    """Anthropic's prompt-cache breakpoint (`{"type": "ephemeral", "ttl": "5m"|"1h"}`)."""

    type: str = "ephemeral"
    ttl: str | None = None


@dataclass(frozen=True, slots=True)
class MediaSource:
    """Where image or document bytes come from: inline base64, a URL, or a provider file id."""

    kind: str  # "base64" | "url" | "file"
    media_type: str | None = None  # "image/png", "application/pdf"…; None when only a URL is known
    data: str | None = None  # base64 text, for kind == "base64"
    url: str | None = None  # for kind == "url"
    file_id: str | None = None  # for kind == "file"


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str
    cache: CacheControl | None = None
    # Anthropic citations, OpenAI annotations…: kept for the same format, dropped elsewhere.
    extras: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImagePart:
    source: MediaSource
    detail: str | None = None  # OpenAI "low" | "high" | "auto"
    cache: CacheControl | None = None


@dataclass(frozen=True, slots=True)
class DocumentPart:
    """A PDF (or plain-text) document; Anthropic `document`, OpenAI `file`, Gemini inline PDF."""

    source: MediaSource
    title: str | None = None
    filename: str | None = None
    cache: CacheControl | None = None


@dataclass(frozen=True, slots=True)
class ToolCallPart:
    """The model asks for a tool. `arguments` is the JSON text exactly as the model produced it."""

    id: str
    name: str
    arguments: str
    # Gemini 3 needs this handed back on the next turn, or it answers 400.
    thought_signature: str | None = None
    cache: CacheControl | None = None
    extras: Mapping[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolResultPart:
    call_id: str
    content: tuple[TextPart | ImagePart | DocumentPart, ...]
    is_error: bool = False
    # Gemini matches results to calls by name, not id: keep it when a format gives it.
    name: str | None = None
    cache: CacheControl | None = None


@dataclass(frozen=True, slots=True)
class ThinkingPart:
    """Visible reasoning. Anthropic signs it (`signature`); OpenAI may hand back only an encrypted
    blob (`encrypted`) with a summary as `text`; Gemini marks thought text and may sign it."""

    text: str
    signature: str | None = None
    encrypted: str | None = None  # OpenAI Responses `encrypted_content`
    reasoning_id: str | None = None  # OpenAI Responses reasoning item id (rs_…)
    # Where the text came from: "thinking" (Anthropic, Gemini thought) or "summary" (OpenAI summary).
    kind: str = "thinking"


@dataclass(frozen=True, slots=True)
class RedactedThinkingPart:
    """Anthropic's encrypted thinking: must be handed back unchanged to the same vendor."""

    data: str


Part = (
    TextPart | ImagePart | DocumentPart | ToolCallPart | ToolResultPart | ThinkingPart | RedactedThinkingPart
)


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class Message:
    """One turn. Tool results travel in USER messages (as Anthropic does); OpenAI's `tool` role
    messages decode to a user message holding ToolResultParts and encode back the same way."""

    role: Role
    parts: tuple[Part, ...]
    name: str | None = None


# --- tools, reasoning, output format -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tool:
    """A function tool (`kind == "function"`), or a vendor built-in tool (web search, code execution…)
    whose definition is carried as `config` for the same vendor and dropped elsewhere."""

    name: str
    description: str | None = None
    parameters: Mapping[str, JSON] = field(default_factory=dict)  # JSON Schema of the arguments
    strict: bool | None = None
    kind: str = "function"  # "function" or the vendor's own type, e.g. "web_search_20250305"
    config: Mapping[str, JSON] = field(default_factory=dict)
    cache: CacheControl | None = None


class ToolChoiceMode(StrEnum):
    AUTO = "auto"
    NONE = "none"
    REQUIRED = "required"  # "any" in Anthropic, "ANY" in Gemini
    TOOL = "tool"  # exactly the named tool


@dataclass(frozen=True, slots=True)
class ToolChoice:
    mode: ToolChoiceMode
    name: str | None = None


# Reasoning levels and the budgets they map to (REFERENCE.md).
EFFORT_BUDGETS: Mapping[str, int] = {
    "none": 0,
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": 128000,
}


@dataclass(frozen=True, slots=True)
class Reasoning:
    """How much to think. A format that speaks in levels reads `effort`; one that speaks in tokens
    reads `budget_tokens`; `effective_budget()`/`effective_effort()` convert between them."""

    effort: str | None = None
    budget_tokens: int | None = None
    summary: str | None = None  # OpenAI "auto" | "concise" | "detailed"
    include_encrypted: bool = False  # OpenAI `include: ["reasoning.encrypted_content"]`
    include_thoughts: bool | None = None  # Gemini `thinkingConfig.includeThoughts`

    def effective_budget(self) -> int | None:
        if self.budget_tokens is not None:
            return self.budget_tokens
        if self.effort is not None:
            return EFFORT_BUDGETS.get(self.effort)
        return None

    def effective_effort(self) -> str | None:
        if self.effort is not None:
            return self.effort
        if self.budget_tokens is None:
            return None
        # The smallest level whose budget covers the request.
        for level, budget in EFFORT_BUDGETS.items():
            if self.budget_tokens <= budget:
                return level
        return "max"


@dataclass(frozen=True, slots=True)
class ResponseFormat:
    type: str  # "text" | "json_object" | "json_schema"
    schema: Mapping[str, JSON] | None = None
    name: str | None = None
    strict: bool | None = None
    description: str | None = None


# --- request ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    model: str
    messages: tuple[Message, ...]
    # System prompt, developer messages and Responses `instructions`, in order.
    system: tuple[TextPart, ...] = ()
    tools: tuple[Tool, ...] = ()
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    reasoning: Reasoning | None = None
    response_format: ResponseFormat | None = None
    stream: bool = False
    # OpenAI chat `stream_options.include_usage`; other formats always send usage.
    stream_usage: bool = False
    user: str | None = None
    metadata: Mapping[str, JSON] = field(default_factory=dict)
    # Fields of the source format with no canonical home, keyed by format name ("anthropic", …).
    extras: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)


# --- response -----------------------------------------------------------------------------------------


class StopReason(StrEnum):
    END_TURN = "end_turn"
    MAX_TOKENS = "max_tokens"
    STOP_SEQUENCE = "stop_sequence"
    TOOL_USE = "tool_use"
    CONTENT_FILTER = "content_filter"
    PAUSE = "pause_turn"
    REFUSAL = "refusal"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0  # all input, cached included
    output_tokens: int = 0  # all output, reasoning included
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Response:
    id: str
    model: str
    content: tuple[Part, ...]  # TextPart, ThinkingPart, RedactedThinkingPart, ToolCallPart
    stop_reason: StopReason = StopReason.END_TURN
    stop_sequence: str | None = None
    usage: Usage = field(default_factory=Usage)
    created: int = 0  # unix seconds
    extras: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)


# --- stream events ------------------------------------------------------------------------------------
#
# A stream is: StreamStart, then blocks (BlockStart, deltas, BlockStop) one at a time or interleaved,
# then StreamEnd — or StreamError at any point. Block indexes count from 0 in order of first appearance
# across all kinds, as Anthropic numbers content blocks.


class BlockKind(StrEnum):
    TEXT = "text"
    THINKING = "thinking"
    REDACTED_THINKING = "redacted_thinking"
    TOOL_CALL = "tool_call"


@dataclass(frozen=True, slots=True)
class StreamStart:
    id: str
    model: str
    usage: Usage = field(default_factory=Usage)  # input tokens when known up front (Anthropic)
    created: int = 0


@dataclass(frozen=True, slots=True)
class BlockStart:
    index: int
    kind: BlockKind
    tool_call_id: str | None = None
    tool_name: str | None = None
    # Redacted thinking arrives whole at its start; Gemini thought signatures may too.
    data: str | None = None
    thought_signature: str | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    index: int
    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    index: int
    text: str


@dataclass(frozen=True, slots=True)
class SignatureDelta:
    """The signature of a thinking block (Anthropic) or the encrypted reasoning (OpenAI)."""

    index: int
    signature: str | None = None
    encrypted: str | None = None
    reasoning_id: str | None = None


@dataclass(frozen=True, slots=True)
class ToolArgsDelta:
    index: int
    partial_json: str


@dataclass(frozen=True, slots=True)
class BlockStop:
    index: int


@dataclass(frozen=True, slots=True)
class StreamEnd:
    stop_reason: StopReason
    usage: Usage = field(default_factory=Usage)
    stop_sequence: str | None = None


@dataclass(frozen=True, slots=True)
class StreamError:
    """The upstream failed after the stream began: the client gets its format's error event."""

    status: int
    message: str
    kind: str = "api_error"  # an Anthropic-style error type; encoders map it


StreamEvent = (
    StreamStart
    | BlockStart
    | TextDelta
    | ThinkingDelta
    | SignatureDelta
    | ToolArgsDelta
    | BlockStop
    | StreamEnd
    | StreamError
)


# --- what a target could not express ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drop:
    """Something the target format cannot carry and was left out (never silently)."""

    field: str  # where it was in the canonical form, e.g. "messages[2].parts[0].cache"
    reason: str


@dataclass(frozen=True, slots=True)
class Encoded:
    body: dict[str, JSON]
    drops: tuple[Drop, ...] = ()
