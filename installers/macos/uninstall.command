#!/usr/bin/env bash
# Double-click to remove VansRoute, leaving your coding tools as they were before it:
# stops the app, runs `vansroute configure --restore-all` (puts back the configuration of every tool
# VansRoute set up), removes the start-at-login entry and the app. Your data in
# ~/Library/Application Support/VansRoute stays unless you answer yes below.
set -euo pipefail

app=/Applications/VansRoute.app
[ -d "$app" ] || app="$HOME/Applications/VansRoute.app"
cli="$app/Contents/MacOS/vansroute-cli"
data_dir=${VANSROUTE_DATA_DIR:-"$HOME/Library/Application Support/VansRoute"}

if [ ! -x "$cli" ]; then
    echo "VansRoute is not in /Applications or ~/Applications; nothing to do."
    exit 0
fi

# The gateway writes its pid while it runs; stop it only if that pid is really this app.
if [ -f "$data_dir/gateway.json" ]; then
    pid=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$data_dir/gateway.json" | head -n 1)
    if [ -n "$pid" ] && ps -p "$pid" -o comm= 2>/dev/null | grep -q "^$app/"; then
        echo "Stopping VansRoute (pid $pid)…"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
fi

if ! "$cli" configure --restore-all; then
    echo "Restoring your tools failed (see above); VansRoute was NOT removed. Fix it and run me again."
    read -r -p "Press Return to close." _
    exit 1
fi

rm -f "$HOME/Library/LaunchAgents/app.vansroute.desktop.plist"
rm -rf "$app"
echo "VansRoute removed."

read -r -p "Also delete your VansRoute data (settings, local API keys, usage history) in $data_dir? [y/N] " answer
case "$answer" in
    [yY]*) rm -rf "$data_dir"; echo "Data removed." ;;
    *) echo "Data kept in $data_dir." ;;
esac
read -r -p "Press Return to close." _
