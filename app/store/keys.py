"""Local API keys (only their hashes): the keys clients use to call the gateway."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.core.errors import AlreadyExists, NotFound
from app.core.records import AccessList, ApiKeyRecord, KeyLimits
from app.store import config_version
from app.store.db import Database
from app.store.models import ApiKey
from app.store.types import UTCDateTime


def _access(names: tuple[str, ...] | None) -> AccessList:
    return AccessList(None if names is None else frozenset(names))


def _names(access: AccessList) -> tuple[str, ...] | None:
    return None if access.names is None else tuple(sorted(access.names))


def _limits(row: ApiKey) -> KeyLimits:
    return KeyLimits(
        providers=_access(row.allowed_providers),
        combos=_access(row.allowed_combos),
        kinds=_access(row.allowed_kinds),
        requests_per_minute=row.requests_per_minute,
        max_concurrent=row.max_concurrent,
        monthly_budget_usd=row.monthly_budget_usd,
        token_savers=row.token_savers,
    )


def _write_limits(row: ApiKey, limits: KeyLimits) -> None:
    row.allowed_providers = _names(limits.providers)
    row.allowed_combos = _names(limits.combos)
    row.allowed_kinds = _names(limits.kinds)
    row.requests_per_minute = limits.requests_per_minute
    row.max_concurrent = limits.max_concurrent
    row.monthly_budget_usd = limits.monthly_budget_usd
    row.token_savers = limits.token_savers


def _record(row: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row.id,
        name=row.name,
        key_hash=row.key_hash,
        prefix=row.prefix,
        revoked=row.revoked,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        limits=_limits(row),
    )


def _active_name_taken(name: str) -> AlreadyExists:
    return AlreadyExists(f"an active API key named '{name}' already exists (revoke it first)")


class KeysRepo:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self._db = db
        self._now = now

    def add(self, name: str, key_hash: str, prefix: str, limits: KeyLimits | None = None) -> ApiKeyRecord:
        with self._db.session(f"add API key '{name}'") as session:
            config_version.bump(session)
            active = session.scalar(select(ApiKey.id).where(ApiKey.name == name, ApiKey.revoked.is_(False)))
            if active is not None:
                raise _active_name_taken(name)
            if session.scalar(select(ApiKey.id).where(ApiKey.key_hash == key_hash)) is not None:
                # A 256-bit collision is not going to happen; this is a caller re-adding the same key.
                raise AlreadyExists("this API key is already stored")
            row = ApiKey(
                name=name,
                key_hash=key_hash,
                prefix=prefix,
                revoked=False,
                created_at=self._now(),
                last_used_at=None,
            )
            _write_limits(row, limits or KeyLimits())
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise _active_name_taken(name) from None
            return _record(row)

    def list(self, include_revoked: bool = True) -> tuple[ApiKeyRecord, ...]:
        query = select(ApiKey).order_by(ApiKey.name, ApiKey.id)
        if not include_revoked:
            query = query.where(ApiKey.revoked.is_(False))
        with self._db.session("list API keys") as session:
            return tuple(_record(row) for row in session.scalars(query))

    def get(self, name: str) -> ApiKeyRecord:
        """The active key of that name."""
        with self._db.session(f"read API key '{name}'") as session:
            row = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked.is_(False)))
            if row is None:
                raise NotFound(f"no active API key named '{name}'")
            return _record(row)

    def set_limits(self, name: str, limits: KeyLimits) -> ApiKeyRecord:
        """Replace the access lists, limits and budget of the active key of that name."""
        with self._db.session(f"change API key '{name}'") as session:
            config_version.bump(session)
            row = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked.is_(False)))
            if row is None:
                raise NotFound(f"no active API key named '{name}'")
            _write_limits(row, limits)
            session.flush()
            return _record(row)

    def revoke(self, name: str) -> ApiKeyRecord:
        with self._db.session(f"revoke API key '{name}'") as session:
            config_version.bump(session)
            row = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked.is_(False)))
            if row is None:
                raise NotFound(f"no active API key named '{name}'")
            row.revoked = True
            session.flush()
            return _record(row)

    def touch_last_used(self, hashes_to_times: Mapping[str, datetime]) -> None:
        """Record when keys were last used, in one batched statement.

        Not a configuration change, so it does not bump the config version (that would make every
        gateway reload its snapshot after each request). Never moves a timestamp backwards.
        """
        if not hashes_to_times:
            return
        # On a plain Connection (not a Session) this is a Core executemany: one round of statements.
        statement = (
            update(ApiKey)
            .where(
                ApiKey.key_hash == bindparam("hash"),
                or_(
                    ApiKey.last_used_at.is_(None),
                    ApiKey.last_used_at < bindparam("used_at", type_=UTCDateTime()),
                ),
            )
            .values(last_used_at=bindparam("used_at", type_=UTCDateTime()))
        )
        params = [{"hash": key_hash, "used_at": used_at} for key_hash, used_at in hashes_to_times.items()]
        with self._db.connect("record API key use") as connection:
            connection.execute(statement, params)
