"""The tables, as SQLAlchemy declarative models.

These rows never leave app.store: repositories turn them into the frozen records of app.core.records.
The migrations in migrations/versions are written by hand and must describe the same schema; a test
compares the two.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.store.types import JSONList, JSONObject, UTCDateTime

# Deterministic constraint names, so hand-written migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    wire_format: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(Text)
    models: Mapped[tuple[str, ...]] = mapped_column(JSONList)
    display_name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How a request picks among the provider's accounts (routing/accounts.py).
    account_strategy: Mapped[str] = mapped_column(String(32), server_default="fill-first")
    sticky_requests: Mapped[int | None] = mapped_column(Integer, nullable=True)


class DiscoveredModel(Base):
    """A model id a provider's own model list returned (refreshed in the background)."""

    __tablename__ = "discovered_models"

    provider_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the list said about the model (NULL: not said); prices in USD per million tokens.
    context_window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_output: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capabilities: Mapped[str | None] = mapped_column(String(100), nullable=True)
    price_input: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_output: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_cached: Mapped[float | None] = mapped_column(Float, nullable=True)


class ModelOverride(Base):
    """The user's own facts about one model (a negotiated price, a context a server was started
    with); they win over the provider's list and the catalogue."""

    __tablename__ = "model_overrides"

    provider_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    context_window: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_output: Mapped[int | None] = mapped_column(Integer, nullable=True)
    price_input: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_output: Mapped[float | None] = mapped_column(Float, nullable=True)
    price_cached: Mapped[float | None] = mapped_column(Float, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("provider_id", "label", name="uq_accounts_provider_label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    # "keyring:<uuid>" or "env:<NAME>": the secret itself never reaches the database.
    secret_ref: Mapped[str] = mapped_column(String(300))
    priority: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    proxy_url: Mapped[str | None] = mapped_column(Text)
    max_concurrency: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Quota parking survives restarts: the account is left out until this time, then reactivated.
    parked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    parked_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Why the gateway disabled the account (a rejected key), so the user knows what to fix.
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        # Backs up the repository's "one active key per name" check against two writers racing.
        Index(
            "uq_api_keys_active_name",
            "name",
            unique=True,
            sqlite_where=text("NOT revoked"),
            postgresql_where=text("NOT revoked"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    prefix: Mapped[str] = mapped_column(String(32))
    revoked: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Access lists as JSON lists of names: NULL allows everything, [] nothing.
    allowed_providers: Mapped[tuple[str, ...] | None] = mapped_column(JSONList, nullable=True)
    allowed_combos: Mapped[tuple[str, ...] | None] = mapped_column(JSONList, nullable=True)
    allowed_kinds: Mapped[tuple[str, ...] | None] = mapped_column(JSONList, nullable=True)
    # NULL: no limit.
    requests_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_concurrent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_budget_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    token_savers: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Combo(Base):
    __tablename__ = "combos"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    strategy: Mapped[str] = mapped_column(String(64))
    targets: Mapped[tuple[str, ...]] = mapped_column(JSONList)
    enabled: Mapped[bool] = mapped_column(Boolean)
    options: Mapped[dict[str, object]] = mapped_column(JSONObject, server_default="{}")


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ConfigVersion(Base):
    """One row (id = 1) whose number changes with every configuration write; gateways poll it."""

    __tablename__ = "config_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class Usage(Base):
    __tablename__ = "usage"

    # BIGINT on PostgreSQL (a busy shared gateway can pass 2^31 rows); SQLite needs exactly INTEGER for
    # the column to alias the rowid and autoincrement.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    # Unbounded text for values a client controls (request id, model name): on PostgreSQL one overlong
    # value would otherwise fail its whole batch, again at every retry.
    request_id: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Indexed: month-to-date spend per key is read at start, and usage is grouped by key.
    api_key_name: Mapped[str | None] = mapped_column(String(200), index=True)
    client_format: Mapped[str] = mapped_column(String(16))
    # No foreign keys: usage is a log that must outlive the providers and accounts it mentions.
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    account_id: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    stream: Mapped[bool] = mapped_column(Boolean)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    client_app: Mapped[str | None] = mapped_column(String(64), nullable=True)
    upstream_model: Mapped[str | None] = mapped_column(Text, nullable=True)
    cached_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cache_write_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reasoning_tokens: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    ttft_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    saver_tokens_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    saver_tokens_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
