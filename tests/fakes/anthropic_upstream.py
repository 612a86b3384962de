"""A fake api.anthropic.com for component tests and benchmarks.

``FakeAnthropic`` is a real aiohttp server on a real TCP socket that speaks the Messages API the way
api.anthropic.com does: ``POST /v1/messages`` (JSON or SSE with an ``event:`` line on every event:
``message_start`` → ``content_block_start`` → ``ping`` → deltas → ``content_block_stop`` … →
``message_delta`` → ``message_stop``), ``POST /v1/messages/count_tokens``, ``GET /v1/models`` (the
paged list shape) and ``GET /v1/models/{id}``; ``{"type": "error", "error": {"type", "message"},
"request_id"}`` error bodies; the ``request-id`` and ``anthropic-ratelimit-*`` headers.

Authentication: the key in ``x-api-key`` or as ``Authorization: Bearer`` (the official SDK sends the
latter); the ``anthropic-version`` header is required, as upstream.

``fake.base_url`` ends in ``/v1`` (what VansRoute providers are configured with);
``fake.sdk_base_url`` is the root, for ``AsyncAnthropic(base_url=...)``, which appends ``/v1/...``.

Everything is deterministic: ids come from per-server counters, token counts from word counts.

Usage::

    async with FakeAnthropic(models=("claude-sonnet-4-5",)) as fake:
        fake.script(Behaviour.overloaded(), Behaviour(text="ok", thinking="hmm"))
        ...
        assert fake.requests[-1].json["model"] == "claude-sonnet-4-5"

Scripted behaviours are consumed only by message requests that pass authentication and validation.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from aiohttp import web

from tests.fakes.server import FakeServer, RecordedRequest, check_behaviour, count_words, split_text
from tests.fakes.server import seconds as _seconds
from tests.fakes.sse import encode_event

__all__ = [
    "API_VERSION",
    "DEFAULT_TEXT",
    "Behaviour",
    "FakeAnthropic",
    "RecordedRequest",
    "anthropic_error",
]

DEFAULT_TEXT: Final = "Hello from fake upstream"
API_VERSION: Final = "2023-06-01"
ORGANIZATION_ID: Final = "7c2a4b1e-0f3d-4e5a-9b8c-fa4e5eed0000"
MODEL_CREATED_AT: Final = "2025-09-29T00:00:00Z"
SSE_CONTENT_TYPE: Final = "text/event-stream; charset=utf-8"
JSON_CONTENT_TYPE: Final = "application/json"
MIN_THINKING_BUDGET: Final = 1024

_STATUS_TYPES: Final[Mapping[int, tuple[str, str]]] = {
    400: ("invalid_request_error", "Bad request."),
    401: ("authentication_error", "invalid x-api-key"),
    402: ("billing_error", "Your credit balance is too low to access the Anthropic API."),
    403: ("permission_error", "Your API key does not have permission to use the specified resource."),
    404: ("not_found_error", "The requested resource could not be found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "This request would exceed the rate limit for your organization."),
    500: ("api_error", "Internal server error"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}


# --------------------------------------------------------------------------- behaviours


@dataclass(frozen=True)
class Behaviour:
    """How the fake answers one messages request. Every field is optional.

    ``status``             HTTP status; >= 400 answers with an Anthropic error body.
    ``error_body``         the whole error JSON; default: realistic for ``status``.
    ``retry_after``        seconds; sets ``retry-after`` (on any status).
    ``headers``            extra response headers (override the defaults).
    ``delay_first_byte``   seconds to wait before the status line is sent.
    ``text``               reply text; default ``DEFAULT_TEXT`` (or the echo, or none with tool calls).
    ``echo``               reply with the text of the last user message instead.
    ``chunks``             number of text deltas; default one per word.
    ``chunk_interval``     seconds between consecutive SSE events (0: the whole stream in one write).
    ``drop_after_chunks``  abort the TCP connection after this many SSE events (``message_start``
                           and ``ping`` count; ``message_stop`` is never sent). Non-stream: 0 sends
                           headers only, > 0 headers plus half the body, then aborts.
    ``tool_calls``         ``[{"name": str, "input": dict | "arguments": str | dict, "id"?: str}]``.
    ``thinking``           a thinking block before the answer, signed with ``signature``.
    ``redacted_thinking``  a redacted_thinking block (its ``data``) before the answer.
    ``usage``              overrides: ``input_tokens``, ``output_tokens``, ``cache_read_input_tokens``,
                           ``cache_creation_input_tokens``.
    ``stop_reason``        default ``"tool_use"`` with tool calls, else ``"end_turn"``.
    ``stream_error``       an error type (``"overloaded_error"``…) sent as ``event: error`` after
                           ``stream_error_after`` events, ending the stream.
    """

    status: int = 200
    error_body: Mapping[str, Any] | None = None
    retry_after: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_first_byte: float = 0.0
    text: str | None = None
    echo: bool = False
    chunks: int | None = None
    chunk_interval: float = 0.0
    drop_after_chunks: int | None = None
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    thinking: str | None = None
    signature: str | None = None
    redacted_thinking: str | None = None
    usage: Mapping[str, int] | None = None
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stream_error: str | None = None
    stream_error_after: int = 1

    def __post_init__(self) -> None:
        check_behaviour(self, ("drop_after_chunks", "stream_error_after"))

    @classmethod
    def rate_limited(cls, retry_after: float | None = 20) -> Behaviour:
        """429 ``rate_limit_error`` with ``retry-after``."""
        return cls(status=429, retry_after=retry_after)

    @classmethod
    def overloaded(cls) -> Behaviour:
        """529 ``overloaded_error``: Anthropic's "try again shortly"."""
        return cls(status=529)

    @classmethod
    def server_error(cls, status: int = 500) -> Behaviour:
        return cls(status=status)

    @classmethod
    def overloaded_mid_stream(cls, after: int = 3) -> Behaviour:
        """A 200 stream that turns into ``event: error`` (overloaded) after ``after`` events."""
        return cls(stream_error="overloaded_error", stream_error_after=after)


# --------------------------------------------------------------------------- wire helpers


def anthropic_error(kind: str, message: str, *, request_id: str | None = None) -> dict[str, Any]:
    """An Anthropic error body: ``{"type": "error", "error": {"type", "message"}, "request_id"}``."""
    body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
    if request_id is not None:
        body["request_id"] = request_id
    return body


def default_error_body(status: int) -> dict[str, Any]:
    kind, message = _STATUS_TYPES.get(status, ("api_error" if status >= 500 else "invalid_request_error", ""))
    return anthropic_error(kind, message or f"Request failed with status {status}.")


def _text_of(content: Any) -> str:
    """Every text a content value carries (strings, text blocks, tool results, thinking)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    pieces: list[str] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            pieces.append(block["text"])
        elif kind == "tool_result":
            pieces.append(_text_of(block.get("content")))
        elif kind == "tool_use":
            pieces.append(orjson.dumps(block.get("input") or {}).decode())
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            pieces.append(block["thinking"])
    return " ".join(p for p in pieces if p)


def _input_tokens(payload: Mapping[str, Any]) -> int:
    words = count_words(_text_of(payload.get("system")))
    for message in payload.get("messages") or ():
        if isinstance(message, dict):
            words += count_words(_text_of(message.get("content")))
    for tool in payload.get("tools") or ():
        if isinstance(tool, dict):
            words += count_words(orjson.dumps(tool).decode().replace(",", " "))
    return max(1, words)


def _json_fragments(text: str) -> list[str]:
    """Split JSON text into a few fragments the way Anthropic streams tool input."""
    if not text:
        return []
    size = max(1, len(text) // 3)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _display_name(model: str) -> str:
    words = model.replace("claude-", "Claude ").replace("-", " ").split()
    return " ".join(w.capitalize() if w.isalpha() else w for w in words)


def _model_object(model: str) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model,
        "display_name": _display_name(model),
        "created_at": MODEL_CREATED_AT,
    }


# --------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class _Answer:
    id: str
    model: str
    blocks: tuple[dict[str, Any], ...]  # complete content blocks
    stop_reason: str
    stop_sequence: str | None
    usage: dict[str, int]

    @classmethod
    def build(cls, fake: FakeAnthropic, payload: Mapping[str, Any], behaviour: Behaviour) -> _Answer:
        blocks: list[dict[str, Any]] = []
        if behaviour.thinking is not None:
            n = next(fake._signatures)
            signature = behaviour.signature or f"EqQBCkgIBxABGAIqQFakeSignature{n:08d}"
            blocks.append({"type": "thinking", "thinking": behaviour.thinking, "signature": signature})
        if behaviour.redacted_thinking is not None:
            blocks.append({"type": "redacted_thinking", "data": behaviour.redacted_thinking})
        text: str | None
        if behaviour.text is not None:
            text = behaviour.text
        elif behaviour.echo:
            text = next(
                (
                    _text_of(m.get("content"))
                    for m in reversed(payload.get("messages") or [])
                    if isinstance(m, dict) and m.get("role") == "user"
                ),
                "",
            )
        elif behaviour.tool_calls:
            text = None
        else:
            text = DEFAULT_TEXT
        if text is not None:
            blocks.append({"type": "text", "text": text})
        for call in behaviour.tool_calls or ():
            tool_input = call.get("input", call.get("arguments", {}))
            if isinstance(tool_input, str):
                tool_input = orjson.loads(tool_input) if tool_input.strip() else {}
            blocks.append(
                {
                    "type": "tool_use",
                    "id": str(call.get("id") or f"toolu_01{next(fake._tool_ids):022d}"),
                    "name": str(call["name"]),
                    "input": tool_input,
                }
            )
        output = sum(count_words(_text_of([b])) for b in blocks) + sum(
            1 for b in blocks if b["type"] == "tool_use"
        )
        overrides = behaviour.usage or {}
        usage = {
            "input_tokens": overrides.get("input_tokens", _input_tokens(payload)),
            "cache_creation_input_tokens": overrides.get("cache_creation_input_tokens", 0),
            "cache_read_input_tokens": overrides.get("cache_read_input_tokens", 0),
            "output_tokens": overrides.get("output_tokens", max(1, output)),
        }
        has_tools = any(b["type"] == "tool_use" for b in blocks)
        return cls(
            id=f"msg_01{next(fake._message_ids):022d}",
            model=str(payload["model"]),
            blocks=tuple(blocks),
            stop_reason=behaviour.stop_reason or ("tool_use" if has_tools else "end_turn"),
            stop_sequence=behaviour.stop_sequence,
            usage=usage,
        )

    def message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": list(self.blocks),
            "stop_reason": self.stop_reason,
            "stop_sequence": self.stop_sequence,
            "usage": {**self.usage, "service_tier": "standard"},
        }

    def stream_events(self, behaviour: Behaviour) -> list[bytes]:
        start_usage: dict[str, Any] = {**self.usage, "output_tokens": 1, "service_tier": "standard"}
        start: dict[str, Any] = {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": start_usage,
        }
        events = [encode_event({"type": "message_start", "message": start}, "message_start")]
        pinged = False
        for index, block in enumerate(self.blocks):
            kind = block["type"]
            deltas: list[dict[str, Any]] = []
            if kind == "text":
                opening: dict[str, Any] = {"type": "text", "text": ""}
                deltas = [
                    {"type": "text_delta", "text": p} for p in split_text(block["text"], behaviour.chunks)
                ]
            elif kind == "thinking":
                opening = {"type": "thinking", "thinking": "", "signature": ""}
                deltas = [{"type": "thinking_delta", "thinking": p} for p in split_text(block["thinking"])]
                deltas.append({"type": "signature_delta", "signature": block["signature"]})
            elif kind == "tool_use":
                opening = {**block, "input": {}}
                text = orjson.dumps(block["input"]).decode()
                deltas = [{"type": "input_json_delta", "partial_json": ""}]
                deltas += [{"type": "input_json_delta", "partial_json": p} for p in _json_fragments(text)]
            else:
                opening = block
            events.append(
                encode_event(
                    {"type": "content_block_start", "index": index, "content_block": opening},
                    "content_block_start",
                )
            )
            if not pinged:
                events.append(encode_event({"type": "ping"}, "ping"))
                pinged = True
            events.extend(
                encode_event(
                    {"type": "content_block_delta", "index": index, "delta": d}, "content_block_delta"
                )
                for d in deltas
            )
            events.append(encode_event({"type": "content_block_stop", "index": index}, "content_block_stop"))
        if not pinged:
            events.append(encode_event({"type": "ping"}, "ping"))
        delta_usage = {"output_tokens": self.usage["output_tokens"]}
        events.append(
            encode_event(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": self.stop_reason, "stop_sequence": self.stop_sequence},
                    "usage": delta_usage,
                },
                "message_delta",
            )
        )
        events.append(encode_event({"type": "message_stop"}, "message_stop"))
        return events


# --------------------------------------------------------------------------- the server


class FakeAnthropic(FakeServer[Behaviour, RecordedRequest]):
    """A fake api.anthropic.com (messages, count_tokens, models) on a real TCP socket."""

    def __init__(
        self,
        *,
        models: Sequence[str] = ("claude-sonnet-4-5",),
        api_key: str | None = "sk-ant-fake-upstream",
        require_version: bool = True,
    ) -> None:
        super().__init__(
            models=models, api_key=api_key, default_behaviour=Behaviour(), record_type=RecordedRequest
        )
        self.require_version = require_version
        self._request_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._tool_ids = itertools.count(1)
        self._signatures = itertools.count(1)

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/messages", self._messages)
        router.add_post("/v1/messages/count_tokens", self._count_tokens)
        router.add_get("/v1/models", self._list_models)
        router.add_get("/v1/models/{model}", self._get_model)
        router.add_route("*", "/{tail:.*}", self._not_found)

    @property
    def sdk_base_url(self) -> str:
        """The root, for ``AsyncAnthropic(base_url=...)``, which appends ``/v1/...``."""
        return self.root_url

    @property
    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/messages"]

    # ---- plumbing

    def _headers(self, content_type: str, *, status: int = 200) -> dict[str, str]:
        limited = status == 429
        return {
            "Content-Type": content_type,
            "request-id": f"req_011C{next(self._request_ids):020d}",
            "anthropic-organization-id": ORGANIZATION_ID,
            "anthropic-ratelimit-requests-limit": "4000",
            "anthropic-ratelimit-requests-remaining": "0" if limited else "3999",
            "anthropic-ratelimit-requests-reset": "2025-01-01T00:00:01Z",
            "anthropic-ratelimit-input-tokens-limit": "2000000",
            "anthropic-ratelimit-input-tokens-remaining": "2000000",
            "anthropic-ratelimit-output-tokens-limit": "400000",
            "anthropic-ratelimit-output-tokens-remaining": "400000",
            "via": "1.1 google",
            "Server": "cloudflare",
        }

    def _error(
        self,
        status: int,
        body: Mapping[str, Any],
        *,
        retry_after: float | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> web.Response:
        headers = self._headers(JSON_CONTENT_TYPE, status=status)
        payload = dict(body)
        payload.setdefault("request_id", headers["request-id"])
        if retry_after is not None:
            headers["retry-after"] = _seconds(retry_after)
        if status in (429, 500, 529):
            headers["x-should-retry"] = "true"
        if extra:
            headers.update(extra)
        return web.Response(status=status, body=orjson.dumps(payload), headers=headers)

    def _invalid(self, message: str) -> web.Response:
        return self._error(400, anthropic_error("invalid_request_error", message))

    def _refused(self, rec: RecordedRequest) -> web.Response | None:
        """Authentication and the version header, checked before anything else."""
        if self.api_key is not None:
            key = rec.headers.get("x-api-key")
            if key is None:
                scheme, _, token = rec.headers.get("Authorization", "").partition(" ")
                key = token.strip() if scheme.lower() == "bearer" else None
            if not key:
                return self._error(
                    401, anthropic_error("authentication_error", "x-api-key header is required")
                )
            if key != self.api_key:
                return self._error(401, anthropic_error("authentication_error", "invalid x-api-key"))
        if self.require_version and not rec.headers.get("anthropic-version"):
            return self._invalid("anthropic-version: header is required")
        return None

    def _validate(self, rec: RecordedRequest, *, count_only: bool = False) -> web.Response | None:
        payload = rec.json
        if not isinstance(payload, dict):
            return self._invalid(
                "There was an error parsing the body of your request. Please check that it is valid JSON."
            )
        required = ("model", "messages") if count_only else ("model", "max_tokens", "messages")
        for name in required:
            if name not in payload:
                return self._invalid(f"{name}: Field required")
        if not isinstance(payload["model"], str):
            return self._invalid("model: Input should be a valid string")
        if not count_only and (
            isinstance(payload["max_tokens"], bool) or not isinstance(payload["max_tokens"], int)
        ):
            return self._invalid("max_tokens: Input should be a valid integer")
        messages = payload["messages"]
        if not isinstance(messages, list):
            return self._invalid("messages: Input should be a valid list")
        if not messages:
            return self._invalid("messages: at least one message is required")
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
                return self._invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
            content = message.get("content")
            if not isinstance(content, str | list):
                return self._invalid(f"messages.{i}.content: Field required")
            if isinstance(content, list):
                for j, block in enumerate(content):
                    if isinstance(block, dict) and block.get("type") == "text" and not block.get("text"):
                        return self._invalid(
                            f"messages.{i}.content.{j}.text: text content blocks must be non-empty"
                        )
        thinking = payload.get("thinking")
        if isinstance(thinking, dict) and thinking.get("type") == "enabled":
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or budget < MIN_THINKING_BUDGET:
                return self._invalid(
                    "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
                )
            if not count_only and budget >= payload["max_tokens"]:
                return self._invalid(
                    "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation "
                    "at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size"
                )
        if payload["model"] not in self.models:
            return self._error(404, anthropic_error("not_found_error", f"model: {payload['model']}"))
        return None

    # ---- handlers

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        return self._error(404, anthropic_error("not_found_error", "Not Found"))

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._refused(rec)) is not None:
            return refused
        models = list(self.models)
        after, before = request.query.get("after_id"), request.query.get("before_id")
        if after in models:
            models = models[models.index(after) + 1 :]
        elif before in models:
            models = models[: models.index(before)]
        try:
            limit = max(1, min(1000, int(request.query.get("limit", "20"))))
        except ValueError:
            return self._invalid("limit: Input should be a valid integer")
        page = models[:limit]
        body = {
            "data": [_model_object(m) for m in page],
            "has_more": len(models) > limit,
            "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None,
        }
        return web.Response(body=orjson.dumps(body), headers=self._headers(JSON_CONTENT_TYPE))

    async def _get_model(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._refused(rec)) is not None:
            return refused
        model = request.match_info["model"]
        if model not in self.models:
            return self._error(404, anthropic_error("not_found_error", f"model: {model}"))
        return web.Response(body=orjson.dumps(_model_object(model)), headers=self._headers(JSON_CONTENT_TYPE))

    async def _count_tokens(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._refused(rec)) is not None:
            return refused
        if (invalid := self._validate(rec, count_only=True)) is not None:
            return invalid
        body = {"input_tokens": _input_tokens(rec.json)}
        return web.Response(body=orjson.dumps(body), headers=self._headers(JSON_CONTENT_TYPE))

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._refused(rec)) is not None:
            return refused
        if (invalid := self._validate(rec)) is not None:
            return invalid
        payload: dict[str, Any] = rec.json
        behaviour = self._next_behaviour()
        await self._wait_first_byte(behaviour)
        if behaviour.status >= 400:
            return self._error(
                behaviour.status,
                behaviour.error_body or default_error_body(behaviour.status),
                retry_after=behaviour.retry_after,
                extra=behaviour.headers,
            )
        answer = _Answer.build(self, payload, behaviour)
        if payload.get("stream"):
            return await self._stream(request, behaviour, answer)
        return await self._complete(request, behaviour, answer)

    def _success_headers(self, behaviour: Behaviour, content_type: str) -> dict[str, str]:
        headers = self._headers(content_type)
        if content_type == SSE_CONTENT_TYPE:
            headers["Cache-Control"] = "no-cache"
        if behaviour.retry_after is not None:
            headers["retry-after"] = _seconds(behaviour.retry_after)
        headers.update(behaviour.headers)
        return headers

    async def _complete(
        self, request: web.Request, behaviour: Behaviour, answer: _Answer
    ) -> web.StreamResponse:
        body = orjson.dumps(answer.message())
        headers = self._success_headers(behaviour, JSON_CONTENT_TYPE)
        return await self._send_body(request, behaviour, behaviour.status, body, headers)

    async def _stream(
        self, request: web.Request, behaviour: Behaviour, answer: _Answer
    ) -> web.StreamResponse:
        events = answer.stream_events(behaviour)
        if behaviour.stream_error is not None:
            events = events[: behaviour.stream_error_after]
            messages = {kind: message for kind, message in _STATUS_TYPES.values()}
            error = anthropic_error(behaviour.stream_error, messages.get(behaviour.stream_error, "Error"))
            events.append(encode_event(error, "error"))
        headers = self._success_headers(behaviour, SSE_CONTENT_TYPE)
        return await self._send_events(request, behaviour, behaviour.status, headers, events)
