"""pip install: download and resolution progress dropped (`Collecting`, `Downloading`, `Using cached`,
progress bars, `Requirement already satisfied`), with a count left; what was or would be installed,
warnings and errors kept."""

from __future__ import annotations

import re

from app.savers.rtk.text import clip

_NOISE = re.compile(
    r"^\s*(Collecting|Downloading|Using cached|Obtaining|Preparing metadata|Installing build dependencies"
    r"|Getting requirements to build|Building wheels? for|Created wheel|Stored in directory|Looking in indexes"
    r"|Requirement already satisfied|Attempting uninstall|Found existing installation|Uninstalling|Successfully uninstalled"
    r"|Installing collected packages|Processing|Using legacy|Link requires|Building editable|Preparing editable)"
    r"|^\s*[━─█▏▎▍▌▋▊▉ ]+\s[\d.]+/[\d.]+"
)


def compress(text: str) -> str:
    out: list[str] = []
    collected = satisfied = 0
    for line in text.split("\n"):
        if not line.strip():
            continue
        if _NOISE.match(line):
            stripped = line.lstrip()
            collected += stripped.startswith("Collecting")
            satisfied += stripped.startswith("Requirement already satisfied")
            continue
        # The package lists are the point of the output: never cut them.
        whole = line.startswith(("Would install", "Successfully installed"))
        out.append(line.rstrip() if whole else clip(line.rstrip(), 400))
    counts = [f"{collected} collected"] if collected else []
    if satisfied:
        counts.append(f"{satisfied} already satisfied")
    if counts:
        out.insert(0, f"pip: {', '.join(counts)}")
    return "\n".join(out)
