"""Directories that are almost never what the model is looking for: their contents are collapsed to
a count in listings (find, fd, ls, tree)."""

from __future__ import annotations

NOISE_DIRS = frozenset(
    {
        "node_modules",
        ".git",
        "__pycache__",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".next",
        ".cache",
        "target",
        "dist",
        "build",
        ".gradle",
        ".idea",
        "vendor",
        "coverage",
        ".terraform",
    }
)


def noise_root(path: str) -> str | None:
    """The leading part of `path` up to and including its first noise directory, or None."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1] if not path.endswith("/") else parts):
        if part in NOISE_DIRS:
            return "/".join(parts[: i + 1]) + "/"
    return None
