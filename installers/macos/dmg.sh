#!/usr/bin/env bash
# Packs dist/VansRoute.app into dist/VansRoute-<version>-macos-<arch>.dmg: the app, a link to
# /Applications to drag it onto, and "Uninstall VansRoute.command". Signs the image when
# MACOS_SIGN_IDENTITY is set (see sign.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-.venv/bin/python}
version=$("$PYTHON" -c 'import app; print(app.__version__)')
arch=$(uname -m)
dmg="dist/VansRoute-$version-macos-$arch.dmg"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R dist/VansRoute.app "$staging/"
ln -s /Applications "$staging/Applications"
install -m 0755 installers/macos/uninstall.command "$staging/Uninstall VansRoute.command"
rm -f "$dmg"
hdiutil create -volname "VansRoute $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
fi
echo "$dmg ($(du -sm "$dmg" | cut -f1) MB)"
