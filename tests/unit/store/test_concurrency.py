"""Two processes' worth of writers on one SQLite file: the CLI and a running gateway."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from app.core.records import UsageRecord, WireFormat
from app.store.db import Database, sqlite_url
from app.store.repos import Store


def test_config_and_usage_writers_do_not_lock_each_other_out(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "v.db")
    first, second = Database.open(url), Database.open(url)
    first.migrate()
    cli, gateway = Store(first), Store(second)
    errors: list[BaseException] = []
    record = UsageRecord(
        "r", datetime(2026, 1, 1, tzinfo=UTC), None, WireFormat.OPENAI, None, None, "m", 200, 1.0, False
    )

    def run(work: object) -> None:
        assert callable(work)
        try:
            for n in range(40):
                work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(lambda n: cli.settings.set(f"k{n % 5}", str(n)),)),
        threading.Thread(target=run, args=(lambda n: gateway.usage.add_many([record] * 20),)),
        threading.Thread(target=run, args=(lambda n: gateway.config_version(),)),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert cli.config_version() == 40
        assert len(gateway.usage.recent(limit=1000)) == 800
    finally:
        first.close()
        second.close()
