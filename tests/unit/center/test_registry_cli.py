"""``center terminal ...`` and ``center fleet operator ...``: one set of registry commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from center.auth import AuthFailure, TerminalRegistry
from center.cli import main


def test_operators_are_managed_like_terminals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "fleet", "operator", "add", "ops"]) == 0
    token = capsys.readouterr().out.strip()
    registry = TerminalRegistry(tmp_path / "fleet" / "operators.json")
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
    assert not (tmp_path / "terminals.json").exists()  # operators are not terminals


def test_an_unknown_terminal_is_named_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "terminal", "enable", "kiosk-9"]) == 1
    assert "no such terminal" in capsys.readouterr().err
