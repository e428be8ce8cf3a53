"""``center terminal ...`` and ``center fleet operator ...``: one set of registry commands,
on the center's database (SQLite files, or PostgreSQL), with the old JSON registries merged
in on first use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from center.auth import AuthFailure, TerminalRegistry, open_callers
from center.cli import main


def test_operators_are_managed_like_terminals(
    center_data: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, engine = center_data
    data = ["--data-dir", str(data_dir)]
    assert main([*data, "fleet", "operator", "add", "ops"]) == 0
    token = capsys.readouterr().out.strip()
    registry = open_callers(engine, data_dir, "operator")
    assert registry.authenticate("ops", token) == "ops"
    assert main([*data, "fleet", "operator", "disable", "ops"]) == 0
    with pytest.raises(AuthFailure, match="disabled"):
        registry.authenticate("ops", token)
    assert main([*data, "fleet", "operator", "list"]) == 0
    assert "ops\tdisabled" in capsys.readouterr().out
    assert main([*data, "fleet", "operator", "remove", "nobody"]) == 1
    assert "no such operator" in capsys.readouterr().err
    assert main([*data, "fleet", "operator", "remove", "ops"]) == 0
    assert registry.entries() == []
    terminals = open_callers(engine, data_dir, "terminal")
    assert terminals.entries() == []  # operators are not terminals
    with pytest.raises(AuthFailure, match="unknown token"):
        terminals.authenticate("ops", token)
    registry.close()
    terminals.close()


def test_an_unknown_terminal_is_named_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "terminal", "enable", "kiosk-9"]) == 1
    assert "no such terminal" in capsys.readouterr().err


def test_old_json_registries_are_merged_into_the_database_once(
    center_data: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, engine = center_data
    old = TerminalRegistry(data_dir / "terminals.json")
    token = old.add("kiosk-1")
    old.add("kiosk-2")
    old.set_enabled("kiosk-2", False)
    ops = TerminalRegistry(data_dir / "fleet" / "operators.json")
    ops_token = ops.add("ops")
    assert main(["--data-dir", str(data_dir), "terminal", "list"]) == 0
    listed = capsys.readouterr().out
    assert "kiosk-1\tenabled" in listed and "kiosk-2\tdisabled" in listed
    assert not (data_dir / "terminals.json").exists()
    assert json.loads((data_dir / "terminals.json.imported").read_text())["terminals"]
    registry = open_callers(engine, data_dir)
    assert registry.authenticate("kiosk-1", token) == "kiosk-1"
    with pytest.raises(AuthFailure) as refused:
        registry.authenticate("kiosk-2", token)  # kiosk-1's token
    assert refused.value.code == "auth.terminal_mismatch"
    operators = open_callers(engine, data_dir, "operator")
    assert operators.authenticate("ops", ops_token) == "ops"
    assert (data_dir / "fleet" / "operators.json.imported").exists()
    registry.close()
    operators.close()


def test_terminals_json_can_still_be_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "elsewhere.json"
    data = ["--data-dir", str(tmp_path / "center"), "--terminals", str(file)]
    assert main([*data, "terminal", "add", "kiosk-3"]) == 0
    token = capsys.readouterr().out.strip()
    assert TerminalRegistry(file).authenticate("kiosk-3", token) == "kiosk-3"
    assert not (tmp_path / "center" / "credentials.sqlite3").exists()
