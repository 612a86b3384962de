from __future__ import annotations

from types import MappingProxyType

import pytest

from app.core.errors import InvalidRequest, NoRouteAvailable, NotFoundError
from app.core.records import WireFormat
from app.routing.resolve import resolve, split_model
from app.routing.snapshot import ProviderView, RoutingSnapshot, Target


def target(provider: str, account: int, priority: int = 0) -> Target:
    return Target(provider, WireFormat.OPENAI, "http://u/v1", account, f"a{account}", priority, api_key="sk")


def snapshot(*providers: ProviderView) -> RoutingSnapshot:
    return RoutingSnapshot(1, MappingProxyType({p.id: p for p in providers}), MappingProxyType({}))


OPENROUTER = ProviderView("openrouter", WireFormat.OPENAI, "http://u", (), (target("openrouter", 1),))
FAKE = ProviderView(
    "fake", WireFormat.OPENAI, "http://u", ("gpt-4o", "gpt-4.1"), (target("fake", 2), target("fake", 3))
)
EMPTY = ProviderView("empty", WireFormat.OPENAI, "http://u", (), ())


@pytest.mark.parametrize(
    ("model", "expected"),
    [("a/b", ("a", "b")), ("a/b/c", ("a", "b/c")), ("plain", (None, "plain")), ("a/", ("a", ""))],
)
def test_split_on_first_slash_only(model: str, expected: tuple[str | None, str]) -> None:
    assert split_model(model) == expected


def test_provider_slash_model_keeps_slashes_in_the_upstream_model() -> None:
    (c,) = resolve(snapshot(OPENROUTER), "openrouter/meta-llama/llama-3-70b")
    assert c.upstream_model == "meta-llama/llama-3-70b"
    assert c.target.provider_id == "openrouter"


def test_candidates_follow_the_provider_targets_order() -> None:
    got = resolve(snapshot(FAKE), "fake/gpt-4o")
    assert [c.target.account_id for c in got] == [2, 3]


def test_bare_model_is_found_among_declared_models() -> None:
    (first, _) = resolve(snapshot(OPENROUTER, FAKE), "gpt-4.1")
    assert first.target.provider_id == "fake"
    assert first.upstream_model == "gpt-4.1"


def test_unknown_prefix_that_is_a_declared_model_id() -> None:
    weird = ProviderView("p", WireFormat.OPENAI, "http://u", ("meta/llama",), (target("p", 9),))
    (c,) = resolve(snapshot(weird), "meta/llama")
    assert c.target.provider_id == "p" and c.upstream_model == "meta/llama"


@pytest.mark.parametrize(
    ("model", "error", "fragment"),
    [
        ("nope/x", NotFoundError, "unknown provider 'nope'"),
        ("fake/gpt-9", NotFoundError, "has no model 'gpt-9'"),
        ("lonely", NotFoundError, "not offered by any configured provider"),
        ("", InvalidRequest, "must not be empty"),
        ("fake/", InvalidRequest, "names no model"),
        ("empty/x", NoRouteAvailable, "no usable account"),
    ],
)
def test_errors_name_the_problem(model: str, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        resolve(snapshot(FAKE, EMPTY), model)


def test_target_repr_never_shows_the_key() -> None:
    assert "sk" not in repr(
        Target("p", WireFormat.OPENAI, "u", 1, "l", 0, api_key="sk-secret", proxy_url="socks5://u:pw@h")
    )
