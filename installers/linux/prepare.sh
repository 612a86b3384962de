#!/usr/bin/env bash
# What building and checking the Linux bundle needs on a fresh Debian/Ubuntu machine: the system
# libraries Qt's xcb plugin links to (PyInstaller copies them from this machine into the bundle), a
# Secret Service for the self-test, and .venv with the project's `build` extra (PyInstaller).
#   installers/linux/prepare.sh          (uses sudo when not root)
set -euo pipefail
cd "$(dirname "$0")/../.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    python3-venv dbus gnome-keyring \
    libegl1 libgl1 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 libglib2.0-0 \
    libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 \
    libxcb-xkb1 libxcb-util1 libxcb-glx0 >/dev/null
PYTHON=${PYTHON:-python3}
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[build]'
