"""A fake api.openai.com for component tests and benchmarks.

``FakeOpenAI`` is a real aiohttp server on a real TCP socket that speaks the Chat Completions
wire format the way api.openai.com does: ``chat.completion`` / ``chat.completion.chunk`` objects,
``data: {...}\\n\\n`` SSE framing ending in ``data: [DONE]\\n\\n``, ``usage: null`` on every chunk
plus a final ``choices: []`` usage chunk only when ``stream_options.include_usage`` is true,
``{"error": {"message", "type", "param", "code"}}`` error bodies, ``x-request-id`` and the
``openai-*`` / ``x-ratelimit-*`` headers.

Everything is deterministic except ``created`` (wall-clock seconds, as upstream) and
``openai-processing-ms``: ids come from a per-server counter, token counts from word counts.

Usage::

    async with FakeOpenAI(models=("gpt-4o-mini",)) as fake:
        fake.script(Behaviour.rate_limited(retry_after=2), Behaviour(text="ok"))
        ...  # point the gateway at fake.base_url with api key fake.api_key
        assert fake.requests[-1].json["model"] == "gpt-4o-mini"

Scripted behaviours are consumed only by chat requests that pass authentication and validation
(a request refused with 401/400/404 by the fake itself does not pop the script).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from aiohttp import web

from tests.fakes.server import (
    FakeServer,
    RecordedRequest,
    check_behaviour,
    count_words,
    split_text,
)
from tests.fakes.server import seconds as _seconds
from tests.fakes.sse import DONE, encode_data

__all__ = [
    "DEFAULT_TEXT",
    "SYSTEM_FINGERPRINT",
    "Behaviour",
    "FakeOpenAI",
    "RecordedRequest",
    "count_words",
    "openai_error",
    "split_text",
]

DEFAULT_TEXT: Final = "Hello from fake upstream"
SYSTEM_FINGERPRINT: Final = "fp_fa4e5eed00"
OPENAI_VERSION: Final = "2020-10-01"
ORGANIZATION: Final = "org-fakeupstream"
MODEL_CREATED: Final = 1721172741
SSE_CONTENT_TYPE: Final = "text/event-stream; charset=utf-8"
JSON_CONTENT_TYPE: Final = "application/json"

_ARG_TOKEN = re.compile(r"\w+|\s+|[^\w\s]+")


# --------------------------------------------------------------------------- behaviours


@dataclass(frozen=True)
class Behaviour:
    """How the fake answers one chat request. Every field is optional.

    ``status``            HTTP status; >= 400 answers with an OpenAI error body.
    ``error_body``        the whole error JSON (``{"error": {...}}``); default: realistic for ``status``.
    ``retry_after``       seconds; sets ``Retry-After`` (on any status).
    ``headers``           extra response headers (override the defaults).
    ``delay_first_byte``  seconds to wait before the status line is sent.
    ``text``              reply text; default ``DEFAULT_TEXT`` (or the echo, or ``None`` with tool calls).
    ``echo``              reply with the text of the last user message instead.
    ``chunks``            number of content deltas the text is split into; default one per word.
    ``chunk_interval``    seconds between consecutive SSE events (0: the whole stream in one write).
    ``drop_after_chunks`` abort the TCP connection after this many SSE events (the role chunk
                          counts; ``[DONE]`` is never sent). Non-stream: 0 sends headers only,
                          > 0 sends headers plus half the body, then aborts.
    ``tool_calls``        ``[{"name": str, "arguments": str | dict, "id"?: str}, ...]``.
    ``usage``             overrides: ``prompt_tokens``, ``completion_tokens``, ``total_tokens``,
                          ``cached_tokens``, ``reasoning_tokens``.
    ``finish_reason``     default ``"tool_calls"`` with tool calls, else ``"stop"``.
    ``reasoning``         visible reasoning sent before the answer the way DeepSeek, vLLM and other
                          OpenAI-compatible servers do: ``message.reasoning_content`` and
                          ``delta.reasoning_content`` chunks (one per word). Its words count as
                          completion and reasoning tokens. ``None`` (default): no reasoning at all.
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
    usage: Mapping[str, int] | None = None
    finish_reason: str | None = None
    reasoning: str | None = None

    def __post_init__(self) -> None:
        check_behaviour(self)

    # Convenience constructors for the common upstream failures.

    @classmethod
    def rate_limited(cls, retry_after: float | None = 20, *, model: str = "gpt-4o-mini") -> Behaviour:
        """429 ``rate_limit_exceeded`` (requests per minute), as a retryable limit."""
        return cls(status=429, error_body=_rate_limit_body(model, retry_after), retry_after=retry_after)

    @classmethod
    def quota_exhausted(cls) -> Behaviour:
        """429 ``insufficient_quota``: billing exhausted, retrying will not help."""
        return cls(status=429, error_body=_insufficient_quota_body())

    @classmethod
    def server_error(cls, status: int = 500) -> Behaviour:
        return cls(status=status)


# --------------------------------------------------------------------------- wire helpers


def openai_error(
    message: str, type_: str, *, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """An OpenAI error body: ``{"error": {"message", "type", "param", "code"}}``."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _rate_limit_body(model: str, retry_after: float | None) -> dict[str, Any]:
    wait = f"{_seconds(retry_after)}s" if retry_after is not None else "20s"
    return openai_error(
        f"Rate limit reached for {model} in organization {ORGANIZATION} on requests per min (RPM): "
        f"Limit 3, Used 3, Requested 1. Please try again in {wait}. "
        "Visit https://platform.openai.com/account/rate-limits to learn more.",
        "requests",
        code="rate_limit_exceeded",
    )


def _insufficient_quota_body() -> dict[str, Any]:
    return openai_error(
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
        "insufficient_quota",
        code="insufficient_quota",
    )


def _mask_key(key: str) -> str:
    if len(key) <= 8:
        return key
    return key[:3] + "*" * (len(key) - 7) + key[-4:]


def default_error_body(status: int, model: str = "gpt-4o-mini") -> dict[str, Any]:
    """The error body api.openai.com typically sends for ``status``."""
    if status == 400:
        return openai_error("Bad request.", "invalid_request_error")
    if status == 401:
        return openai_error(
            "Incorrect API key provided: sk-fake-******************1234. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            code="invalid_api_key",
        )
    if status == 403:
        return openai_error(
            "Country, region, or territory not supported",
            "request_forbidden",
            code="unsupported_country_region_territory",
        )
    if status == 404:
        return openai_error(
            f"The model `{model}` does not exist or you do not have access to it.",
            "invalid_request_error",
            code="model_not_found",
        )
    if status == 429:
        return _rate_limit_body(model, None)
    if status == 503:
        return openai_error(
            "The server is overloaded or not ready yet.",
            "service_unavailable_error",
            code="server_is_overloaded",
        )
    if status >= 500:
        return openai_error(
            "The server had an error while processing your request. Sorry about that!", "server_error"
        )
    return openai_error(f"Request failed with status {status}.", "invalid_request_error")


def _error_bytes(body: Mapping[str, Any]) -> bytes:
    # api.openai.com pretty-prints error bodies with a 4-space indent (orjson only does 2).
    return json.dumps(body, indent=4, ensure_ascii=False).encode() + b"\n"


def _message_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
        )
    return ""


def _arguments_text(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    return orjson.dumps(arguments).decode()


# --------------------------------------------------------------------------- the server


class FakeOpenAI(FakeServer[Behaviour, RecordedRequest]):
    """A fake api.openai.com (``/v1/chat/completions``, ``/v1/models``) on a real TCP socket."""

    def __init__(
        self, *, models: Sequence[str] = ("gpt-4o-mini",), api_key: str | None = "sk-fake-upstream"
    ) -> None:
        super().__init__(
            models=models, api_key=api_key, default_behaviour=Behaviour(), record_type=RecordedRequest
        )
        self._request_ids = itertools.count(1)
        self._completion_ids = itertools.count(1)
        self._call_ids = itertools.count(1)
        # Extra fields per model in GET /v1/models, as aggregators publish them (OpenRouter's
        # context_length and pricing, vLLM's max_model_len…); set by a test.
        self.listing: dict[str, dict[str, Any]] = {}
        # OpenRouter's GET /models answers without a key; its GET /key checks one.
        self.public_model_list = False

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/chat/completions", self._chat)
        router.add_get("/v1/models", self._list_models)
        router.add_get("/v1/models/{model}", self._get_model)
        router.add_get("/v1/key", self._current_key)
        router.add_route("*", "/{tail:.*}", self._invalid_url)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/chat/completions"]

    # ---- plumbing

    def _headers(self, rec: RecordedRequest, content_type: str, *, status: int = 200) -> dict[str, str]:
        return {
            "Content-Type": content_type,
            "x-request-id": f"req_{next(self._request_ids):032x}",
            "openai-organization": ORGANIZATION,
            "openai-processing-ms": str(self._elapsed_ms(rec)),
            "openai-version": OPENAI_VERSION,
            "x-ratelimit-limit-requests": "10000",
            "x-ratelimit-limit-tokens": "10000000",
            "x-ratelimit-remaining-requests": "0" if status == 429 else "9999",
            "x-ratelimit-remaining-tokens": "9999990",
            "x-ratelimit-reset-requests": "6ms",
            "x-ratelimit-reset-tokens": "0s",
            "access-control-expose-headers": "X-Request-ID",
            "Server": "cloudflare",
        }

    def _error(
        self,
        rec: RecordedRequest,
        status: int,
        body: Mapping[str, Any],
        *,
        retry_after: float | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> web.Response:
        headers = self._headers(rec, JSON_CONTENT_TYPE, status=status)
        if retry_after is not None:
            headers["Retry-After"] = _seconds(retry_after)
        if extra:
            headers.update(extra)
        return web.Response(status=status, body=_error_bytes(body), headers=headers)

    def _auth_error(self, rec: RecordedRequest) -> web.Response | None:
        if self.api_key is None:
            return None
        auth = rec.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return self._error(
                rec,
                401,
                openai_error(
                    "You didn't provide an API key. You need to provide your API key in an Authorization "
                    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
                    "field (with blank username) if you're accessing the API from your browser and are "
                    "prompted for a username and password. You can obtain an API key from "
                    "https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                ),
            )
        if token != self.api_key:
            return self._error(
                rec,
                401,
                openai_error(
                    f"Incorrect API key provided: {_mask_key(token)}. You can find your API key at "
                    "https://platform.openai.com/account/api-keys.",
                    "invalid_request_error",
                    code="invalid_api_key",
                ),
            )
        return None

    def _validation_error(self, rec: RecordedRequest) -> web.Response | None:
        payload = rec.json
        if not isinstance(payload, dict):
            return self._error(
                rec,
                400,
                openai_error(
                    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                    "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
                    "contact us through our help center at help.openai.com.)",
                    "invalid_request_error",
                ),
            )
        for name in ("model", "messages"):
            if name not in payload:
                return self._error(
                    rec,
                    400,
                    openai_error(
                        f"Missing required parameter: '{name}'.",
                        "invalid_request_error",
                        param=name,
                        code="missing_required_parameter",
                    ),
                )
        if not isinstance(payload["model"], str):
            return self._error(
                rec,
                400,
                openai_error(
                    "Invalid type for 'model': expected a string, but got "
                    f"{_json_type(payload['model'])} instead.",
                    "invalid_request_error",
                    param="model",
                    code="invalid_type",
                ),
            )
        messages = payload["messages"]
        if not isinstance(messages, list):
            return self._error(
                rec,
                400,
                openai_error(
                    "Invalid type for 'messages': expected an array, but got "
                    f"{_json_type(messages)} instead.",
                    "invalid_request_error",
                    param="messages",
                    code="invalid_type",
                ),
            )
        if not messages:
            return self._error(
                rec,
                400,
                openai_error(
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    "but got an empty array instead.",
                    "invalid_request_error",
                    param="messages",
                    code="empty_array",
                ),
            )
        if payload.get("stream_options") is not None and not payload.get("stream"):
            return self._error(
                rec,
                400,
                openai_error(
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                    "invalid_request_error",
                    param="stream_options",
                ),
            )
        if payload["model"] not in self.models:
            return self._error(rec, 404, default_error_body(404, payload["model"]))
        return None

    # ---- handlers

    async def _invalid_url(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        return self._error(
            rec,
            404,
            openai_error(f"Invalid URL ({request.method} {request.path})", "invalid_request_error"),
        )

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if not self.public_model_list and (refused := self._auth_error(rec)) is not None:
            return refused
        body = {"object": "list", "data": [_model_object(m) | self.listing.get(m, {}) for m in self.models]}
        return web.Response(
            body=orjson.dumps(body, option=orjson.OPT_INDENT_2), headers=self._headers(rec, JSON_CONTENT_TYPE)
        )

    async def _current_key(self, request: web.Request) -> web.StreamResponse:
        """OpenRouter's "get current API key" (GET /api/v1/key): 401 for a bad key."""
        rec = await self._record(request)
        token = rec.headers.get("Authorization", "").partition(" ")[2].strip()
        if self.api_key is not None and token != self.api_key:
            body = {"error": {"message": "User not found.", "code": 401}}
            return web.Response(
                status=401, body=orjson.dumps(body), headers=self._headers(rec, JSON_CONTENT_TYPE, status=401)
            )
        data = {"label": "sk-or-v1-fak...e00", "limit": None, "usage": 0.0, "is_free_tier": False}
        return web.Response(body=orjson.dumps({"data": data}), headers=self._headers(rec, JSON_CONTENT_TYPE))

    async def _get_model(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._auth_error(rec)) is not None:
            return refused
        model = request.match_info["model"]
        if model not in self.models:
            return self._error(
                rec,
                404,
                openai_error(
                    f"The model '{model}' does not exist",
                    "invalid_request_error",
                    param="model",
                    code="model_not_found",
                ),
            )
        return web.Response(
            body=orjson.dumps(_model_object(model), option=orjson.OPT_INDENT_2),
            headers=self._headers(rec, JSON_CONTENT_TYPE),
        )

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._auth_error(rec)) is not None:
            return refused
        if (invalid := self._validation_error(rec)) is not None:
            return invalid
        payload: dict[str, Any] = rec.json
        behaviour = self._next_behaviour()
        await self._wait_first_byte(behaviour)
        model: str = payload["model"]
        if behaviour.status >= 400:
            return self._error(
                rec,
                behaviour.status,
                behaviour.error_body or default_error_body(behaviour.status, model),
                retry_after=behaviour.retry_after,
                extra=behaviour.headers,
            )
        answer = _Answer.build(self, payload, behaviour)
        if payload.get("stream"):
            return await self._stream(request, rec, payload, behaviour, answer)
        return await self._complete(request, rec, behaviour, answer)

    def _success_headers(
        self, rec: RecordedRequest, behaviour: Behaviour, content_type: str
    ) -> dict[str, str]:
        headers = self._headers(rec, content_type)
        if behaviour.retry_after is not None:
            headers["Retry-After"] = _seconds(behaviour.retry_after)
        headers.update(behaviour.headers)
        return headers

    async def _complete(
        self, request: web.Request, rec: RecordedRequest, behaviour: Behaviour, answer: _Answer
    ) -> web.StreamResponse:
        message: dict[str, Any] = {"role": "assistant", "content": answer.text}
        if answer.reasoning is not None:
            message["reasoning_content"] = answer.reasoning
        if answer.tool_calls:
            message["tool_calls"] = [
                {"id": tc_id, "type": "function", "function": {"name": name, "arguments": args}}
                for tc_id, name, args in answer.tool_calls
            ]
        message["refusal"] = None
        message["annotations"] = []
        body = orjson.dumps(
            {
                "id": answer.id,
                "object": "chat.completion",
                "created": answer.created,
                "model": answer.model,
                "choices": [
                    {"index": 0, "message": message, "logprobs": None, "finish_reason": answer.finish_reason}
                ],
                "usage": answer.usage,
                "service_tier": "default",
                "system_fingerprint": SYSTEM_FINGERPRINT,
            },
            option=orjson.OPT_INDENT_2,
        )
        headers = self._success_headers(rec, behaviour, JSON_CONTENT_TYPE)
        return await self._send_body(request, behaviour, behaviour.status, body, headers)

    async def _stream(
        self,
        request: web.Request,
        rec: RecordedRequest,
        payload: dict[str, Any],
        behaviour: Behaviour,
        answer: _Answer,
    ) -> web.StreamResponse:
        stream_options = payload.get("stream_options") or {}
        include_usage = bool(stream_options.get("include_usage"))
        events = answer.stream_events(behaviour, include_usage)
        headers = self._success_headers(rec, behaviour, SSE_CONTENT_TYPE)
        return await self._send_events(request, behaviour, behaviour.status, headers, events, trailer=DONE)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null"


def _model_object(model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": MODEL_CREATED, "owned_by": "system"}


@dataclass(frozen=True)
class _Answer:
    """One successful reply, shared by the streaming and non-streaming encoders."""

    id: str
    created: int
    model: str
    text: str | None
    tool_calls: tuple[tuple[str, str, str], ...]  # (id, name, arguments)
    usage: dict[str, Any]
    finish_reason: str
    reasoning: str | None = None

    @classmethod
    def build(cls, fake: FakeOpenAI, payload: dict[str, Any], behaviour: Behaviour) -> _Answer:
        messages: list[Any] = payload["messages"]
        tool_calls = tuple(
            (
                str(tc.get("id") or f"call_{next(fake._call_ids):024d}"),
                str(tc["name"]),
                _arguments_text(tc.get("arguments", "{}")),
            )
            for tc in behaviour.tool_calls or ()
        )
        text: str | None
        if behaviour.text is not None:
            text = behaviour.text
        elif behaviour.echo:
            text = next(
                (
                    _message_text(m.get("content"))
                    for m in reversed(messages)
                    if isinstance(m, dict) and m.get("role") == "user"
                ),
                "",
            )
        elif tool_calls:
            text = None
        else:
            text = DEFAULT_TEXT

        prompt_tokens = max(
            1, sum(count_words(_message_text(m.get("content"))) for m in messages if isinstance(m, dict))
        )
        reasoning_tokens = count_words(behaviour.reasoning or "")
        completion_tokens = (
            count_words(text or "")
            + sum(1 + len(_ARG_TOKEN.findall(args)) for _, _, args in tool_calls)
            + reasoning_tokens
        )
        overrides = behaviour.usage or {}
        prompt_tokens = overrides.get("prompt_tokens", prompt_tokens)
        completion_tokens = overrides.get("completion_tokens", completion_tokens)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": overrides.get("total_tokens", prompt_tokens + completion_tokens),
            "prompt_tokens_details": {"cached_tokens": overrides.get("cached_tokens", 0), "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": overrides.get("reasoning_tokens", reasoning_tokens),
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        return cls(
            id=f"chatcmpl-FAKE{next(fake._completion_ids):025d}",
            created=int(time.time()),
            model=payload["model"],
            text=text,
            tool_calls=tool_calls,
            usage=usage,
            finish_reason=behaviour.finish_reason or ("tool_calls" if tool_calls else "stop"),
            reasoning=behaviour.reasoning,
        )

    def stream_events(self, behaviour: Behaviour, include_usage: bool) -> list[bytes]:
        """Every ``data:`` event of the stream except ``[DONE]``, already framed."""
        head: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
            obj = {
                **head,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            if include_usage:
                obj["usage"] = None
            return encode_data(obj)

        deltas: list[dict[str, Any]] = []
        for index, (tc_id, name, args) in enumerate(self.tool_calls):
            deltas.append(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": tc_id,
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
            deltas.extend(
                {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
                for fragment in _ARG_TOKEN.findall(args)
            )

        events: list[bytes] = []
        if self.reasoning is not None:
            # Reasoning first (DeepSeek style), then the answer or the tool calls after the role chunk.
            events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
            events.extend(chunk({"reasoning_content": piece}) for piece in split_text(self.reasoning))
            events.extend(
                chunk({"content": piece}) for piece in split_text(self.text or "", behaviour.chunks)
            )
        elif self.text is None:
            # Tool-call-only answer: OpenAI puts the first tool call header into the role chunk.
            first = {
                "role": "assistant",
                "content": None,
                **(deltas.pop(0) if deltas else {}),
                "refusal": None,
            }
            events.append(chunk(first))
        else:
            events.append(chunk({"role": "assistant", "content": "", "refusal": None}))
            events.extend(chunk({"content": piece}) for piece in split_text(self.text, behaviour.chunks))
        events.extend(chunk(delta) for delta in deltas)
        events.append(chunk({}, self.finish_reason))
        if include_usage:
            events.append(encode_data({**head, "choices": [], "usage": self.usage}))
        return events
