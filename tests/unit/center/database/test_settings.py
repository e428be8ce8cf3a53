"""``[database]`` in ``database.toml``: SQLite files by default, a folder of them, or
PostgreSQL; the environment wins; the deployment example is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from center.database import DatabaseSettings, SqliteEngine, load_database_settings, open_engine
from center.database.postgres import describe_url
from center.database.settings import URL_ENV
from tests.conftest import PROJECT_ROOT


def test_sqlite_files_in_the_data_directory_by_default(tmp_path: Path) -> None:
    settings = load_database_settings(tmp_path)
    assert settings == DatabaseSettings() and not settings.is_postgresql
    engine = open_engine(tmp_path)
    assert isinstance(engine, SqliteEngine) and engine.folder == tmp_path
    db = engine.store("demo", sqlite_file="sub/demo.sqlite3", private=True)
    assert (tmp_path / "sub" / "demo.sqlite3").stat().st_mode & 0o077 == 0
    db.close()
    (tmp_path / "database.toml").write_text('[database]\nurl = "sqlite:stores"\n')
    assert open_engine(tmp_path).folder == tmp_path / "stores"  # type: ignore[attr-defined]


def test_the_environment_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "database.toml").write_text("[database]\npool_size = 3\n")
    monkeypatch.setenv(URL_ENV, "postgresql://center@db1/center")
    settings = load_database_settings(tmp_path)
    assert settings.is_postgresql and settings.pool_size == 3


@pytest.mark.parametrize(
    "bad", ['url = "mysql://x/y"', "pool_size = 0", "timeout_s = -1", "size = 3"]
)
def test_mistakes_are_refused(tmp_path: Path, bad: str) -> None:
    (tmp_path / "database.toml").write_text(f"[database]\n{bad}\n")
    with pytest.raises(ValidationError):
        load_database_settings(tmp_path)


def test_the_deployment_example_is_valid_and_its_password_is_kept_out(tmp_path: Path) -> None:
    example = PROJECT_ROOT / "deploy" / "center" / "database.toml"
    (tmp_path / "database.toml").write_bytes(example.read_bytes())
    settings = load_database_settings(tmp_path)
    assert settings.is_postgresql and ":" not in settings.url.split("@")[0].split("//")[1]
    described = describe_url("postgresql://center:s3cret@db1.internal:5432/center")
    assert "s3cret" not in described and "db1.internal" in described
