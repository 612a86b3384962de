#!/usr/bin/env bash
# Sends the .dmg to Apple's notary service and staples the ticket, so Gatekeeper opens it offline.
# Skipped, with a note, unless all three are set (and the image was signed, see sign.sh):
#
#   APPLE_ID             the Apple ID of the developer account
#   APPLE_TEAM_ID        its team ID
#   APPLE_APP_PASSWORD   an app-specific password for that Apple ID
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${APPLE_ID:-}" ] || [ -z "${APPLE_TEAM_ID:-}" ] || [ -z "${APPLE_APP_PASSWORD:-}" ]; then
    echo "notarize.sh: APPLE_ID, APPLE_TEAM_ID or APPLE_APP_PASSWORD not set; not notarised"
    exit 0
fi
if [ -z "${MACOS_SIGN_IDENTITY:-}" ]; then
    echo "notarize.sh: Apple only notarises signed apps; set MACOS_SIGN_IDENTITY (see sign.sh)" >&2
    exit 1
fi
shopt -s nullglob
images=(dist/VansRoute-*-macos-*.dmg)
[ ${#images[@]} -gt 0 ] || { echo "notarize.sh: no dist/VansRoute-*.dmg (run dmg.sh)" >&2; exit 1; }
for dmg in "${images[@]}"; do
    xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
        --password "$APPLE_APP_PASSWORD" --wait
    xcrun stapler staple "$dmg"
    echo "notarised and stapled $dmg"
done
