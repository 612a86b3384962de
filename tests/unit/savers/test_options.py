from __future__ import annotations

import pytest

from app.savers.options import Level, Saver, SaverOptions, header_turns_off


def test_parse_settings_text() -> None:
    assert SaverOptions.parse("rtk, Caveman", "ULTRA") == SaverOptions(
        savers=frozenset({Saver.RTK, Saver.CAVEMAN}), level=Level.ULTRA
    )
    assert SaverOptions.parse("") == SaverOptions.off() == SaverOptions.parse("off")


@pytest.mark.parametrize(
    ("savers", "level", "message"),
    [
        ("rtk,zip", "full", "unknown token saver 'zip'; choose from caveman, headroom, ponytail, rtk"),
        ("rtk", "max", "unknown token saver level 'max'; choose from lite, full, ultra"),
    ],
)
def test_parse_names_what_is_wrong(savers: str, level: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        SaverOptions.parse(savers, level)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("value", "off"), [("off", True), (" OFF ", True), ("0", True), ("on", False), (None, False)]
)
def test_header(value: str | None, off: bool) -> None:
    assert header_turns_off(value) is off


def test_uses_needs_enabled() -> None:
    assert SaverOptions().uses(Saver.RTK)
    assert not SaverOptions(enabled=False).uses(Saver.RTK)
