"""Talking to the gateway that runs from this data directory (for `vansroute status` and friends).

The running gateway writes gateway.json (URL, pid, admin token, mode 0600) into the data directory;
whoever can read it may see and reset the gateway's live resilience state over loopback.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from app.core.errors import VansRouteError

_TIMEOUT_S = 5.0


class GatewayNotRunning(VansRouteError):
    pass


class LiveGateway:
    def __init__(self, runtime_file: Path) -> None:
        self._file = runtime_file

    def _info(self) -> dict[str, Any]:
        try:
            info = orjson.loads(self._file.read_bytes())
        except FileNotFoundError:
            raise GatewayNotRunning(
                "the gateway is not running (no gateway.json in the data directory)"
            ) from None
        except orjson.JSONDecodeError:
            raise GatewayNotRunning(f"{self._file} is not readable; is the gateway starting?") from None
        if not isinstance(info, dict) or "url" not in info or "admin_token" not in info:
            raise GatewayNotRunning(f"{self._file} is incomplete")
        return info

    def _call(self, method: str, path: str) -> Any:
        info = self._info()
        request = urllib.request.Request(
            info["url"] + path,
            method=method,
            headers={"Authorization": f"Bearer {info['admin_token']}"},
            data=b"" if method == "POST" else None,
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
                return orjson.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode(errors="replace")
            raise VansRouteError(f"the gateway answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise GatewayNotRunning(f"the gateway at {info['url']} does not answer ({exc})") from None

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/vansroute/status")
        return result

    def reset_breaker(self, key: str) -> None:
        self._call("POST", f"/vansroute/breakers/{urllib.parse.quote(key, safe='')}/reset")

    def clear_cooldowns(self, provider_id: str, account_id: int) -> list[str]:
        result = self._call(
            "POST", f"/vansroute/accounts/{urllib.parse.quote(provider_id)}/{account_id}/clear-cooldowns"
        )
        return list(result.get("cleared", []))
