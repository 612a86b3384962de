"""The Qt part of `vansroute --selftest`: imported only when that check runs (app/main.py imports it
lazily), so the rest of the self-test and headless mode never load Qt.

The desktop modules import, then Qt starts on its offscreen platform plugin, which needs no display,
and draws the app icon; that proves the Qt modules and the plugin loader work inside the bundle. The native plugin that the tray
needs on this system (xcb, cocoa, windows) is then looked for next to it, since it cannot be loaded
without a display.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path

# The desktop's own platform plugin, per system: present in the bundle or the tray cannot start.
NATIVE_PLATFORM_PLUGINS = {
    "linux": ("libqxcb.so", "libqwayland.so", "libqwayland-generic.so"),
    "darwin": ("libqcocoa.dylib",),
    "win32": ("qwindows.dll",),
}


def check_qt() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QLibraryInfo, qVersion
    from PySide6.QtGui import QGuiApplication

    from app.ui.icons import render_icon

    # The whole desktop stack (qasync, tray, windows, and every Qt module they use) must import: on
    # Windows and macOS this check is all that runs the frozen app's UI code before a release.
    import_module("app.ui.loop")

    app = QGuiApplication.instance()
    if app is None:
        # `-platform` on the command line wins over QT_QPA_PLATFORM, whatever the environment says.
        app = QGuiApplication([sys.argv[0] if sys.argv else "vansroute", "-platform", "offscreen"])
    platform = QGuiApplication.platformName()
    pixmap = render_icon(64)
    if pixmap.isNull() or pixmap.toImage().pixelColor(32, 32).alpha() == 0:
        raise RuntimeError(f"Qt started ({platform}) but could not draw the app icon")
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    wanted = NATIVE_PLATFORM_PLUGINS.get(sys.platform, ())
    found = [name for name in wanted if (plugins / name).is_file()]
    if wanted and not found:
        raise RuntimeError(f"Qt's {' or '.join(wanted)} platform plugin is missing from {plugins}")
    native = f", native plugin {found[0]}" if found else ""
    return f"Qt {qVersion()} (PySide6 {pyside_version}) on the {platform} plugin{native}"


__all__ = ["NATIVE_PLATFORM_PLUGINS", "check_qt"]
