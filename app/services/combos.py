"""Combos as the user manages them: checked names, strategies, members and options; no cycles."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.core.errors import ConfigError, NotFound
from app.core.records import ComboRecord
from app.routing.resolve import COMBO_PREFIX, split_model
from app.routing.strategies import FUSION, STRATEGIES, WEIGHTED
from app.store.repos import Store

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# Option name → (type, meaning); values are checked before they are stored.
OPTIONS: Mapping[str, tuple[type, str]] = {
    "weights": (list, "weighted: one number per member"),
    "judge": (str, "fusion: the model that synthesises the panel's answers (default: the first member)"),
    "grace_s": (float, "fusion: how long to wait for the rest of the panel after the first answer (8)"),
    "timeout_s": (float, "fusion: hard limit for the whole panel (90)"),
    "target_timeout_s": (float, "seconds each member gets to start answering before the next is tried (30)"),
}


class ComboAdmin:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(
        self, name: str, strategy: str, members: Sequence[str], options: Mapping[str, object] | None = None
    ) -> ComboRecord:
        record = self._checked(ComboRecord(name, strategy, tuple(members), True, _options(options)))
        return self._store.combos.add(record)

    def update(
        self,
        name: str,
        *,
        strategy: str | None = None,
        members: Sequence[str] | None = None,
        options: Mapping[str, object] | None = None,
        enabled: bool | None = None,
    ) -> ComboRecord:
        current = self.get(name)
        merged = dict(current.options)
        merged.update(options or {})
        record = ComboRecord(
            name,
            strategy if strategy is not None else current.strategy,
            tuple(members) if members is not None else current.targets,
            current.enabled if enabled is None else enabled,
            _options({k: v for k, v in merged.items() if v is not None}),
        )
        return self._store.combos.replace(self._checked(record))

    def get(self, name: str) -> ComboRecord:
        record = self._store.combos.get(name)
        if record is None:
            raise NotFound(f"no combo '{name}' (see `vansroute combos list`)")
        return record

    def list(self) -> tuple[ComboRecord, ...]:
        return self._store.combos.list()

    def remove(self, name: str) -> ComboRecord:
        users = [c.name for c in self._store.combos.list() if name in _combo_refs(c.targets, self._names())]
        if users:
            raise ConfigError(f"combo '{name}' is used by {', '.join(users)}: remove it from them first")
        return self._store.combos.remove(name)

    def _names(self) -> set[str]:
        return {c.name for c in self._store.combos.list()}

    def _checked(self, record: ComboRecord) -> ComboRecord:
        if not _NAME.match(record.name):
            raise ConfigError(
                f"invalid combo name {record.name!r}: letters, digits, '.', '_' or '-' (at most 64)"
            )
        if record.strategy not in STRATEGIES:
            raise ConfigError(f"unknown strategy {record.strategy!r}: choose one of {', '.join(STRATEGIES)}")
        members = tuple(m.strip() for m in record.targets)
        if not members or any(not m or any(c.isspace() for c in m) for m in members):
            raise ConfigError(
                "a combo needs at least one member, each a model like provider/model or combo/NAME"
            )
        if len(set(members)) != len(members):
            raise ConfigError("a combo lists each member once")
        if record.strategy == FUSION and len(members) < 2:
            raise ConfigError("a fusion combo needs a panel of at least two members")
        weights = record.option("weights")
        if record.strategy == WEIGHTED and weights is not None and len(weights) != len(members):  # type: ignore[arg-type]
            raise ConfigError(f"give one weight per member ({len(members)})")
        names = self._names() | {record.name}
        missing = [m for m in members if split_model(m)[0] == COMBO_PREFIX and split_model(m)[1] not in names]
        if missing:
            raise ConfigError(f"no such combo: {', '.join(missing)}")
        self._refuse_cycles(record.name, members)
        return ComboRecord(record.name, record.strategy, members, record.enabled, record.options)

    def _refuse_cycles(self, name: str, members: tuple[str, ...]) -> None:
        graph = {c.name: c.targets for c in self._store.combos.list()}
        graph[name] = members
        names = set(graph)

        def visit(node: str, path: tuple[str, ...]) -> None:
            for ref in _combo_refs(graph.get(node, ()), names):
                if ref in path:
                    cycle = " → ".join((*path[path.index(ref) :], ref))
                    raise ConfigError(f"combos may not refer to themselves: {cycle}")
                visit(ref, (*path, ref))

        visit(name, (name,))


def _combo_refs(members: Sequence[str], names: set[str]) -> list[str]:
    """The combos a member list points at: `combo/NAME`, or a bare name that is a combo."""
    refs = []
    for member in members:
        prefix, rest = split_model(member)
        if prefix == COMBO_PREFIX:
            refs.append(rest)
        elif prefix is None and member in names:
            refs.append(member)
    return refs


def _options(raw: Mapping[str, object] | None) -> tuple[tuple[str, object], ...]:
    out: dict[str, object] = {}
    for key, value in (raw or {}).items():
        if key not in OPTIONS:
            raise ConfigError(f"unknown combo option {key!r}: choose from {', '.join(OPTIONS)}")
        kind = OPTIONS[key][0]
        if kind is float:
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"combo option {key} must be a positive number of seconds")
            value = float(value)
        elif kind is list:
            if not isinstance(value, list | tuple) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value
            ):
                raise ConfigError(f"combo option {key} must be a list of numbers ≥ 0")
            value = [float(v) for v in value]
        elif not isinstance(value, str) or not value.strip():
            raise ConfigError(f"combo option {key} must be a model name")
        out[key] = value
    return tuple(sorted(out.items()))
