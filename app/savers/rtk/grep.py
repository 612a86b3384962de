"""grep -rn / rg / git grep: matches grouped under their file, the path written once, indentation
dropped, at most 10 matches a file (the reference's cap) with the number left out."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

FILE_MATCHES = 10
LINE_WIDTH = 160

# path:line:text, path-line-text (context lines of -C), or path:text without line numbers.
_MATCH = re.compile(r"^(?P<path>[^\s:][^:]*?)(?:[:-](?P<line>\d+))?[:-](?P<text>.*)$")


def parse(line: str) -> tuple[str, str | None, str] | None:
    match = _MATCH.match(line)
    if match is None:
        return None
    return match.group("path"), match.group("line"), match.group("text")


def compress(text: str) -> str:
    files: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    loose: list[str] = []
    for line in text.split("\n"):
        if not line.strip() or line == "--":
            continue
        parsed = parse(line)
        if parsed is None:
            loose.append(clip(line, LINE_WIDTH))
            continue
        path, number, body = parsed
        counts[path] = counts.get(path, 0) + 1
        shown = files.setdefault(path, [])
        if len(shown) < FILE_MATCHES:
            body = clip(body.strip(), LINE_WIDTH)
            shown.append(f"  {number}: {body}" if number else f"  {body}")
    out: list[str] = []
    for path, shown in files.items():
        total = counts[path]
        out.append(f"{path} ({total})" if total > len(shown) else path)
        out.extend(shown)
        if total > len(shown):
            out.append(f"  … +{total - len(shown)} more")
    out.extend(loose)
    return "\n".join(out)
