from __future__ import annotations

from app.savers.rtk import ls


def test_real_ls_keeps_names_and_sizes(tool_outputs: dict[str, tuple[str, str]]) -> None:
    text = tool_outputs["ls"][1]
    out = ls.compress(text).split("\n")
    assert "mod1.py" in " ".join(out)
    assert all(not line.startswith(("total", "-rw", "drwx")) for line in out)
    assert not any(line.startswith((". ", "./", "../")) for line in out)
    assert any(line.startswith("mod2.py ") and line.endswith("B") for line in out)


def test_kinds_of_entries() -> None:
    text = (
        "total 12\n"
        "drwxr-xr-x  5 me staff   160 Jan  5 10:00 .\n"
        "drwxr-xr-x  9 me staff   288 Jan  5 10:00 ..\n"
        "drwxr-xr-x 40 me staff  1280 Jan  5 10:00 node_modules\n"
        "drwxr-xr-x  3 me staff    96 Jan  5 10:00 src\n"
        "lrwxrwxrwx  1 me staff     9 Jan  5 10:00 latest -> build/v2\n"
        "-rw-r--r--  1 me staff 20480 Dec 31  2025 big.bin\n"
    )
    assert ls.compress(text).split("\n") == [
        "node_modules/ (skipped)",
        "src/",
        "latest -> build/v2",
        "big.bin 20K",
    ]
