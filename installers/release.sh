#!/usr/bin/env bash
# Attaches the built installers to the GitHub release of a tag (creating the release as a draft when
# it does not exist yet), with the GitHub CLI:
#   GH_TOKEN=... installers/release.sh v0.1.0 artefacts/*
set -euo pipefail
tag=${1:?usage: release.sh TAG FILE...}
shift
[ $# -gt 0 ] || { echo "release.sh: no files to attach" >&2; exit 1; }
if ! gh release view "$tag" >/dev/null 2>&1; then
    gh release create "$tag" --draft --title "VansRoute ${tag#v}" --generate-notes
fi
gh release upload "$tag" "$@" --clobber
