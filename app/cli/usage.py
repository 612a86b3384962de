"""`vansroute usage`: requests, tokens and cost from the usage log, as a table.

vansroute usage [--by day|key|provider|model|app] [--since 7d|24h|today|month|2026-11-01] [--until …]
vansroute usage --recent [N]
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from app.cli import AdminCommands
from app.cli.output import EXIT_BAD_INPUT, EXIT_OK, table, when
from app.core.errors import ConfigError
from app.core.records import UsageDimension, UsageTotals
from app.services.usage import parse_since

COMMANDS = frozenset({"usage"})

_GROUP_HEADER = {
    UsageDimension.DAY: "DAY (UTC)",
    UsageDimension.KEY: "KEY",
    UsageDimension.PROVIDER: "PROVIDER",
    UsageDimension.MODEL: "MODEL",
    UsageDimension.APP: "CLIENT APP",
}


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "usage",
        parents=[common],
        help="requests, tokens and cost per day, key, provider, model or client app",
        description="Usage from the gateway's log (written every second; a running gateway's last "
        "second may not be in yet). Cost is from model prices (`vansroute models list`); '-' where a model has none.",
    )
    p.add_argument(
        "--by",
        choices=[d.value for d in UsageDimension],
        default=UsageDimension.DAY.value,
        help="what to group by (default: day)",
    )
    p.add_argument(
        "--since", default="30d", help="from: 7d, 24h, 30m, 2w, today, month or a date (default 30d)"
    )
    p.add_argument("--until", default=None, help="up to (same forms as --since; default now)")
    p.add_argument(
        "--recent",
        type=int,
        nargs="?",
        const=20,
        default=None,
        metavar="N",
        help="list the last N requests instead (default 20)",
    )


def _money(value: float) -> str:
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _row(row: UsageTotals) -> tuple[str, ...]:
    return (
        row.group if row.group is not None else "(none)",
        f"{row.requests:,}",
        f"{row.errors:,}",
        f"{row.input_tokens:,}",
        f"{row.output_tokens:,}",
        f"{row.cached_tokens:,}",
        f"{row.reasoning_tokens:,}",
        _money(row.cost_usd),
        _ms(row.avg_latency_ms),
        _ms(row.avg_ttft_ms),
        f"{row.saved_tokens:,}",
    )


def run(commands: AdminCommands, args: argparse.Namespace) -> int:
    out = commands.out
    service = commands.admin.usage()
    if args.recent is not None:
        if args.recent < 1:
            print("error: --recent takes a positive number", file=commands.err)
            return EXIT_BAD_INPUT
        recent: list[tuple[str, ...]] = [
            (
                when(r.started_at),
                r.api_key_name or "-",
                r.client_app or "-",
                r.provider_id or "-",
                r.upstream_model or r.model or "-",
                str(r.status),
                f"{r.input_tokens or 0:,}",
                f"{r.output_tokens or 0:,}",
                "-" if r.cost_usd is None else _money(r.cost_usd),
                _ms(r.latency_ms),
            )
            for r in service.recent(args.recent)
        ]
        table(
            out,
            ("TIME (UTC)", "KEY", "APP", "PROVIDER", "MODEL", "STATUS", "IN", "OUT", "COST", "MS"),
            recent,
            empty="no requests recorded yet",
        )
        return EXIT_OK
    now = datetime.now(UTC)
    try:
        since = parse_since(args.since, now)
        until = parse_since(args.until, now) if args.until else None
    except ConfigError as exc:
        print(f"error: {exc}", file=commands.err)
        return EXIT_BAD_INPUT
    by = UsageDimension(args.by)
    totals = service.totals(by, since=since, until=until)
    rows: list[tuple[str, ...]] = [_row(r) for r in totals]
    if len(totals) > 1:
        rows.append(
            _row(
                UsageTotals(
                    group="TOTAL",
                    requests=sum(r.requests for r in totals),
                    errors=sum(r.errors for r in totals),
                    input_tokens=sum(r.input_tokens for r in totals),
                    output_tokens=sum(r.output_tokens for r in totals),
                    cached_tokens=sum(r.cached_tokens for r in totals),
                    reasoning_tokens=sum(r.reasoning_tokens for r in totals),
                    cost_usd=sum(r.cost_usd for r in totals),
                    avg_latency_ms=None,
                    avg_ttft_ms=None,
                    saved_tokens=sum(r.saved_tokens for r in totals),
                )
            )
        )
    print(
        f"Usage since {since:%Y-%m-%d %H:%M} UTC{f' until {until:%Y-%m-%d %H:%M} UTC' if until else ''}",
        file=out,
    )
    table(
        out,
        (
            _GROUP_HEADER[by],
            "REQUESTS",
            "ERRORS",
            "IN",
            "OUT",
            "CACHED",
            "REASONING",
            "COST",
            "AVG MS",
            "AVG TTFT MS",
            "SAVED",
        ),
        rows,
        empty="no requests in this period",
    )
    return EXIT_OK
