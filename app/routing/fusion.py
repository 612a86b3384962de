"""Fusion, the pure half: what the panel is asked and what the judge is given.

The panel answers without tools (the reference system's rule: a panel member must answer, not act),
so earlier tool calls and results in the conversation are retold as text — Anthropic refuses
`tool_use` blocks in a request that declares no tools. The judge gets the client's own request,
tools included, with the panel's answers added to the last user turn, and writes the one answer the
client receives.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from app.formats import ir

DEFAULT_GRACE_S = 8.0
DEFAULT_TIMEOUT_S = 90.0
# A panel answer longer than this is cut for the judge: it needs the substance, not every byte.
_MAX_ANSWER_CHARS = 24_000

_JUDGE_INSTRUCTIONS = (
    "Several assistants answered the conversation above independently; their answers follow. "
    "Write the single best reply to the user's last message: keep what is correct, fix what is "
    "wrong, add what all of them missed, drop what is not needed. Reply directly, as the only "
    "assistant, without mentioning the other answers."
)


@dataclass(frozen=True, slots=True)
class PanelAnswer:
    model: str
    text: str
    usage: ir.Usage


def panel_request(request: ir.Request) -> ir.Request:
    messages = tuple(
        ir.Message(m.role, tuple(_as_text(p) for p in m.parts), m.name) for m in request.messages
    )
    return dataclasses.replace(
        request,
        messages=messages,
        tools=(),
        tool_choice=None,
        parallel_tool_calls=None,
        stream=False,
        stream_usage=False,
        response_format=request.response_format,
    )


def answer_text(response: ir.Response) -> str:
    return "".join(p.text for p in response.content if isinstance(p, ir.TextPart)).strip()


def judge_request(request: ir.Request, answers: list[PanelAnswer]) -> ir.Request:
    blocks = [_JUDGE_INSTRUCTIONS]
    for i, answer in enumerate(answers, 1):
        text = (
            answer.text if len(answer.text) <= _MAX_ANSWER_CHARS else answer.text[:_MAX_ANSWER_CHARS] + " […]"
        )
        blocks.append(f'<answer n="{i}">\n{text}\n</answer>')
    note = ir.TextPart("\n\n".join(blocks))
    messages = list(request.messages)
    if messages and messages[-1].role is ir.Role.USER:
        last = messages[-1]
        messages[-1] = dataclasses.replace(last, parts=(*last.parts, note))
    else:
        messages.append(ir.Message(ir.Role.USER, (note,)))
    return dataclasses.replace(request, messages=tuple(messages))


def _as_text(part: ir.Part) -> ir.Part:
    if isinstance(part, ir.ToolCallPart):
        return ir.TextPart(f"[called tool {part.name} with {part.arguments}]")
    if isinstance(part, ir.ToolResultPart):
        said = " ".join(p.text for p in part.content if isinstance(p, ir.TextPart))
        failed = " (failed)" if part.is_error else ""
        return ir.TextPart(f"[tool {part.name or part.call_id} returned{failed}: {said}]")
    return part
