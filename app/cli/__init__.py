"""The `vansroute` command line: argument parsing and the admin sub-commands.

Admin commands write to the same database a running gateway reads; the gateway picks the change up
within its reload interval (1 s), so they work while it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO, cast

from app import __version__
from app.cli.output import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from app.cli.output import secs as _secs
from app.cli.output import table as _table
from app.cli.output import tokens as _tokens
from app.cli.output import usd as _usd
from app.cli.output import when as _when
from app.core.errors import ConfigError, SecretStoreUnavailable, StoreError, VansRouteError
from app.core.records import KeyLimits, RequestKind
from app.providers.listing import lists_prices
from app.routing.accounts import ACCOUNT_STRATEGIES
from app.services import connection_test
from app.services.admin import AdminService, KeySource, open_admin
from app.services.config import DEFAULT_HOST, DEFAULT_MAX_BODY_MB, DEFAULT_PORT, AppConfig, load_config
from app.services.key_limits import LimitChanges
from app.services.live_gateway import GatewayNotRunning, LiveGateway

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_OK",
    "AdminCommands",
    "build_parser",
    "config_from",
    "run_admin",
]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help="where VansRoute keeps its data (default: $VANSROUTE_DATA_DIR or the platform's user data dir)",
    )
    parser = argparse.ArgumentParser(
        prog="vansroute",
        description="VansRoute: one local endpoint for every AI coding tool.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"vansroute {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve", parents=[common], help="run the gateway (tray app where there is a display)"
    )
    serve.add_argument(
        "--headless", action="store_true", help="no tray, plain asyncio: for servers and teams"
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks one)"
    )
    serve.add_argument(
        "--max-body-mb",
        type=float,
        default=None,
        help=f"largest request body accepted, in MiB (default $VANSROUTE_MAX_BODY_MB or {DEFAULT_MAX_BODY_MB:g})",
    )

    keys = sub.add_parser("keys", parents=[common], help="local API keys that clients use").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    create = keys.add_parser("create", parents=[common], help="create a key (printed once, stored hashed)")
    create.add_argument("name")
    _add_limit_options(create)
    kset = keys.add_parser(
        "set", parents=[common], help="change a key's access lists, limits or budget (only what is given)"
    )
    kset.add_argument("name")
    _add_limit_options(kset)
    kshow = keys.add_parser(
        "show", parents=[common], help="a key's access lists, limits and spend this month"
    )
    kshow.add_argument("name")
    keys.add_parser("list", parents=[common], help="list keys")
    revoke = keys.add_parser("revoke", parents=[common], help="revoke a key")
    revoke.add_argument("name")

    providers = sub.add_parser("providers", parents=[common], help="upstream providers").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    padd = providers.add_parser(
        "add",
        parents=[common],
        help="add a provider with its first account; the API key is read from standard input",
    )
    padd.add_argument("id")
    padd.add_argument(
        "--type",
        dest="wire_format",
        default=None,
        help="openai | responses | anthropic | gemini (default for a catalogue provider: its own)",
    )
    padd.add_argument(
        "--base-url",
        default=None,
        help="e.g. https://api.openai.com/v1 (default for a catalogue provider: its own)",
    )
    padd.add_argument("--models", default=None, help="comma-separated model ids offered (default: any)")
    padd.add_argument("--label", default="default", help="label of the first account (default: default)")
    _add_key_options(padd)
    providers.add_parser("list", parents=[common], help="list providers")
    pcat = providers.add_parser(
        "catalog", parents=[common], help="the built-in providers; with an ID, that provider's models"
    )
    pcat.add_argument("id", nargs="?", default=None)
    pmod = providers.add_parser(
        "models", parents=[common], help="the models a provider offers (its own list and the catalogue's)"
    )
    pmod.add_argument("id")
    pmod.add_argument("--refresh", action="store_true", help="ask the provider for its list now")
    pset = providers.add_parser(
        "set", parents=[common], help="how requests pick among the provider's accounts"
    )
    pset.add_argument("id")
    pset.add_argument(
        "--accounts",
        required=True,
        choices=ACCOUNT_STRATEGIES,
        help="fill-first (default): by priority; round-robin; sticky-round-robin: N requests each; "
        "least-used",
    )
    pset.add_argument(
        "--sticky", type=int, default=None, metavar="N", help="for sticky-round-robin (default 3)"
    )
    prm = providers.add_parser(
        "remove", parents=[common], help="remove a provider, its accounts and their keys"
    )
    prm.add_argument("id")

    accounts = sub.add_parser("accounts", parents=[common], help="accounts of a provider").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    aadd = accounts.add_parser("add", parents=[common], help="add another account (key from standard input)")
    aadd.add_argument("provider_id")
    aadd.add_argument("--label", default=None)
    aadd.add_argument("--priority", type=int, default=0, help="higher is tried first (default 0)")
    aadd.add_argument("--max-concurrency", type=int, default=None)
    _add_key_options(aadd)
    alist = accounts.add_parser("list", parents=[common], help="list accounts")
    alist.add_argument("provider_id", nargs="?")
    arm = accounts.add_parser("remove", parents=[common], help="remove an account and its key")
    arm.add_argument("account_id", type=int)
    aset = accounts.add_parser(
        "set", parents=[common], help="change an account's label, priority, limit or proxy"
    )
    aset.add_argument("account_id", type=int)
    aset.add_argument("--label", default=None)
    aset.add_argument("--priority", type=int, default=None, help="higher is tried first")
    aset.add_argument("--max-concurrency", type=int, default=None)
    aset.add_argument("--proxy", default=None, help="http://, https:// or socks5://host:port; '' removes it")
    for verb, doc in (
        ("enable", "put an account back into routing"),
        ("disable", "leave an account out of routing"),
    ):
        toggle = accounts.add_parser(verb, parents=[common], help=doc)
        toggle.add_argument("account_id", type=int)
    are = accounts.add_parser(
        "reactivate", parents=[common], help="put a parked or disabled account back into routing"
    )
    are.add_argument("account_id", type=int)
    ate = accounts.add_parser(
        "test", parents=[common], help="test connection: one cheap request per account, one line each"
    )
    which = ate.add_mutually_exclusive_group()
    which.add_argument("account_id", type=int, nargs="?", help="the account to test (default: all)")
    which.add_argument("--provider", default=None, metavar="ID", help="test every account of provider ID")
    ate.add_argument("--timeout", type=float, default=15.0, help="seconds per account (default 15)")

    sub.add_parser("status", parents=[common], help="breakers, concurrency, cooldowns and parked accounts")
    settings = sub.add_parser(
        "settings", parents=[common], help="resilience and timeout parameters (read when the gateway starts)"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    settings.add_parser("list", parents=[common], help="every parameter, its value and where it comes from")
    sset = settings.add_parser("set", parents=[common], help="set a parameter")
    sset.add_argument("name")
    sset.add_argument("value")
    sunset = settings.add_parser("unset", parents=[common], help="back to the default")
    sunset.add_argument("name")
    breakers = sub.add_parser("breakers", parents=[common], help="circuit breakers").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    breset = breakers.add_parser("reset", parents=[common], help="close a breaker by hand")
    breset.add_argument("key", help="as `vansroute status` shows it, e.g. openai:direct")
    for group in command_groups():
        group.register(sub, common)
    return parser


class CommandGroup(Protocol):
    """A sub-command family kept in its own module (app/cli/<name>.py)."""

    COMMANDS: frozenset[str]

    def register(self, sub: Any, common: argparse.ArgumentParser) -> None: ...

    def run(self, commands: AdminCommands, args: argparse.Namespace) -> int: ...


def command_groups() -> tuple[CommandGroup, ...]:
    # Imported here, not at module top: the group modules use AdminCommands and the output helpers.
    groups: list[CommandGroup] = []
    for name in _GROUP_MODULES:
        module = importlib.import_module(f"app.cli.{name}")
        groups.append(cast(CommandGroup, module))
    return tuple(groups)


# Sub-command families that live in their own modules; each defines COMMANDS, register() and run().
_GROUP_MODULES: tuple[str, ...] = ("configure", "usage", "combos", "savers", "models")


def _add_limit_options(p: argparse.ArgumentParser) -> None:
    kinds = ", ".join(k.value for k in RequestKind)
    p.add_argument(
        "--providers", default=None, metavar="LIST", help="providers it may reach: all | none | a,b"
    )
    p.add_argument("--combos", default=None, metavar="LIST", help="combos it may name: all | none | a,b")
    p.add_argument(
        "--kinds", default=None, metavar="LIST", help=f"requests it may make: all | none | any of {kinds}"
    )
    p.add_argument("--rpm", default=None, metavar="N", help="generation requests per minute (none: no limit)")
    p.add_argument(
        "--concurrency", default=None, metavar="N", help="generation requests at once (none: no limit)"
    )
    p.add_argument("--budget", default=None, metavar="USD", help="monthly budget in USD (none: no budget)")
    p.add_argument(
        "--savers",
        default=None,
        metavar="LIST",
        help="token savers for this key: default (the global setting) | off | e.g. rtk,caveman",
    )


def _limit_changes(args: argparse.Namespace) -> LimitChanges:
    return LimitChanges(
        providers=args.providers,
        combos=args.combos,
        kinds=args.kinds,
        requests_per_minute=args.rpm,
        max_concurrent=args.concurrency,
        monthly_budget_usd=args.budget,
        token_savers=args.savers,
    )


def _limits_summary(limits: KeyLimits) -> str:
    """Only what differs from "everything, no limit", e.g. `providers=openai rpm=60 budget=$25.00`."""
    parts = [
        f"{name}={access.describe()}"
        for name, access in (
            ("providers", limits.providers),
            ("combos", limits.combos),
            ("kinds", limits.kinds),
        )
        if not access.is_everything
    ]
    if limits.requests_per_minute is not None:
        parts.append(f"rpm={limits.requests_per_minute}")
    if limits.max_concurrent is not None:
        parts.append(f"concurrency={limits.max_concurrent}")
    if limits.monthly_budget_usd is not None:
        parts.append(f"budget=${limits.monthly_budget_usd:.2f}")
    if limits.token_savers is not None:
        parts.append(f"savers={limits.token_savers}")
    return " ".join(parts) or "-"


def _describe_limits(limits: KeyLimits) -> list[tuple[str, str]]:
    def number(value: float | None, unit: str = "") -> str:
        return "no limit" if value is None else f"{value:g}{unit}"

    return [
        ("providers", limits.providers.describe()),
        ("combos", limits.combos.describe()),
        ("kinds", limits.kinds.describe()),
        ("requests per minute", number(limits.requests_per_minute)),
        ("concurrent requests", number(limits.max_concurrent)),
        (
            "monthly budget",
            "none" if limits.monthly_budget_usd is None else f"${limits.monthly_budget_usd:.2f}",
        ),
        ("token savers", limits.token_savers or "the global setting"),
    ]


def _add_key_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--key-env",
        default=None,
        metavar="VAR",
        help="read the key from this environment variable of the gateway instead (for headless servers)",
    )
    p.add_argument("--proxy", default=None, help="upstream proxy: http://, https:// or socks5://host:port")
    p.add_argument(
        "--no-key",
        action="store_true",
        help="the upstream checks no key (a local model server); the default for local catalogue providers",
    )


def config_from(args: argparse.Namespace, environ: Mapping[str, str]) -> AppConfig:
    max_body = getattr(args, "max_body_mb", None)
    if max_body is None and environ.get("VANSROUTE_MAX_BODY_MB"):
        try:
            max_body = float(environ["VANSROUTE_MAX_BODY_MB"])
        except ValueError:
            raise ConfigError("VANSROUTE_MAX_BODY_MB must be a number of MiB") from None
    if max_body is not None and max_body <= 0:
        raise ConfigError("the body-size limit must be positive")
    return load_config(
        environ,
        data_dir=getattr(args, "data_dir", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        max_body_mb=max_body,
    )


class AdminCommands:
    def __init__(
        self,
        admin: AdminService,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        live: LiveGateway | None = None,
    ) -> None:
        self.admin = admin
        self.live = live
        self.stdin = stdin
        self.out = stdout
        self.err = stderr

    def _read_key(self, args: argparse.Namespace, what: str, *, optional: bool = False) -> KeySource:
        if args.key_env:
            return KeySource(env_var=args.key_env)
        if args.no_key:
            return KeySource(none=True)
        if optional:
            # A local server usually checks no key: never prompt, but take one that is piped in
            # (vLLM or llama.cpp started with --api-key).
            piped = "" if self.stdin.isatty() else self.stdin.read()
            return KeySource(value=piped) if piped.strip() else KeySource(none=True)
        # Never from argv: it would sit in shell history and in every process listing.
        if self.stdin.isatty():
            return KeySource(value=getpass.getpass(f"API key for {what} (input hidden): "))
        return KeySource(value=self.stdin.read())

    def run(self, args: argparse.Namespace) -> int:
        for group in command_groups():
            if args.command in group.COMMANDS:
                return group.run(self, args)
        handler = getattr(self, f"{args.command}_{getattr(args, 'action', None)}")
        result: int = handler(args)
        return result

    def keys_create(self, args: argparse.Namespace) -> int:
        record, key = self.admin.create_key(args.name, _limit_changes(args))
        print(
            f"Created key '{record.name}'. Copy it now: it is stored hashed and shown only once.",
            file=self.err,
        )
        print(key, file=self.out)
        return EXIT_OK

    def keys_set(self, args: argparse.Namespace) -> int:
        record = self.admin.update_key(args.name, _limit_changes(args))
        print(f"Changed key '{record.name}':", file=self.out)
        _table(self.out, ("RULE", "VALUE"), _describe_limits(record.limits), empty="")
        return EXIT_OK

    def keys_show(self, args: argparse.Namespace) -> int:
        record = self.admin.get_key(args.name)
        spent = self.admin.key_spend(record.name, datetime.now(UTC))
        rows = [
            ("key", f"{record.prefix}…"),
            ("created", _when(record.created_at)),
            ("last used", _when(record.last_used_at)),
            *_describe_limits(record.limits),
            ("spent this month", f"${spent:.4f}"),
        ]
        _table(self.out, ("", record.name), rows, empty="")
        return EXIT_OK

    def keys_list(self, args: argparse.Namespace) -> int:
        rows = [
            (
                k.name,
                f"{k.prefix}…",
                "revoked" if k.revoked else "active",
                _when(k.created_at),
                _when(k.last_used_at),
                _limits_summary(k.limits),
            )
            for k in self.admin.list_keys()
        ]
        _table(
            self.out, ("NAME", "KEY", "STATE", "CREATED", "LAST USED", "LIMITS"), rows, empty="no keys yet"
        )
        return EXIT_OK

    def keys_revoke(self, args: argparse.Namespace) -> int:
        self.admin.revoke_key(args.name)
        print(f"Revoked key '{args.name}'.", file=self.out)
        return EXIT_OK

    def providers_add(self, args: argparse.Namespace) -> int:
        # Fails on an unknown id without --type/--base-url before a key is asked for.
        self.admin.catalog_defaults(args.id, wire_format=args.wire_format, base_url=args.base_url)
        provider, account = self.admin.add_known_provider(
            args.id,
            wire_format=args.wire_format,
            base_url=args.base_url,
            models=args.models,
            key=self._read_key(args, args.id, optional=self.admin.needs_no_key(args.id)),
            label=args.label,
            proxy_url=args.proxy,
        )
        where = {"keyring": "key in the OS keyring", "env": "key in the environment", "none": "no key"}
        print(
            f"Added provider '{provider.id}' ({provider.wire_format.value}, {provider.base_url}) "
            f"with account '{account.label}' ({where.get(account.secret_ref.partition(':')[0], 'key set')}).",
            file=self.out,
        )
        return EXIT_OK

    def providers_list(self, args: argparse.Namespace) -> int:
        rows = [
            (
                s.provider.id,
                s.provider.wire_format.value,
                s.provider.base_url,
                ",".join(s.provider.models) or "(any)",
                str(len(s.accounts)),
            )
            for s in self.admin.list_providers()
        ]
        _table(self.out, ("ID", "TYPE", "BASE URL", "MODELS", "ACCOUNTS"), rows, empty="no providers yet")
        return EXIT_OK

    def providers_catalog(self, args: argparse.Namespace) -> int:
        if args.id is None:
            rows = [
                (p.id, p.name, p.category.value, p.wire_format.value, str(len(p.models)))
                for p in self.admin.catalog().providers
            ]
            _table(self.out, ("ID", "NAME", "CATEGORY", "FORMAT", "MODELS"), rows, empty="empty catalogue")
            return EXIT_OK
        p = self.admin.catalog_entry(args.id)
        print(
            f"{p.name} ({p.id}): {p.category.value}, {p.wire_format.value}, auth {p.auth.value}",
            file=self.out,
        )
        print(f"base URL: {p.base_url}", file=self.out)
        if p.url_variables:
            print(f"template: fill in {', '.join(p.url_variables)} and pass it as --base-url", file=self.out)
        if p.aliases:
            print(f"aliases: {', '.join(p.aliases)}", file=self.out)
        if p.passthrough:
            print("any model id is passed through; the list below is a suggestion", file=self.out)
        if p.monthly_quota:
            print("quota: monthly allowance, resets on the 1st", file=self.out)
        if lists_prices(p.model_list):
            print(
                "prices: read from its own model list once added (current; `vansroute models list "
                f"{p.id}`); below, the catalogue's",
                file=self.out,
            )
        models: list[tuple[str, ...]] = [
            (
                m.id,
                _tokens(m.context_window),
                _tokens(m.max_output),
                ",".join(sorted(c.value for c in m.capabilities)) or "-",
                _usd(m.price.input if m.price else None),
                _usd(m.price.output if m.price else None),
                _usd(m.price.cached_input if m.price else None),
            )
            for m in p.models
        ]
        discounts = sorted({m.price.off_peak.describe() for m in p.models if m.price and m.price.off_peak})
        for discount in discounts:
            print(f"off-peak: prices below {discount} (public holidays are counted as peak)", file=self.out)
        _table(
            self.out,
            ("MODEL", "CONTEXT", "MAX OUT", "CAPS", "IN $/M", "OUT $/M", "CACHED $/M"),
            models,
            empty="no models listed (the provider's model list is used)",
        )
        return EXIT_OK

    def providers_models(self, args: argparse.Namespace) -> int:
        from app.cli import models  # the family module imports this one

        return models.show(self, args.id, refresh=args.refresh)

    def providers_set(self, args: argparse.Namespace) -> int:
        record = self.admin.set_account_strategy(args.id, args.accounts, args.sticky)
        detail = (
            f" ({record.sticky_requests or 3} requests each)"
            if record.account_strategy == "sticky-round-robin"
            else ""
        )
        print(f"Provider '{record.id}' now picks accounts {record.account_strategy}{detail}.", file=self.out)
        return EXIT_OK

    def providers_remove(self, args: argparse.Namespace) -> int:
        self.admin.remove_provider(args.id)
        print(f"Removed provider '{args.id}' and its accounts.", file=self.out)
        return EXIT_OK

    def accounts_add(self, args: argparse.Namespace) -> int:
        self.admin.list_accounts(args.provider_id)  # an unknown provider fails before we ask for a key
        account = self.admin.add_account(
            args.provider_id,
            key=self._read_key(args, args.provider_id, optional=self.admin.needs_no_key(args.provider_id)),
            label=args.label,
            priority=args.priority,
            proxy_url=args.proxy,
            max_concurrency=args.max_concurrency,
        )
        print(
            f"Added account '{account.label}' (id {account.id}) to provider '{account.provider_id}'.",
            file=self.out,
        )
        return EXIT_OK

    def accounts_list(self, args: argparse.Namespace) -> int:
        rows = [
            (
                str(a.id),
                a.provider_id,
                a.label,
                str(a.priority),
                "yes" if a.enabled else "no",
                a.secret_ref.partition(":")[0],
                "yes" if a.proxy_url else "",
            )
            for a in self.admin.list_accounts(args.provider_id)
        ]
        _table(
            self.out,
            ("ID", "PROVIDER", "LABEL", "PRIORITY", "ENABLED", "KEY IN", "PROXY"),
            rows,
            empty="no accounts yet",
        )
        return EXIT_OK

    def accounts_set(self, args: argparse.Namespace) -> int:
        a = self.admin.update_account(
            args.account_id,
            label=args.label,
            priority=args.priority,
            max_concurrency=args.max_concurrency,
            proxy_url=args.proxy,
        )
        print(
            f"Account {a.id} ({a.provider_id}/{a.label}): priority {a.priority}, "
            f"max concurrency {a.max_concurrency or 'default'}, proxy {'set' if a.proxy_url else 'none'}.",
            file=self.out,
        )
        return EXIT_OK

    def accounts_enable(self, args: argparse.Namespace) -> int:
        a = self.admin.update_account(args.account_id, enabled=True)
        print(f"Enabled account '{a.label}' of provider '{a.provider_id}'.", file=self.out)
        return EXIT_OK

    def accounts_disable(self, args: argparse.Namespace) -> int:
        a = self.admin.update_account(args.account_id, enabled=False)
        print(f"Disabled account '{a.label}' of provider '{a.provider_id}'.", file=self.out)
        return EXIT_OK

    def accounts_reactivate(self, args: argparse.Namespace) -> int:
        account = self.admin.reactivate_account(args.account_id)
        print(f"Reactivated account '{account.label}' of provider '{account.provider_id}'.", file=self.out)
        if self.live is not None:
            try:
                self.live.clear_cooldowns(account.provider_id, account.id)
            except GatewayNotRunning:
                pass
        return EXIT_OK

    def status_None(self, args: argparse.Namespace) -> int:
        try:
            live = self.live.status() if self.live is not None else None
        except GatewayNotRunning as exc:
            print(f"Gateway: {exc}", file=self.out)
            live = None
        if live is not None:
            print(
                f"Gateway: {live['state']}, {live['requests_served']} requests served, "
                f"{live['translation_drops']} translation drops",
                file=self.out,
            )
            print("\nBreakers", file=self.out)
            _table(
                self.out,
                ("KEY", "STATE", "FAILURES", "RETRY IN"),
                [
                    (b["key"], b["state"], str(b["failures"]), _secs(b["retry_in_s"]))
                    for b in live["breakers"]
                ],
                empty="  none tripped",
            )
            print("\nConcurrency", file=self.out)
            _table(
                self.out,
                ("ACCOUNT", "IN FLIGHT", "LIMIT", "QUEUED"),
                [(v["key"], str(v["in_flight"]), str(v["limit"]), str(v["queued"])) for v in live["limiter"]],
                empty="  idle",
            )
            print("\nCooldowns", file=self.out)
            _table(
                self.out,
                ("ACCOUNT", "MODEL", "REASON", "REMAINING", "STRIKES"),
                [
                    (c["key"], c["model"] or "(all)", c["reason"], _secs(c["remaining_s"]), str(c["strikes"]))
                    for c in live["cooldowns"]
                ],
                empty="  none",
            )
        print("\nAccounts out of routing", file=self.out)
        _table(
            self.out,
            ("ID", "PROVIDER", "LABEL", "WHY", "UNTIL"),
            [
                (
                    str(a.id),
                    a.provider_id,
                    a.label,
                    (a.parked_reason or "quota")
                    if a.parked_until
                    else (a.disabled_reason or "disabled by hand"),
                    _when(a.parked_until) if a.parked_until else "you re-enable it",
                )
                for a in self.admin.accounts_needing_attention()
            ],
            empty="  none",
        )
        return EXIT_OK

    def settings_list(self, args: argparse.Namespace) -> int:
        rows = [
            (spec.name, f"{value:g}", source, spec.env, spec.help)
            for spec, value, source in self.admin.settings()
        ]
        _table(self.out, ("NAME", "VALUE", "FROM", "ENVIRONMENT", "MEANING"), rows, empty="")
        return EXIT_OK

    def settings_set(self, args: argparse.Namespace) -> int:
        value = self.admin.set_setting(args.name, args.value)
        print(f"{args.name} = {value:g} (a running gateway uses it after a restart)", file=self.out)
        return EXIT_OK

    def settings_unset(self, args: argparse.Namespace) -> int:
        self.admin.unset_setting(args.name)
        print(f"{args.name} is back to its default.", file=self.out)
        return EXIT_OK

    def breakers_reset(self, args: argparse.Namespace) -> int:
        if self.live is None:
            raise GatewayNotRunning("the gateway is not running")
        self.live.reset_breaker(args.key)
        print(f"Breaker '{args.key}' closed.", file=self.out)
        return EXIT_OK

    def accounts_test(self, args: argparse.Namespace) -> int:
        results = asyncio.run(
            connection_test.test_accounts(
                self.admin, account_id=args.account_id, provider_id=args.provider, timeout_s=args.timeout
            )
        )
        if not results:
            print("no accounts to test", file=self.out)
            return EXIT_OK
        for r in results:
            print(
                f"{'ok  ' if r.ok else 'FAIL'} {r.account_id} {r.provider_id}/{r.label}: {r.describe()}",
                file=self.out,
            )
        return EXIT_OK if all(r.ok for r in results) else EXIT_FAILURE

    def accounts_remove(self, args: argparse.Namespace) -> int:
        account = self.admin.remove_account(args.account_id)
        print(f"Removed account '{account.label}' of provider '{account.provider_id}'.", file=self.out)
        return EXIT_OK


def run_admin(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    try:
        config = config_from(args, environ)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        with open_admin(config.database_url, environ) as admin:
            return AdminCommands(admin, stdin, stdout, stderr, LiveGateway(config.runtime_file)).run(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    except (SecretStoreUnavailable, StoreError, VansRouteError) as exc:
        print(f"error: {exc}", file=stderr)
        return EXIT_FAILURE
