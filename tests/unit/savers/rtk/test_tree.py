from __future__ import annotations

from app.savers.rtk import tree

TREE = """.
├── node_modules
│   ├── a
│   │   └── index.js
│   └── b
├── src
│   ├── app.py
│   └── util
│       └── text.py
└── README.md

6 directories, 4 files
"""


def test_indentation_replaces_box_drawing_and_noise_is_dropped() -> None:
    out = tree.compress(TREE)
    assert out.split("\n") == [
        ".",
        "  node_modules",
        "    … 3 entries omitted",
        "  src",
        "    app.py",
        "    util",
        "      text.py",
        "  README.md",
        "6 directories, 4 files",
    ]
