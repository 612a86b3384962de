"""What the desktop app needs beyond the CLI's administration API: switching an account on and off,
and one local API key it can copy to the clipboard again and again.

Local keys are stored hashed, so the gateway alone could never show a key twice. The desktop key is
the exception the user asked for: created once under the name "desktop", the key itself kept in the
OS keyring (the database holds only the keyring reference, under a settings entry that no tunable
uses), and re-created if it was revoked or its keyring entry is gone.
"""

from __future__ import annotations

from app.core.errors import SecretMissing
from app.core.records import AccountRecord
from app.gateway.auth import hash_key
from app.services.admin import AdminService

DESKTOP_KEY_NAME = "desktop"
# A settings row outside the tunables' names (tuning ignores unknown names).
DESKTOP_KEY_REF_SETTING = "desktop.key_ref"


class DesktopAdmin(AdminService):
    def set_account_enabled(self, account_id: int, enabled: bool) -> AccountRecord:
        """Enable (also clears a disable reason) or disable an account; routing follows on reload."""
        return self.update_account(account_id, enabled=enabled)

    def desktop_key(self) -> str:
        """The desktop's own local API key, created on first use. Blocking (database and keyring)."""
        ref = self._store.settings.get(DESKTOP_KEY_REF_SETTING)
        if ref:
            try:
                key = self._secrets.get(ref)
            except SecretMissing:
                key = None
            if key is not None:
                live = {k.key_hash for k in self.list_keys(include_revoked=False)}
                if hash_key(key) in live:
                    return key
            self._forget_secret(ref)
        taken = {k.name for k in self.list_keys()}
        name = next(
            n
            for n in (DESKTOP_KEY_NAME, *(f"{DESKTOP_KEY_NAME}-{i}" for i in range(2, 10_000)))
            if n not in taken
        )
        _record, key = self.create_key(name)
        self._store.settings.set(DESKTOP_KEY_REF_SETTING, self._secrets.put(key))
        return key
