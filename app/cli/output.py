"""Shared output helpers of the `vansroute` sub-commands: plain aligned tables and compact values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else "-"


def tokens(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000:
        return f"{n / 1024:.0f}K" if n % 1024 == 0 else f"{n / 1000:.0f}K"
    return str(n)


def usd(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str) -> None:
    if not rows:
        print(empty, file=out)
        return
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out)
