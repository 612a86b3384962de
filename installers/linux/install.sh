#!/usr/bin/env bash
# Installs VansRoute for the current user from the unpacked tarball (no root needed):
#
#   ./install.sh [--prefix DIR] [--autostart]
#
# - the app in DIR (default ~/.local/opt/vansroute), replacing an older copy there;
# - `vansroute` on the PATH as a link in ~/.local/bin;
# - a menu entry (~/.local/share/applications/vansroute.desktop) and its icon;
# - with --autostart, an XDG autostart entry so the tray app starts at login (the same file the
#   app's own "Start at login" switch writes, so either can turn it off again).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix="$HOME/.local/opt/vansroute"
autostart=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --autostart) autostart=1; shift ;;
        -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in
    /*) ;;
    *) prefix="$PWD/$prefix" ;;
esac

data_home=${XDG_DATA_HOME:-$HOME/.local/share}
config_home=${XDG_CONFIG_HOME:-$HOME/.config}
bin_dir="$HOME/.local/bin"

if [ ! -x "$here/vansroute" ]; then
    echo "install.sh: run me from the unpacked vansroute folder ($here/vansroute is missing)" >&2
    exit 1
fi

# A running copy holds files open that we are about to replace.
if [ -x "$prefix/uninstall.sh" ] && [ "$here" != "$prefix" ]; then
    "$prefix/uninstall.sh" --stop-only --prefix "$prefix" || true
fi

if [ "$here" != "$prefix" ]; then
    # Copy next to the target, then swap, so an interrupted install never leaves half an app.
    mkdir -p "$(dirname "$prefix")"
    staging="$prefix.new.$$"
    rm -rf "$staging"
    cp -a "$here" "$staging"
    rm -rf "$prefix.old"
    if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
    mv "$staging" "$prefix"
    rm -rf "$prefix.old"
fi

# Exec key quoting per the Desktop Entry spec: the path in double quotes, with \ " ` $ escaped.
exec_path=$(printf '%s' "$prefix/vansroute" | sed -e 's/[\\"`$]/\\&/g' -e 's/%/%%/g')

mkdir -p "$bin_dir" "$data_home/applications" "$data_home/icons/hicolor/256x256/apps"
ln -sfn "$prefix/vansroute" "$bin_dir/vansroute"
install -m 0644 "$prefix/vansroute.png" "$data_home/icons/hicolor/256x256/apps/vansroute.png"

cat >"$data_home/applications/vansroute.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=VansRoute
GenericName=AI gateway
Comment=One local endpoint for every AI coding tool
Exec="$exec_path" serve
Icon=vansroute
Terminal=false
Categories=Development;Network;
StartupNotify=false
X-VansRoute-Installed=true
DESKTOP

if [ "$autostart" -eq 1 ]; then
    mkdir -p "$config_home/autostart"
    # Same content as app/services/autostart.py writes; the marker line makes it ours to remove.
    cat >"$config_home/autostart/vansroute.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=VansRoute
Comment=Local AI gateway
Exec="$exec_path" serve
Icon=vansroute
Terminal=false
X-GNOME-Autostart-enabled=true
X-VansRoute-Autostart=true
DESKTOP
fi

# Menu caches: refreshed where the desktop has the tools; harmless to skip elsewhere.
if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$data_home/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t "$data_home/icons/hicolor" || true
fi

echo "VansRoute installed in $prefix"
echo "  menu entry: $data_home/applications/vansroute.desktop"
[ "$autostart" -eq 1 ] && echo "  starts at login: $config_home/autostart/vansroute.desktop"
case ":$PATH:" in
    *":$bin_dir:"*) echo "  command: vansroute (try: vansroute --selftest)" ;;
    *) echo "  command: $bin_dir/vansroute (add $bin_dir to PATH to type just 'vansroute')" ;;
esac
echo "To remove it: $prefix/uninstall.sh"
