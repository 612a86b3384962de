"""What a test needs from the machine (PostgreSQL, a Secret Service, Xvfb, the npm CLIs).

On a developer's machine without it the test is skipped and says how to install it; in CI
(`VANSROUTE_TEST_REQUIRE_ALL=1`, set by .ci/run, which installs everything) a missing piece is a
failure, so a skip can never hide a broken setup.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from typing import NoReturn

import pytest


def require_all() -> bool:
    return os.environ.get("VANSROUTE_TEST_REQUIRE_ALL") == "1"


def unavailable(message: str) -> NoReturn:
    if require_all():
        pytest.fail(f"VANSROUTE_TEST_REQUIRE_ALL=1 but {message}", pytrace=False)
    pytest.skip(message)


def need_tools(tools: Iterable[str], install: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        unavailable(f"this test needs {', '.join(missing)} ({install})")
