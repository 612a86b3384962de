"""Providers and their accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core.errors import AlreadyExists, NotFound
from app.core.records import AccountRecord, ProviderRecord, WireFormat
from app.store import config_version
from app.store.db import Database
from app.store.models import Account, Provider


def _provider_record(row: Provider) -> ProviderRecord:
    return ProviderRecord(
        id=row.id,
        wire_format=WireFormat(row.wire_format),
        base_url=row.base_url,
        models=tuple(row.models),
        display_name=row.display_name,
        enabled=row.enabled,
        created_at=row.created_at,
        account_strategy=row.account_strategy or "fill-first",
        sticky_requests=row.sticky_requests,
    )


def _account_record(row: Account) -> AccountRecord:
    return AccountRecord(
        id=row.id,
        provider_id=row.provider_id,
        label=row.label,
        secret_ref=row.secret_ref,
        priority=row.priority,
        enabled=row.enabled,
        proxy_url=row.proxy_url,
        max_concurrency=row.max_concurrency,
        created_at=row.created_at,
        parked_until=row.parked_until,
        parked_reason=row.parked_reason,
        disabled_reason=row.disabled_reason,
    )


class ProvidersRepo:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def add(self, record: ProviderRecord) -> ProviderRecord:
        with self._db.session(f"add provider '{record.id}'") as session:
            config_version.bump(session)
            if session.get(Provider, record.id) is not None:
                raise AlreadyExists(f"provider '{record.id}' already exists")
            row = Provider(
                id=record.id,
                wire_format=WireFormat(record.wire_format).value,
                base_url=record.base_url,
                models=tuple(record.models),
                display_name=record.display_name,
                enabled=record.enabled,
                created_at=record.created_at or self._now(),
                account_strategy=record.account_strategy,
                sticky_requests=record.sticky_requests,
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise AlreadyExists(f"provider '{record.id}' already exists") from None
            return _provider_record(row)

    def get(self, provider_id: str) -> ProviderRecord | None:
        with self._db.session(f"read provider '{provider_id}'") as session:
            row = session.get(Provider, provider_id)
            return None if row is None else _provider_record(row)

    def list(self) -> tuple[ProviderRecord, ...]:
        with self._db.session("list providers") as session:
            rows = session.scalars(select(Provider).order_by(Provider.id))
            return tuple(_provider_record(row) for row in rows)

    def set_account_strategy(
        self, provider_id: str, strategy: str, sticky_requests: int | None
    ) -> ProviderRecord:
        with self._db.session(f"set the account strategy of provider '{provider_id}'") as session:
            config_version.bump(session)
            row = session.get(Provider, provider_id)
            if row is None:
                raise NotFound(f"provider '{provider_id}' not found")
            row.account_strategy, row.sticky_requests = strategy, sticky_requests
            session.flush()
            return _provider_record(row)

    def remove(self, provider_id: str) -> tuple[AccountRecord, ...]:
        """Delete the provider and its accounts; returns the accounts so their secrets can be deleted."""
        with self._db.session(f"remove provider '{provider_id}'") as session:
            config_version.bump(session)
            if session.get(Provider, provider_id) is None:
                raise NotFound(f"provider '{provider_id}' not found")
            accounts = session.scalars(
                select(Account).where(Account.provider_id == provider_id).order_by(Account.id)
            )
            removed = tuple(_account_record(row) for row in accounts)
            # Delete the accounts explicitly rather than trusting ON DELETE CASCADE: a SQLite connection
            # opened without foreign_keys=ON (e.g. by a sqlite3 shell) must not leave orphans behind.
            session.execute(delete(Account).where(Account.provider_id == provider_id))
            session.execute(delete(Provider).where(Provider.id == provider_id))
            return removed


class AccountsRepo:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def add(
        self,
        provider_id: str,
        label: str,
        secret_ref: str,
        *,
        priority: int = 0,
        proxy_url: str | None = None,
        max_concurrency: int | None = None,
    ) -> AccountRecord:
        taken = f"account '{label}' already exists for provider '{provider_id}'"
        with self._db.session(f"add account '{label}' to provider '{provider_id}'") as session:
            config_version.bump(session)
            if session.get(Provider, provider_id) is None:
                raise NotFound(f"provider '{provider_id}' not found")
            existing = session.scalar(
                select(Account.id).where(Account.provider_id == provider_id, Account.label == label)
            )
            if existing is not None:
                raise AlreadyExists(taken)
            row = Account(
                provider_id=provider_id,
                label=label,
                secret_ref=secret_ref,
                priority=priority,
                enabled=True,
                proxy_url=proxy_url,
                max_concurrency=max_concurrency,
                created_at=self._now(),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise AlreadyExists(taken) from None
            return _account_record(row)

    def list(self, provider_id: str | None = None) -> tuple[AccountRecord, ...]:
        query = select(Account).order_by(Account.provider_id, Account.priority.desc(), Account.id)
        if provider_id is not None:
            query = query.where(Account.provider_id == provider_id)
        with self._db.session("list accounts") as session:
            return tuple(_account_record(row) for row in session.scalars(query))

    def get(self, account_id: int) -> AccountRecord | None:
        with self._db.session(f"read account {account_id}") as session:
            row = session.get(Account, account_id)
            return None if row is None else _account_record(row)

    def remove(self, account_id: int) -> AccountRecord:
        with self._db.session(f"remove account {account_id}") as session:
            config_version.bump(session)
            row = session.get(Account, account_id)
            if row is None:
                raise NotFound(f"account {account_id} not found")
            removed = _account_record(row)
            session.delete(row)
            return removed

    def park(self, account_id: int, until: datetime, reason: str) -> AccountRecord:
        """Leaves the account out of routing until `until` (its quota is spent)."""
        return self._update(account_id, "park", parked_until=until, parked_reason=reason)

    def unpark(self, account_id: int) -> AccountRecord:
        return self._update(account_id, "reactivate", parked_until=None, parked_reason=None)

    def disable(self, account_id: int, reason: str) -> AccountRecord:
        return self._update(account_id, "disable", enabled=False, disabled_reason=reason)

    def enable(self, account_id: int) -> AccountRecord:
        return self._update(account_id, "enable", enabled=True, disabled_reason=None)

    def edit(self, account_id: int, **values: object) -> AccountRecord:
        """Label, priority, concurrency limit or proxy, as the user changes them."""
        allowed = {"label", "priority", "max_concurrency", "proxy_url"}
        if not set(values) <= allowed:
            raise ValueError(f"not editable: {sorted(set(values) - allowed)}")
        return self._update(account_id, "edit", **values)

    def _update(self, account_id: int, action: str, **values: object) -> AccountRecord:
        with self._db.session(f"{action} account {account_id}") as session:
            config_version.bump(session)
            row = session.get(Account, account_id)
            if row is None:
                raise NotFound(f"account {account_id} not found")
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return _account_record(row)
