from __future__ import annotations

from app.core.records import WireFormat
from app.formats.ir import (
    BlockKind,
    BlockStart,
    Message,
    RedactedThinkingPart,
    Request,
    Response,
    Role,
    SignatureDelta,
    TextPart,
    ThinkingPart,
    ToolCallPart,
)
from app.formats.signatures import for_upstream, tag, tag_event, tag_response, untag

G, A, OAI = WireFormat.GEMINI, WireFormat.ANTHROPIC, WireFormat.OPENAI


def test_tag_and_untag() -> None:
    tagged = tag("abc", G)
    assert tagged == "vr1:gemini:abc"
    assert tag(tagged, A) == tagged  # never tagged twice
    assert untag(tagged, G, A) == "abc"
    assert untag(tagged, A, A) is None
    # Untagged tokens came from the client's own format.
    assert untag("native", A, A) == "native"
    assert untag("native", G, A) is None
    assert untag(None, G, A) is None


def test_answers_are_tagged_with_their_origin() -> None:
    response = Response(
        id="r",
        model="m",
        content=(
            ThinkingPart("hm", signature="s1"),
            RedactedThinkingPart("opaque"),
            ToolCallPart("c1", "f", "{}", thought_signature="t1"),
            TextPart("hi"),
        ),
    )
    content = tag_response(response, G).content
    assert content[0] == ThinkingPart("hm", signature="vr1:gemini:s1")
    assert content[1] == RedactedThinkingPart("vr1:gemini:opaque")
    assert isinstance(content[2], ToolCallPart) and content[2].thought_signature == "vr1:gemini:t1"
    assert content[3] == TextPart("hi")
    assert tag_event(SignatureDelta(0, signature="s"), A) == SignatureDelta(0, signature="vr1:anthropic:s")
    start = tag_event(BlockStart(1, BlockKind.TOOL_CALL, "c", "f", thought_signature="t"), G)
    assert isinstance(start, BlockStart) and start.thought_signature == "vr1:gemini:t"


def conversation() -> Request:
    return Request(
        model="m",
        messages=(
            Message(Role.USER, (TextPart("q"),)),
            Message(
                Role.ASSISTANT,
                (
                    ThinkingPart("from gemini", signature="vr1:gemini:g-sig"),
                    ToolCallPart("c1", "f", "{}", thought_signature="vr1:gemini:g-call"),
                    ThinkingPart("native", signature="a-sig"),
                    RedactedThinkingPart("vr1:anthropic:red"),
                ),
            ),
        ),
    )


def test_to_the_issuer_tokens_come_back_untagged() -> None:
    request, drops = for_upstream(conversation(), G, A)
    parts = request.messages[1].parts
    assert parts[0] == ThinkingPart("from gemini", signature="g-sig")
    assert isinstance(parts[1], ToolCallPart) and parts[1].thought_signature == "g-call"
    assert parts[2] == ThinkingPart("native", signature=None)  # Anthropic's own, not Gemini's
    assert len(parts) == 3  # redacted thinking from Anthropic means nothing to Gemini
    assert [d.field for d in drops] == ["messages[1].parts[2]", "messages[1].parts[3]"]


def test_to_another_vendor_foreign_tokens_are_left_out() -> None:
    request, drops = for_upstream(conversation(), A, A)
    parts = request.messages[1].parts
    assert parts[0] == ThinkingPart("from gemini", signature=None)
    assert isinstance(parts[1], ToolCallPart) and parts[1].thought_signature is None
    assert parts[2] == ThinkingPart("native", signature="a-sig")
    assert parts[3] == RedactedThinkingPart("red")
    assert len(drops) == 2


def test_a_request_without_tokens_is_returned_as_is() -> None:
    plain = Request(model="m", messages=(Message(Role.USER, (TextPart("q"),)),))
    assert for_upstream(plain, OAI, A) == (plain, ())
