#!/usr/bin/env bash
# Signs dist/VansRoute.app with a Developer ID (hardened runtime, secure timestamp), inside out.
# Skipped, with a note, when MACOS_SIGN_IDENTITY is not set.
#
#   MACOS_SIGN_IDENTITY            "Developer ID Application: Name (TEAMID)" (or its SHA-1)
#   MACOS_CERTIFICATE_P12_BASE64   optional: the certificate + key as base64 .p12, imported into a
#   MACOS_CERTIFICATE_PASSWORD     temporary keychain (CI); without it the login keychain is used
set -euo pipefail
cd "$(dirname "$0")/../.."
app=${1:-dist/VansRoute.app}

if [ -z "${MACOS_SIGN_IDENTITY:-}" ]; then
    echo "sign.sh: MACOS_SIGN_IDENTITY not set; $app stays unsigned (Gatekeeper will ask users to confirm)"
    exit 0
fi

if [ -n "${MACOS_CERTIFICATE_P12_BASE64:-}" ]; then
    keychain="${RUNNER_TEMP:-$(mktemp -d)}/vansroute-signing.keychain-db"
    password=$(openssl rand -hex 16)
    p12=$(mktemp)
    trap 'rm -f "$p12"' EXIT
    printf '%s' "$MACOS_CERTIFICATE_P12_BASE64" | base64 --decode >"$p12"
    security create-keychain -p "$password" "$keychain"
    security set-keychain-settings -lut 3600 "$keychain"
    security unlock-keychain -p "$password" "$keychain"
    security import "$p12" -k "$keychain" -P "${MACOS_CERTIFICATE_PASSWORD:-}" -T /usr/bin/codesign
    security set-key-partition-list -S apple-tool:,apple: -s -k "$password" "$keychain" >/dev/null
    # Search the new keychain first, then the user's (read one per line: paths may hold spaces;
    # no mapfile, macOS ships bash 3.2).
    existing=()
    while IFS= read -r line; do
        line=${line#"${line%%[![:space:]]*}"}
        existing+=("${line//\"/}")
    done < <(security list-keychains -d user)
    security list-keychains -d user -s "$keychain" "${existing[@]}"
fi

sign() {
    codesign --force --timestamp --options runtime \
        --entitlements installers/macos/entitlements.plist --sign "$MACOS_SIGN_IDENTITY" "$@"
}
# Every Mach-O file inside first (libraries, Python extensions, Qt plugins, the executables), then the
# bundle itself: `codesign --deep` is deprecated and misses files outside the standard places.
while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q 'Mach-O'; then
        sign "$file"
    fi
done < <(find "$app/Contents" -type f -print0)
sign "$app"
codesign --verify --strict --verbose=2 "$app"
echo "signed $app as $MACOS_SIGN_IDENTITY"
