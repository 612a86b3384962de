"""`ir.Request` → a Chat Completions request body, recording a Drop for everything Chat cannot carry.
A request that came from a Chat client gets its own spelling back (layout, extras, cache marks,
reasoning fields); one from another format gets the plain encoding OpenAI documents. The recorded
message layout is used only while it still fits the messages, so a stage that rewrote the
conversation never gets a stale layout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.formats import ir
from app.formats.cache_marks import cache_mark_json
from app.formats.data_urls import data_url
from app.formats.openai_chat.media import _default_filename
from app.formats.openai_chat.reasoning import _all_reasoning_details, _reasoning_detail
from app.formats.openai_chat.tools import sanitize_tool_name
from app.formats.openai_chat.vocabulary import FORMAT
from app.formats.reasoning_levels import OPENAI_EFFORTS


def encode_request(request: ir.Request) -> ir.Encoded:
    return _RequestEncoder(request).encode()


class _RequestEncoder:
    def __init__(self, request: ir.Request) -> None:
        self.request = request
        extras = request.extras.get(FORMAT)
        self.from_chat = extras is not None
        self.x: Mapping[str, Any] = extras or {}
        self.cache_ok = bool(self.x.get("_cache"))
        self.drops: list[ir.Drop] = []

    def drop(self, field: str, reason: str) -> None:
        self.drops.append(ir.Drop(field, reason))

    def encode(self) -> ir.Encoded:
        r = self.request
        body: dict[str, Any] = {k: v for k, v in self.x.items() if not k.startswith("_")}
        body["model"] = r.model
        body["messages"] = self._messages()
        if r.tools:
            body["tools"] = self._tools()
        if r.tool_choice is not None:
            if r.tools:
                body["tool_choice"] = self._tool_choice(r.tool_choice)
            else:
                self.drop("tool_choice", "OpenAI Chat accepts tool_choice only together with tools")
        if r.parallel_tool_calls is not None:
            if r.tools or self.from_chat:
                body["parallel_tool_calls"] = r.parallel_tool_calls
            else:
                self.drop("parallel_tool_calls", "OpenAI Chat accepts parallel_tool_calls only with tools")
        if r.max_output_tokens is not None:
            key = "max_tokens" if self.x.get("_max_tokens_key") == "max_tokens" else "max_completion_tokens"
            body[key] = r.max_output_tokens
        for key, value in (
            ("temperature", r.temperature),
            ("top_p", r.top_p),
            ("seed", r.seed),
            ("presence_penalty", r.presence_penalty),
            ("frequency_penalty", r.frequency_penalty),
        ):
            if value is not None:
                body[key] = value
        body.pop("top_k", None)
        if r.top_k is not None:
            if "top_k" in self.x:  # the client's own upstream takes it (vLLM, OpenRouter…)
                body["top_k"] = r.top_k
            else:
                self.drop("top_k", "OpenAI Chat has no top_k")
        if r.stop:
            body["stop"] = r.stop[0] if len(r.stop) == 1 and self.x.get("_stop_str") else list(r.stop)
        self._reasoning(body)
        if r.response_format is not None:
            body["response_format"] = self._response_format(r.response_format)
        if r.stream:
            body["stream"] = True
            options = self.x.get("_stream_options")
            # The gateway needs usage, whatever the client asked for.
            body["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        elif self.x.get("_stream_false"):
            body["stream"] = False
        if r.user is not None:
            body["user"] = r.user
        if r.metadata:
            if self.from_chat:
                body["metadata"] = dict(r.metadata)
            else:
                self.drop("metadata", "OpenAI Chat accepts metadata only for stored completions")
        return ir.Encoded(body, tuple(self.drops))

    # --- top-level pieces

    def _reasoning(self, body: dict[str, Any]) -> None:
        reasoning = self.request.reasoning
        if reasoning is None:
            return
        rest = self.x.get("_reasoning")
        if isinstance(rest, dict):  # the client spoke OpenRouter's `reasoning` object
            obj: dict[str, Any] = dict(rest)
            if reasoning.effort is not None:
                obj["effort"] = reasoning.effort
            if reasoning.budget_tokens is not None:
                obj["max_tokens"] = reasoning.budget_tokens
            body["reasoning"] = obj
        else:
            effort = reasoning.effective_effort()
            if effort is not None:
                if effort not in OPENAI_EFFORTS and not self.from_chat:
                    self.drop("reasoning.effort", f"OpenAI has no effort '{effort}'; sent 'xhigh'")
                    effort = "xhigh"
                body["reasoning_effort"] = effort
        if reasoning.summary is not None:
            self.drop("reasoning.summary", "OpenAI Chat cannot ask for reasoning summaries")
        if reasoning.include_encrypted:
            self.drop("reasoning.include_encrypted", "OpenAI Chat returns no encrypted reasoning")
        if reasoning.include_thoughts is not None:
            self.drop("reasoning.include_thoughts", "OpenAI Chat has no switch for returning thoughts")

    def _response_format(self, fmt: ir.ResponseFormat) -> dict[str, Any]:
        if fmt.type != "json_schema":
            return {"type": fmt.type}
        spec: dict[str, Any] = {"name": sanitize_tool_name(fmt.name or "response")}
        if fmt.description is not None:
            spec["description"] = fmt.description
        if fmt.schema is not None:
            spec["schema"] = dict(fmt.schema)
        if fmt.strict is not None:
            spec["strict"] = fmt.strict
        return {"type": "json_schema", "json_schema": spec}

    def _tools(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, tool in enumerate(self.request.tools):
            path = f"tools[{i}]"
            if tool.kind == "custom" and self.from_chat and tool.config:
                out.append(dict(tool.config))
                continue
            if tool.kind != "function":
                self.drop(path, f"OpenAI Chat cannot run the built-in tool '{tool.kind}'")
                continue
            function: dict[str, Any] = {"name": self._tool_name(tool.name, f"{path}.name")}
            if tool.description is not None:
                function["description"] = tool.description
            if tool.parameters:
                function["parameters"] = dict(tool.parameters)
            if tool.strict is not None:
                function["strict"] = tool.strict
            entry: dict[str, Any] = {"type": "function", "function": function}
            if tool.cache is not None:
                if self.cache_ok:
                    entry["cache_control"] = cache_mark_json(tool.cache)
                else:
                    self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
            out.append(entry)
        return out

    def _tool_name(self, name: str, path: str) -> str:
        safe = sanitize_tool_name(name)
        if safe != name:
            self.drop(path, f"tool name '{name}' is not valid for OpenAI; sent as '{safe}'")
        return safe

    def _tool_choice(self, choice: ir.ToolChoice) -> Any:
        raw = self.x.get("_tool_choice")
        if isinstance(raw, dict):
            allowed = raw.get("allowed_tools")
            if isinstance(allowed, dict) and allowed.get("mode") == choice.mode.value:
                return dict(raw)
        if choice.mode is not ir.ToolChoiceMode.TOOL:
            return choice.mode.value
        name = choice.name or ""
        tool = next((t for t in self.request.tools if t.name == name), None)
        if tool is not None and tool.kind == "custom":
            return {"type": "custom", "custom": {"name": name}}
        return {"type": "function", "function": {"name": sanitize_tool_name(name)}}

    # --- messages

    def _messages(self) -> list[dict[str, Any]]:
        r = self.request
        out: list[dict[str, Any]] = []
        layout = self._system_layout()
        meta_map = self.x.get("_messages")
        meta_map = meta_map if isinstance(meta_map, dict) else {}
        if layout is None:
            if r.system:
                out.append(self._default_system())
            pending: list[tuple[int, dict[str, Any]]] = []
        else:
            pending = layout
        cursor = 0
        for i, message in enumerate(r.messages):
            while cursor < len(pending) and pending[cursor][0] <= i:
                out.append(pending[cursor][1])
                cursor += 1
            meta = meta_map.get(str(i))
            meta = meta if isinstance(meta, dict) and _meta_fits(meta, message) else {}
            if message.role is ir.Role.ASSISTANT:
                out.append(self._assistant(message, i, meta))
            else:
                out.extend(self._user(message, i, meta))
        out.extend(entry for _, entry in pending[cursor:])
        return out

    def _system_layout(self) -> list[tuple[int, dict[str, Any]]] | None:
        """The client's own system/developer messages, when the layout still fits the request."""
        layout = self.x.get("_system")
        if not isinstance(layout, list):
            return None
        system = self.request.system
        if sum(e.get("n", 0) for e in layout if isinstance(e, dict)) != len(system):
            return None
        out: list[tuple[int, dict[str, Any]]] = []
        start = 0
        for entry in layout:
            if not isinstance(entry, dict):
                return None
            n = int(entry.get("n", 0))
            parts = system[start : start + n]
            start += n
            message: dict[str, Any] = {"role": entry.get("role", "system")}
            if entry.get("list"):
                message["content"] = [
                    self._text_json(p, f"system[{start - n + j}]") for j, p in enumerate(parts)
                ]
            elif entry.get("empty") and not parts:
                message["content"] = ""
            else:
                message["content"] = "".join(p.text for p in parts)
                for j, part in enumerate(parts):
                    self._text_losses(part, f"system[{start - n + j}]")
            if "name" in entry:
                message["name"] = entry["name"]
            out.append((int(entry.get("at", 0)), message))
        return out

    def _default_system(self) -> dict[str, Any]:
        parts = self.request.system
        if self.cache_ok and any(p.cache is not None for p in parts):
            return {
                "role": "system",
                "content": [self._text_json(p, f"system[{i}]") for i, p in enumerate(parts)],
            }
        for i, part in enumerate(parts):
            self._text_losses(part, f"system[{i}]")
        return {"role": "system", "content": "\n\n".join(p.text for p in parts)}

    def _text_losses(self, part: ir.TextPart, path: str) -> None:
        if part.cache is not None:
            self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        if any(key != FORMAT for key in part.extras):
            self.drop(f"{path}.extras", "citations and annotations of another format are not sent")

    def _text_json(self, part: ir.TextPart, path: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "text", "text": part.text}
        if part.cache is not None and self.cache_ok:
            out["cache_control"] = cache_mark_json(part.cache)
        elif part.cache is not None:
            self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        if any(key != FORMAT for key in part.extras):
            self.drop(f"{path}.extras", "citations and annotations of another format are not sent")
        return out

    def _media_json(self, part: ir.ImagePart | ir.DocumentPart, path: str) -> dict[str, Any] | None:
        source = part.source
        out: dict[str, Any]
        if isinstance(part, ir.ImagePart):
            if source.kind == "base64":
                url = data_url(source)
            elif source.kind == "url" and source.url is not None:
                url = source.url
            else:
                self.drop(path, "OpenAI Chat cannot refer to an image by file id")
                return None
            image: dict[str, Any] = {"url": url}
            if part.detail is not None:
                image["detail"] = part.detail
            out = {"type": "image_url", "image_url": image}
        else:
            file: dict[str, Any] = {}
            if source.kind == "base64":
                file["file_data"] = data_url(source) if source.media_type else (source.data or "")
                file["filename"] = part.filename or part.title or _default_filename(source.media_type)
            elif source.kind == "file" and source.file_id is not None:
                file["file_id"] = source.file_id
                if part.filename is not None:
                    file["filename"] = part.filename
            else:
                self.drop(path, "OpenAI Chat cannot fetch a document from a URL")
                return None
            if part.title is not None and part.title != file.get("filename"):
                self.drop(f"{path}.title", "OpenAI Chat documents have no title")
            out = {"type": "file", "file": file}
        if part.cache is not None:
            if self.cache_ok:
                out["cache_control"] = cache_mark_json(part.cache)
            else:
                self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        return out

    def _user(self, message: ir.Message, index: int, meta: Mapping[str, Any]) -> list[dict[str, Any]]:
        path = f"messages[{index}]"
        out: list[dict[str, Any]] = []
        results = [(j, p) for j, p in enumerate(message.parts) if isinstance(p, ir.ToolResultPart)]
        others = [(j, p) for j, p in enumerate(message.parts) if not isinstance(p, ir.ToolResultPart)]
        items = meta.get("items") if meta.get("k") == "tool" else None
        items = items if isinstance(items, list) and len(items) == len(results) else [{}] * len(results)
        carried: list[tuple[str, ir.ImagePart | ir.DocumentPart]] = []
        for (j, result), item in zip(results, items, strict=True):
            out.append(self._tool_result(result, f"{path}.parts[{j}]", item, carried))
        content_parts: list[dict[str, Any]] = []
        for j, part in others:
            ppath = f"{path}.parts[{j}]"
            if isinstance(part, ir.TextPart):
                content_parts.append(self._text_json(part, ppath))
            elif isinstance(part, ir.ImagePart | ir.DocumentPart):
                encoded = self._media_json(part, ppath)
                if encoded is not None:
                    content_parts.append(encoded)
            else:
                self.drop(ppath, f"OpenAI Chat user messages cannot hold {type(part).__name__}")
        for cpath, media in carried:
            encoded = self._media_json(media, cpath)
            if encoded is not None:
                content_parts.append(encoded)
        if not content_parts and results and meta.get("k") != "user":
            return out
        user: dict[str, Any] = {"role": "user"}
        opaque = meta.get("opaque") if meta.get("k") == "user" else None
        as_list = bool(meta.get("list")) or bool(opaque) or _needs_list(content_parts)
        if as_list:
            if isinstance(opaque, list):
                for position, raw in opaque:
                    content_parts.insert(min(int(position), len(content_parts)), raw)
            user["content"] = content_parts
        elif content_parts:
            user["content"] = "".join(p["text"] for p in content_parts)
        else:
            user["content"] = ""
        if message.name is not None:
            user["name"] = message.name
        extra = meta.get("x")
        if isinstance(extra, dict):
            user.update(extra)
        out.append(user)
        return out

    def _tool_result(
        self,
        result: ir.ToolResultPart,
        path: str,
        item: Mapping[str, Any],
        carried: list[tuple[str, ir.ImagePart | ir.DocumentPart]],
    ) -> dict[str, Any]:
        texts: list[ir.TextPart] = []
        for k, part in enumerate(result.content):
            if isinstance(part, ir.TextPart):
                texts.append(part)
            else:
                # Tool messages carry text only: images and documents follow in a user message.
                carried.append((f"{path}.content[{k}]", part))
        if result.is_error:
            self.drop(f"{path}.is_error", "OpenAI Chat tool messages have no error flag")
        if item.get("legacy") and result.name is not None:
            message: dict[str, Any] = {"role": "function", "name": result.name}
            message["content"] = "".join(t.text for t in texts)
            return message
        message = {"role": "tool", "tool_call_id": result.call_id}
        if item.get("list"):
            message["content"] = [self._text_json(t, f"{path}.content") for t in texts]
        else:
            for t in texts:
                self._text_losses(t, f"{path}.content")
            message["content"] = "\n".join(t.text for t in texts)
        if item.get("name") and result.name is not None:
            message["name"] = result.name
        if result.cache is not None:
            if self.cache_ok:
                message["cache_control"] = cache_mark_json(result.cache)
            else:
                self.drop(f"{path}.cache", "OpenAI Chat has no cache marks")
        extra = item.get("x")
        if isinstance(extra, dict):
            message.update(extra)
        return message

    def _assistant(self, message: ir.Message, index: int, meta: Mapping[str, Any]) -> dict[str, Any]:
        path = f"messages[{index}]"
        out: dict[str, Any] = {"role": "assistant"}
        texts: list[tuple[int, ir.TextPart]] = []
        calls: list[tuple[int, ir.ToolCallPart]] = []
        thinking: list[tuple[int, ir.ThinkingPart | ir.RedactedThinkingPart]] = []
        for j, part in enumerate(message.parts):
            if isinstance(part, ir.TextPart):
                texts.append((j, part))
            elif isinstance(part, ir.ToolCallPart):
                calls.append((j, part))
            elif isinstance(part, ir.ThinkingPart | ir.RedactedThinkingPart):
                thinking.append((j, part))
            else:
                self.drop(
                    f"{path}.parts[{j}]", f"OpenAI Chat assistant messages cannot hold {type(part).__name__}"
                )
        # content
        opaque = meta.get("opaque")
        if meta.get("list") or opaque:
            content: list[Any] = [self._text_json(p, f"{path}.parts[{j}]") for j, p in texts]
            if isinstance(opaque, list):
                for position, raw in opaque:
                    content.insert(min(int(position), len(content)), raw)
            out["content"] = content
        elif texts:
            for j, p in texts:
                self._text_losses(p, f"{path}.parts[{j}]")
            out["content"] = "".join(p.text for _, p in texts)
        elif meta.get("content") == "":
            out["content"] = ""
        elif meta.get("content") != "absent":
            out["content"] = None
        if message.name is not None:
            out["name"] = message.name
        if "refusal" in meta:
            out["refusal"] = meta["refusal"]
        # reasoning: only a client of this format knows whether its upstream reads it back
        field = meta.get("r")
        parts = [p for _, p in thinking]
        if isinstance(field, str):
            out[field] = "".join(p.text for p in parts if isinstance(p, ir.ThinkingPart))
        if meta.get("rd"):
            out["reasoning_details"] = _all_reasoning_details(parts)
        elif isinstance(field, str):
            for j, part in thinking:
                if _reasoning_detail(part, 0) is not None:
                    self.drop(
                        f"{path}.parts[{j}]", "OpenAI Chat cannot hand back signed or encrypted reasoning"
                    )
        else:
            for j, _ in thinking:
                self.drop(f"{path}.parts[{j}]", "OpenAI Chat does not take reasoning back in a request")
        # tool calls
        if meta.get("legacy") and len(calls) == 1:
            _, call = calls[0]
            out["function_call"] = {"name": call.name, "arguments": call.arguments}
        elif calls:
            out["tool_calls"] = [self._tool_call(call, f"{path}.parts[{j}]") for j, call in calls]
        extra = meta.get("x")
        if isinstance(extra, dict):
            out.update(extra)
        return out

    def _tool_call(self, call: ir.ToolCallPart, path: str) -> dict[str, Any]:
        own = call.extras.get(FORMAT)
        own = own if isinstance(own, dict) else {}
        out: dict[str, Any]
        if own.get("type") == "custom":
            out = {"id": call.id, "type": "custom", "custom": {"name": call.name, "input": call.arguments}}
        else:
            out = {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": self._tool_name(call.name, f"{path}.name"),
                    "arguments": call.arguments or "{}",
                },
            }
        extra_content = own.get("extra_content")
        extra_content = dict(extra_content) if isinstance(extra_content, dict) else {}
        if call.thought_signature is not None:
            if self.from_chat:
                google = extra_content.get("google")
                google = dict(google) if isinstance(google, dict) else {}
                google["thought_signature"] = call.thought_signature
                extra_content["google"] = google
            else:
                self.drop(f"{path}.thought_signature", "OpenAI Chat has no thought signatures")
        if extra_content:
            out["extra_content"] = extra_content
        if call.cache is not None:
            self.drop(f"{path}.cache", "OpenAI Chat has no cache marks on tool calls")
        return out


def _needs_list(parts: Sequence[Mapping[str, Any]]) -> bool:
    return len(parts) > 1 or any(p.get("type") != "text" or "cache_control" in p for p in parts)


def _meta_fits(meta: Mapping[str, Any], message: ir.Message) -> bool:
    """A layout entry applies only while the message it was recorded for is still that message."""
    kind = meta.get("k")
    if meta.get("n") != len(message.parts):
        return False
    if kind == "assistant":
        return message.role is ir.Role.ASSISTANT
    if kind == "user":
        return message.role is ir.Role.USER and not any(
            isinstance(p, ir.ToolResultPart) for p in message.parts
        )
    if kind == "tool":
        return message.role is ir.Role.USER and all(isinstance(p, ir.ToolResultPart) for p in message.parts)
    return False
