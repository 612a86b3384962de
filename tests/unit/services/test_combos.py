from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.errors import ConfigError, NotFound
from app.services.combos import ComboAdmin
from app.store.db import Database
from app.store.repos import Store


@pytest.fixture
def combos(tmp_path) -> Iterator[ComboAdmin]:  # type: ignore[no-untyped-def]
    db = Database.open(f"sqlite:///{tmp_path / 'c.db'}")
    db.migrate()
    try:
        yield ComboAdmin(Store(db))
    finally:
        db.close()


def test_add_show_update_remove(combos: ComboAdmin) -> None:
    combos.add("coder", "fallback", ["openai/gpt-5", "anthropic/claude-sonnet-4-5"])
    record = combos.update("coder", strategy="weighted", options={"weights": [3, 1]})
    assert record.strategy == "weighted" and record.option("weights") == [3.0, 1.0]
    assert [c.name for c in combos.list()] == ["coder"]
    combos.remove("coder")
    with pytest.raises(NotFound):
        combos.get("coder")


@pytest.mark.parametrize(
    ("name", "strategy", "members", "options", "message"),
    [
        ("bad name", "fallback", ["a/b"], {}, "invalid combo name"),
        ("c", "fastest", ["a/b"], {}, "unknown strategy"),
        ("c", "fallback", [], {}, "at least one member"),
        ("c", "fallback", ["a/b", "a/b"], {}, "each member once"),
        ("c", "fusion", ["a/b"], {}, "at least two"),
        ("c", "weighted", ["a/b", "c/d"], {"weights": [1]}, "one weight per member"),
        ("c", "fallback", ["combo/nope"], {}, "no such combo"),
        ("c", "fallback", ["a/b"], {"colour": "red"}, "unknown combo option"),
        ("c", "fusion", ["a/b", "c/d"], {"grace_s": -1}, "positive number"),
    ],
)
def test_bad_combos_are_refused_with_a_reason(
    combos: ComboAdmin, name: str, strategy: str, members: list[str], options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        combos.add(name, strategy, members, options)


def test_cycles_are_refused_and_a_used_combo_cannot_be_removed(combos: ComboAdmin) -> None:
    combos.add("inner", "fallback", ["a/b"])
    combos.add("outer", "round-robin", ["combo/inner", "c/d"])
    with pytest.raises(ConfigError, match="inner → outer → inner"):
        combos.update("inner", members=["combo/outer"])
    with pytest.raises(ConfigError, match="used by outer"):
        combos.remove("inner")
