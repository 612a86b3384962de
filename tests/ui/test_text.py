from __future__ import annotations

import dataclasses

import pytest

from app.ui.text import format_uptime, state_label, status_line
from tests.ui.fake_runtime import FakeRuntime


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (-3, "0 s"),
        (59.9, "59 s"),
        (65, "1 min 05 s"),
        (3600 + 62, "1 h 01 min 02 s"),
        (2 * 86_400 + 3 * 3600 + 4 * 60 + 5, "2 d 3 h 04 min"),
    ],
)
def test_format_uptime(seconds: float, text: str):
    assert format_uptime(seconds) == text


def test_status_line_states():
    status = FakeRuntime(requests_served=1).status()
    serving = dataclasses.replace(status, state="serving")
    assert status_line(serving) == "VansRoute — serving on http://127.0.0.1:20127 · 1 request"
    assert status_line(dataclasses.replace(serving, requests_served=12345)).endswith("· 12,345 requests")
    assert status_line(dataclasses.replace(serving, state="starting")) == "VansRoute — starting… · 1 request"
    assert status_line(dataclasses.replace(serving, state="stopped")) == "VansRoute — stopped · 1 request"


def test_state_label():
    assert state_label("serving") == "Serving"
    assert state_label("weird") == "Weird"
    assert state_label("") == "Unknown"
