"""A Chat Completions request body → `ir.Request`. Validates like OpenAI does, maps the fields with a
canonical home (including OpenRouter's `reasoning` object and both max-token spellings), and keeps
everything else verbatim in `extras["openai_chat"]`, with "_"-prefixed keys for how the client spelled
things, so encoding back to Chat gives the body back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.formats import ir
from app.formats.openai_chat.checks import _fail, _list, _obj, _opt_bool, _opt_int, _opt_num, _opt_str, _str
from app.formats.openai_chat.messages_decode import _MessagesDecoder
from app.formats.openai_chat.tools import _decode_tool_choice, _decode_tools
from app.formats.openai_chat.vocabulary import FORMAT

# Top-level request fields with a canonical home. Everything else is kept verbatim in extras.
_REQUEST_FIELDS: Final = frozenset(
    {
        "model",
        "messages",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "reasoning_effort",
        "response_format",
        "stream",
        "stream_options",
        "user",
        "metadata",
    }
)


def decode_request(
    body: Mapping[str, Any], *, model: str | None = None, stream: bool | None = None
) -> ir.Request:
    if not isinstance(body, Mapping):
        _fail("The request body must be a JSON object.", None)
    extras: dict[str, Any] = {k: v for k, v in body.items() if k not in _REQUEST_FIELDS}
    if model is None:
        if "model" not in body:
            _fail("Missing required parameter: 'model'.", "model")
        model = _str(body.get("model"), "model")
    if "messages" not in body:
        _fail("Missing required parameter: 'messages'.", "messages")
    raw_messages = _list(body.get("messages"), "messages")
    if not raw_messages:
        _fail(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an "
            "empty array instead.",
            "messages",
        )
    decoder = _MessagesDecoder()
    decoder.run(raw_messages)
    if not decoder.is_default_system():
        extras["_system"] = decoder.system_layout
    if decoder.meta:
        extras["_messages"] = decoder.meta

    tools = _decode_tools(body.get("tools"))
    if any(t.cache is not None for t in tools):
        decoder.cache_marks = True
    if decoder.cache_marks:
        extras["_cache"] = True
    tool_choice = _decode_tool_choice(body.get("tool_choice"), extras)

    max_output: int | None = _opt_int(body.get("max_completion_tokens"), "max_completion_tokens")
    max_tokens = _opt_int(body.get("max_tokens"), "max_tokens")
    if max_output is None:
        max_output = max_tokens
        if max_tokens is not None:
            extras["_max_tokens_key"] = "max_tokens"
    elif max_tokens is not None:
        extras["max_tokens"] = max_tokens  # both given: the second one travels verbatim

    stream_value = _opt_bool(body.get("stream"), "stream")
    if stream_value is False:
        extras["_stream_false"] = True
    stream_usage = False
    options = body.get("stream_options")
    if options is not None:
        options = _obj(options, "stream_options")
        stream_usage = bool(_opt_bool(options.get("include_usage"), "stream_options.include_usage"))
        rest = {k: v for k, v in options.items() if k != "include_usage"}
        if rest:
            extras["_stream_options"] = rest

    metadata = body.get("metadata")
    top_k = _opt_int(extras.get("top_k"), "top_k")
    stop = _decode_stop(body.get("stop"), extras)
    reasoning = _decode_reasoning(body, extras)
    return ir.Request(
        model=model,
        messages=tuple(decoder.messages),
        system=tuple(decoder.system),
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=_opt_bool(body.get("parallel_tool_calls"), "parallel_tool_calls"),
        max_output_tokens=max_output,
        temperature=_opt_num(body.get("temperature"), "temperature"),
        top_p=_opt_num(body.get("top_p"), "top_p"),
        top_k=top_k,
        stop=stop,
        seed=_opt_int(body.get("seed"), "seed"),
        presence_penalty=_opt_num(body.get("presence_penalty"), "presence_penalty"),
        frequency_penalty=_opt_num(body.get("frequency_penalty"), "frequency_penalty"),
        reasoning=reasoning,
        response_format=_decode_response_format(body.get("response_format")),
        stream=bool(stream_value) if stream is None else stream,
        stream_usage=stream_usage,
        user=_opt_str(body.get("user"), "user"),
        metadata=dict(_obj(metadata, "metadata")) if metadata is not None else {},
        extras={FORMAT: extras},
    )


def _decode_response_format(raw: object) -> ir.ResponseFormat | None:
    if raw is None:
        return None
    fmt = _obj(raw, "response_format")
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return ir.ResponseFormat(str(kind))
    if kind == "json_schema":
        spec = _obj(fmt.get("json_schema"), "response_format.json_schema")
        schema = spec.get("schema")
        return ir.ResponseFormat(
            "json_schema",
            schema=_obj(schema, "response_format.json_schema.schema") if schema is not None else None,
            name=_str(spec.get("name"), "response_format.json_schema.name"),
            strict=_opt_bool(spec.get("strict"), "response_format.json_schema.strict"),
            description=_opt_str(spec.get("description"), "response_format.json_schema.description"),
        )
    _fail(
        f"Invalid value: '{kind}'. Supported values are: 'text', 'json_object', and 'json_schema'.",
        "response_format.type",
    )


def _decode_stop(raw: object, extras: dict[str, Any]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        extras["_stop_str"] = True
        return (raw,)
    items = _list(raw, "stop")
    return tuple(_str(item, f"stop[{i}]") for i, item in enumerate(items))


def _decode_reasoning(body: Mapping[str, Any], extras: dict[str, Any]) -> ir.Reasoning | None:
    effort = _opt_str(body.get("reasoning_effort"), "reasoning_effort")
    if effort is not None:
        return ir.Reasoning(effort=effort)
    # OpenRouter's unified `reasoning: {effort, max_tokens, exclude, enabled}`.
    raw = extras.get("reasoning")
    if not isinstance(raw, dict):
        return None
    del extras["reasoning"]
    rest = {k: v for k, v in raw.items() if k not in ("effort", "max_tokens")}
    extras["_reasoning"] = rest
    return ir.Reasoning(
        effort=_opt_str(raw.get("effort"), "reasoning.effort"),
        budget_tokens=_opt_int(raw.get("max_tokens"), "reasoning.max_tokens"),
    )
