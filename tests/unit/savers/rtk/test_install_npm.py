from __future__ import annotations

from app.savers.rtk import install_npm

NPM = """npm http fetch GET 200 https://registry.npmjs.org/jest 60ms (cache miss)
npm http fetch GET 200 https://registry.npmjs.org/typescript 177ms (cache miss)
npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.
npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.
npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported
npm timing reify Completed in 5120ms

added 268 packages, and audited 269 packages in 10s

found 0 vulnerabilities
"""


def test_http_and_timing_go_warnings_once_results_stay() -> None:
    out = install_npm.compress(NPM).split("\n")
    assert out == [
        "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.",
        "npm warn deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported",
        "added 268 packages, and audited 269 packages in 10s",
        "found 0 vulnerabilities",
    ]


def test_errors_are_kept() -> None:
    text = "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/nope\n"
    assert install_npm.compress(text) == text.rstrip("\n")
