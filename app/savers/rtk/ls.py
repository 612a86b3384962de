"""ls -l / ls -la: names with a size (directories end in `/`, links show their target); permissions,
owners, link counts and dates dropped, `.` and `..` and the `total` line dropped, node_modules-like
directories marked as skipped."""

from __future__ import annotations

import re

from app.savers.rtk.paths import NOISE_DIRS

_ENTRY = re.compile(
    r"^(?P<type>[-dlcbps])[-rwxsStT]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(?P<size>[\d,.]+[KMGT]?)\s+"
    r"(?:\w{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}(?:\s+\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s+[+-]\d{4})?)?)\s+"
    r"(?P<name>.+)$"
)


def _size(raw: str) -> str:
    if not raw.isdigit():
        return raw  # already human-readable (ls -lh)
    size = int(raw)
    for unit in ("B", "K", "M", "G"):
        if size < 1024:
            return f"{size}{unit}"
        size //= 1024
    return f"{size}T"


def compress(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or re.match(r"^total \d", stripped):
            continue
        entry = _ENTRY.match(stripped)
        if entry is None:
            out.append(stripped)  # a `dir:` heading of ls -R, or an error message
            continue
        name, kind = entry.group("name"), entry.group("type")
        if name in (".", ".."):
            continue
        if kind == "d":
            out.append(f"{name}/ (skipped)" if name in NOISE_DIRS else f"{name}/")
        elif kind == "l":
            out.append(name)
        else:
            out.append(f"{name} {_size(entry.group('size'))}")
    return "\n".join(out)
