#!/usr/bin/env bash
# Builds dist/VansRoute.app (menu-bar app: LSUIElement) and checks it with its own self-test.
#   installers/macos/build.sh            PYTHON=/path/to/python installers/macos/build.sh
# The Python used must have the project installed with the `build` extra (installers/macos/prepare.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller build.spec
echo "built dist/VansRoute.app in $(($(date +%s) - started)) s ($(du -sm dist/VansRoute.app | cut -f1) MB)"

# The login Keychain is unlocked on a desktop and on GitHub's macOS runners.
dist/VansRoute.app/Contents/MacOS/vansroute-cli --selftest
