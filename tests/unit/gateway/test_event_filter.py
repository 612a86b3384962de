from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from app.formats.openai_chat import USAGE_ONLY_MARKERS, is_usage_only_event
from app.gateway.streaming import EventFilter

CHUNK = b'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'
USAGE = b'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n'
DONE = b"data: [DONE]\n\n"
STREAM = CHUNK * 3 + USAGE + DONE


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_the_usage_chunk_is_left_out_wherever_the_chunks_split(cuts: list[int]) -> None:
    points = sorted({0, len(STREAM), *cuts})
    pieces = [STREAM[a:b] for a, b in itertools.pairwise(points)]
    events = EventFilter(is_usage_only_event, USAGE_ONLY_MARKERS)
    out = b"".join(events.feed(p) for p in pieces) + events.close()
    assert out == CHUNK * 3 + DONE


def test_only_a_choice_less_usage_chunk_matches() -> None:
    assert is_usage_only_event(USAGE)
    assert not is_usage_only_event(CHUNK)
    assert not is_usage_only_event(DONE)
    with_usage = b'data: {"choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1}}\n\n'
    assert not is_usage_only_event(with_usage)  # a final chunk with a choice stays


def test_crlf_framing_and_a_long_event_are_not_held_back() -> None:
    events = EventFilter(is_usage_only_event, USAGE_ONLY_MARKERS)
    assert events.feed(CHUNK.replace(b"\n", b"\r\n")) == CHUNK.replace(b"\n", b"\r\n")
    huge = b"data: " + b"x" * 70000
    assert events.feed(huge) == huge  # no end in sight: passed on, never held


def test_an_empty_choices_chunk_that_is_not_usage_only_stays() -> None:
    odd = b'data: {"id":"c","choices":[]}\n\n'  # no usage: not ours to drop
    events = EventFilter(is_usage_only_event, USAGE_ONLY_MARKERS)
    assert events.feed(CHUNK + odd + USAGE + DONE) == CHUNK + odd + DONE
