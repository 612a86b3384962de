"""`vansroute savers`: the global token-saver setting.

vansroute savers                          show it
vansroute savers set --use rtk,caveman --level lite [--headroom-url URL]
vansroute savers off
A client turns them off for one request with the header `x-vansroute-token-saver: off`.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli import AdminCommands
from app.cli.output import EXIT_OK
from app.services import saver_settings

COMMANDS = frozenset({"savers"})


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    savers = sub.add_parser(
        "savers",
        parents=[common],
        help="token savers: shrink tool output (rtk), terse answers (caveman, ponytail), headroom",
    )
    actions = savers.add_subparsers(dest="action", metavar="ACTION")
    upd = actions.add_parser("set", parents=[common], help="choose the savers and their level")
    upd.add_argument("--use", default=None, help="comma-separated: rtk, caveman, ponytail, headroom (or off)")
    upd.add_argument(
        "--level", default=None, choices=("lite", "full", "ultra"), help="for caveman and ponytail"
    )
    upd.add_argument(
        "--headroom-url",
        default=None,
        help="the Headroom compressor (default http://localhost:8787/v1/compress)",
    )
    actions.add_parser("off", parents=[common], help="turn every saver off")


def run(commands: AdminCommands, args: argparse.Namespace) -> int:
    store = commands.admin.store
    if args.action == "set":
        current = saver_settings.update(store, use=args.use, level=args.level, headroom_url=args.headroom_url)
    elif args.action == "off":
        current = saver_settings.update(store, use="off")
    else:
        current = saver_settings.read(store)
    options = current.options
    names = (
        ", ".join(sorted(s.value for s in options.savers)) if options.enabled and options.savers else "off"
    )
    print(f"token savers: {names} (level {current.level})", file=commands.out)
    if "headroom" in names:
        print(f"headroom: {current.headroom.url}", file=commands.out)
    return EXIT_OK
