"""Finding tool results in a client's body, in each wire format, and replacing their text.

Each result is rewritten from its own text and its own tool call only (never its position or later
messages), so the same history always comes out the same. The body is copied only along the paths
that change; the client's dict is never modified.

- Anthropic: `tool_result` blocks in user messages; `content` a string or a list of blocks, of which
  the text blocks are compressed; `is_error`. Calls: `tool_use` blocks (name, input.command).
- OpenAI Chat: `role: "tool"` messages; `content` a string or text parts. Calls: assistant
  `tool_calls` (function name, JSON arguments).
- Responses: `function_call_output` / `local_shell_call_output` input items; `output` a string or
  `input_text` parts. Calls: `function_call` / `local_shell_call` items.
- Gemini: `functionResponse` parts; the string under `response.output` / `content` / `result`
  (a response with `error` is an error result). Calls: `functionCall` parts, by id, else by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from app.core.records import WireFormat
from app.savers.envelope import open_envelope
from app.savers.rtk.detect import ToolCall
from app.savers.rtk.engine import Outcome

Compress = Callable[[str, ToolCall, bool], Outcome]


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One tool result text that was replaced."""

    kind: str
    before: str
    after: str


class _Pass:
    """One walk over a body: the compressor and the rewrites it made."""

    def __init__(self, compress: Compress) -> None:
        self.compress = compress
        self.rewrites: list[Rewrite] = []

    def text(self, text: str, call: ToolCall, is_error: bool) -> str:
        envelope = open_envelope(text)
        if envelope is not None:
            inner = self.text(envelope.inner, call, is_error or envelope.failed)
            return text if inner is envelope.inner else envelope.rebuild(inner)
        outcome = self.compress(text, call, is_error)
        if outcome.kind is None or outcome.text == text:
            return text
        self.rewrites.append(Rewrite(outcome.kind, text, outcome.text))
        return outcome.text

    def parts(self, parts: list[Any], types: tuple[str, ...], call: ToolCall, is_error: bool) -> list[Any]:
        out = parts
        for i, part in enumerate(parts):
            if isinstance(part, dict) and part.get("type") in types and isinstance(part.get("text"), str):
                new = self.text(part["text"], call, is_error)
                if new is not part["text"]:
                    out = list(parts) if out is parts else out
                    out[i] = {**part, "text": new}
        return out


def _command(arguments: object) -> str:
    """The command line of a shell tool call: `command` (a string, or argv as Codex sends it) or `cmd`."""
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return ""
    if not isinstance(arguments, dict):
        return ""
    command = arguments.get("command", arguments.get("cmd"))
    if isinstance(command, str):
        return command
    if isinstance(command, list) and all(isinstance(word, str) for word in command):
        if len(command) >= 3 and command[1] in ("-c", "-lc"):
            return str(command[2])
        return " ".join(command)
    return ""


def _call(name: object, arguments: object) -> ToolCall:
    return ToolCall(name if isinstance(name, str) else "", _command(arguments))


def _replace(items: list[Any], i: int, item: Any, current: list[Any]) -> list[Any]:
    out = list(items) if current is items else current
    out[i] = item
    return out


# --------------------------------------------------------------------------- per format


def _anthropic(body: dict[str, Any], run: _Pass) -> dict[str, Any]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    calls: dict[str, ToolCall] = {}
    new_messages = messages
    for m, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            continue
        content = message["content"]
        new_content = content
        for b, block in enumerate(content):
            if not isinstance(block, dict):
                continue
            if block.get("type") == "tool_use" and isinstance(block.get("id"), str):
                calls[block["id"]] = _call(block.get("name"), block.get("input"))
            elif block.get("type") == "tool_result":
                call = calls.get(str(block.get("tool_use_id")), ToolCall())
                is_error = block.get("is_error") is True
                value = block.get("content")
                if isinstance(value, str):
                    new_value: Any = run.text(value, call, is_error)
                elif isinstance(value, list):
                    new_value = run.parts(value, ("text",), call, is_error)
                else:
                    continue
                if new_value is not value:
                    new_content = _replace(content, b, {**block, "content": new_value}, new_content)
        if new_content is not content:
            new_messages = _replace(messages, m, {**message, "content": new_content}, new_messages)
    return body if new_messages is messages else {**body, "messages": new_messages}


def _openai(body: dict[str, Any], run: _Pass) -> dict[str, Any]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    calls: dict[str, ToolCall] = {}
    new_messages = messages
    for m, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant" and isinstance(message.get("tool_calls"), list):
            for tool_call in message["tool_calls"]:
                if isinstance(tool_call, dict) and isinstance(tool_call.get("function"), dict):
                    function = tool_call["function"]
                    calls[str(tool_call.get("id"))] = _call(function.get("name"), function.get("arguments"))
        elif message.get("role") == "tool":
            call = calls.get(str(message.get("tool_call_id")), ToolCall())
            value = message.get("content")
            if isinstance(value, str):
                new_value: Any = run.text(value, call, False)
            elif isinstance(value, list):
                new_value = run.parts(value, ("text",), call, False)
            else:
                continue
            if new_value is not value:
                new_messages = _replace(messages, m, {**message, "content": new_value}, new_messages)
    return body if new_messages is messages else {**body, "messages": new_messages}


def _responses(body: dict[str, Any], run: _Pass) -> dict[str, Any]:
    items = body.get("input")
    if not isinstance(items, list):
        return body
    calls: dict[str, ToolCall] = {}
    new_items = items
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "function_call":
            calls[str(item.get("call_id"))] = _call(item.get("name"), item.get("arguments"))
        elif kind == "local_shell_call":
            action = item.get("action")
            calls[str(item.get("call_id"))] = _call(
                "local_shell", action if isinstance(action, dict) else None
            )
        elif kind in ("function_call_output", "local_shell_call_output"):
            call = calls.get(str(item.get("call_id")), ToolCall())
            value = item.get("output")
            if isinstance(value, str):
                new_value: Any = run.text(value, call, False)
            elif isinstance(value, list):
                new_value = run.parts(value, ("input_text", "output_text", "text"), call, False)
            else:
                continue
            if new_value is not value:
                new_items = _replace(items, i, {**item, "output": new_value}, new_items)
    return body if new_items is items else {**body, "input": new_items}


_GEMINI_TEXT_KEYS = ("output", "content", "result")


def _gemini(body: dict[str, Any], run: _Pass) -> dict[str, Any]:
    contents = body.get("contents")
    if not isinstance(contents, list):
        return body
    by_id: dict[str, ToolCall] = {}
    by_name: dict[str, ToolCall] = {}
    new_contents = contents
    for c, content in enumerate(contents):
        if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
            continue
        parts = content["parts"]
        new_parts = parts
        for p, part in enumerate(parts):
            if not isinstance(part, dict):
                continue
            function_call = part.get("functionCall")
            if isinstance(function_call, dict):
                call = _call(function_call.get("name"), function_call.get("args"))
                by_name[call.name] = call
                if isinstance(function_call.get("id"), str):
                    by_id[function_call["id"]] = call
                continue
            response = part.get("functionResponse")
            if not isinstance(response, dict) or not isinstance(response.get("response"), dict):
                continue
            payload = response["response"]
            name = response.get("name")
            call = by_id.get(str(response.get("id"))) or by_name.get(str(name)) or _call(name, None)
            is_error = "error" in payload
            new_payload = payload
            for key in _GEMINI_TEXT_KEYS:
                value = payload.get(key)
                if isinstance(value, str):
                    new = run.text(value, call, is_error)
                    if new is not value:
                        new_payload = {**new_payload, key: new}
            if new_payload is not payload:
                new_part = {**part, "functionResponse": {**response, "response": new_payload}}
                new_parts = _replace(parts, p, new_part, new_parts)
        if new_parts is not parts:
            new_contents = _replace(contents, c, {**content, "parts": new_parts}, new_contents)
    return body if new_contents is contents else {**body, "contents": new_contents}


_WALKERS = {
    WireFormat.ANTHROPIC: _anthropic,
    WireFormat.OPENAI: _openai,
    WireFormat.RESPONSES: _responses,
    WireFormat.GEMINI: _gemini,
}


def rewrite_tool_results(
    body: dict[str, Any], fmt: WireFormat, compress: Compress
) -> tuple[dict[str, Any], tuple[Rewrite, ...]]:
    """`body` with every tool result's text passed through `compress`, and what was replaced."""
    run = _Pass(compress)
    new_body = _WALKERS[fmt](body, run)
    return new_body, tuple(run.rewrites)
