"""Model string → route. Pure: reads only the snapshot it is given.

`provider/model` splits on the first `/` (upstream ids contain `/` themselves); the provider part may
be a catalogue alias (`kimi/…` for moonshot). `combo/NAME` names a combo. A bare name is looked up as
a combo, then as a model some configured provider offers, then by its prefix (`claude-…` →
anthropic, `gpt-…` → openai, …). Anything else is a 404 that lists the closest known names.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.errors import InvalidRequest, NoRouteAvailable, NotFoundError
from app.routing.snapshot import Candidate, ComboView, ProviderView, RoutingSnapshot

COMBO_PREFIX = "combo"
# How deep combos may nest; cycles are refused when a combo is saved, this guards the request path.
MAX_DEPTH = 8

# Bare model names whose family says which provider makes them (checked only among configured ones).
_FAMILIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("claude-",), ("anthropic",)),
    (("gpt-", "o1", "o3", "o4", "chatgpt-", "codex-"), ("openai", "codex", "azure")),
    (("gemini-", "gemma-"), ("gemini", "gemini-cli")),
    (("glm-",), ("zai",)),
    (("kimi-",), ("moonshot", "kimchi")),
    (("deepseek-",), ("deepseek",)),
    (("qwen", "qwq-"), ("dashscope",)),
    (("grok-",), ("xai",)),
    (("mistral-", "codestral-", "devstral-", "magistral-", "ministral-", "pixtral-"), ("mistral",)),
    (("minimax-", "abab"), ("minimax",)),
    (("command-",), ("cohere",)),
    (("sonar",), ("perplexity",)),
)


@dataclass(frozen=True, slots=True)
class ModelRoute:
    provider: ProviderView
    upstream_model: str

    @property
    def key(self) -> str:
        return f"{self.provider.id}/{self.upstream_model}"


@dataclass(frozen=True, slots=True)
class ComboRoute:
    combo: ComboView
    members: tuple[Route, ...]

    def model_routes(self) -> tuple[ModelRoute, ...]:
        """Every model this combo can reach, depth first, in declared order, without repeats."""
        seen: dict[str, ModelRoute] = {}
        for member in self.members:
            for route in (member,) if isinstance(member, ModelRoute) else member.model_routes():
                seen.setdefault(route.key, route)
        return tuple(seen.values())


Route = ModelRoute | ComboRoute


def split_model(model: str) -> tuple[str | None, str]:
    """`provider/model` splits on the first `/` only: upstream model ids contain `/` themselves."""
    provider, sep, rest = model.partition("/")
    if not sep:
        return None, model
    return provider, rest


def resolve_route(snapshot: RoutingSnapshot, model: str) -> Route:
    if not model:
        raise InvalidRequest("'model' must not be empty", param="model")
    return _route(snapshot, model, ())


def resolve(snapshot: RoutingSnapshot, model: str) -> tuple[Candidate, ...]:
    """Every candidate in declared order (combo members first to last, accounts by priority)."""
    route = resolve_route(snapshot, model)
    routes = (route,) if isinstance(route, ModelRoute) else route.model_routes()
    candidates = tuple(
        Candidate(target=t, upstream_model=r.upstream_model) for r in routes for t in r.provider.targets
    )
    if not candidates:
        raise NoRouteAvailable(no_account_message(routes))
    return candidates


def known_names(snapshot: RoutingSnapshot) -> list[str]:
    """What a client may ask for: provider/model for every offered model, and combo/NAME."""
    names = [f"{COMBO_PREFIX}/{name}" for name in sorted(snapshot.combos)]
    for pid in sorted(snapshot.providers):
        names.extend(f"{pid}/{m}" for m in snapshot.providers[pid].offers())
    return names


def _route(snapshot: RoutingSnapshot, model: str, trail: tuple[str, ...]) -> Route:
    prefix, rest = split_model(model)
    if prefix == COMBO_PREFIX:
        combo = snapshot.combos.get(rest)
        if combo is None:
            raise _unknown(snapshot, model, f"no combo '{rest}'")
        return _combo(snapshot, combo, trail)
    if prefix is not None:
        provider = _provider(snapshot, prefix)
        if provider is not None:
            return _model_route(provider, rest, model)
    if model in snapshot.combos:
        return _combo(snapshot, snapshot.combos[model], trail)
    # A bare name, or one whose prefix is no provider ("meta-llama/x"): a model someone offers.
    offering = _provider_offering(snapshot, model)
    if offering is not None:
        return ModelRoute(offering, model)
    if prefix is None:
        family = _provider_by_family(snapshot, model)
        if family is not None:
            return ModelRoute(family, model)
        raise _unknown(snapshot, model, f"model '{model}' is not offered by any configured provider")
    raise _unknown(snapshot, model, f"unknown provider '{prefix}' in model '{model}'")


def _provider(snapshot: RoutingSnapshot, name: str) -> ProviderView | None:
    found = snapshot.providers.get(name)
    if found is not None:
        return found
    lowered = name.lower()
    for pid in sorted(snapshot.providers):
        if lowered in snapshot.providers[pid].aliases:
            return snapshot.providers[pid]
    return None


def _model_route(provider: ProviderView, upstream_model: str, asked: str) -> ModelRoute:
    if not upstream_model:
        raise InvalidRequest(f"model '{asked}' names no model after the provider", param="model")
    if provider.models and upstream_model not in provider.models:
        raise NotFoundError(
            f"provider '{provider.id}' has no model '{upstream_model}' (it offers: {', '.join(provider.models)})",
            param="model",
        )
    return ModelRoute(provider, upstream_model)


def _combo(snapshot: RoutingSnapshot, combo: ComboView, trail: tuple[str, ...]) -> ComboRoute:
    if combo.name in trail or len(trail) >= MAX_DEPTH:
        raise InvalidRequest(f"combo '{combo.name}' refers back to itself through {' → '.join(trail)}")
    members: list[Route] = []
    for member in combo.members:
        try:
            members.append(_route(snapshot, member, (*trail, combo.name)))
        except NotFoundError:
            # A member whose provider was removed just drops out; the rest of the combo still works.
            continue
    if not members:
        raise NoRouteAvailable(
            f"no member of combo '{combo.name}' is configured ({', '.join(combo.members)})"
        )
    return ComboRoute(combo, tuple(members))


def _provider_offering(snapshot: RoutingSnapshot, model: str) -> ProviderView | None:
    offering = [
        snapshot.providers[pid]
        for pid in sorted(snapshot.providers)
        if model in snapshot.providers[pid].offers()
    ]
    if not offering:
        return None
    # The maker of the model first (claude-… from anthropic rather than a reseller), then by id.
    makers = _family_of(model)
    return next((p for p in offering if p.id in makers), offering[0])


def _family_of(model: str) -> tuple[str, ...]:
    lowered = model.lower()
    for prefixes, providers in _FAMILIES:
        if lowered.startswith(prefixes):
            return providers
    return ()


def _provider_by_family(snapshot: RoutingSnapshot, model: str) -> ProviderView | None:
    for pid in _family_of(model):
        provider = snapshot.providers.get(pid)
        if provider is not None and (not provider.models or model in provider.models):
            return provider
    return None


def _unknown(snapshot: RoutingSnapshot, model: str, message: str) -> NotFoundError:
    names = known_names(snapshot)
    close = difflib.get_close_matches(model, names, n=5, cutoff=0.5)
    if not close:
        # Compare the model part too: "gpt4o" is closer to "openai/gpt-4o" than the whole strings say.
        by_model = {n.partition("/")[2]: n for n in names}
        close = [by_model[m] for m in difflib.get_close_matches(model, list(by_model), n=5, cutoff=0.6)]
    hint = f"; did you mean {', '.join(close)}?" if close else "; use 'provider/model' or 'combo/NAME'"
    return NotFoundError(message + hint, param="model")


def no_account_message(routes: Sequence[ModelRoute]) -> str:
    providers = ", ".join(dict.fromkeys(r.provider.id for r in routes))
    return f"provider '{providers}' has no usable account (add one, or check its key)"
