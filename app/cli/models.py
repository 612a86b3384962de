"""`vansroute models`: the models of a configured provider with the facts the gateway works with
(context window, output cap, capabilities, price per million tokens and where the price comes from),
and your own overrides of those facts.

vansroute models list PROVIDER [--refresh]      (also `vansroute providers models PROVIDER`)
vansroute models set PROVIDER/MODEL [--input USD --output USD [--cached USD]] [--context N] [--max-output N]
vansroute models clear PROVIDER/MODEL
Prices come from, in order: yours, the provider's own model list (refreshed every few hours), the
catalogue shipped with VansRoute.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.cli import AdminCommands
from app.cli.output import EXIT_FAILURE, EXIT_OK, table, tokens, usd
from app.services.model_facts import ModelFactsAdmin, OverrideChange, provider_and_model

COMMANDS = frozenset({"models"})


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    models = sub.add_parser(
        "models",
        parents=[common],
        help="a provider's models with their context, prices and capabilities; your own prices",
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = models.add_parser("list", parents=[common], help="a provider's models and their facts")
    lst.add_argument("provider")
    lst.add_argument("--refresh", action="store_true", help="ask the provider for its list now")
    put = models.add_parser(
        "set", parents=[common], help="your own price, context or output cap for a model (wins over all)"
    )
    put.add_argument("model", metavar="PROVIDER/MODEL")
    put.add_argument("--input", type=float, default=None, metavar="USD", help="per million input tokens")
    put.add_argument("--output", type=float, default=None, metavar="USD", help="per million output tokens")
    put.add_argument(
        "--cached", type=float, default=None, metavar="USD", help="per million cache-read input tokens"
    )
    put.add_argument("--context", type=int, default=None, metavar="N", help="context window in tokens")
    put.add_argument("--max-output", type=int, default=None, metavar="N", help="output cap in tokens")
    clear = models.add_parser("clear", parents=[common], help="drop your facts for a model")
    clear.add_argument("model", metavar="PROVIDER/MODEL")


def run(commands: AdminCommands, args: argparse.Namespace) -> int:
    facts = ModelFactsAdmin(commands.admin.store)
    if args.action == "list":
        return show(commands, args.provider, refresh=args.refresh)
    provider_id, model_id = provider_and_model(args.model)
    if args.action == "clear":
        facts.clear(provider_id, model_id)
        print(
            f"'{provider_id}/{model_id}' now follows the provider's list and the catalogue.",
            file=commands.out,
        )
        return EXIT_OK
    record = facts.override(
        provider_id,
        model_id,
        OverrideChange(
            price_input=args.input,
            price_output=args.output,
            price_cached=args.cached,
            context_window=args.context,
            max_output=args.max_output,
        ),
    )
    said = []
    if record.price_input is not None and record.price_output is not None:
        said.append(f"${record.price_input:g} in / ${record.price_output:g} out per million tokens")
        if record.price_cached is not None:
            said.append(f"${record.price_cached:g} cached")
    if record.context_window:
        said.append(f"context {record.context_window:,}")
    if record.max_output:
        said.append(f"max output {record.max_output:,}")
    print(f"'{provider_id}/{model_id}': {', '.join(said)} (yours).", file=commands.out)
    return EXIT_OK


def show(commands: AdminCommands, provider_id: str, *, refresh: bool) -> int:
    admin = commands.admin
    provider = admin.get_provider(provider_id)
    if refresh:
        result = asyncio.run(admin.refresh_models(provider.id))
        if result.error:
            print(f"error: could not list the models of '{provider.id}': {result.error}", file=commands.err)
            return EXIT_FAILURE
        print(f"'{provider.id}' lists {len(result.models)} models.", file=commands.err)
    rows = [
        (
            r.model_id,
            tokens(r.facts.context_window),
            tokens(r.facts.max_output),
            ",".join(sorted(c.value for c in r.facts.capabilities)) or "-",
            usd(r.facts.price.input if r.facts.price else None),
            usd(r.facts.price.output if r.facts.price else None),
            usd(r.facts.price.cached_input if r.facts.price else None),
            r.price_from.value if r.price_from else "-",
            r.listed_by,
        )
        for r in ModelFactsAdmin(admin.store).rows(provider.id)
    ]
    table(
        commands.out,
        ("MODEL", "CONTEXT", "MAX OUT", "CAPS", "IN $/M", "OUT $/M", "CACHED $/M", "PRICE FROM", "FROM"),
        rows,
        empty="no models known: try --refresh",
    )
    return EXIT_OK
