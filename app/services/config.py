"""Where the app keeps its data and how it is reached; resolved once at start from flags and environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "VansRoute"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 20127
DEFAULT_MAX_BODY_MB = 32.0


@dataclass(frozen=True, slots=True)
class AppConfig:
    data_dir: Path
    # Kept out of repr: a PostgreSQL URL may carry a password.
    database_url: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_body_bytes: int = int(DEFAULT_MAX_BODY_MB * 1024 * 1024)

    def __repr__(self) -> str:
        return f"AppConfig(data_dir={str(self.data_dir)!r}, host={self.host!r}, port={self.port})"

    @property
    def runtime_file(self) -> Path:
        """Written while a gateway runs: its URL and pid, so other commands can find it."""
        return self.data_dir / "gateway.json"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "vansroute.log"


def resolve_data_dir(flag: str | None, environ: Mapping[str, str]) -> Path:
    chosen = flag or environ.get("VANSROUTE_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_database_url(data_dir: Path, environ: Mapping[str, str]) -> str:
    url = environ.get("VANSROUTE_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir / 'vansroute.db'}"


def load_config(
    environ: Mapping[str, str],
    *,
    data_dir: str | None = None,
    host: str | None = None,
    port: int | None = None,
    max_body_mb: float | None = None,
) -> AppConfig:
    resolved = resolve_data_dir(data_dir, environ)
    return AppConfig(
        data_dir=resolved,
        database_url=resolve_database_url(resolved, environ),
        host=host or DEFAULT_HOST,
        port=DEFAULT_PORT if port is None else port,
        max_body_bytes=int((max_body_mb if max_body_mb is not None else DEFAULT_MAX_BODY_MB) * 1024 * 1024),
    )
