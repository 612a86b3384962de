from __future__ import annotations

from multidict import CIMultiDict

from app.core.records import WireFormat
from app.gateway.session_key import session_key

CHAT = {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "start"}]}


def test_client_session_headers_win() -> None:
    assert (
        session_key(CIMultiDict({"X-Claude-Code-Session-Id": "abc"}), CHAT, WireFormat.OPENAI, "k")
        == "k\x00h\x00abc"
    )
    assert session_key({"session_id": "codex-1"}, {}, WireFormat.RESPONSES, "k") == "k\x00h\x00codex-1"


def test_later_turns_of_a_conversation_share_its_key() -> None:
    first = session_key({}, CHAT, WireFormat.OPENAI, "k")
    later = {
        "messages": [
            *CHAT["messages"],
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "more"},
        ]
    }
    assert first is not None and session_key({}, later, WireFormat.OPENAI, "k") == first
    other = {"messages": [{"role": "user", "content": "different"}]}
    assert session_key({}, other, WireFormat.OPENAI, "k") != first


def test_two_keys_never_share_a_session() -> None:
    assert session_key({}, CHAT, WireFormat.OPENAI, "alice") != session_key(
        {}, CHAT, WireFormat.OPENAI, "bob"
    )


def test_each_format_has_its_opening() -> None:
    anthropic = {"system": "s", "messages": [{"role": "user", "content": "x"}]}
    gemini = {
        "systemInstruction": {"parts": [{"text": "s"}]},
        "contents": [{"role": "user", "parts": [{"text": "x"}]}],
    }
    responses = {"instructions": "s", "input": "x"}
    assert session_key({}, anthropic, WireFormat.ANTHROPIC, "k")
    assert session_key({}, gemini, WireFormat.GEMINI, "k")
    assert session_key({}, responses, WireFormat.RESPONSES, "k")
    assert session_key({}, {"messages": []}, WireFormat.OPENAI, "k") is None
