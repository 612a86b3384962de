"""find / fd / a glob tool's path list: paths grouped by directory (`dir/: a.py b.py`), the contents
of node_modules-like directories collapsed to a count. Caps of 100 names a directory and 100
directories, far above the reference's 10 and 20: the names are what the model searched for, and
grouping alone already removes most of the repeated path prefixes."""

from __future__ import annotations

from app.savers.rtk.paths import noise_root
from app.savers.rtk.text import omitted

DIR_NAMES = 100
MAX_DIRS = 100


def compress(text: str) -> str:
    dirs: dict[str, list[str]] = {}
    noise: dict[str, int] = {}
    for raw in text.split("\n"):
        path = raw.strip()
        if not path:
            continue
        root = noise_root(path)
        if root is not None:
            noise[root] = noise.get(root, 0) + 1
            continue
        head, _, name = path.rstrip("/").rpartition("/")
        if path.endswith("/"):
            name += "/"
        dirs.setdefault(head + "/" if head else "./", []).append(name)
    out: list[str] = []
    for directory, names in list(dirs.items())[:MAX_DIRS]:
        shown = " ".join(names[:DIR_NAMES])
        more = f" … +{len(names) - DIR_NAMES} more" if len(names) > DIR_NAMES else ""
        out.append(f"{directory}: {shown}{more}")
    if len(dirs) > MAX_DIRS:
        rest = list(dirs.values())[MAX_DIRS:]
        out.append(omitted(sum(len(names) for names in rest), f"paths in {len(rest)} more directories"))
    for root, count in noise.items():
        out.append(f"{root}: {count} paths (skipped)")
    return "\n".join(out)
