"""The model names the desktop offers in its pickers (combo members, a tool's model)."""

from __future__ import annotations

from app.services.admin import AdminService


def known_models(admin: AdminService) -> tuple[str, ...]:
    """provider/model for each provider's own list, else what it reported and the catalogue knows,
    as `vansroute providers models` lists them. Blocking (database)."""
    discovered = admin.store.discovered.all()
    catalog = admin.catalog()
    out: list[str] = []
    for summary in admin.list_providers():
        provider = summary.provider
        if provider.models:
            ids = set(provider.models)
        else:
            entry = catalog.get(provider.id)
            catalogued = (
                {m.id for m in entry.models} if entry and entry.wire_format is provider.wire_format else set()
            )
            ids = set(discovered.get(provider.id, ())) | catalogued
        out.extend(f"{provider.id}/{m}" for m in sorted(ids))
    return tuple(out)
