"""Model string → ordered candidates. Pure: reads only the snapshot it is given."""

from __future__ import annotations

from app.core.errors import InvalidRequest, NoRouteAvailable, NotFoundError
from app.routing.snapshot import Candidate, ProviderView, RoutingSnapshot


def split_model(model: str) -> tuple[str | None, str]:
    """`provider/model` splits on the first `/` only: upstream model ids contain `/` themselves."""
    provider, sep, rest = model.partition("/")
    if not sep:
        return None, model
    return provider, rest


def resolve(snapshot: RoutingSnapshot, model: str) -> tuple[Candidate, ...]:
    if not model:
        raise InvalidRequest("'model' must not be empty", param="model")
    provider_id, upstream_model = split_model(model)
    if provider_id is not None and provider_id in snapshot.providers:
        provider = snapshot.providers[provider_id]
    else:
        # A bare name (or one whose prefix is not a provider, like "meta-llama/x") is looked up among
        # the models the providers declare; the first provider by id that lists it wins.
        found = _provider_declaring(snapshot, model)
        if found is None:
            if provider_id is not None and provider_id not in snapshot.providers:
                raise NotFoundError(
                    f"unknown provider '{provider_id}' in model '{model}'; "
                    "use 'provider/model' with a configured provider",
                    param="model",
                )
            raise NotFoundError(
                f"model '{model}' is not offered by any configured provider; use 'provider/model'",
                param="model",
            )
        provider, upstream_model = found, model
    if not upstream_model:
        raise InvalidRequest(f"model '{model}' names no model after the provider", param="model")
    if provider.models and upstream_model not in provider.models:
        raise NotFoundError(
            f"provider '{provider.id}' has no model '{upstream_model}' (it offers: {', '.join(provider.models)})",
            param="model",
        )
    if not provider.targets:
        raise NoRouteAvailable(f"provider '{provider.id}' has no usable account (add one, or check its key)")
    return tuple(Candidate(target=t, upstream_model=upstream_model) for t in provider.targets)


def _provider_declaring(snapshot: RoutingSnapshot, model: str) -> ProviderView | None:
    for provider_id in sorted(snapshot.providers):
        provider = snapshot.providers[provider_id]
        if model in provider.models:
            return provider
    return None
