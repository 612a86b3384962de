"""The attempt loop: try candidates in order until one answers, before any byte reaches the client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from app.core.errors import NoRouteAvailable, UpstreamError, UpstreamHTTPError
from app.routing.snapshot import Candidate

R = TypeVar("R")

# Statuses that say "this account or this upstream, not this request": worth trying the next account.
# 400/404/413/422 are the request's own fault and would fail the same way everywhere.
_FALLBACK_STATUSES = frozenset({401, 402, 403, 408, 409, 425, 429})


def should_fall_back(error: UpstreamError) -> bool:
    if isinstance(error, UpstreamHTTPError):
        return error.status >= 500 or error.status in _FALLBACK_STATUSES
    return True


async def first_answer(
    candidates: Sequence[Candidate],
    attempt: Callable[[Candidate], Awaitable[R]],
    on_failure: Callable[[Candidate, UpstreamError], None] | None = None,
) -> tuple[Candidate, R]:
    """Returns the first candidate that answers; re-raises the last error if none does."""
    if not candidates:
        raise NoRouteAvailable("no candidate to try")
    last: UpstreamError | None = None
    for candidate in candidates:
        try:
            return candidate, await attempt(candidate)
        except UpstreamError as exc:
            if on_failure is not None:
                on_failure(candidate, exc)
            if not should_fall_back(exc):
                raise
            last = exc
    assert last is not None
    raise last
