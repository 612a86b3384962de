"""TOML edits through tomlkit: comments and layout kept; broken files located."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from app.clients.document import MISSING
from app.clients.errors import ConfigFileBroken
from app.clients.toml_document import TomlDocument

P = Path("config.toml")
DOC = TomlDocument()
TEXT = """\
# top comment
model = "o3"  # mine
approval_policy = "never"

[model_providers.other]
name = "Other"  # theirs
"""


def test_top_level_keys_go_before_the_first_table_and_comments_stay() -> None:
    out = DOC.render(P, TEXT, {("model",): "m", ("model_provider",): "vansroute"})
    assert out.startswith(
        '# top comment\nmodel = "m"  # mine\napproval_policy = "never"\nmodel_provider = "vansroute"\n'
    )
    assert '[model_providers.other]\nname = "Other"  # theirs\n' in out


def test_a_provider_table_joins_the_existing_super_table() -> None:
    out = DOC.render(P, TEXT, {("model_providers", "vansroute"): {"name": "V", "base_url": "u"}})
    assert '[model_providers.vansroute]\nname = "V"\nbase_url = "u"\n' in out
    assert "[model_providers]\n" not in out, "no empty parent table header"
    assert tomlkit.parse(out)["model_providers"]["other"]["name"] == "Other"


def test_a_new_file_gets_a_dotted_table_header() -> None:
    out = DOC.render(P, "", {("model_providers", "vansroute"): {"name": "V"}})
    assert out.strip() == '[model_providers.vansroute]\nname = "V"'


def test_removing_our_keys_gives_back_the_text() -> None:
    ours = {("model_provider",): "vansroute", ("model_providers", "vansroute"): {"name": "V"}}
    out = DOC.render(P, TEXT, ours)
    back = DOC.render(P, out, dict.fromkeys(ours, MISSING))
    # tomlkit leaves the blank line it put before the table; the exact bytes come from the backup.
    assert back.rstrip("\n") == TEXT.rstrip("\n")


def test_read_returns_plain_values_and_missing() -> None:
    values = DOC.read(P, TEXT, (("model",), ("model_providers", "other"), ("nope", "x")))
    assert values == {
        ("model",): "o3",
        ("model_providers", "other"): {"name": "Other"},
        ("nope", "x"): MISSING,
    }


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("model = \n", 1, 9), ("a = 1\n[table\nb = 2\n", 2, 7), ("a = 1\na = 2\n", 2, 1)],
)
def test_broken_files_say_where(text: str, line: int, column: int) -> None:
    with pytest.raises(ConfigFileBroken) as caught:
        DOC.check(P, text)
    assert (caught.value.line, caught.value.column) == (line, column), str(caught.value)
