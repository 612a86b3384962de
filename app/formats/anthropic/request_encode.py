"""Request encoding: canonical Request → an Anthropic Messages body. Merges consecutive same-role
messages and puts tool results first in their user turn, escapes tool names, maps reasoning to
`thinking` / `output_config.effort` (with the budget and max_tokens rules Anthropic enforces, and the
sampling limits while thinking), and restores what a same-format decode kept in the hints (system
messages inside `messages` included, for the models that take them). Anything Anthropic cannot carry
is recorded as a Drop."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from app.core.errors import InvalidRequest
from app.formats import ir
from app.formats.anthropic.blocks import FORMAT, _is_plain_text, _opaque_block, _part_extras
from app.formats.anthropic.fields import _rest
from app.formats.anthropic.media import _document_source_out, _image_source_out
from app.formats.anthropic.tools import (
    _ANTHROPIC_TOOL_KIND,
    _ANTHROPIC_TOOL_KINDS,
    _TOOL_CHOICE_OUT,
    escape_tool_name,
)
from app.formats.cache_marks import cache_mark_json
from app.formats.tool_arguments import arguments_object

# Without thinking, and with it (max_tokens must exceed budget_tokens and every thinking-capable
# Claude model accepts 32000).
DEFAULT_MAX_TOKENS: Final = 8192
DEFAULT_MAX_TOKENS_THINKING: Final = 32000
MIN_THINKING_BUDGET: Final = 1024
EFFORT_LEVELS: Final = frozenset({"low", "medium", "high", "xhigh", "max"})


# Claude model ids ("claude-opus-4-8", "claude-opus-4-8-20260528", "anthropic.claude-opus-4-8-v1:0",
# "claude-opus-4-20250514"): family, major and (when there is one) minor version.
_CLAUDE_VERSION: Final = re.compile(r"claude-(opus|sonnet|haiku)-(\d+)(?:-(\d{1,2}))?(?!\d)")
# The first model that takes `{"role": "system"}` inside `messages`: every earlier one answers 400.
_SYSTEM_MESSAGES_SINCE: Final = ("opus", (4, 8))


def _takes_system_messages(model: str) -> bool:
    """Whether the model accepts mid-conversation system messages (Claude Opus 4.8 and later Opus
    models). Unknown names get no: the top-level `system` is understood by every model."""
    found = _CLAUDE_VERSION.search(model)
    if found is None:
        return False
    family, since = _SYSTEM_MESSAGES_SINCE
    version = (int(found.group(2)), int(found.group(3) or 0))
    return found.group(1) == family and version >= since


def system_messages_refused(body: Mapping[str, Any], model: str) -> bool:
    """Whether an Anthropic body holds system messages inside `messages` that `model` would refuse
    (with a 400): such a body cannot be relayed as is, but decoded and re-encoded it can (they move
    to the top-level `system`). For the passthrough decision."""
    messages = body.get("messages")
    return (
        isinstance(messages, list)
        and any(isinstance(m, Mapping) and m.get("role") == "system" for m in messages)
        and not _takes_system_messages(model)
    )


def _system_message_fits(messages: Sequence[ir.Message], at: int) -> bool:
    """Anthropic's placement rules for a system message before canonical message `at`: not first,
    right after a user turn (or an assistant turn ending in a server tool use), and last or
    followed by an assistant turn. (Two in a row are ruled out by the caller.)"""
    if not 0 < at <= len(messages):
        return False
    before = messages[at - 1]
    if before.role is ir.Role.ASSISTANT:
        last = _opaque_block(before.parts[-1]) if before.parts else None
        if last is None or last.get("type") != "server_tool_use":
            return False
    return at == len(messages) or messages[at].role is ir.Role.ASSISTANT


@dataclass(slots=True)
class _Turn:
    role: ir.Role
    first: int  # index of its first canonical message
    parts: list[tuple[str, str, ir.Part]] = field(default_factory=list)  # (ir path, extras key, part)


class _RequestEncoder:
    def __init__(self, request: ir.Request) -> None:
        self.request = request
        self.drops: list[ir.Drop] = []
        mine = request.extras.get(FORMAT) or {}
        self.extras: Mapping[str, Any] = mine
        blocks = mine.get("_blocks")
        self.blocks: Mapping[str, Any] = blocks if isinstance(blocks, Mapping) else {}
        lists = mine.get("_lists")
        self.lists: frozenset[str] = frozenset(lists) if isinstance(lists, list) else frozenset()

    def drop(self, path: str, reason: str) -> None:
        self.drops.append(ir.Drop(path, reason))

    def tool_name(self, name: str, path: str) -> str:
        out, reversible = escape_tool_name(name)
        if not reversible:
            self.drop(path, f"tool name {name!r} renamed to {out!r} for Anthropic")
        return out

    # ---- content

    def text_block(self, part: ir.TextPart) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "text", "text": part.text}
        block.update(_part_extras(part))
        if part.cache is not None:
            block["cache_control"] = cache_mark_json(part.cache)
        return block

    def content(self, parts: Sequence[tuple[str, str, ir.Part]], list_key: str) -> str | list[dict[str, Any]]:
        blocks = [b for b in (self.block(path, key, part) for path, key, part in parts) if b is not None]
        if _is_plain_text(blocks) and list_key not in self.lists:
            return str(blocks[0]["text"])
        return blocks

    def block(self, path: str, key: str, part: ir.Part) -> dict[str, Any] | None:
        opaque = _opaque_block(part)
        if opaque is not None:
            return opaque
        block: dict[str, Any] | None
        if isinstance(part, ir.TextPart):
            if not part.text and part.cache is None and not _part_extras(part):
                return None  # Anthropic rejects empty text blocks; nothing is lost
            return self.text_block(part)
        if isinstance(part, ir.ImagePart):
            source = _image_source_out(part.source, f"{path}.source", self.drops)
            if source is None:
                return None
            if part.detail is not None:
                self.drop(f"{path}.detail", "Anthropic has no image detail setting")
            block = {"type": "image", "source": source}
        elif isinstance(part, ir.DocumentPart):
            source = _document_source_out(part.source, f"{path}.source", self.drops)
            if source is None:
                return None
            block = {"type": "document", "source": source}
            if part.title is not None:
                block["title"] = part.title
                if part.filename is not None:
                    self.drop(f"{path}.filename", "Anthropic documents have a title but no file name")
            elif part.filename is not None:
                block["title"] = part.filename
        elif isinstance(part, ir.ToolCallPart):
            block = {
                "type": "tool_use",
                "id": part.id,
                "name": self.tool_name(part.name, f"{path}.name"),
                "input": arguments_object(part.arguments, f"{path}.arguments", self.drops),
            }
            block.update(_part_extras(part))
            if part.thought_signature is not None:
                self.drop(f"{path}.thought_signature", "Gemini thought signatures have no Anthropic home")
        elif isinstance(part, ir.ToolResultPart):
            block = {"type": "tool_result", "tool_use_id": part.call_id}
            inner = [(f"{path}.content[{k}]", f"{key}.{k}", p) for k, p in enumerate(part.content)]
            if part.content:
                # [] is refused where "" is not; both say "no output".
                block["content"] = self.content(inner, key) or ""
            if part.is_error:
                block["is_error"] = True
        elif isinstance(part, ir.ThinkingPart):
            if not part.signature or part.kind != "thinking":
                self.drop(path, "thinking without an Anthropic signature cannot be sent to Anthropic")
                return None
            block = {"type": "thinking", "thinking": part.text, "signature": part.signature}
        else:
            return {"type": "redacted_thinking", "data": part.data}
        kept = self.blocks.get(key)
        if isinstance(kept, Mapping):
            block.update(kept)
        cache = getattr(part, "cache", None)
        if cache is not None:
            block["cache_control"] = cache_mark_json(cache)
        return block

    def messages(self, placed: Mapping[int, dict[str, Any]]) -> list[dict[str, Any]]:
        """The turns, with the client's own system messages (`placed`, keyed by the index of the
        canonical message each precedes) put back where they stood."""
        turns: list[_Turn] = []
        for i, message in enumerate(self.request.messages):
            if message.name is not None:
                self.drop(f"messages[{i}].name", "Anthropic messages have no name")
            if not turns or turns[-1].role != message.role or i in placed:
                turns.append(_Turn(message.role, first=i))
            turns[-1].parts.extend(
                (f"messages[{i}].parts[{j}]", f"{i}.{j}", part) for j, part in enumerate(message.parts)
            )
        out: list[dict[str, Any]] = []
        for n, turn in enumerate(turns):
            if turn.first in placed:
                out.append(placed[turn.first])
            parts = turn.parts
            if turn.role is ir.Role.USER:
                # Tool results must open the user turn that follows the tool calls.
                results = [p for p in parts if isinstance(p[2], ir.ToolResultPart)]
                parts = results + [p for p in parts if not isinstance(p[2], ir.ToolResultPart)]
            content = self.content(parts, str(turn.first))
            last_assistant = n == len(turns) - 1 and turn.role is ir.Role.ASSISTANT
            if not content and not last_assistant:
                self.drop(f"messages[{turn.first}]", "message with no content Anthropic accepts")
                continue
            out.append({"role": turn.role.value, "content": content})
        if len(self.request.messages) in placed:
            out.append(placed[len(self.request.messages)])
        return out

    def system_messages(self) -> tuple[int, dict[int, dict[str, Any]]]:
        """How many canonical system parts make the top-level `system`, and the system messages the
        rest become inside `messages`, keyed by the index of the canonical message each precedes.

        Only what an Anthropic client sent as system messages (the `_system_messages` layout) goes
        back there, and only when the layout still fits the request, every message stands where the
        API allows one, and the model takes them; otherwise everything is top-level `system`."""
        system = self.request.system
        everything: tuple[int, dict[int, dict[str, Any]]] = (len(system), {})
        hint = self.extras.get("_system_messages")
        if not isinstance(hint, Mapping):
            return everything
        top, layout = hint.get("top"), hint.get("layout")
        messages = self.request.messages
        if (
            not isinstance(top, int)
            or not isinstance(layout, list)
            or not all(isinstance(e, Mapping) and isinstance(e.get("n"), int) for e in layout)
            or hint.get("messages") != len(messages)
            or top + sum(e["n"] for e in layout) != len(system)
        ):
            return everything

        def moved(why: str) -> tuple[int, dict[int, dict[str, Any]]]:
            for j in range(top, len(system)):
                self.drop(f"system[{j}]", f"a system message inside `messages` {why}: moved to `system`")
            return everything

        if not _takes_system_messages(self.request.model):
            return moved(f"is refused by {self.request.model!r}")
        placed: dict[int, dict[str, Any]] = {}
        start = top
        for entry in layout:
            at = entry.get("at")
            if not isinstance(at, int) or at in placed or not _system_message_fits(messages, at):
                return moved("cannot stand where it stood")
            placed[at] = self.system_message(entry, system[start : start + entry["n"]])
            start += entry["n"]
        return top, placed

    def system_message(self, entry: Mapping[str, Any], parts: Sequence[ir.TextPart]) -> dict[str, Any]:
        cache = parts[-1].cache if parts and entry.get("cache") else None
        if cache is not None:
            parts = [*parts[:-1], dataclasses.replace(parts[-1], cache=None)]
        blocks = [self.text_block(p) for p in parts]
        content: str | list[dict[str, Any]] = blocks
        if not entry.get("list"):
            if not parts and entry.get("empty"):
                content = ""
            elif _is_plain_text(blocks):
                content = str(blocks[0]["text"])
        message: dict[str, Any] = {"role": "system", "content": content}
        fields = entry.get("fields")
        if isinstance(fields, Mapping):
            message.update(fields)
        if cache is not None:
            message["cache_control"] = cache_mark_json(cache)
        return message

    def system(self, top: int) -> str | list[dict[str, Any]] | None:
        parts = self.request.system[:top]
        if not parts:
            return None
        blocks = []
        for j, part in enumerate(parts):
            if _opaque_block(part) is not None:
                self.drop(f"system[{j}]", "only text blocks are allowed in an Anthropic system prompt")
            elif part.text or part.cache is not None:
                blocks.append(self.text_block(part))
        if _is_plain_text(blocks) and "system" not in self.lists:
            return str(blocks[0]["text"])
        return blocks

    # ---- tools

    def tools(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, tool in enumerate(self.request.tools):
            path = f"tools[{i}]"
            if tool.kind == "function":
                schema = dict(tool.parameters) if tool.parameters else {"type": "object", "properties": {}}
                schema.setdefault("type", "object")
                spec: dict[str, Any] = {"name": self.tool_name(tool.name, f"{path}.name")}
                if tool.description is not None:
                    spec["description"] = tool.description
                spec["input_schema"] = schema
                if tool.strict is not None:
                    spec["strict"] = tool.strict
                mine = tool.config.get(FORMAT)
                if isinstance(mine, Mapping):
                    spec.update(mine)
            elif _ANTHROPIC_TOOL_KIND.match(tool.kind) or tool.kind in _ANTHROPIC_TOOL_KINDS:
                spec = {"type": tool.kind}
                if tool.name != tool.kind:  # toolsets (mcp_toolset) have no name of their own
                    spec["name"] = tool.name
                spec.update(tool.config)
            else:
                self.drop(path, f"built-in tool {tool.kind!r} of another vendor")
                continue
            if tool.cache is not None:
                spec["cache_control"] = cache_mark_json(tool.cache)
            out.append(spec)
        return out

    def tool_choice(self, has_tools: bool) -> dict[str, Any] | None:
        choice = self.request.tool_choice
        parallel = self.request.parallel_tool_calls
        if not has_tools:
            if choice is not None and choice.mode not in (ir.ToolChoiceMode.AUTO, ir.ToolChoiceMode.NONE):
                self.drop("tool_choice", "a tool choice without any tool Anthropic can call")
            return None
        if choice is None:
            return {"type": "auto", "disable_parallel_tool_use": True} if parallel is False else None
        out: dict[str, Any] = {"type": _TOOL_CHOICE_OUT[choice.mode]}
        if choice.mode is ir.ToolChoiceMode.TOOL:
            if not choice.name:
                raise InvalidRequest("tool_choice: a named tool choice needs a name", param="tool_choice")
            out["name"] = self.tool_name(choice.name, "tool_choice.name")
        if parallel is not None and choice.mode is not ir.ToolChoiceMode.NONE:
            out["disable_parallel_tool_use"] = not parallel
        return out

    # ---- reasoning and output

    def reasoning(self) -> tuple[dict[str, Any] | None, str | None]:
        """(thinking, output_config.effort)."""
        r = self.request.reasoning
        raw = self.extras.get("_thinking")
        raw_thinking: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        raw_oc = self.extras.get("_output_config")
        raw_effort = raw_oc.get("effort") if isinstance(raw_oc, Mapping) else None
        had_effort = isinstance(raw_oc, Mapping) and "effort" in raw_oc
        if r is None:
            return None, None
        raw_type = raw_thinking.get("type")
        leftovers = _rest(raw_thinking, ("type", "budget_tokens"))
        if r.effort == "none" or r.budget_tokens == 0:
            return {"type": "disabled"}, raw_effort if had_effort else None
        if r.budget_tokens is None and raw_type in ("adaptive", "between_tools"):
            return {"type": raw_type, **leftovers}, self.effort(r.effort)
        if r.budget_tokens is None and not raw_thinking and had_effort:
            return None, self.effort(r.effort)  # effort alone, as the client sent it
        budget = r.effective_budget()
        if budget is None:
            return None, None
        if budget < 0:  # Gemini's "dynamic": let the model decide, within a medium budget
            self.drop("reasoning.budget_tokens", "a dynamic budget becomes the medium level's budget")
            budget = ir.EFFORT_BUDGETS["medium"]
        if budget < MIN_THINKING_BUDGET:
            self.drop("reasoning.budget_tokens", f"raised to Anthropic's minimum of {MIN_THINKING_BUDGET}")
            budget = MIN_THINKING_BUDGET
        thinking: dict[str, Any] = {"type": "enabled", "budget_tokens": budget}
        if raw_type == "enabled":
            thinking.update(leftovers)
        return thinking, self.effort(r.effort) if had_effort else None

    def client_budget(self) -> Any:
        raw = self.extras.get("_thinking")
        return raw.get("budget_tokens") if isinstance(raw, Mapping) else None

    def effort(self, effort: str | None) -> str | None:
        if effort is None or effort in EFFORT_LEVELS:
            return effort
        if effort == "minimal":
            self.drop("reasoning.effort", "Anthropic's lowest effort is 'low'")
            return "low"
        self.drop("reasoning.effort", f"effort {effort!r} is not an Anthropic level")
        return None

    def response_format(self) -> dict[str, Any] | None:
        rf = self.request.response_format
        if rf is None or rf.type == "text":
            return None
        if rf.type == "json_schema" and rf.schema is not None:
            if rf.name is not None:
                self.drop("response_format.name", "Anthropic output formats have no name")
            if rf.description is not None:
                self.drop("response_format.description", "Anthropic output formats have no description")
            return {"type": "json_schema", "schema": dict(rf.schema)}
        self.drop("response_format", f"Anthropic cannot ask for {rf.type!r} without a JSON schema")
        return None

    # ---- the whole body

    def encode(self) -> ir.Encoded:
        req = self.request
        body: dict[str, Any] = {k: v for k, v in self.extras.items() if not k.startswith("_")}
        body["model"] = req.model
        top, placed = self.system_messages()
        system = self.system(top)
        if system:
            body["system"] = system
        body["messages"] = self.messages(placed)
        tools = self.tools()
        if tools:
            body["tools"] = tools
        choice = self.tool_choice(bool(tools))
        if choice is not None:
            body["tool_choice"] = choice

        thinking, effort = self.reasoning()
        budget = thinking.get("budget_tokens") if thinking and thinking["type"] == "enabled" else None
        max_tokens = req.max_output_tokens
        if max_tokens is None:
            if budget is not None:
                max_tokens = max(DEFAULT_MAX_TOKENS_THINKING, budget + 4096)
            elif thinking is not None and thinking["type"] != "disabled":
                max_tokens = DEFAULT_MAX_TOKENS_THINKING  # adaptive: room to think
            else:
                max_tokens = DEFAULT_MAX_TOKENS
        elif (
            thinking is not None
            and budget is not None
            and budget >= max_tokens
            and budget != self.client_budget()
        ):
            # max_tokens counts thinking too (as OpenAI's max_completion_tokens counts reasoning). A
            # budget the Anthropic client chose itself is left alone (interleaved thinking allows it).
            if max_tokens <= MIN_THINKING_BUDGET:
                self.drop("reasoning", f"max output tokens {max_tokens} leave no room to think")
                thinking = None
            else:
                thinking["budget_tokens"] = max(MIN_THINKING_BUDGET, max_tokens // 2)
                self.drop("reasoning.budget_tokens", "reduced to fit under the max output tokens")
        body["max_tokens"] = max_tokens
        if thinking is not None:
            body["thinking"] = thinking
        self.sampling(body, thinking)

        output_config: dict[str, Any] = {}
        raw_oc = self.extras.get("_output_config")
        if isinstance(raw_oc, Mapping):
            output_config.update(_rest(raw_oc, ("effort", "format")))
        if effort is not None:
            output_config["effort"] = effort
        fmt = self.response_format()
        if fmt is not None:
            if self.extras.get("_output_format"):
                body["output_format"] = fmt
            else:
                output_config["format"] = fmt
        if output_config:
            body["output_config"] = output_config

        metadata: dict[str, Any] = {}
        if req.user is not None:
            metadata["user_id"] = req.user
        if req.metadata:
            self.drop("metadata", "Anthropic metadata only carries user_id")
        if metadata:
            body["metadata"] = metadata
        if req.stream:
            body["stream"] = True
        for name in ("seed", "presence_penalty", "frequency_penalty"):
            if getattr(req, name) is not None:
                self.drop(name, f"Anthropic has no {name}")
        return ir.Encoded(body=body, drops=tuple(self.drops))

    def sampling(self, body: dict[str, Any], thinking: Mapping[str, Any] | None) -> None:
        req = self.request
        thinks = thinking is not None and thinking.get("type") != "disabled"
        if req.temperature is not None:
            if thinks and req.temperature != 1:
                self.drop("temperature", "Anthropic only allows temperature 1 while thinking")
            else:
                body["temperature"] = req.temperature
        if req.top_p is not None:
            if thinks and req.top_p < 0.95:
                self.drop("top_p", "Anthropic only allows top_p >= 0.95 while thinking")
            else:
                body["top_p"] = req.top_p
        if req.top_k is not None:
            if thinks:
                self.drop("top_k", "Anthropic does not allow top_k while thinking")
            else:
                body["top_k"] = req.top_k
        if req.stop:
            body["stop_sequences"] = list(req.stop)
