"""`vansroute configure`: point a coding tool at the gateway, show the diff first, or put it back.

vansroute configure TOOL [--model M | --model ROLE=M ...] [--dry-run]
vansroute configure TOOL --status | --restore
vansroute configure --list
vansroute configure --restore-all          (for uninstallers)
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from app.cli import AdminCommands, config_from
from app.cli.output import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, table

if TYPE_CHECKING:
    from app.services.client_setup import ClientSetupService, RestoreOutcome

COMMANDS = frozenset({"configure"})


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "configure",
        parents=[common],
        help="set up a coding tool (claude-code, codex, …) to use VansRoute, or restore it",
        description="Point a coding tool at VansRoute with its own key; every change is backed up "
        "and --restore puts the file back exactly as it was.",
    )
    p.add_argument("tool", nargs="?", help="the tool, e.g. claude-code or codex (see --list)")
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="[ROLE=]MODEL",
        help="the model to use; ROLE= one of opus, sonnet, haiku, subagent maps Claude Code's tiers "
        "(repeat the option)",
    )
    action = p.add_mutually_exclusive_group()
    action.add_argument("--dry-run", action="store_true", help="show the change as a diff, write nothing")
    action.add_argument("--status", action="store_true", help="is the tool set up, and where does it point")
    action.add_argument("--restore", action="store_true", help="put the tool's files back, revoke its key")
    action.add_argument("--restore-all", action="store_true", help="restore every configured tool")
    action.add_argument("--list", action="store_true", help="every supported tool and its state")


def run(commands: AdminCommands, args: argparse.Namespace) -> int:
    # Imported here: every `vansroute` command builds the parser, only this one needs the writers.
    from app.services.client_setup import ClientSetupService

    config = config_from(args, os.environ)
    service = ClientSetupService(commands.admin, config, environ=os.environ)
    out, err = commands.out, commands.err
    if args.status and not args.tool:
        args.list = True  # status of every tool
    needs_tool = not (args.list or args.restore_all)
    if needs_tool and not args.tool:
        print("error: name a tool (see `vansroute configure --list`)", file=err)
        return EXIT_BAD_INPUT
    if not needs_tool and args.model:
        print("error: --list and --restore-all take no --model", file=err)
        return EXIT_BAD_INPUT
    if (args.list or args.restore_all) and args.tool:
        print("error: --list and --restore-all take no tool", file=err)
        return EXIT_BAD_INPUT
    if args.model and (args.status or args.restore):
        print("error: --model is for configuring, not with --status or --restore", file=err)
        return EXIT_BAD_INPUT
    try:
        if args.list:
            return _list(service, out)
        if args.restore_all:
            everything = service.restore_all()
            if not everything.restored and not everything.failed:
                print("No tool was configured by VansRoute; nothing to restore.", file=out)
            for outcome in everything.restored:
                _print_restore(outcome, out)
            for tool, why in everything.failed:
                print(f"error: {tool} was not restored: {why}", file=err)
            return EXIT_FAILURE if everything.failed else EXIT_OK
        if args.status:
            return _status(service, args.tool, out)
        if args.restore:
            _print_restore(service.restore(args.tool), out)
            return EXIT_OK
        return _configure(service, args, out, err)
    except OSError as exc:
        # Permission denied, disk full…: the message names the file; nothing half-written is left.
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=err)
        return EXIT_FAILURE


def _configure(service: ClientSetupService, args: argparse.Namespace, out: Any, err: Any) -> int:
    from app.services.client_setup import parse_models

    result = service.configure(args.tool, parse_models(args.model), dry_run=args.dry_run)
    if result.dry_run:
        if result.diff:
            print(result.diff, end="", file=out)
        elif not result.copy_values:
            print(
                f"{result.name} already uses VansRoute at {result.gateway_url}; nothing to change.", file=out
            )
        for label, value in result.copy_values:
            print(f"{label}: {value}", file=out)
        print(f"(dry run: nothing written; the tool would get its own key '{result.key_name}')", file=err)
        return EXIT_OK
    if result.copy_values:
        print(f"{result.name} is set up in its own settings; paste these values:", file=err)
        for label, value in result.copy_values:
            print(f"{label}: {value}", file=out)
        return EXIT_OK
    for path in result.paths:
        print(f"Wrote {path} (the previous version is backed up).", file=out)
    key = "a new key" if result.new_key else "its existing key"
    print(
        f"{result.name} now uses VansRoute at {result.gateway_url} with {key} '{result.key_name}'. "
        f"Undo with: vansroute configure {result.tool} --restore",
        file=out,
    )
    return EXIT_OK


def _status(service: ClientSetupService, tool: str, out: Any) -> int:
    status = service.status(tool)
    print(f"{status.name}: {status.summary} ({'installed' if status.installed else 'not found'})", file=out)
    for f in status.files:
        where = f"points at {f.routes_to}" if f.routes_to else "not routed through a gateway"
        print(f"  {f.path}: {'missing' if not f.exists else where}", file=out)
        if f.error:
            print(f"    {f.error}", file=out)
    return EXIT_OK


def _list(service: ClientSetupService, out: Any) -> int:
    rows = [
        (
            s.id,
            s.name,
            s.summary,
            "yes" if s.installed else "no",
            ", ".join(f.path for f in s.files) or "(values to copy)",
        )
        for s in service.list_tools()
    ]
    table(out, ("TOOL", "NAME", "STATE", "INSTALLED", "FILES"), rows, empty="no tools")
    return EXIT_OK


def _print_restore(outcome: RestoreOutcome, out: Any) -> None:
    for r in outcome.files:
        how = {
            "exact": "put back exactly as it was",
            "keys": "edited since: only VansRoute's keys were put back",
            "unchanged": "already as it was",
            "taken-over": "another program points the tool elsewhere now; left as it is",
        }[r.how]
        print(f"Restored {r.path}: {how}.", file=out)
    if outcome.key_revoked:
        print(f"Revoked the key 'tool.{outcome.tool}'.", file=out)
    print(f"{outcome.name} no longer uses VansRoute.", file=out)
