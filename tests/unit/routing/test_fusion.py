from __future__ import annotations

from app.formats import ir
from app.routing.fusion import PanelAnswer, answer_text, judge_request, panel_request

TOOL = ir.Tool(name="search", description="", parameters={"type": "object"})
HISTORY = ir.Request(
    model="m",
    messages=(
        ir.Message(ir.Role.USER, (ir.TextPart("look it up"),)),
        ir.Message(ir.Role.ASSISTANT, (ir.ToolCallPart("c1", "search", '{"q": "x"}'),)),
        ir.Message(ir.Role.USER, (ir.ToolResultPart("c1", (ir.TextPart("found x"),), name="search"),)),
    ),
    tools=(TOOL,),
    stream=True,
)


def test_the_panel_gets_no_tools_and_the_history_as_text() -> None:
    panel = panel_request(HISTORY)
    assert panel.tools == () and panel.tool_choice is None and panel.stream is False
    texts = [p.text for m in panel.messages for p in m.parts if isinstance(p, ir.TextPart)]
    assert texts == ["look it up", '[called tool search with {"q": "x"}]', "[tool search returned: found x]"]


def test_the_judge_gets_the_answers_in_the_last_user_turn_and_keeps_its_tools() -> None:
    judged = judge_request(
        HISTORY, [PanelAnswer("a/m", "first", ir.Usage()), PanelAnswer("b/m", "second", ir.Usage())]
    )
    assert judged.tools == (TOOL,) and len(judged.messages) == len(HISTORY.messages)
    note = judged.messages[-1].parts[-1]
    assert isinstance(note, ir.TextPart)
    assert (
        '<answer n="1">\nfirst\n</answer>' in note.text and '<answer n="2">\nsecond\n</answer>' in note.text
    )


def test_answer_text_joins_text_parts_only() -> None:
    response = ir.Response("r", "m", (ir.ThinkingPart("hmm"), ir.TextPart("a"), ir.TextPart("b ")))
    assert answer_text(response) == "ab"
