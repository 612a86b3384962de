#!/usr/bin/env bash
# Removes VansRoute for the current user, leaving the user's tools as they were before:
#
#   ./uninstall.sh [--prefix DIR] [--purge-data]
#
# 1. stops the running app; 2. runs `vansroute configure --restore-all`, which puts back the
# configuration files of the coding tools VansRoute had configured; 3. removes the app, its menu
# entry, icon, command link and autostart entry. Your data (settings, keys list, usage history) stays
# in the data directory unless you pass --purge-data. Provider keys in the system keyring stay too.
set -euo pipefail

prefix=$(cd "$(dirname "$0")" && pwd)
purge=0
stop_only=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --purge-data) purge=1; shift ;;
        --stop-only) stop_only=1; shift ;;
        -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
data_dir=${VANSROUTE_DATA_DIR:-$data_home/VansRoute}

stop_app() {
    # The gateway writes its pid to gateway.json while it runs. Only a process running this install's
    # binary is stopped, so a stale file never kills an unrelated process that reused the pid.
    local file="$data_dir/gateway.json" pid exe
    [ -f "$file" ] || return 0
    pid=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$file" | head -n 1)
    [ -n "$pid" ] || return 0
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
    case "$exe" in
        "$prefix"/*) ;;
        *) return 0 ;;
    esac
    echo "stopping VansRoute (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop_app
[ "$stop_only" -eq 1 ] && exit 0

if [ -x "$prefix/vansroute" ]; then
    # Put the coding tools' own configuration back before the app that can do it is gone.
    if ! "$prefix/vansroute" configure --restore-all; then
        echo "uninstall.sh: 'vansroute configure --restore-all' failed; nothing removed." >&2
        echo "Fix the problem it reported and run me again." >&2
        exit 1
    fi
fi

remove_if_ours() {
    # Only files that carry our marker: a user's own entry under the same name is left alone.
    local file=$1 marker=$2
    if [ -f "$file" ] && grep -q "^$marker$" "$file"; then rm -f "$file"; fi
}
remove_if_ours "$data_home/applications/vansroute.desktop" "X-VansRoute-Installed=true"
remove_if_ours "$config_home/autostart/vansroute.desktop" "X-VansRoute-Autostart=true"
rm -f "$data_home/icons/hicolor/256x256/apps/vansroute.png"
if [ "$(readlink "$HOME/.local/bin/vansroute" 2>/dev/null)" = "$prefix/vansroute" ]; then
    rm -f "$HOME/.local/bin/vansroute"
fi
# Menu caches: refreshed where the desktop has the tools; harmless to skip elsewhere.
if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$data_home/applications" || true
fi

if [ "$purge" -eq 1 ]; then
    rm -rf "$data_dir"
    echo "removed your data in $data_dir"
else
    echo "your data is kept in $data_dir (run with --purge-data to remove it)"
fi
# Last: this script lives in $prefix.
rm -rf "$prefix"
echo "VansRoute removed from $prefix"
