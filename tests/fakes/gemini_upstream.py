"""A fake generativelanguage.googleapis.com (Gemini API, v1beta) for component tests and benchmarks.

``FakeGemini`` is a real aiohttp server on a real TCP socket that speaks the Gemini REST API the way
Google's front end does:

* ``POST /v1beta/models/{model}:generateContent`` → one ``GenerateContentResponse``, pretty-printed;
* ``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` → ``data: {chunk}\\r\\n\\r\\n`` events,
  each a whole GenerateContentResponse with the next parts, no ``event:`` lines and no terminator; the
  last chunk carries ``finishReason`` and the final ``usageMetadata``. Without ``alt=sse`` the same
  chunks come as one JSON array, as the real API does;
* ``POST /v1beta/models/{model}:countTokens``, ``GET /v1beta/models``, ``GET /v1beta/models/{model}``;
* auth by the ``x-goog-api-key`` header or the ``?key=`` query parameter: none → 403
  PERMISSION_DENIED, a wrong key → 400 INVALID_ARGUMENT with ErrorInfo reason ``API_KEY_INVALID``, an
  OAuth bearer token instead of a key → 401 UNAUTHENTICATED;
* ``{"error": {"code", "message", "status", "details"?}}`` error bodies (429 RESOURCE_EXHAUSTED with a
  ``RetryInfo`` ``retryDelay``: Gemini sends no Retry-After header), Google front-end headers.

Thought signatures work like Gemini 3's: a signing model (``gemini-3*`` by default) signs the thought
part, the first ``functionCall`` part, or else the last part of its answer. With
``require_thought_signatures`` (default: on for ``gemini-3*`` models) a request whose current turn has
a model step whose first ``functionCall`` part lacks its ``thoughtSignature`` is refused with the real
API's 400; ``verify_thought_signatures`` also refuses signatures the fake never issued (the documented
``skip_thought_signature_validator`` is always accepted).

Usage::

    async with FakeGemini(models=("gemini-3-pro-preview",)) as fake:
        fake.script(Behaviour(tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}}]))
        ...  # point the gateway at fake.base_url (".../v1beta") with api key fake.api_key
        assert fake.generate_requests[-1].json["contents"][0]["role"] == "user"

Scripted behaviours are consumed only by generate requests that pass authentication and validation.
Everything is deterministic: ids and signatures come from per-server counters, token counts from
word counts.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from aiohttp import web

from tests.fakes import server
from tests.fakes.server import FakeServer, check_behaviour, count_words, split_text
from tests.fakes.server import seconds as _seconds

__all__ = [
    "DEFAULT_TEXT",
    "SKIP_SIGNATURE",
    "Behaviour",
    "FakeGemini",
    "RecordedRequest",
    "gemini_error",
    "google_json_line",
]

DEFAULT_TEXT: Final = "Hello from fake Gemini"
SKIP_SIGNATURE: Final = "skip_thought_signature_validator"
SSE_CONTENT_TYPE: Final = "text/event-stream"
JSON_CONTENT_TYPE: Final = "application/json; charset=UTF-8"
API_VERSION: Final = "v1beta"

_STATUS_NAMES: Final[Mapping[int, str]] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_TOP_LEVEL_FIELDS: Final = frozenset(
    {
        "model",
        "contents",
        "tools",
        "toolConfig",
        "safetySettings",
        "systemInstruction",
        "generationConfig",
        "cachedContent",
    }
)
_PART_DATA: Final = frozenset(
    {
        "text",
        "inlineData",
        "fileData",
        "functionCall",
        "functionResponse",
        "executableCode",
        "codeExecutionResult",
    }
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _field(obj: Mapping[str, Any], camel: str) -> Any:
    """A field in camelCase or snake_case (the REST API takes both)."""
    if camel in obj:
        return obj[camel]
    snake = "".join("_" + c.lower() if c.isupper() else c for c in camel)
    return obj.get(snake)


# --------------------------------------------------------------------------- behaviours


@dataclass(frozen=True)
class Behaviour:
    """How the fake answers one generate request. Every field is optional.

    ``status``             HTTP status; >= 400 answers with a Google error body.
    ``error_body``         the whole error JSON; default: realistic for ``status``.
    ``retry_after``        seconds; goes into the error's ``RetryInfo.retryDelay`` (no header).
    ``headers``            extra response headers.
    ``delay_first_byte``   seconds to wait before the status line.
    ``text``               reply text; default ``DEFAULT_TEXT`` (or the echo, or none with tool calls).
    ``echo``               reply with the text of the last user turn.
    ``chunks``             number of text chunks in a stream; default one per word.
    ``chunk_interval``     seconds between SSE events.
    ``drop_after_chunks``  abort the TCP connection after this many SSE events (non-stream: 0 sends
                           headers only, > 0 half the body).
    ``error_after_chunks`` stream: after this many events send ``stream_error`` as a data chunk and end.
    ``stream_error``       that error object; default 500 INTERNAL.
    ``tool_calls``         ``[{"name": str, "args": dict | str, "id"?: str}, ...]``.
    ``thinking``           thought summary text: counted as thoughtsTokenCount, sent as a
                           ``thought: true`` part only when the request sets includeThoughts.
    ``signatures``         sign the answer (see the module doc); default: only ``gemini-3*`` models.
    ``usage``              overrides of usageMetadata counts (``promptTokenCount``,
                           ``candidatesTokenCount``, ``thoughtsTokenCount``,
                           ``cachedContentTokenCount``, ``totalTokenCount``).
    ``finish_reason``      default ``STOP``.
    ``block_reason``       the prompt is blocked: no candidates, ``promptFeedback.blockReason``.
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
    error_after_chunks: int | None = None
    stream_error: Mapping[str, Any] | None = None
    tool_calls: Sequence[Mapping[str, Any]] | None = None
    thinking: str | None = None
    signatures: bool | None = None
    usage: Mapping[str, int] | None = None
    finish_reason: str | None = None
    block_reason: str | None = None

    def __post_init__(self) -> None:
        check_behaviour(self, ("drop_after_chunks", "error_after_chunks"))

    @classmethod
    def rate_limited(cls, retry_after: float = 30, *, model: str = "gemini-2.5-flash") -> Behaviour:
        """429 RESOURCE_EXHAUSTED with QuotaFailure, Help and RetryInfo details, as the free tier sends."""
        return cls(status=429, error_body=_quota_body(model, retry_after), retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Behaviour:
        return cls(status=status)

    @classmethod
    def overloaded(cls) -> Behaviour:
        return cls(status=503)


# --------------------------------------------------------------------------- recorded requests


class RecordedRequest(server.RecordedRequest):
    """One request as the fake received it, with the Gemini parts of it picked out."""

    @property
    def api_key(self) -> str | None:
        return self.headers.get("x-goog-api-key") or self.query.get("key")

    @property
    def model(self) -> str | None:
        """``gemini-2.5-flash`` for ``/v1beta/models/gemini-2.5-flash:generateContent``."""
        if "/models/" not in self.path:
            return None
        return self.path.rpartition("/models/")[2].partition(":")[0] or None

    @property
    def action(self) -> str | None:
        """``generateContent``, ``streamGenerateContent`` or ``countTokens``."""
        _, colon, action = self.path.rpartition(":")
        return action if colon else None


# --------------------------------------------------------------------------- wire helpers


def gemini_error(
    code: int, message: str, status: str | None = None, details: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A Google API error body: ``{"error": {"code", "message", "status", "details"?}}``."""
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": status or _STATUS_NAMES.get(code, "UNKNOWN"),
    }
    if details:
        error["details"] = [dict(d) for d in details]
    return {"error": error}


def _quota_body(model: str, retry_after: float) -> dict[str, Any]:
    return gemini_error(
        429,
        "You exceeded your current quota, please check your plan and billing details. For more information "
        "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current "
        "usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: "
        "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: "
        f"{model}\nPlease retry in {_seconds(retry_after)}s.",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [
                    {
                        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": model},
                        "quotaValue": "10",
                    }
                ],
            },
            {
                "@type": "type.googleapis.com/google.rpc.Help",
                "links": [
                    {
                        "description": "Learn more about Gemini API quotas",
                        "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                    }
                ],
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{_seconds(retry_after)}s"},
        ],
    )


def default_error_body(status: int, model: str = "gemini-2.5-flash") -> dict[str, Any]:
    if status == 400:
        return gemini_error(400, "Request contains an invalid argument.")
    if status == 403:
        return gemini_error(403, "The caller does not have permission")
    if status == 404:
        return gemini_error(404, _not_found_message(model))
    if status == 429:
        return _quota_body(model, 30)
    if status == 503:
        return gemini_error(503, "The model is overloaded. Please try again later.")
    if status == 504:
        return gemini_error(504, "The request timed out. Please try again.")
    if status >= 500:
        return gemini_error(
            500,
            "An internal error has occurred. Please retry or report in "
            "https://developers.generativeai.google/guide/troubleshooting",
            "INTERNAL",
        )
    return gemini_error(status, f"Request failed with status {status}.")


def _not_found_message(model: str) -> str:
    return (
        f"models/{model} is not found for API version {API_VERSION}, or is not supported for "
        "generateContent. Call ListModels to see the list of available models and their supported methods."
    )


def google_json_line(value: Any) -> str:
    """Single-line JSON the way Google's SSE frames it: ``": "`` after keys, ``,`` without a space."""
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{orjson.dumps(k).decode()}: {google_json_line(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(google_json_line(v) for v in value) + "]"
    return orjson.dumps(value).decode()


def _sse(chunk: Mapping[str, Any]) -> bytes:
    return ("data: " + google_json_line(chunk) + "\r\n\r\n").encode()


def _pretty(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n"


def _content_text(content: Any) -> str:
    if not isinstance(content, Mapping):
        return ""
    parts = _field(content, "parts")
    if not isinstance(parts, list):
        return ""
    return " ".join(
        p["text"]
        for p in parts
        if isinstance(p, Mapping) and isinstance(p.get("text"), str) and not p.get("thought")
    )


def _model_object(model: str) -> dict[str, Any]:
    display = " ".join(word.capitalize() if not word[0].isdigit() else word for word in model.split("-"))
    return {
        "name": f"models/{model}",
        "version": "001",
        "displayName": display,
        "description": f"Fake {display}",
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": [
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent",
        ],
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": True,
    }


class _Invalid(Exception):
    """A request the real API would refuse with 400 (message as Google words it)."""


# --------------------------------------------------------------------------- the server


class FakeGemini(FakeServer[Behaviour, RecordedRequest]):
    """A fake Gemini API on a real TCP socket; ``base_url`` ends in ``/v1beta``."""

    api_prefix = f"/{API_VERSION}"

    def __init__(
        self,
        *,
        models: Sequence[str] = ("gemini-2.5-flash", "gemini-3-pro-preview"),
        api_key: str | None = "AIzaSyFake-upstream-key-0000000000000",
        require_thought_signatures: bool | None = None,
        verify_thought_signatures: bool = False,
    ) -> None:
        super().__init__(
            models=models, api_key=api_key, default_behaviour=Behaviour(), record_type=RecordedRequest
        )
        # None: enforce for gemini-3* models, as the real API does.
        self.require_thought_signatures = require_thought_signatures
        self.verify_thought_signatures = verify_thought_signatures
        self.issued_signatures: set[str] = set()
        self._response_ids = itertools.count(1)
        self._signature_ids = itertools.count(1)

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post(f"/{API_VERSION}/models/{{target}}", self._model_action)
        router.add_get(f"/{API_VERSION}/models", self._list_models)
        router.add_get(f"/{API_VERSION}/models/{{target}}", self._get_model)
        router.add_route("*", "/{tail:.*}", self._not_found)

    @property
    def generate_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.action in ("generateContent", "streamGenerateContent")]

    # ---- plumbing

    def _headers(self, rec: RecordedRequest, content_type: str) -> dict[str, str]:
        return {
            "Content-Type": content_type,
            "Vary": "Origin, X-Origin, Referer",
            "Server": "scaffolding on HTTPServer2",
            "X-XSS-Protection": "0",
            "X-Frame-Options": "SAMEORIGIN",
            "X-Content-Type-Options": "nosniff",
            "Server-Timing": f"gfet4t7; dur={self._elapsed_ms(rec)}",
        }

    def _error(
        self,
        rec: RecordedRequest,
        status: int,
        body: Mapping[str, Any],
        extra: Mapping[str, str] | None = None,
    ) -> web.Response:
        headers = self._headers(rec, JSON_CONTENT_TYPE)
        if extra:
            headers.update(extra)
        return web.Response(status=status, body=_pretty(body), headers=headers)

    def _auth_error(self, rec: RecordedRequest) -> web.Response | None:
        if self.api_key is None:
            return None
        key = rec.api_key
        if key is None:
            if (rec.header("Authorization") or "").lower().startswith("bearer "):
                return self._error(
                    rec,
                    401,
                    gemini_error(
                        401,
                        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                        "cookie or other valid authentication credential. See "
                        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                        details=[
                            {
                                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                                "metadata": {"service": "generativelanguage.googleapis.com"},
                            }
                        ],
                    ),
                )
            return self._error(
                rec,
                403,
                gemini_error(
                    403,
                    "Method doesn't allow unregistered callers (callers without established identity). Please "
                    "use API Key or other form of API consumer identity to call this API.",
                ),
            )
        if key != self.api_key:
            message = "API key not valid. Please pass a valid API key."
            return self._error(
                rec,
                400,
                gemini_error(
                    400,
                    message,
                    details=[
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                            "metadata": {"service": "generativelanguage.googleapis.com"},
                        },
                        {
                            "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                            "locale": "en-US",
                            "message": message,
                        },
                    ],
                ),
            )
        return None

    # ---- validation (the 400s the real API gives for what encoders get wrong)

    def _validate(self, payload: Any, model: str) -> None:
        if not isinstance(payload, dict):
            raise _Invalid(
                "Invalid JSON payload received. Expected an object: the request body must be a JSON object."
            )
        for key in payload:
            if _camel(key) not in _TOP_LEVEL_FIELDS:
                raise _Invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
        contents = _field(payload, "contents")
        if not isinstance(contents, list) or not contents:
            raise _Invalid("* GenerateContentRequest.contents: contents is not specified\n")
        for i, content in enumerate(contents):
            if not isinstance(content, dict):
                raise _Invalid(f"Invalid value at 'contents[{i}]', expected an object")
            role = content.get("role", "user")
            if role not in ("user", "model", "function"):
                raise _Invalid("Please use a valid role: user, model.")
            parts = content.get("parts")
            if not isinstance(parts, list) or not parts:
                raise _Invalid(
                    f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.\n"
                )
            for j, part in enumerate(parts):
                present = [k for k in (part if isinstance(part, dict) else {}) if _camel(k) in _PART_DATA]
                if len(present) != 1:
                    raise _Invalid(
                        f"* GenerateContentRequest.contents[{i}].parts[{j}].data: required oneof field 'data' "
                        "must have one initialized field\n"
                    )
                fr = _field(part, "functionResponse")
                if fr is not None and not isinstance(_field(fr, "response") or {}, dict):
                    raise _Invalid(
                        f"Invalid value at 'contents[{i}].parts[{j}].function_response.response' "
                        "(type.googleapis.com/google.protobuf.Struct)"
                    )
        config = _field(payload, "generationConfig") or {}
        thinking = _field(config, "thinkingConfig") if isinstance(config, dict) else None
        both = isinstance(thinking, dict) and None not in (
            _field(thinking, "thinkingBudget"),
            _field(thinking, "thinkingLevel"),
        )
        if both:
            raise _Invalid("You can only set only one of thinking budget and thinking level.")
        self._check_signatures(contents, model)

    def _check_signatures(self, contents: list[Any], model: str) -> None:
        required = self.require_thought_signatures
        if required is None:
            required = model.startswith("gemini-3")
        if self.verify_thought_signatures:
            for i, content in enumerate(contents):
                for part in content["parts"]:
                    signature = _field(part, "thoughtSignature")
                    if (
                        signature is not None
                        and signature != SKIP_SIGNATURE
                        and signature not in self.issued_signatures
                    ):
                        raise _Invalid(f"Thought signature is not valid (contents[{i}]).")
        if not required:
            return
        # The current turn starts at the last user content with standard content (not only results).
        start = 0
        for i in range(len(contents) - 1, -1, -1):
            content = contents[i]
            if content.get("role", "user") == "user" and any(
                _field(p, "functionResponse") is None for p in content["parts"]
            ):
                start = i
                break
        for i in range(start, len(contents)):
            content = contents[i]
            if content.get("role") != "model":
                continue
            calls = [p for p in content["parts"] if _field(p, "functionCall") is not None]
            if calls and _field(calls[0], "thoughtSignature") is None:
                name = _field(_field(calls[0], "functionCall"), "name")
                raise _Invalid(
                    "Function call is missing a thought_signature in functionCall parts. This is required for "
                    "tools to work correctly, and missing thought_signature may lead to degraded model "
                    f"performance. Additional data, function call `default_api:{name}` , position {i + 1}. "
                    "Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
                )

    # ---- handlers

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        return self._error(rec, 404, gemini_error(404, f"Method not found: {request.method} {request.path}"))

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._auth_error(rec)) is not None:
            return refused
        body = {"models": [_model_object(m) for m in self.models]}
        return web.Response(body=_pretty(body), headers=self._headers(rec, JSON_CONTENT_TYPE))

    async def _get_model(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._auth_error(rec)) is not None:
            return refused
        model = request.match_info["target"]
        if model not in self.models:
            return self._error(
                rec, 404, gemini_error(404, f"models/{model} is not found for API version {API_VERSION}")
            )
        return web.Response(body=_pretty(_model_object(model)), headers=self._headers(rec, JSON_CONTENT_TYPE))

    async def _model_action(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._auth_error(rec)) is not None:
            return refused
        model, colon, action = request.match_info["target"].rpartition(":")
        if not colon or action not in ("generateContent", "streamGenerateContent", "countTokens"):
            return self._error(rec, 404, gemini_error(404, f"Method not found: {request.path}"))
        if rec.json is None and rec.body:
            return self._error(
                rec, 400, gemini_error(400, "Invalid JSON payload received. Unexpected token.")
            )
        if model not in self.models:
            return self._error(rec, 404, gemini_error(404, _not_found_message(model)))
        if action == "countTokens":
            return self._count_tokens(rec)
        try:
            self._validate(rec.json, model)
        except _Invalid as exc:
            return self._error(rec, 400, gemini_error(400, str(exc)))
        payload: dict[str, Any] = rec.json
        behaviour = self._next_behaviour()
        await self._wait_first_byte(behaviour)
        if behaviour.status >= 400:
            body = behaviour.error_body
            if body is None:
                body = (
                    _quota_body(model, behaviour.retry_after)
                    if behaviour.status == 429 and behaviour.retry_after is not None
                    else default_error_body(behaviour.status, model)
                )
            return self._error(rec, behaviour.status, body, behaviour.headers)
        answer = _Answer.build(self, payload, behaviour, model)
        if action == "streamGenerateContent":
            return await self._stream(request, rec, behaviour, answer, sse=rec.query.get("alt") == "sse")
        return await self._complete(request, rec, behaviour, answer)

    def _count_tokens(self, rec: RecordedRequest) -> web.Response:
        payload = rec.json if isinstance(rec.json, dict) else {}
        inner = _field(payload, "generateContentRequest")
        source = inner if isinstance(inner, dict) else payload
        total = _prompt_tokens(source)
        body = {"totalTokens": total, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}]}
        return web.Response(body=_pretty(body), headers=self._headers(rec, JSON_CONTENT_TYPE))

    async def _complete(
        self, request: web.Request, rec: RecordedRequest, behaviour: Behaviour, answer: _Answer
    ) -> web.StreamResponse:
        body = _pretty(answer.whole())
        headers = {**self._headers(rec, JSON_CONTENT_TYPE), **behaviour.headers}
        return await self._send_body(request, behaviour, 200, body, headers)

    async def _stream(
        self, request: web.Request, rec: RecordedRequest, behaviour: Behaviour, answer: _Answer, *, sse: bool
    ) -> web.StreamResponse:
        chunks = answer.chunks(behaviour)
        if not sse:
            # Without alt=sse the API streams one JSON array of the same chunks.
            headers = {**self._headers(rec, JSON_CONTENT_TYPE), **behaviour.headers}
            return web.Response(status=200, body=_pretty(chunks), headers=headers)
        events = [_sse(chunk) for chunk in chunks]
        failing = behaviour.error_after_chunks
        if failing is not None:
            error = behaviour.stream_error or default_error_body(500)
            events = [*events[:failing], _sse(error)]
        headers = {**self._headers(rec, SSE_CONTENT_TYPE), **behaviour.headers}
        return await self._send_events(request, behaviour, 200, headers, events)


def _prompt_tokens(payload: Mapping[str, Any]) -> int:
    contents = _field(payload, "contents")
    words = 0
    if isinstance(contents, list):
        words += sum(count_words(_content_text(c)) for c in contents)
    words += count_words(_content_text(_field(payload, "systemInstruction")))
    return max(1, words)


@dataclass
class _Answer:
    """One successful reply, shared by the streaming and non-streaming encoders."""

    response_id: str
    model: str
    thought: dict[str, Any] | None
    text: str | None
    text_signature: str | None
    calls: list[dict[str, Any]]
    usage: dict[str, Any]
    finish_reason: str
    block_reason: str | None

    @classmethod
    def build(cls, fake: FakeGemini, payload: dict[str, Any], behaviour: Behaviour, model: str) -> _Answer:
        contents: list[Any] = _field(payload, "contents")
        config = _field(payload, "generationConfig") or {}
        thinking_config = _field(config, "thinkingConfig") or {}
        include_thoughts = _field(thinking_config, "includeThoughts") is True
        sign = behaviour.signatures if behaviour.signatures is not None else model.startswith("gemini-3")

        def signature() -> str:
            value = base64.b64encode(f"fake-signature-{next(fake._signature_ids)}".encode()).decode()
            fake.issued_signatures.add(value)
            return value

        calls: list[dict[str, Any]] = []
        for tc in behaviour.tool_calls or ():
            # "arguments" too, as the other fakes spell it, so one script serves every upstream.
            args = tc.get("args", tc.get("arguments", {}))
            call: dict[str, Any] = {
                "name": str(tc["name"]),
                "args": orjson.loads(args) if isinstance(args, str) else dict(args),
            }
            if tc.get("id"):
                call = {"id": str(tc["id"]), **call}
            calls.append({"functionCall": call})
        text: str | None
        if behaviour.text is not None:
            text = behaviour.text
        elif behaviour.echo:
            users = [c for c in contents if isinstance(c, dict) and c.get("role", "user") == "user"]
            text = _content_text(users[-1]) if users else ""
        elif calls:
            text = None
        else:
            text = DEFAULT_TEXT
        thought: dict[str, Any] | None = None
        if behaviour.thinking is not None and include_thoughts:
            thought = {"text": behaviour.thinking, "thought": True}
            if sign:
                thought["thoughtSignature"] = signature()
        text_signature: str | None = None
        if sign and calls:
            calls[0]["thoughtSignature"] = signature()
        elif sign and text is not None:
            text_signature = signature()

        overrides = behaviour.usage or {}
        prompt = overrides.get("promptTokenCount", _prompt_tokens(payload))
        candidates = overrides.get(
            "candidatesTokenCount",
            count_words(text or "")
            + sum(1 + len(orjson.dumps(c["functionCall"]["args"])) // 4 for c in calls),
        )
        thoughts = overrides.get("thoughtsTokenCount", count_words(behaviour.thinking or ""))
        usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": candidates}
        total = prompt + candidates + thoughts
        usage["totalTokenCount"] = overrides.get("totalTokenCount", total)
        cached = overrides.get("cachedContentTokenCount", 0)
        if cached:
            usage["cachedContentTokenCount"] = cached
        usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        if behaviour.block_reason is not None:
            usage = {"promptTokenCount": prompt, "totalTokenCount": prompt}
        return cls(
            response_id=f"fakeResp{next(fake._response_ids):014d}",
            model=model,
            thought=thought,
            text=text,
            text_signature=text_signature,
            calls=calls,
            usage=usage,
            finish_reason=behaviour.finish_reason or "STOP",
            block_reason=behaviour.block_reason,
        )

    def _envelope(
        self, parts: list[dict[str, Any]] | None, usage: dict[str, Any], finish: bool
    ) -> dict[str, Any]:
        if self.block_reason is not None:
            return {
                "promptFeedback": {"blockReason": self.block_reason},
                "usageMetadata": usage,
                "modelVersion": self.model,
                "responseId": self.response_id,
            }
        candidate: dict[str, Any] = {"content": {"parts": parts or [], "role": "model"}}
        if finish:
            candidate["finishReason"] = self.finish_reason
        candidate["index"] = 0
        return {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": self.model,
            "responseId": self.response_id,
        }

    def whole(self) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if self.thought is not None:
            parts.append(self.thought)
        if self.text is not None:
            part: dict[str, Any] = {"text": self.text}
            if self.text_signature:
                part["thoughtSignature"] = self.text_signature
            parts.append(part)
        parts.extend(self.calls)
        return self._envelope(parts, self.usage, finish=True)

    def chunks(self, behaviour: Behaviour) -> list[dict[str, Any]]:
        """Every chunk of the stream: thoughts, text pieces, the calls; the last one finishes."""
        if self.block_reason is not None:
            return [self._envelope(None, self.usage, finish=True)]
        groups: list[list[dict[str, Any]]] = []
        if self.thought is not None:
            groups.append([self.thought])
        if self.text is not None:
            pieces = split_text(self.text, behaviour.chunks) or [""]
            for k, piece in enumerate(pieces):
                part: dict[str, Any] = {"text": piece}
                if self.text_signature and k == len(pieces) - 1:
                    part["thoughtSignature"] = self.text_signature
                groups.append([part])
        if self.calls:
            groups.append(list(self.calls))
        partial = {
            "promptTokenCount": self.usage["promptTokenCount"],
            "totalTokenCount": self.usage["promptTokenCount"],
            "promptTokensDetails": self.usage["promptTokensDetails"],
        }
        out = [self._envelope(parts, partial, finish=False) for parts in groups[:-1]]
        out.append(self._envelope(groups[-1] if groups else [{"text": ""}], self.usage, finish=True))
        return out
