"""Repeated log lines: a run of lines that are the same once digits are ignored (timestamps,
counters, durations) is kept as its first and last line with the number in between:

    64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.031 ms
    … 18 similar lines
    64 bytes from 127.0.0.1: icmp_seq=20 ttl=64 time=0.044 ms

Exact duplicates that are not adjacent are kept: their order can matter."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")
RUN = 3  # shorter runs are left as they are: the marker would cost as much as the lines


def collapse(lines: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        shape = _DIGITS.sub("#", lines[i])
        j = i + 1
        while j < len(lines) and _DIGITS.sub("#", lines[j]) == shape:
            j += 1
        if j - i >= RUN:
            out.append(lines[i])
            out.append(f"… {j - i - 2} similar lines")
            out.append(lines[j - 1])
        else:
            out.extend(lines[i:j])
        i = j
    return out


def compress(text: str) -> str:
    return "\n".join(collapse(text.split("\n")))
