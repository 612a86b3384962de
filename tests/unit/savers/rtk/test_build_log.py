from __future__ import annotations

import re
import subprocess
from pathlib import Path

from app.savers.rtk import build_log
from tests.environment import need_tools

C_FILE = """#include <stdio.h>
int count(const char *s) {
    int n = 0
    return n;
}
int main(void) {
    char *p = 42;
    int unused;
    printf("%d\\n", count("x"), 1);
    return missing;
}
"""

TSC = """src/app.ts(4,22): error TS2551: Property 'nam' does not exist on type 'User'. Did you mean 'name'?
src/app.ts(8,3): error TS2322: Type 'string' is not assignable to type 'number'.

Found 2 errors in the same file, starting at: src/app.ts:4
"""

RUSTC = """   Compiling badbin v0.1.0 (/tmp/badbin)
error[E0308]: mismatched types
  --> src/main.rs:10:22
   |
10 |     let count: u32 = "3";
   |                ---   ^^^ expected `u32`, found `&str`
   |                |
   |                expected due to this

error[E0425]: cannot find value `undefined_value` in this scope
  --> src/main.rs:13:52
   |
13 |     println!("{}", total(&[1, 2]) + count + undefined_value);
   |                                              ^^^^^^^^^^^^^^^ not found in this scope

Some errors have detailed explanations: E0308, E0425.
For more information about an error, try `rustc --explain E0308`.
error: could not compile `badbin` (bin "badbin") due to 2 previous errors
"""


def test_real_gcc_diagnostics_survive_and_snippets_go(tmp_path: Path) -> None:
    need_tools(["gcc"], "apt-get install gcc")
    (tmp_path / "bad.c").write_text(C_FILE)
    done = subprocess.run(
        ["gcc", "-Wall", "-c", "bad.c"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    text = done.stderr
    out = build_log.compress(text)
    diagnostics = re.findall(r"^bad\.c:\d+:\d+: (?:error|warning): .*$", text, re.M)
    assert diagnostics
    for line in diagnostics:
        assert line in out
    assert not re.search(r"^\s*\d+ \|", out, re.M) and "^~" not in out
    assert len(out) < len(text)


def test_tsc_lines_are_all_kept() -> None:
    assert build_log.compress(TSC) == TSC.replace("\n\n", "\n").rstrip("\n")


def test_rustc_keeps_errors_and_locations_not_snippets() -> None:
    out = build_log.compress(RUSTC)
    for kept in (
        "error[E0308]: mismatched types",
        "  --> src/main.rs:10:22",
        "error[E0425]: cannot find value",
        "  --> src/main.rs:13:52",
        "error: could not compile `badbin`",
    ):
        assert kept in out
    assert "Compiling" not in out and 'let count: u32 = "3";' not in out


def test_repeated_lines_and_make_progress() -> None:
    text = "make[1]: Entering directory '/src'\ncc -c a.c\nwarning: x\nwarning: x\nmake[1]: Leaving directory '/src'\n"
    assert build_log.compress(text) == "cc -c a.c\nwarning: x"
