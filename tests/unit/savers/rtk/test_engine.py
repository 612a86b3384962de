"""The rules every compression obeys, whatever the filter: checked on arbitrary text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.savers.rtk.detect import ToolCall
from app.savers.rtk.engine import FILTERS, MAX_CHARS, MIN_CHARS, _Memo, compress_output, compress_uncached
from app.savers.rtk.kinds import Kind

LINES = st.lists(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            [
                "diff --git a/x b/x",
                "@@ -1,3 +1,4 @@",
                "+added",
                "-removed",
                " context",
                "On branch main",
                "\tmodified:   a.py",
                "E       assert 1 == 2",
                "FAILED t.py::test - x",
                "a.py:3:match",
                "./dir/file.py",
                "npm error boom",
                "Collecting x",
                "x.c:1:2: error: no",
                "",
                "error: bad",
                "commit " + "b" * 40,
                "├── a",
                "total 4",
                "=== RUN   TestX",
                "test x ... ok",
            ]
        ),
    ),
    min_size=1,
    max_size=120,
)
CALLS = st.sampled_from(
    [
        ToolCall(),
        ToolCall("Bash", "git diff"),
        ToolCall("Bash", "pytest"),
        ToolCall("Bash", "grep -rn x"),
        ToolCall("Bash", "find ."),
        ToolCall("Bash", "make"),
        ToolCall("Bash", "git status"),
        ToolCall("Bash", "ls -la"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(lines=LINES, call=CALLS, is_error=st.booleans())
def test_never_longer_never_empty_always_the_same(lines: list[str], call: ToolCall, is_error: bool) -> None:
    text = "\n".join(lines) * (1 + MIN_CHARS // max(1, len("\n".join(lines))))
    first = compress_uncached(text, call, is_error)
    assert first.text.strip() or not text.strip()
    assert len(first.text) <= len(text)
    assert (first.kind is None) == (first.text is text)
    assert compress_uncached(text, call, is_error) == first


def test_every_kind_but_source_has_a_filter() -> None:
    assert set(FILTERS) == set(Kind) - {Kind.SOURCE}


def test_size_limits() -> None:
    small = "diff --git a/x b/x\n" + " c\n" * 20
    assert len(small) < MIN_CHARS and compress_output(small).kind is None
    huge = "x\n" * (MAX_CHARS // 2 + 1)
    assert compress_output(huge).text is huge


def test_error_results_only_through_error_safe_filters() -> None:
    diff = "diff --git a/x b/x\n@@ -1,81 +1,81 @@\n" + "".join(f" line {i}\n" for i in range(80)) + "-a\n+b\n"
    assert compress_output(diff, ToolCall("Bash", "git diff")).kind == Kind.GIT_DIFF
    assert compress_output(diff, ToolCall("Bash", "git diff"), True).kind is None


def test_an_error_result_loses_no_error_line() -> None:
    # A build log whose error line the filter would drop (it looks like a source snippet) stays whole.
    text = "".join(f"   Compiling crate{i} v1.0\n" for i in range(30))
    text += "  12 | error: inside a snippet\nerror: could not compile `x`\n"
    assert compress_output(text, ToolCall("Bash", "cargo build"), True).kind is None
    assert compress_output(text, ToolCall("Bash", "cargo build"), False).kind == Kind.BUILD


def test_source_files_are_never_touched() -> None:
    text = "".join(f"{i:6}→line {i}\n" for i in range(400))
    assert compress_output(text, ToolCall("Read")).kind is None
    assert compress_output(text, ToolCall()).kind is None


def test_the_memo_gives_the_same_outcome_and_is_bounded_by_characters() -> None:
    text = "".join(f"./src/dir{i % 7}/file{i}.py\n" for i in range(200))
    first = compress_output(text, ToolCall("Bash", "find ."))
    assert first.kind == Kind.FIND
    assert compress_output(text, ToolCall("Bash", "find .")) is first  # a hit: no second scan
    memo = _Memo(max_chars=40_000)
    outcomes = [compress_uncached(text + f"./x{i}\n") for i in range(20)]
    for i, outcome in enumerate(outcomes):
        memo.put((text + f"./x{i}\n", ToolCall(), False), outcome)
    assert memo.get((text + "./x0\n", ToolCall(), False)) is None  # evicted
    assert memo.get((text + "./x19\n", ToolCall(), False)) is outcomes[19]
    memo.put(("y" * 12_000, ToolCall(), False), compress_uncached("y" * 12_000))  # over a quarter: not kept
    assert memo.get(("y" * 12_000, ToolCall(), False)) is None


@settings(max_examples=150, deadline=None)
@given(lines=LINES)
def test_no_filter_raises_on_any_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    for compress in FILTERS.values():
        assert isinstance(compress(text), str)


def test_deeply_nested_json_is_left_alone() -> None:
    text = "[" * 3000 + "]" * 3000
    assert compress_output(text, ToolCall("Bash", "cat x | jq .")).kind is None
