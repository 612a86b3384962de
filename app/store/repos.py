"""The store's facade: one object with a repository per table group.

Every mutating call on providers, accounts, keys, combos and settings bumps the config version in the
same transaction; usage writes and key "last used" stamps do not.
"""

from __future__ import annotations

from app.core.clock import Clock, SystemClock
from app.store import config_version as _config_version
from app.store.combos import CombosRepo
from app.store.db import Database
from app.store.discovered import DiscoveredModelsRepo
from app.store.keys import KeysRepo
from app.store.model_overrides import ModelOverridesRepo
from app.store.providers import AccountsRepo, ProvidersRepo
from app.store.settings import SettingsRepo
from app.store.usage import UsageRepo


class Store:
    def __init__(self, db: Database, *, clock: Clock | None = None) -> None:
        now = (clock or SystemClock()).now
        self.db = db
        self.providers = ProvidersRepo(db, now)
        self.accounts = AccountsRepo(db, now)
        self.keys = KeysRepo(db, now)
        self.combos = CombosRepo(db)
        self.settings = SettingsRepo(db)
        self.usage = UsageRepo(db)
        self.discovered = DiscoveredModelsRepo(db, now)
        self.model_overrides = ModelOverridesRepo(db, now)

    def config_version(self) -> int:
        """A number that changes whenever the configuration does; cheap enough to poll every second."""
        with self.db.session("read the config version") as session:
            return _config_version.read(session)
