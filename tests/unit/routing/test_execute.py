from __future__ import annotations

import pytest

from app.core.errors import NoRouteAvailable, UpstreamError, UpstreamHTTPError, UpstreamUnreachable
from app.core.records import WireFormat
from app.routing.execute import first_answer, should_fall_back
from app.routing.snapshot import Candidate, Target


def cands(n: int) -> list[Candidate]:
    return [Candidate(Target("p", WireFormat.OPENAI, "u", i, f"a{i}", 0, api_key="k"), "m") for i in range(n)]


@pytest.mark.parametrize(
    ("error", "fallback"),
    [
        (UpstreamHTTPError("x", status=429), True),
        (UpstreamHTTPError("x", status=500), True),
        (UpstreamHTTPError("x", status=503), True),
        (UpstreamHTTPError("x", status=401), True),
        (UpstreamHTTPError("x", status=400), False),
        (UpstreamHTTPError("x", status=404), False),
        (UpstreamHTTPError("x", status=422), False),
        (UpstreamUnreachable("x"), True),
    ],
)
def test_which_errors_fall_back(error: UpstreamError, fallback: bool) -> None:
    assert should_fall_back(error) is fallback


async def test_first_success_wins_after_failures() -> None:
    seen: list[int] = []
    failures: list[int] = []

    async def attempt(c: Candidate) -> str:
        seen.append(c.target.account_id)
        if c.target.account_id < 2:
            raise UpstreamHTTPError("busy", status=429)
        return f"ok{c.target.account_id}"

    chosen, result = await first_answer(cands(4), attempt, lambda c, e: failures.append(c.target.account_id))
    assert (chosen.target.account_id, result) == (2, "ok2")
    assert seen == [0, 1, 2]
    assert failures == [0, 1]


async def test_a_request_error_stops_at_once() -> None:
    calls = 0

    async def attempt(c: Candidate) -> str:
        nonlocal calls
        calls += 1
        raise UpstreamHTTPError("bad", status=400)

    with pytest.raises(UpstreamHTTPError):
        await first_answer(cands(3), attempt)
    assert calls == 1


async def test_the_last_error_is_raised_when_all_fail() -> None:
    async def attempt(c: Candidate) -> str:
        raise UpstreamHTTPError(f"fail {c.target.account_id}", status=503)

    with pytest.raises(UpstreamHTTPError, match="fail 2"):
        await first_answer(cands(3), attempt)


async def test_no_candidates() -> None:
    async def attempt(c: Candidate) -> str:
        return "never"

    with pytest.raises(NoRouteAvailable):
        await first_answer([], attempt)
