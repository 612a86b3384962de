"""`.env` edits line by line: other lines, comments and blanks untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.clients.document import MISSING
from app.clients.dotenv_document import DotenvDocument
from app.clients.errors import ConfigFileBroken

P = Path(".env")
DOC = DotenvDocument()


def test_our_lines_are_replaced_in_place_and_new_ones_appended() -> None:
    text = "# mine\nexport KEY='old'\n\nOTHER=1"
    out = DOC.render(P, text, {("KEY",): "new", ("URL",): "http://h:1"})
    assert out == "# mine\nexport KEY=new\n\nOTHER=1\nURL=http://h:1\n"


def test_values_that_need_quotes_get_them() -> None:
    out = DOC.render(P, "", {("A",): 'has space and "quote"'})
    assert out == 'A="has space and \\"quote\\""\n'
    assert DOC.read(P, out, (("A",),)) == {("A",): 'has space and "quote"'}


def test_removal_drops_every_line_of_the_key() -> None:
    out = DOC.render(P, "A=1\nB=2\nA=3\n", {("A",): MISSING})
    assert out == "B=2\n"


def test_crlf_files_stay_crlf() -> None:
    assert DOC.render(P, "A=1\r\n", {("B",): "2"}) == "A=1\r\nB=2\r\n"


def test_a_line_that_is_not_an_assignment_is_located() -> None:
    with pytest.raises(ConfigFileBroken) as caught:
        DOC.check(P, "A=1\n\n\nnot an assignment\n")
    assert caught.value.line == 4
