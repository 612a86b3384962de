"""Writes the app icon files the installers need into resources/icons/, from the icon the tray draws
(app/ui/icons.py), so there is one source of truth for the artwork. The output is committed; run this
again only when the drawing changes:

    QT_QPA_PLATFORM=offscreen python installers/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtGui import QGuiApplication, QImageWriter  # noqa: E402

from app.ui.icons import render_icon  # noqa: E402

ICONS = ROOT / "resources" / "icons"
# name, pixel size, image format: the .desktop file and Qt use the PNG, Windows the ICO (256 px is the
# largest an ICO entry holds), macOS the ICNS (Retina wants 512 and up).
OUTPUTS = (
    ("vansroute.png", 256, "png"),
    ("vansroute.ico", 256, "ico"),
    ("vansroute.icns", 1024, "icns"),
)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0], "-platform", "offscreen"])
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, fmt in OUTPUTS:
        writer = QImageWriter(str(ICONS / name), fmt.encode())
        if not writer.write(render_icon(size).toImage()):
            print(f"cannot write {name}: {writer.errorString()}", file=sys.stderr)
            return 1
        print(f"wrote {ICONS / name}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
