"""Canonical parts → Responses items (`_Writer`), for request `input` and for response `output`.
In output mode every item gets an id and a status and other vendors' signatures are sealed into
reasoning items; in input mode what OpenAI would refuse (foreign reasoning, redacted thinking,
thought signatures, cache marks) is dropped and reported. The item markers left by the decoder
decide where one message item ends and the next begins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.formats import ir
from app.formats.data_urls import data_url
from app.formats.openai_responses.extras import _ours
from app.formats.openai_responses.reasoning import _continues_reasoning, seal
from app.formats.openai_responses.tools import _custom_input


class _Writer:
    """Canonical parts → Responses items, for request `input` (output=False) or response
    `output` (output=True: every item gets an id and a status; foreign signatures are sealed)."""

    def __init__(
        self,
        *,
        output: bool,
        id_base: str = "",
        custom_names: frozenset[str] = frozenset(),
        renames: Mapping[str, str] | None = None,
    ) -> None:
        self.output = output
        self.id_base = id_base
        self.custom_names = custom_names
        self.renames = renames or {}
        self.custom_calls: set[str] = set()
        self.drops: list[ir.Drop] = []
        self._n = 0

    def new_id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self.id_base}{self._n:03d}"

    def drop(self, where: str, reason: str) -> None:
        self.drops.append(ir.Drop(where, reason))

    # ---- assistant turns

    def assistant(self, parts: Sequence[ir.Part], path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(parts):
            part = parts[i]
            where = f"{path}.parts[{i}]"
            if isinstance(part, ir.TextPart):
                j = i + 1
                while j < len(parts) and _plain_text(parts[j]):
                    j += 1
                run = [p for p in parts[i:j] if isinstance(p, ir.TextPart)]
                items.append(self.assistant_message(run, where))
                i = j
            elif isinstance(part, ir.ThinkingPart):
                j = i + 1
                while j < len(parts) and _continues_reasoning(parts[j - 1], parts[j]):
                    j += 1
                run_t = [p for p in parts[i:j] if isinstance(p, ir.ThinkingPart)]
                item = self.reasoning(run_t, where)
                if item is not None:
                    items.append(item)
                i = j
            elif isinstance(part, ir.ToolCallPart):
                items.extend(self.call(part, where))
                i += 1
            elif isinstance(part, ir.RedactedThinkingPart):
                if self.output:
                    items.append(self.sealed_reasoning({"k": "redacted", "data": part.data}))
                else:
                    self.drop(where, "redacted thinking is Anthropic's and cannot be sent to OpenAI")
                i += 1
            else:
                self.drop(where, f"{type(part).__name__} cannot appear in a Responses assistant message")
                i += 1
        return items

    def assistant_message(self, run: Sequence[ir.TextPart], where: str) -> dict[str, Any]:
        meta = _ours(run[0].extras).get("item") or {}
        extra = dict(meta.get("extra") or {})
        content: Any = [self.output_text(p, f"{where}") for p in run]
        item: dict[str, Any] = {}
        if self.output:
            item["id"] = extra.pop("id", None) or self.new_id("msg")
            item["type"] = "message"
            item["status"] = extra.pop("status", None) or "completed"
        else:
            if not meta.get("untyped"):
                item["type"] = "message"
            if meta.get("string") and len(run) == 1 and "ptype" not in _ours(run[0].extras):
                content = run[0].text
        item["role"] = "assistant"
        item["content"] = content
        item.update(extra)
        return item

    def output_text(self, part: ir.TextPart, where: str) -> dict[str, Any]:
        mark = _ours(part.extras)
        ptype = mark.get("ptype") or "output_text"
        if ptype == "refusal":
            out: dict[str, Any] = {"type": "refusal", "refusal": part.text}
        else:
            out = {"type": ptype, "text": part.text}
            if self.output and ptype == "output_text":
                out["annotations"] = []
                out["logprobs"] = []
        out.update(mark.get("pextra") or {})
        if part.cache is not None and "prompt_cache_breakpoint" not in out:
            self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
        return out

    def reasoning(self, run: Sequence[ir.ThinkingPart], where: str) -> dict[str, Any] | None:
        first = run[0]
        native = first.encrypted is not None or first.reasoning_id is not None or first.kind == "summary"
        if not native:
            if not self.output:
                self.drop(where, "reasoning from another vendor cannot be handed to OpenAI")
                return None
            text = "\n\n".join(p.text for p in run)
            if first.signature is not None:
                return self.sealed_reasoning({"k": "thinking", "sig": first.signature}, text)
            return self.sealed_reasoning(None, text)
        if not self.output and first.encrypted is None and first.reasoning_id is None:
            self.drop(where, "a reasoning item without id or encrypted content is refused by OpenAI")
            return None
        item: dict[str, Any] = {"type": "reasoning"}
        if self.output or first.reasoning_id is not None:
            item["id"] = first.reasoning_id or self.new_id("rs")
        item["summary"] = [
            {"type": "summary_text", "text": p.text} for p in run if p.kind == "summary" and p.text
        ]
        thinking = [{"type": "reasoning_text", "text": p.text} for p in run if p.kind != "summary"]
        if thinking:
            item["content"] = thinking
        if first.encrypted is not None:
            item["encrypted_content"] = first.encrypted
        return item

    def sealed_reasoning(self, payload: Mapping[str, Any] | None, text: str = "") -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.new_id("rs"),
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": text}] if text else [],
        }
        if payload is not None:
            item["encrypted_content"] = seal(payload)
        return item

    def call(self, part: ir.ToolCallPart, where: str) -> list[dict[str, Any]]:
        mark = _ours(part.extras)
        extra = dict(mark.get("extra") or {})
        items: list[dict[str, Any]] = []
        if part.thought_signature is not None:
            if self.output:
                items.append(
                    self.sealed_reasoning({"k": "tool_sigs", "sigs": {part.id: part.thought_signature}})
                )
            else:
                self.drop(f"{where}.thought_signature", "Gemini thought signatures cannot be sent to OpenAI")
        if part.cache is not None:
            self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
        name = self.renames.get(part.name, part.name)
        if mark.get("custom") or part.name in self.custom_names:
            self.custom_calls.add(part.id)
            item: dict[str, Any] = {"type": "custom_tool_call"}
            if self.output:
                item["id"] = extra.pop("id", None) or self.new_id("ctc")
            item.update(call_id=part.id, name=name, input=_custom_input(part.arguments))
        else:
            item = {"type": "function_call"}
            if self.output:
                item["id"] = extra.pop("id", None) or self.new_id("fc")
                item["status"] = extra.pop("status", None) or "completed"
            item.update(call_id=part.id, name=name, arguments=part.arguments)
        item.update(extra)
        items.append(item)
        return items

    # ---- user turns

    def user(self, parts: Sequence[ir.Part], path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(parts):
            part = parts[i]
            where = f"{path}.parts[{i}]"
            if isinstance(part, ir.ToolResultPart):
                items.append(self.call_output(part, where))
                i += 1
                continue
            j = i + 1
            while (
                j < len(parts) and not isinstance(parts[j], ir.ToolResultPart) and not _starts_item(parts[j])
            ):
                j += 1
            item = self.user_message(parts[i:j], path, i)
            if item is not None:
                items.append(item)
            i = j
        return items

    def user_message(self, run: Sequence[ir.Part], path: str, start: int) -> dict[str, Any] | None:
        first = run[0]
        meta = _ours(first.extras).get("item") or {} if isinstance(first, ir.TextPart) else {}
        content: list[dict[str, Any]] = []
        for k, part in enumerate(run):
            encoded = self.input_part(part, f"{path}.parts[{start + k}]")
            if encoded is not None:
                content.append(encoded)
        if not content:
            return None
        item: dict[str, Any] = {}
        if not meta.get("untyped"):
            item["type"] = "message"
        item["role"] = "user"
        if (
            meta.get("string")
            and len(content) == 1
            and content[0].get("type") == "input_text"
            and len(content[0]) == 2
        ):
            item["content"] = content[0]["text"]
        else:
            item["content"] = content
        item.update(meta.get("extra") or {})
        return item

    def input_part(self, part: ir.Part, where: str) -> dict[str, Any] | None:
        if isinstance(part, ir.TextPart):
            mark = _ours(part.extras)
            out: dict[str, Any] = {"type": mark.get("ptype") or "input_text", "text": part.text}
            out.update(mark.get("pextra") or {})
            if part.cache is not None and "prompt_cache_breakpoint" not in out:
                self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
            return out
        if isinstance(part, ir.ImagePart):
            src = part.source
            out = {"type": "input_image"}
            if src.kind == "base64":
                out["image_url"] = data_url(src)
            elif src.kind == "url":
                out["image_url"] = src.url
            elif src.kind == "file":
                out["file_id"] = src.file_id
            else:
                self.drop(where, f"image source {src.kind!r} has no Responses form")
                return None
            if part.detail is not None:
                out["detail"] = part.detail
            if part.cache is not None:
                self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
            return out
        if isinstance(part, ir.DocumentPart):
            src = part.source
            out = {"type": "input_file"}
            if src.kind == "base64":
                out["file_data"] = data_url(src) if src.media_type else (src.data or "")
            elif src.kind == "url":
                out["file_url"] = src.url
            elif src.kind == "file":
                out["file_id"] = src.file_id
            else:
                self.drop(where, f"document source {src.kind!r} has no Responses form")
                return None
            filename = part.filename or part.title
            if filename is not None:
                out["filename"] = filename
            if part.title is not None and part.title != filename:
                self.drop(f"{where}.title", "input_file has a filename but no title")
            if part.cache is not None:
                self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
            return out
        self.drop(where, f"{type(part).__name__} cannot appear in a Responses user message")
        return None

    def call_output(self, part: ir.ToolResultPart, where: str) -> dict[str, Any]:
        first = part.content[0] if part.content else None
        meta = _ours(first.extras).get("item") or {} if isinstance(first, ir.TextPart) else {}
        custom = meta.get("custom") or part.call_id in self.custom_calls
        if part.is_error:
            self.drop(f"{where}.is_error", "Responses tool outputs have no error flag")
        if part.cache is not None:
            self.drop(f"{where}.cache", "cache marks are not sent to OpenAI")
        output: Any
        if not part.content:
            output = ""
        elif (
            len(part.content) == 1
            and isinstance(first, ir.TextPart)
            and not meta.get("list")
            and not _ours(first.extras).get("pextra")
        ):
            output = first.text
            if first.cache is not None:
                self.drop(f"{where}.content[0].cache", "cache marks are not sent to OpenAI")
        else:
            output = []
            for k, sub in enumerate(part.content):
                encoded = self.input_part(sub, f"{where}.content[{k}]")
                if encoded is not None:
                    output.append(encoded)
        item: dict[str, Any] = {
            "type": "custom_tool_call_output" if custom else "function_call_output",
            "call_id": part.call_id,
            "output": output,
        }
        item.update(meta.get("extra") or {})
        return item


def _starts_item(part: ir.Part) -> bool:
    """A TextPart marked as the first part of a new message item."""
    return isinstance(part, ir.TextPart) and "item" in _ours(part.extras)


def _plain_text(part: ir.Part) -> bool:
    """A TextPart that continues the current message item."""
    return isinstance(part, ir.TextPart) and "item" not in _ours(part.extras)
