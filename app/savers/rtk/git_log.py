"""git log (without patches): one header line per commit, the message dedented, blank lines dropped;
at most 3 body lines a commit and 200 commits (the reference's cap)."""

from __future__ import annotations

import re

from app.savers.rtk.text import omitted

MAX_COMMITS = 200
BODY_LINES = 3

_COMMIT = re.compile(r"^commit ([0-9a-f]{7,40})(.*)$")
# git's default date, `Wed Nov 25 10:12:01 2026 +0000`, becomes `2026-11-25 10:12 +0000`.
_DEFAULT_DATE = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d{2}:\d{2}):\d{2} (\d{4}) ([+-]\d{4})$")
_MONTHS = {
    m: f"{i:02d}"
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_FIELD = re.compile(r"^(Author|Date|Merge|AuthorDate|Commit|CommitDate):\s+(.*)$")


def header_field(line: str) -> str | None:
    """The value of a commit header line (`Author: A <a@b>` -> `A`, `Date: Wed Nov 25 10:12:01 2026
    +0000` -> `2026-11-25 10:12 +0000`), or None when the line is not one."""
    field = _FIELD.match(line)
    if field is None:
        return None
    value = field.group(2)
    if field.group(1) == "Author":
        value = re.sub(r"\s*<[^>]*>$", "", value)  # the e-mail address rarely matters to the model
    date = _DEFAULT_DATE.match(value)
    if date and date.group(1) in _MONTHS:
        month, day, clock, year, zone = date.groups()
        value = f"{year}-{_MONTHS[month]}-{int(day):02d} {clock} {zone}"
    return value


def compress(text: str) -> str:
    out: list[str] = []
    commits = 0
    skipped = 0
    header: list[str] = []
    body_lines = 0
    subject_seen = False
    for line in text.split("\n"):
        commit = _COMMIT.match(line)
        if commit:
            commits += 1
            if commits > MAX_COMMITS:
                skipped += 1
                continue
            header = [commit.group(1)[:12] + commit.group(2)]
            body_lines = 0
            subject_seen = False
            continue
        if commits > MAX_COMMITS:
            continue
        value = header_field(line) if not subject_seen else None
        if value is not None:
            header.append(value)
            continue
        stripped = line.strip()
        if not stripped:
            continue
        if not header:  # text before the first commit (a warning, a pager line): keep as is
            out.append(stripped)
        elif not subject_seen:
            out.append(" | ".join(header))
            out.append("  " + stripped)
            subject_seen = True
        elif body_lines < BODY_LINES:
            out.append("  " + stripped)
            body_lines += 1
        elif body_lines == BODY_LINES:
            out.append("  …")
            body_lines += 1
    if skipped:
        out.append(omitted(skipped, "older commits"))
    return "\n".join(out)
