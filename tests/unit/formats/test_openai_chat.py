from __future__ import annotations

from app.formats.openai_chat import NO_USAGE, Usage, usage_from_body, usage_from_stream_tail


def test_usage_from_a_completion_body() -> None:
    assert usage_from_body(b'{"usage": {"prompt_tokens": 3, "completion_tokens": 5}}') == Usage(3, 5)
    assert usage_from_body(b"not json") == NO_USAGE
    assert usage_from_body(b'{"choices": []}') == NO_USAGE


def test_usage_from_the_end_of_a_stream() -> None:
    tail = (
        b'data: {"choices":[{"delta":{"content":"x"}}],"usage":null}\n\n'
        b'data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30}}\n\n'
        b"data: [DONE]\n\n"
    )
    assert usage_from_stream_tail(tail) == Usage(10, 20)


def test_stream_without_usage() -> None:
    assert usage_from_stream_tail(b'data: {"choices":[]}\n\ndata: [DONE]\n\n') == NO_USAGE
    # A truncated line at the start of the tail window is skipped, not fatal.
    assert usage_from_stream_tail(b'ge":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n') == NO_USAGE
