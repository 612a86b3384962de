from __future__ import annotations

from types import MappingProxyType

import pytest

from app.core.errors import InvalidRequest, NoRouteAvailable, NotFoundError
from app.core.records import WireFormat
from app.routing.resolve import ComboRoute, ModelRoute, resolve, resolve_route, split_model
from app.routing.snapshot import ComboView, ProviderView, RoutingSnapshot, Target


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


# --- combos, aliases, families, suggestions ---------------------------------------------------------


def with_combos(*combos: ComboView, providers: tuple[ProviderView, ...] = ()) -> RoutingSnapshot:
    return RoutingSnapshot(
        1,
        MappingProxyType({p.id: p for p in providers}),
        MappingProxyType({}),
        combos=MappingProxyType({c.name: c for c in combos}),
    )


ANTHROPIC = ProviderView(
    "anthropic",
    WireFormat.ANTHROPIC,
    "http://u",
    (),
    (target("anthropic", 4),),
    listed=("claude-sonnet-4-5",),
)
MOONSHOT = ProviderView(
    "moonshot", WireFormat.OPENAI, "http://u", (), (target("moonshot", 5),), aliases=("kimi",)
)


def test_combo_prefix_and_bare_combo_name() -> None:
    snap = with_combos(
        ComboView("coder", "fallback", ("fake/gpt-4o", "openrouter/x")), providers=(FAKE, OPENROUTER)
    )
    for name in ("combo/coder", "coder"):
        route = resolve_route(snap, name)
        assert isinstance(route, ComboRoute)
        assert [m.key for m in route.model_routes()] == ["fake/gpt-4o", "openrouter/x"]
    assert [c.target.account_id for c in resolve(snap, "coder")] == [2, 3, 1]


def test_a_combo_member_that_is_gone_drops_out_and_a_cycle_is_refused() -> None:
    snap = with_combos(
        ComboView("a", "fallback", ("gone/x", "fake/gpt-4o")),
        ComboView("loop", "fallback", ("combo/loop2",)),
        ComboView("loop2", "fallback", ("combo/loop",)),
        providers=(FAKE,),
    )
    route = resolve_route(snap, "a")
    assert isinstance(route, ComboRoute) and [m.key for m in route.model_routes()] == ["fake/gpt-4o"]
    with pytest.raises(InvalidRequest, match="refers back"):
        resolve_route(snap, "combo/loop")


def test_provider_alias_and_family_prefix() -> None:
    snap = with_combos(providers=(MOONSHOT, ANTHROPIC, OPENROUTER))
    route = resolve_route(snap, "kimi/kimi-k2")
    assert isinstance(route, ModelRoute) and route.provider.id == "moonshot"
    family = resolve_route(snap, "claude-opus-4-7")  # not listed, but claude- is Anthropic's family
    assert isinstance(family, ModelRoute) and family.provider.id == "anthropic"
    listed = resolve_route(snap, "claude-sonnet-4-5")
    assert isinstance(listed, ModelRoute) and listed.provider.id == "anthropic"


def test_unknown_names_suggest_the_closest() -> None:
    snap = with_combos(ComboView("coder", "fallback", ("fake/gpt-4o",)), providers=(FAKE, ANTHROPIC))
    with pytest.raises(NotFoundError, match="did you mean combo/coder"):
        resolve_route(snap, "combo/codr")
    with pytest.raises(NotFoundError, match=r"fake/gpt-4\.1"):
        resolve_route(snap, "gpt4.1")
