from __future__ import annotations

from pathlib import Path

from app.services.config import load_config, resolve_data_dir


def test_flag_beats_environment(tmp_path: Path) -> None:
    env = {"VANSROUTE_DATA_DIR": str(tmp_path / "env")}
    assert resolve_data_dir(str(tmp_path / "flag"), env) == tmp_path / "flag"
    assert resolve_data_dir(None, env) == tmp_path / "env"


def test_default_is_the_platform_user_data_dir() -> None:
    assert "VansRoute" in str(resolve_data_dir(None, {}))


def test_everything_lives_in_the_data_dir(tmp_path: Path) -> None:
    config = load_config({}, data_dir=str(tmp_path))
    assert config.database_url == f"sqlite:///{tmp_path / 'vansroute.db'}"
    assert config.log_file.is_relative_to(tmp_path)
    assert config.runtime_file.is_relative_to(tmp_path)
    assert (config.host, config.port, config.max_body_bytes) == ("127.0.0.1", 20127, 32 * 1024 * 1024)


def test_database_url_from_environment_is_not_in_repr(tmp_path: Path) -> None:
    config = load_config({"VANSROUTE_DATABASE_URL": "postgresql+psycopg://u:pw@h/db"}, data_dir=str(tmp_path))
    assert config.database_url.startswith("postgresql")
    assert "pw" not in repr(config)
