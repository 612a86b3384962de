""" "Test connection": one cheap request per account, reported plainly (CLI `accounts test`, the UI).

The request is the provider's model list (``GET {base_url}/models``; the configured base URL already
ends in ``/v1`` for OpenAI and Anthropic, ``/v1beta`` for Gemini), sent with the account's key and
through the account's proxy by the same Transport the gateway uses, so a pass here means the gateway
can reach the provider the same way. Nothing in a result ever holds the key or the proxy's
credentials: messages come from the error tree, which names neither.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import (
    ConfigError,
    NotFound,
    ProxyFailed,
    SecretMissing,
    SecretStoreUnavailable,
    UpstreamHTTPError,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from app.core.records import AccountRecord, ProviderRecord
from app.credentials.resolver import SecretResolver
from app.providers.catalog import builtin_catalog
from app.providers.model_list import key_check_request
from app.providers.profile import UpstreamProfile, profile_for
from app.providers.transport import Timeouts, Transport
from app.services.admin import AdminService

DEFAULT_TIMEOUT_S = 15.0


class Verdict(StrEnum):
    WORKING = "working"
    BAD_KEY = "bad_key"
    NO_KEY = "no_key"
    UNREACHABLE = "unreachable"
    PROXY_FAILED = "proxy_failed"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"


@dataclass(frozen=True, slots=True)
class ConnectionResult:
    provider_id: str
    account_id: int
    label: str
    verdict: Verdict
    # Round trip of the probe (for WORKING; also set for HTTP answers), in milliseconds.
    latency_ms: float | None = None
    # The HTTP status when the provider answered.
    status: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.WORKING

    def describe(self) -> str:
        """One plain sentence for a person: what happened and, when known, what to do."""
        match self.verdict:
            case Verdict.WORKING:
                return f"working ({self.latency_ms:.0f} ms)"
            case Verdict.BAD_KEY:
                return f"bad key: the provider refused it (HTTP {self.status})"
            case Verdict.NO_KEY:
                return f"no key: {self.detail}"
            case Verdict.PROXY_FAILED:
                return f"proxy failed: {self.detail}"
            case Verdict.TIMEOUT:
                return f"timeout: {self.detail}"
            case Verdict.UNREACHABLE:
                return f"unreachable: {self.detail}"
            case _:
                return f"HTTP error {self.status}" + (f": {self.detail}" if self.detail else "")


def _profile(provider: ProviderRecord) -> UpstreamProfile:
    return profile_for(builtin_catalog(), provider.id, provider.wire_format, provider.base_url)


async def test_account(
    provider: ProviderRecord,
    account: AccountRecord,
    resolver: SecretResolver,
    *,
    transport: Transport | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> ConnectionResult:
    """Sends one model-list request with the account's key through its proxy; never raises for a
    failure of the account (only for programming errors)."""

    def result(
        verdict: Verdict, *, latency_ms: float | None = None, status: int | None = None, detail: str = ""
    ) -> ConnectionResult:
        return ConnectionResult(provider.id, account.id, account.label, verdict, latency_ms, status, detail)

    try:
        key = resolver.resolve(account.secret_ref)
    except (SecretMissing, SecretStoreUnavailable, ConfigError) as exc:
        return result(Verdict.NO_KEY, detail=str(exc))

    own = transport is None
    if transport is None:
        transport = Transport(Timeouts(connect=timeout_s, first_byte=timeout_s, stall=timeout_s))
        await transport.start()
    # The first page of the model list (cheap, and guarded by the key), or the provider's key endpoint
    # where its model list is public.
    url, headers = key_check_request(provider.wire_format, provider.base_url, key, _profile(provider))
    started = time.monotonic()
    try:
        response = await transport.send("GET", url, body=b"", headers=headers, proxy_url=account.proxy_url)
        async with response:
            status = response.status
            await response.read()
    except UpstreamHTTPError as exc:
        elapsed = (time.monotonic() - started) * 1000
        if _bad_key(exc):
            return result(Verdict.BAD_KEY, status=exc.status, latency_ms=elapsed)
        return result(Verdict.HTTP_ERROR, status=exc.status, latency_ms=elapsed, detail=_reason(exc.status))
    except ProxyFailed as exc:
        return result(Verdict.PROXY_FAILED, detail=exc.message)
    except UpstreamTimeout as exc:
        return result(Verdict.TIMEOUT, detail=exc.message)
    except UpstreamUnreachable as exc:
        return result(Verdict.UNREACHABLE, detail=exc.message)
    finally:
        if own:
            await transport.close()
    return result(Verdict.WORKING, status=status, latency_ms=(time.monotonic() - started) * 1000)


# Not a pytest test, whatever its name says.
test_account.__test__ = False  # type: ignore[attr-defined]


def _bad_key(exc: UpstreamHTTPError) -> bool:
    # Gemini refuses an invalid key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
    return exc.status in (401, 403) or (exc.status == 400 and b"API_KEY_INVALID" in exc.body)


def _reason(status: int) -> str:
    if status == 404:
        return "the provider has no model list at this base URL (check the base URL)"
    if status == 429:
        return "rate limited or out of quota"
    if status >= 500:
        return "the provider is failing"
    return ""


def resolver_of(admin: AdminService) -> SecretResolver:
    """The resolver for the secret store and environment an AdminService was opened with."""
    # AdminService keeps these private; a public accessor there would be cleaner.
    return admin.secret_resolver()


def accounts_to_test(
    admin: AdminService, *, account_id: int | None = None, provider_id: str | None = None
) -> Sequence[tuple[ProviderRecord, AccountRecord]]:
    """One account by id, every account of one provider, or every account (raises NotFound)."""
    providers: Mapping[str, ProviderRecord] = {s.provider.id: s.provider for s in admin.list_providers()}
    accounts = admin.list_accounts(provider_id)
    if account_id is not None:
        accounts = tuple(a for a in accounts if a.id == account_id)
        if not accounts:
            raise NotFound(f"no account {account_id} (see `vansroute accounts list`)")
    return [(providers[a.provider_id], a) for a in accounts if a.provider_id in providers]


async def test_accounts(
    admin: AdminService,
    *,
    account_id: int | None = None,
    provider_id: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> tuple[ConnectionResult, ...]:
    """Tests the chosen accounts one after another over one Transport."""
    pairs = accounts_to_test(admin, account_id=account_id, provider_id=provider_id)
    resolver = resolver_of(admin)
    transport = Transport(Timeouts(connect=timeout_s, first_byte=timeout_s, stall=timeout_s))
    await transport.start()
    try:
        return tuple(
            [
                await test_account(provider, account, resolver, transport=transport)
                for provider, account in pairs
            ]
        )
    finally:
        await transport.close()


test_accounts.__test__ = False  # type: ignore[attr-defined]
