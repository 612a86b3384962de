from __future__ import annotations

from app.savers.rtk import runner_cargo

CARGO = """   Compiling portlib v0.1.0 (/tmp/portlib)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.52s
     Running unittests src/lib.rs (target/debug/deps/portlib-1b2c)

running 4 tests
test tests::port_1000 ... ok
test tests::port_1001 ... ok
test tests::mean_of_nothing ... FAILED
test tests::port_rejects_words ... FAILED

failures:

---- tests::mean_of_nothing stdout ----

thread 'tests::mean_of_nothing' panicked at src/lib.rs:23:9:
mean of an empty slice was NaN
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- tests::port_rejects_words stdout ----

thread 'tests::port_rejects_words' panicked at src/lib.rs:17:9:
assertion `left == right` failed
  left: None
 right: Some(80)


failures:
    tests::mean_of_nothing
    tests::port_rejects_words

test result: FAILED. 2 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

error: test failed, to rerun pass `--lib`
"""


def test_failed_tests_panics_and_results_survive() -> None:
    out = runner_cargo.compress(CARGO)
    for kept in (
        "test tests::mean_of_nothing ... FAILED",
        "panicked at src/lib.rs:23:9:",
        "mean of an empty slice was NaN",
        "  left: None",
        " right: Some(80)",
        "    tests::port_rejects_words",
        "test result: FAILED. 2 passed; 2 failed;",
        "error: test failed, to rerun pass `--lib`",
    ):
        assert kept in out
    for dropped in ("Compiling", "Finished", "... ok", "running 4 tests", "RUST_BACKTRACE"):
        assert dropped not in out
