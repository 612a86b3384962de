"""pytest: every failure kept with its name, the failing source line (`>`), the assertion lines
(`E`), and its location (`path:line: Error`); the short summary and the final count kept. Dropped:
the platform/plugin header, progress dots of files without failures, the surrounding source of each
failure, and all but the first lines of captured output and warnings."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip, omitted

E_LINES = 40  # assertion lines kept per failure (a long diff of two dicts can run to hundreds)
CAPTURED_LINES = 10
WARNINGS = 10  # warning locations kept; the rest are usually the same warning again

_SECTION = re.compile(r"^={3,} (.*?) ={3,}$")
_TITLE = re.compile(r"^_{3,} (.*?) _{3,}$")
_SUBSECTION = re.compile(r"^-{3,} (.*?) -{3,}$")
_LOCATION = re.compile(r"^\S+?:\d+: \S")
# pytest -v: one line per test; only failures and errors are kept.
_VERBOSE = re.compile(r"^\S+::\S.*? (PASSED|SKIPPED|XFAIL|XPASS|FAILED|ERROR)(?: .*)?$")
_PROGRESS = re.compile(r"^(\S+\.py)\s+([.sxXFE]+)\s*(\[\s*\d+%\])?$")
_HEADER_NOISE = re.compile(
    r"^(platform |cachedir: |rootdir: |configfile: |plugins: |testpaths: |asyncio: |hypothesis profile|Using --randomly-seed)"
)


def compress(text: str) -> str:
    out: list[str] = []
    section = ""
    e_lines = captured = 0
    e_dropped = 0
    warnings = 0
    warning_text = False
    for line in text.split("\n"):
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1).lower()
            out.append(f"== {heading.group(1)} ==")
            continue
        title = _TITLE.match(line)
        if title and section in ("failures", "errors"):
            if e_dropped:
                out.append(omitted(e_dropped, "assertion lines"))
            e_lines = e_dropped = 0
            captured = CAPTURED_LINES + 1  # no captured section open
            out.append(f"__ {title.group(1)} __")
            continue
        sub = _SUBSECTION.match(line)
        if sub and section in ("failures", "errors"):
            out.append(f"-- {sub.group(1)} --")
            captured = 0
            continue
        if section in ("failures", "errors"):
            if line.startswith(("E ", "E\t")) or line == "E":
                e_lines += 1
                if e_lines <= E_LINES:
                    out.append(clip(line.rstrip(), 300))
                else:
                    e_dropped += 1
            elif line.startswith(">"):
                out.append(clip(line.rstrip(), 300))
            elif _LOCATION.match(line):
                out.append(line.rstrip())
            elif captured < CAPTURED_LINES and line.strip():
                captured += 1
                out.append(clip(line.rstrip(), 200))
            continue
        if section == "warnings summary":
            if line.strip().startswith("-- Docs"):
                continue
            if line and not line[0].isspace():
                warnings += 1
                warning_text = False
                if warnings <= WARNINGS:
                    out.append(clip(line, 200))
            elif line.strip() and not warning_text and warnings <= WARNINGS:
                warning_text = True  # the first line of the message says which warning it is
                out.append("  " + clip(line.strip(), 200))
            continue
        if section.startswith("test session starts"):
            verbose = _VERBOSE.match(line)
            if verbose:
                if verbose.group(1) in ("FAILED", "ERROR"):
                    out.append(line.split("  [", 1)[0].rstrip())
                continue
            progress = _PROGRESS.match(line)
            if progress:
                if "F" in progress.group(2) or "E" in progress.group(2):
                    out.append(f"{progress.group(1)} {progress.group(2)}")
                continue
            if _HEADER_NOISE.match(line) or not line.strip():
                continue
        if line.strip():
            out.append(clip(line.rstrip(), 300))
    if e_dropped:
        out.append(omitted(e_dropped, "assertion lines"))
    return "\n".join(out)
