"""A fake api.openai.com speaking the Responses API (``POST /v1/responses``), for component tests.

``FakeResponses`` is a real aiohttp server on a real TCP socket. It answers the way the real API
does: ``response`` objects with the request fields echoed, typed SSE events (an ``event:`` line
equal to the ``type``, a ``sequence_number`` from 0) from ``response.created`` to
``response.completed`` / ``response.incomplete`` / ``response.failed`` and no ``[DONE]``,
``{"error": {"message", "type", "param", "code"}}`` bodies and the ``x-request-id`` /
``openai-*`` / ``x-ratelimit-*`` headers. It also serves ``/v1/chat/completions`` and
``/v1/models`` (inherited from ``FakeOpenAI``), as api.openai.com does.

It is stateless, like a gateway needs it to be tested: ``previous_response_id`` always answers
400 "not found", ``store`` is only echoed.

Usage::

    async with FakeResponses(models=("gpt-5",)) as fake:
        fake.script(Behaviour(thinking="Let me see.", text="42"))
        client = AsyncOpenAI(base_url=fake.base_url, api_key=fake.api_key)
        response = await client.responses.create(model="gpt-5", input="?")
        assert fake.responses_requests[-1].json["input"] == "?"

Everything is deterministic except ``created_at`` (wall-clock seconds, as upstream) and
``openai-processing-ms``: ids come from per-server counters, token counts from word counts.
"""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
from aiohttp import web

from tests.fakes import openai_upstream
from tests.fakes.openai_upstream import (
    _ARG_TOKEN,
    DEFAULT_TEXT,
    JSON_CONTENT_TYPE,
    SSE_CONTENT_TYPE,
    FakeOpenAI,
    RecordedRequest,
    _arguments_text,
    _json_type,
    count_words,
    default_error_body,
    openai_error,
    split_text,
)
from tests.fakes.sse import encode_event

__all__ = [
    "DEFAULT_TEXT",
    "Behaviour",
    "FakeResponses",
    "RecordedRequest",
    "encrypted_for",
]

ENCRYPTED_PREFIX: Final = "gAAAAAB"


@dataclass(frozen=True)
class Behaviour(openai_upstream.Behaviour):
    """How the fake answers one Responses request: every field of the chat fake's ``Behaviour``
    (status, error_body, retry_after, headers, delay_first_byte, text, echo, chunks,
    chunk_interval, drop_after_chunks, tool_calls, usage, finish_reason), plus:

    ``thinking``    reasoning text. A ``reasoning`` item is sent first; its ``summary`` holds the
                    text only when the request sets ``reasoning.summary``, and it carries
                    ``encrypted_content`` only when ``include`` lists ``reasoning.encrypted_content``.
    ``encrypted``   the ``encrypted_content`` to send (default: derived from ``thinking``).
    ``fail_with``   an in-band failure ``{"code", "message"}``: a stream sends ``response.created``,
                    ``response.in_progress``, an ``error`` event and ``response.failed``; a
                    non-stream request gets a ``failed`` response object (HTTP 200).

    ``tool_calls`` entries may say ``"custom": True`` for a ``custom_tool_call`` whose
    ``arguments`` is the raw input text. ``finish_reason`` ``"max_output_tokens"`` (or
    ``"length"``) and ``"content_filter"`` end the response ``incomplete`` with that reason.
    ``usage`` overrides: ``input_tokens``, ``output_tokens``, ``total_tokens``, ``cached_tokens``,
    ``reasoning_tokens`` (``prompt_tokens`` / ``completion_tokens`` are accepted as aliases).
    Chat requests to the same fake ignore the Responses-only fields.
    """

    thinking: str | None = None
    encrypted: str | None = None
    fail_with: Mapping[str, str] | None = None


def encrypted_for(thinking: str) -> str:
    """The ``encrypted_content`` the fake sends for ``thinking`` by default (opaque-looking)."""
    return ENCRYPTED_PREFIX + base64.b64encode(thinking.encode()).decode()


# --------------------------------------------------------------------------- request reading


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text") or part.get("refusal") or "")
            for part in content
            if isinstance(part, Mapping)
            and part.get("type") in ("input_text", "output_text", "text", "refusal")
        )
    return ""


def _input_texts(payload: Mapping[str, Any]) -> list[str]:
    texts = [payload["instructions"]] if isinstance(payload.get("instructions"), str) else []
    raw = payload.get("input")
    if isinstance(raw, str):
        return [*texts, raw]
    for item in raw if isinstance(raw, list) else ():
        if not isinstance(item, Mapping):
            continue
        if "content" in item:
            texts.append(_content_text(item["content"]))
        elif item.get("type") in ("function_call_output", "custom_tool_call_output"):
            texts.append(_content_text(item.get("output")))
        elif item.get("type") == "function_call":
            texts.append(str(item.get("arguments") or ""))
    return texts


def _last_user_text(payload: Mapping[str, Any]) -> str:
    raw = payload.get("input")
    if isinstance(raw, str):
        return raw
    items: list[Any] = raw if isinstance(raw, list) else []
    for item in reversed(items):
        if isinstance(item, Mapping) and item.get("role") == "user":
            return _content_text(item.get("content"))
    return ""


# --------------------------------------------------------------------------- one answer


@dataclass(frozen=True)
class _Answer:
    id: str
    created: int
    payload: Mapping[str, Any]
    reasoning: dict[str, Any] | None  # the finished reasoning item
    summary: str | None
    message: dict[str, Any] | None  # the finished message item
    calls: tuple[dict[str, Any], ...]  # finished function_call / custom_tool_call items
    usage: dict[str, Any]
    status: str
    incomplete: str | None
    error: Mapping[str, str] | None

    @classmethod
    def build(cls, fake: FakeResponses, payload: Mapping[str, Any], behaviour: Behaviour) -> _Answer:
        number = next(fake._response_ids)
        hexa = f"{number:048x}"

        def item_id(prefix: str) -> str:
            return f"{prefix}_{next(fake._item_ids):048x}"

        reasoning = None
        summary = None
        if behaviour.thinking is not None:
            settings: Mapping[str, Any] = (
                payload["reasoning"] if isinstance(payload.get("reasoning"), Mapping) else {}
            )
            wants_summary = (
                settings.get("summary") is not None or settings.get("generate_summary") is not None
            )
            summary = behaviour.thinking if wants_summary and behaviour.thinking else None
            reasoning = {
                "id": item_id("rs"),
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": summary}] if summary else [],
            }
            include = payload.get("include")
            if isinstance(include, list) and "reasoning.encrypted_content" in include:
                reasoning["encrypted_content"] = behaviour.encrypted or encrypted_for(behaviour.thinking)

        calls: list[dict[str, Any]] = []
        for spec in behaviour.tool_calls or ():
            call_id = str(spec.get("id") or f"call_{next(fake._call_ids):024d}")
            arguments = _arguments_text(spec.get("arguments", "{}"))
            if spec.get("custom"):
                calls.append(
                    {
                        "id": item_id("ctc"),
                        "type": "custom_tool_call",
                        "status": "completed",
                        "call_id": call_id,
                        "name": str(spec["name"]),
                        "input": arguments,
                    }
                )
            else:
                calls.append(
                    {
                        "id": item_id("fc"),
                        "type": "function_call",
                        "status": "completed",
                        "arguments": arguments,
                        "call_id": call_id,
                        "name": str(spec["name"]),
                    }
                )

        text: str | None
        if behaviour.text is not None:
            text = behaviour.text
        elif behaviour.echo:
            text = _last_user_text(payload)
        elif calls:
            text = None
        else:
            text = DEFAULT_TEXT
        message = None
        if text is not None:
            message = {
                "id": item_id("msg"),
                "type": "message",
                "status": "completed",
                "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
                "role": "assistant",
            }

        finish = behaviour.finish_reason
        incomplete = {"length": "max_output_tokens"}.get(finish or "", finish)
        if incomplete not in ("max_output_tokens", "content_filter"):
            incomplete = None
        status = "failed" if behaviour.fail_with else "incomplete" if incomplete else "completed"
        if message is not None and incomplete:
            message["status"] = "incomplete"

        overrides = behaviour.usage or {}
        input_tokens = max(1, sum(count_words(t) for t in _input_texts(payload)))
        reasoning_tokens = count_words(behaviour.thinking or "")
        output_tokens = (
            count_words(text or "")
            + reasoning_tokens
            + sum(1 + len(_ARG_TOKEN.findall(c.get("arguments", c.get("input", "")))) for c in calls)
        )
        input_tokens = overrides.get("input_tokens", overrides.get("prompt_tokens", input_tokens))
        output_tokens = overrides.get("output_tokens", overrides.get("completion_tokens", output_tokens))
        usage = {
            "input_tokens": input_tokens,
            "input_tokens_details": {
                "cached_tokens": overrides.get("cached_tokens", 0),
                "cache_write_tokens": 0,
            },
            "output_tokens": output_tokens,
            "output_tokens_details": {
                "reasoning_tokens": overrides.get("reasoning_tokens", reasoning_tokens)
            },
            "total_tokens": overrides.get("total_tokens", input_tokens + output_tokens),
        }
        return cls(
            id=f"resp_{hexa}",
            created=int(time.time()),
            payload=payload,
            reasoning=reasoning,
            summary=summary,
            message=message,
            calls=tuple(calls),
            usage=usage,
            status=status,
            incomplete=incomplete,
            error=behaviour.fail_with,
        )

    @property
    def output(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if self.reasoning is not None:
            items.append(self.reasoning)
        if self.message is not None:
            items.append(self.message)
        items.extend(self.calls)
        return items

    def response(self, status: str, output: list[dict[str, Any]], usage: Any) -> dict[str, Any]:
        """The response object, echoing the request as api.openai.com does."""
        p = self.payload
        reasoning: Mapping[str, Any] = p["reasoning"] if isinstance(p.get("reasoning"), Mapping) else {}
        text: Mapping[str, Any] = p["text"] if isinstance(p.get("text"), Mapping) else {}
        failed = status == "failed" and self.error is not None
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "background": bool(p.get("background", False)),
            "error": dict(self.error) if failed and self.error is not None else None,
            "incomplete_details": {"reason": self.incomplete} if status == "incomplete" else None,
            "instructions": p.get("instructions"),
            "max_output_tokens": p.get("max_output_tokens"),
            "max_tool_calls": p.get("max_tool_calls"),
            "model": p["model"],
            "output": output,
            "parallel_tool_calls": p.get("parallel_tool_calls", True),
            "previous_response_id": None,
            "prompt_cache_key": p.get("prompt_cache_key"),
            "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "safety_identifier": p.get("safety_identifier"),
            "service_tier": p.get("service_tier") or "default",
            "store": p.get("store", True),
            "temperature": p.get("temperature", 1.0),
            "text": {"format": {"type": "text"}, "verbosity": "medium", **text},
            "tool_choice": p.get("tool_choice", "auto"),
            "tools": list(p.get("tools") or []),
            "top_logprobs": p.get("top_logprobs", 0),
            "top_p": p.get("top_p", 1.0),
            "truncation": p.get("truncation", "disabled"),
            "usage": usage,
            "user": p.get("user"),
            "metadata": p.get("metadata") or {},
        }

    def final(self) -> dict[str, Any]:
        return self.response(self.status, self.output, None if self.status == "failed" else self.usage)

    def stream_events(self, behaviour: Behaviour) -> list[bytes]:
        """Every SSE event of the stream, framed, numbered from 0."""
        events: list[dict[str, Any]] = []
        start = self.response("in_progress", [], None)
        events.append({"type": "response.created", "response": start})
        events.append({"type": "response.in_progress", "response": start})
        if self.error is not None:
            nested = {"type": "server_error", "param": None, **self.error}
            events.append(
                {
                    "type": "error",
                    "code": self.error.get("code"),
                    "message": self.error.get("message"),
                    "param": None,
                    "error": nested,
                }
            )
            events.append({"type": "response.failed", "response": self.final()})
        else:
            for index, item in enumerate(self.output):
                events.extend(self._item_events(index, item, behaviour))
            kind = "response.incomplete" if self.status == "incomplete" else "response.completed"
            events.append({"type": kind, "response": self.final()})
        return [encode_event({**e, "sequence_number": n}, e["type"]) for n, e in enumerate(events)]

    def _item_events(self, index: int, item: dict[str, Any], behaviour: Behaviour) -> list[dict[str, Any]]:
        base = {"item_id": item["id"], "output_index": index}
        kind = item["type"]
        events: list[dict[str, Any]] = []
        if kind == "reasoning":
            events.append(
                {"type": "response.output_item.added", "output_index": index, "item": {**item, "summary": []}}
            )
            if self.summary:
                part = {"type": "summary_text", "text": ""}
                events.append(
                    {
                        "type": "response.reasoning_summary_part.added",
                        **base,
                        "summary_index": 0,
                        "part": part,
                    }
                )
                events.extend(
                    {
                        "type": "response.reasoning_summary_text.delta",
                        **base,
                        "summary_index": 0,
                        "delta": piece,
                    }
                    for piece in split_text(self.summary)
                )
                events.append(
                    {
                        "type": "response.reasoning_summary_text.done",
                        **base,
                        "summary_index": 0,
                        "text": self.summary,
                    }
                )
                events.append(
                    {
                        "type": "response.reasoning_summary_part.done",
                        **base,
                        "summary_index": 0,
                        "part": {"type": "summary_text", "text": self.summary},
                    }
                )
        elif kind == "message":
            text = item["content"][0]["text"]
            empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "content": []},
                }
            )
            events.append({"type": "response.content_part.added", **base, "content_index": 0, "part": empty})
            events.extend(
                {
                    "type": "response.output_text.delta",
                    **base,
                    "content_index": 0,
                    "delta": piece,
                    "logprobs": [],
                }
                for piece in split_text(text, behaviour.chunks)
            )
            events.append(
                {
                    "type": "response.output_text.done",
                    **base,
                    "content_index": 0,
                    "text": text,
                    "logprobs": [],
                }
            )
            events.append(
                {"type": "response.content_part.done", **base, "content_index": 0, "part": item["content"][0]}
            )
        elif kind == "function_call":
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "arguments": ""},
                }
            )
            events.extend(
                {"type": "response.function_call_arguments.delta", **base, "delta": piece}
                for piece in _ARG_TOKEN.findall(item["arguments"])
            )
            events.append(
                {"type": "response.function_call_arguments.done", **base, "arguments": item["arguments"]}
            )
        else:  # custom_tool_call
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "input": ""},
                }
            )
            events.extend(
                {"type": "response.custom_tool_call_input.delta", **base, "delta": piece}
                for piece in split_text(item["input"])
            )
            events.append({"type": "response.custom_tool_call_input.done", **base, "input": item["input"]})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        return events


# --------------------------------------------------------------------------- the server


class FakeResponses(FakeOpenAI):
    """A fake api.openai.com: ``/v1/responses`` plus the chat fake's endpoints, on a real socket."""

    def __init__(
        self, *, models: Sequence[str] = ("gpt-5", "gpt-4.1"), api_key: str | None = "sk-fake-upstream"
    ) -> None:
        super().__init__(models=models, api_key=api_key)
        self.default_behaviour = Behaviour()
        self._response_ids = itertools.count(1)
        self._item_ids = itertools.count(1)

    def _routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/responses", self._responses)
        super()._routes(router)

    @property
    def responses_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/responses"]

    # ---- validation, as api.openai.com words it

    def _invalid(
        self, rec: RecordedRequest, message: str, param: str | None, code: str | None
    ) -> web.Response:
        return self._error(rec, 400, openai_error(message, "invalid_request_error", param=param, code=code))

    def _responses_validation_error(self, rec: RecordedRequest) -> web.Response | None:
        payload = rec.json
        if not isinstance(payload, dict):
            return self._invalid(
                rec,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                "sent was not valid JSON.)",
                None,
                None,
            )
        if "model" not in payload:
            return self._invalid(
                rec, "Missing required parameter: 'model'.", "model", "missing_required_parameter"
            )
        if not isinstance(payload["model"], str):
            got = _json_type(payload["model"])
            return self._invalid(
                rec,
                f"Invalid type for 'model': expected a string, but got {got} instead.",
                "model",
                "invalid_type",
            )
        previous = payload.get("previous_response_id")
        if previous is not None:
            return self._invalid(
                rec,
                f"Previous response with id '{previous}' not found.",
                "previous_response_id",
                "previous_response_not_found",
            )
        if "input" not in payload:
            return self._invalid(
                rec, "Missing required parameter: 'input'.", "input", "missing_required_parameter"
            )
        raw = payload["input"]
        if not isinstance(raw, str | list):
            got = _json_type(raw)
            return self._invalid(
                rec,
                f"Invalid type for 'input': expected one of a string or an array, but got {got} instead.",
                "input",
                "invalid_type",
            )
        for i, tool in enumerate(payload.get("tools") or []):
            if not isinstance(tool, dict) or "type" not in tool:
                return self._invalid(
                    rec,
                    f"Missing required parameter: 'tools[{i}].type'.",
                    f"tools[{i}].type",
                    "missing_required_parameter",
                )
            if tool["type"] in ("function", "custom") and not isinstance(tool.get("name"), str):
                return self._invalid(
                    rec,
                    f"Missing required parameter: 'tools[{i}].name'.",
                    f"tools[{i}].name",
                    "missing_required_parameter",
                )
        if payload["model"] not in self.models:
            return self._error(rec, 404, default_error_body(404, payload["model"]))
        return None

    # ---- the handler

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        rec = await self._record(request)
        if (refused := self._auth_error(rec)) is not None:
            return refused
        if (invalid := self._responses_validation_error(rec)) is not None:
            return invalid
        payload: dict[str, Any] = rec.json
        scripted = self._next_behaviour()
        behaviour = scripted if isinstance(scripted, Behaviour) else Behaviour(**vars(scripted))
        await self._wait_first_byte(behaviour)
        if behaviour.status >= 400:
            return self._error(
                rec,
                behaviour.status,
                behaviour.error_body or default_error_body(behaviour.status, payload["model"]),
                retry_after=behaviour.retry_after,
                extra=behaviour.headers,
            )
        answer = _Answer.build(self, payload, behaviour)
        if payload.get("stream"):
            return await self._stream_response(request, rec, behaviour, answer)
        return await self._complete_response(request, rec, behaviour, answer)

    async def _complete_response(
        self, request: web.Request, rec: RecordedRequest, behaviour: Behaviour, answer: _Answer
    ) -> web.StreamResponse:
        body = orjson.dumps(answer.final(), option=orjson.OPT_INDENT_2)
        headers = self._success_headers(rec, behaviour, JSON_CONTENT_TYPE)
        return await self._send_body(request, behaviour, behaviour.status, body, headers)

    async def _stream_response(
        self, request: web.Request, rec: RecordedRequest, behaviour: Behaviour, answer: _Answer
    ) -> web.StreamResponse:
        events = answer.stream_events(behaviour)
        headers = self._success_headers(rec, behaviour, SSE_CONTENT_TYPE)
        return await self._send_events(request, behaviour, behaviour.status, headers, events)
