# ruff: noqa: RUF001  (the samples hold the look-alike glyphs jest and vitest really print)
"""jest and vitest output as they print it (CI mode, no colours)."""

from __future__ import annotations

from app.savers.rtk import runner_jest

JEST = """FAIL src/clamp.test.js
  clamp
    ✓ keeps values in range (2 ms)
    ✕ clamps above the maximum (3 ms)

  ● clamp › clamps above the maximum

    expect(received).toEqual(expected) // deep equality

    Expected: 10
    Received: 11

      12 |   test('clamps above the maximum', () => {
    > 13 |     expect(clamp(15, 0, 10)).toEqual(10);
         |                              ^
      14 |   });

      at Object.toEqual (src/clamp.test.js:13:30)
      at Promise.then.completed (node_modules/jest-circus/build/utils.js:298:28)

PASS src/slug.test.js
  slugify
    ✓ lowercases (1 ms)
    ✓ collapses dashes

Test Suites: 1 failed, 1 passed, 2 total
Tests:       1 failed, 3 passed, 4 total
Snapshots:   0 total
Time:        0.512 s
Ran all test suites.
"""

VITEST = """ RUN  v1.6.0 /app

 ✓ src/slug.test.ts  (2 tests) 3ms
 ❯ src/clamp.test.ts  (2 tests | 1 failed) 5ms
   × clamp > clamps above the maximum

⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯

 FAIL  src/clamp.test.ts > clamp > clamps above the maximum
AssertionError: expected 11 to deeply equal 10
 ❯ src/clamp.test.ts:13:30
     11|   test('clamps above the maximum', () => {
     12|     expect(clamp(15, 0, 10)).toEqual(10);
       |                              ^

 Test Files  1 failed | 1 passed (2)
      Tests  1 failed | 3 passed (4)
"""


def test_jest_keeps_the_failure_and_drops_passes_and_frames() -> None:
    out = runner_jest.compress(JEST)
    for kept in (
        "FAIL src/clamp.test.js",
        "● clamp › clamps above the maximum",
        "Expected: 10",
        "Received: 11",
        "at Object.toEqual (src/clamp.test.js:13:30)",
        "Tests:       1 failed, 3 passed, 4 total",
    ):
        assert kept in out
    for dropped in ("✓", "PASS src/slug.test.js", "13 |", "jest-circus"):
        assert dropped not in out


def test_vitest_keeps_the_failure_and_its_location() -> None:
    out = runner_jest.compress(VITEST)
    assert "AssertionError: expected 11 to deeply equal 10" in out
    assert "src/clamp.test.ts:13:30" in out
    assert "FAIL  src/clamp.test.ts > clamp > clamps above the maximum" in out
    assert "Tests  1 failed | 3 passed (4)" in out
    assert "✓" not in out and "12|" not in out
