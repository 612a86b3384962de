"""`vansroute combos`: named models that route to an ordered list of members with a strategy.

vansroute combos add NAME MEMBER [MEMBER …] [--strategy S] [--weights 3,1] [--judge MODEL] …
vansroute combos list | show NAME | set NAME … | remove NAME
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli import AdminCommands
from app.cli.output import EXIT_OK, table
from app.core.errors import ConfigError
from app.routing.strategies import FALLBACK, STRATEGIES
from app.services.combos import OPTIONS, ComboAdmin

COMMANDS = frozenset({"combos"})


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    combos = sub.add_parser(
        "combos",
        parents=[common],
        help="named models that fall back, rotate, fuse or pick by capacity, load, latency or price",
        description="A client asks for combo/NAME (or just NAME). Members are provider/model, "
        "combo/OTHER or bare model names. Strategies: " + ", ".join(STRATEGIES) + ".",
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    add = combos.add_parser("add", parents=[common], help="create a combo")
    add.add_argument("name")
    add.add_argument("members", nargs="+", metavar="MEMBER")
    add.add_argument("--strategy", default=FALLBACK, choices=STRATEGIES, help=f"default {FALLBACK}")
    _option_flags(add)
    combos.add_parser("list", parents=[common], help="list combos")
    show = combos.add_parser("show", parents=[common], help="a combo's members and options")
    show.add_argument("name")
    upd = combos.add_parser("set", parents=[common], help="change a combo's strategy, members or options")
    upd.add_argument("name")
    upd.add_argument("--strategy", default=None, choices=STRATEGIES)
    upd.add_argument("--members", default=None, help="comma-separated, in order")
    state = upd.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True, default=None)
    state.add_argument("--disable", dest="enabled", action="store_const", const=False)
    _option_flags(upd)
    rm = combos.add_parser("remove", parents=[common], help="delete a combo")
    rm.add_argument("name")


def _option_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", default=None, help="weighted: comma-separated, one per member, e.g. 3,1")
    p.add_argument("--judge", default=None, help=OPTIONS["judge"][1])
    p.add_argument("--grace", dest="grace_s", type=float, default=None, help=OPTIONS["grace_s"][1])
    p.add_argument(
        "--panel-timeout", dest="timeout_s", type=float, default=None, help=OPTIONS["timeout_s"][1]
    )
    p.add_argument(
        "--target-timeout",
        dest="target_timeout_s",
        type=float,
        default=None,
        help=OPTIONS["target_timeout_s"][1],
    )


def _options(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {}
    if args.weights is not None:
        try:
            options["weights"] = [float(w) for w in args.weights.split(",") if w.strip()]
        except ValueError:
            raise ConfigError("--weights takes numbers separated by commas, e.g. 3,1") from None
    for name in ("judge", "grace_s", "timeout_s", "target_timeout_s"):
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    return options


def _describe_options(options: tuple[tuple[str, object], ...]) -> str:
    return (
        " ".join(f"{k}={','.join(f'{w:g}' for w in v) if isinstance(v, list) else v}" for k, v in options)
        or "-"
    )


def run(commands: AdminCommands, args: argparse.Namespace) -> int:
    combos = ComboAdmin(commands.admin.store)
    out = commands.out
    if args.action == "add":
        record = combos.add(args.name, args.strategy, args.members, _options(args))
        print(
            f"Created combo '{record.name}' ({record.strategy}, {len(record.targets)} members): "
            f"ask for combo/{record.name}.",
            file=out,
        )
    elif args.action == "list":
        rows = [
            (
                c.name,
                c.strategy,
                " → ".join(c.targets),
                "yes" if c.enabled else "no",
                _describe_options(c.options),
            )
            for c in combos.list()
        ]
        table(out, ("NAME", "STRATEGY", "MEMBERS", "ENABLED", "OPTIONS"), rows, empty="no combos yet")
    elif args.action == "show":
        c = combos.get(args.name)
        print(f"combo/{c.name}: {c.strategy}{'' if c.enabled else ' (disabled)'}", file=out)
        for i, member in enumerate(c.targets, 1):
            print(f"  {i}. {member}", file=out)
        print(f"options: {_describe_options(c.options)}", file=out)
    elif args.action == "set":
        members = [m.strip() for m in args.members.split(",")] if args.members is not None else None
        record = combos.update(
            args.name, strategy=args.strategy, members=members, options=_options(args), enabled=args.enabled
        )
        print(f"Updated combo '{record.name}' ({record.strategy}: {' → '.join(record.targets)}).", file=out)
    else:
        combos.remove(args.name)
        print(f"Removed combo '{args.name}'.", file=out)
    return EXIT_OK
