from __future__ import annotations

from app.savers.rtk import find


def test_real_find_groups_by_directory_and_skips_node_modules(
    tool_outputs: dict[str, tuple[str, str]],
) -> None:
    text = tool_outputs["find"][1]
    out = find.compress(text)
    assert "./src/pkg/: " in out and "mod7.py" in out
    assert "./node_modules/: " in out and "paths (skipped)" in out
    assert "left-pad/index.js" not in out
    for line in text.splitlines():
        if "node_modules" not in line and line != ".":
            assert line.rsplit("/", 1)[-1] in out
    assert len(out) < len(text)


def test_caps_with_counts() -> None:
    text = "\n".join(f"big/f{f}" for f in range(find.DIR_NAMES + 7)) + "\n"
    text += "\n".join(f"d{d}/f{f}.txt" for d in range(find.MAX_DIRS + 3) for f in range(2))
    out = find.compress(text)
    assert "… +7 more" in out and "more directories" in out
