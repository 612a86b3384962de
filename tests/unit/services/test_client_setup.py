"""ClientSetupService: what the desktop's buttons and `vansroute configure` call. Real SQLite store,
in-memory secret store, a temporary home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from app.clients.errors import ConfigFileBroken, NotConfigured, UnknownClient
from app.core.errors import ConfigError
from app.credentials.memory_store import MemorySecretStore
from app.gateway.auth import hash_key
from app.services.admin import AdminService
from app.services.client_setup import ClientSetupService, ModelMapping, parse_models
from app.services.config import load_config
from app.store.db import Database, sqlite_url
from app.store.repos import Store

ORIGINAL = '{\n  "env": {"ANTHROPIC_BASE_URL": "http://localhost:20128"},\n  "theme": "dark"\n}\n'


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[AdminService]:
    db = Database.open(sqlite_url(tmp_path / "t.db"))
    db.migrate()
    yield AdminService(Store(db), MemorySecretStore(), {})
    db.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@pytest.fixture
def service(admin: AdminService, home: Path, tmp_path: Path) -> ClientSetupService:
    config = load_config({}, data_dir=str(tmp_path / "data"), port=20999)
    return ClientSetupService(admin, config, home=home)


def settings(home: Path, text: str = ORIGINAL) -> Path:
    path = home / ".claude" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def active(admin: AdminService, name: str) -> list[str]:
    return [k.key_hash for k in admin.list_keys(include_revoked=False) if k.name == name]


def test_configure_gives_the_tool_its_own_key(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    result = service.configure("claude-code", ModelMapping(default="a/b"))
    assert result.new_key and result.key_name == "tool.claude-code" and result.paths == (path,)
    written = orjson.loads(path.read_bytes())["env"]
    assert written["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:20999"
    assert active(admin, "tool.claude-code") == [hash_key(written["ANTHROPIC_AUTH_TOKEN"])]
    assert written["ANTHROPIC_AUTH_TOKEN"] not in result.diff, "the diff masks the key"
    assert service.status("claude-code").configured


def test_configuring_again_keeps_the_key_the_file_holds(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    service.configure("claude-code")
    key = orjson.loads(path.read_bytes())["env"]["ANTHROPIC_AUTH_TOKEN"]
    again = service.configure("claude-code", ModelMapping(default="x/y"))
    assert not again.new_key
    assert orjson.loads(path.read_bytes())["env"]["ANTHROPIC_AUTH_TOKEN"] == key
    assert len(active(admin, "tool.claude-code")) == 1


def test_a_key_the_file_no_longer_holds_is_replaced(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    service.configure("claude-code")
    old = active(admin, "tool.claude-code")
    path.write_text(ORIGINAL)  # restored by hand
    assert service.configure("claude-code").new_key
    assert active(admin, "tool.claude-code") != old and len(active(admin, "tool.claude-code")) == 1


def test_restore_puts_the_file_back_and_revokes_the_key(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    service.configure("claude-code")
    outcome = service.restore("claude-code")
    assert outcome.key_revoked and [r.how for r in outcome.files] == ["exact"]
    assert path.read_text() == ORIGINAL
    assert active(admin, "tool.claude-code") == []
    with pytest.raises(NotConfigured):
        service.restore("claude-code")


def test_dry_run_writes_nothing_and_creates_no_key(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    result = service.configure("claude", ModelMapping(default="a/b"), dry_run=True)
    assert result.dry_run and "ANTHROPIC_AUTH_TOKEN" in result.diff and "a/b" in result.diff
    assert path.read_text() == ORIGINAL and admin.list_keys() == ()


def test_a_broken_file_creates_no_key(service: ClientSetupService, admin: AdminService, home: Path) -> None:
    settings(home, '{"env": ')
    with pytest.raises(ConfigFileBroken):
        service.configure("claude-code")
    assert admin.list_keys() == ()


def test_tools_that_list_models_need_one(service: ClientSetupService, admin: AdminService) -> None:
    with pytest.raises(ConfigError, match="--model"):
        service.configure("opencode")
    assert admin.list_keys() == ()


def test_restore_all_restores_every_configured_tool(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    service.configure("claude-code")
    service.configure("codex")
    service.configure("cursor")
    everything = service.restore_all()
    outcomes = {o.tool: o for o in everything.restored}
    assert set(outcomes) == {"claude-code", "codex", "cursor"} and everything.failed == ()
    assert all(o.key_revoked for o in outcomes.values())
    assert path.read_text() == ORIGINAL and not (home / ".codex").exists()
    assert admin.list_keys(include_revoked=False) == ()
    assert service.restore_all().restored == ()


def test_restore_all_goes_on_past_a_tool_it_cannot_restore(
    service: ClientSetupService, admin: AdminService, home: Path
) -> None:
    path = settings(home)
    service.configure("claude-code")
    service.configure("codex")
    path.write_text('{"broken": ')
    everything = service.restore_all()
    assert [o.tool for o in everything.restored] == ["codex"]
    assert [tool for tool, _ in everything.failed] == ["claude-code"]
    assert "line 1" in everything.failed[0][1]
    assert path.read_text() == '{"broken": ', "the broken file is left as it is"
    assert active(admin, "tool.claude-code"), "its key stays until the file can be restored"


def test_cursor_shows_values_with_its_own_key(service: ClientSetupService, admin: AdminService) -> None:
    result = service.configure("cursor", ModelMapping(default="a/b"))
    values = dict(result.copy_values)
    assert hash_key(values["OpenAI API Key"]) in active(admin, "tool.cursor")
    assert values["Override OpenAI Base URL"] == "http://127.0.0.1:20999/v1"
    assert service.restore("cursor").key_revoked


def test_the_running_gateways_url_wins(service: ClientSetupService, tmp_path: Path) -> None:
    assert service.gateway_url() == "http://127.0.0.1:20999"
    (tmp_path / "data").mkdir(exist_ok=True)
    runtime = tmp_path / "data" / "gateway.json"
    runtime.write_bytes(orjson.dumps({"url": "http://127.0.0.1:40001/", "pid": os.getpid()}))
    assert service.gateway_url() == "http://127.0.0.1:40001"


def test_a_gateway_json_left_by_a_crash_is_ignored(service: ClientSetupService, tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    gone = int(child.stdout)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "gateway.json").write_bytes(
        orjson.dumps({"url": "http://127.0.0.1:40001", "pid": gone})
    )
    assert service.gateway_url() == "http://127.0.0.1:20999"


def test_a_gateway_listening_everywhere_is_reached_on_loopback(admin: AdminService, tmp_path: Path) -> None:
    config = load_config({}, data_dir=str(tmp_path / "d"), host="0.0.0.0", port=1234)
    assert ClientSetupService(admin, config, home=tmp_path).gateway_url() == "http://127.0.0.1:1234"


def test_list_tools_covers_the_registry(service: ClientSetupService) -> None:
    listed = {s.id: s for s in service.list_tools()}
    assert {
        "claude-code",
        "codex",
        "opencode",
        "gemini-cli",
        "qwen-code",
        "droid",
        "kilo",
        "cline",
        "cursor",
    } <= set(listed)
    assert listed["cursor"].summary == "values to copy"


def test_unknown_tool(service: ClientSetupService) -> None:
    with pytest.raises(UnknownClient):
        service.configure("vim")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["a/b"], ModelMapping(default="a/b")),
        (["a/b", "opus=c/d", "HAIKU = e/f"], ModelMapping(default="a/b", opus="c/d", haiku="e/f")),
        (["subagent=x=y"], ModelMapping(subagent="x=y")),
        ([], ModelMapping()),
    ],
)
def test_parse_models(values: list[str], expected: ModelMapping) -> None:
    assert parse_models(values) == expected


@pytest.mark.parametrize(
    ("values", "fragment"), [(["tiny=a"], "unknown model role"), (["opus="], "names no model")]
)
def test_parse_models_rejects(values: list[str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_models(values)
