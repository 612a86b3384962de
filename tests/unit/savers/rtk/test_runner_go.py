from __future__ import annotations

from app.savers.rtk import runner_go

GO = """=== RUN   TestParse
--- PASS: TestParse (0.00s)
=== RUN   TestParseEmpty
    parse_test.go:21: setup done
--- PASS: TestParseEmpty (0.00s)
=== RUN   TestClamp
    clamp_test.go:14: clamp(15, 0, 10) = 11, want 10
--- FAIL: TestClamp (0.00s)
=== RUN   TestTable
=== RUN   TestTable/negative
    table_test.go:30: got -1, want 0
--- FAIL: TestTable (0.00s)
    --- FAIL: TestTable/negative (0.00s)
FAIL
FAIL\texample.com/mathx\t0.012s
ok  \texample.com/strx\t0.004s
"""


def test_failures_and_package_results_survive() -> None:
    out = runner_go.compress(GO)
    for kept in (
        "clamp_test.go:14: clamp(15, 0, 10) = 11, want 10",
        "--- FAIL: TestClamp (0.00s)",
        "table_test.go:30: got -1, want 0",
        "    --- FAIL: TestTable/negative (0.00s)",
        "FAIL\texample.com/mathx\t0.012s",
        "ok  \texample.com/strx\t0.004s",
    ):
        assert kept in out
    assert "=== RUN" not in out and "--- PASS" not in out
    assert "setup done" not in out  # output under a passing test goes with it
