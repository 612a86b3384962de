#!/usr/bin/env bash
# Builds the Linux one-folder bundle (dist/vansroute/) and its tarball
# (dist/vansroute-<version>-linux-<arch>.tar.gz). installers/linux/selftest.sh then checks it.
#
#   installers/linux/build.sh            PYTHON=/path/to/python installers/linux/build.sh
#
# The Python used must have the project installed with the `build` extra (pip install -e '.[build]').
# Prints the build time and bundle size; .ci/run records them.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}

version=$("$PYTHON" -c 'import app; print(app.__version__)')
arch=$(uname -m)
tarball="dist/vansroute-$version-linux-$arch.tar.gz"

started=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller build.spec
built=$(($(date +%s) - started))

# The install script, its uninstaller and the icon travel inside the folder, so the tarball is all a
# user needs.
install -m 0755 installers/linux/install.sh installers/linux/uninstall.sh dist/vansroute/
install -m 0644 resources/icons/vansroute.png dist/vansroute/vansroute.png
tar -C dist -czf "$tarball" vansroute

echo "bundle: dist/vansroute ($(du -sm dist/vansroute | cut -f1) MB), built in ${built} s"
echo "tarball: $tarball ($(du -sm "$tarball" | cut -f1) MB)"
