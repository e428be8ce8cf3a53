"""``center keys ...`` and ``center fleet ...`` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from center.cli import main


def test_operator_workflow_from_keys_to_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "center")]
    keys = tmp_path / "keys"
    doc = tmp_path / "lobby.toml"
    doc.write_text("[ui]\nvolume = 35\nidle_timeout_s = { default = 90.0 }\n", encoding="utf-8")

    assert main([*data, "fleet", "publish", str(doc), "--to", "group:lobby"]) == 4
    assert "keys init" in capsys.readouterr().err

    assert main([*data, "keys", "init", "--out", str(keys)]) == 0
    out = capsys.readouterr().out
    assert "MOVE THEM OFF THIS MACHINE" in out and "keys install" in out
    assert main([*data, "keys", "install", str(keys)]) == 0
    capsys.readouterr()

    assert main([*data, "fleet", "publish", str(doc), "--to", "group:lobby", "--note", "n"]) == 0
    out = capsys.readouterr().out
    assert "published config/group/lobby.json version 1 for group:lobby" in out

    bad = tmp_path / "bad.toml"
    bad.write_text("[ui]\nvolume = 300\n", encoding="utf-8")
    assert main([*data, "fleet", "publish", str(bad), "--to", "all"]) == 3
    err = capsys.readouterr().err
    assert "refused, nothing signed" in err and "ui.volume" in err
    assert main([*data, "fleet", "publish", str(doc), "--to", "lobby"]) == 2

    assert main([*data, "fleet", "timestamp"]) == 0
    assert "re-signed: timestamp" in capsys.readouterr().out

    assert main([*data, "terminal", "add", "k1"]) == 0
    capsys.readouterr()
    assert main([*data, "fleet", "status"]) == 0
    out = capsys.readouterr().out
    assert "0/1 converged" in out and "terminal.silent k1" in out
    assert main([*data, "fleet", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["terminals"][0]["terminal_id"] == "k1"
    assert {e["role"] for e in status["expiries"]} >= {"root", "timestamp", "snapshot", "targets"}

    assert main([*data, "fleet", "operator", "add", "ops"]) == 0
    assert len(capsys.readouterr().out.strip()) >= 32
    assert main([*data, "fleet", "retract", "--to", "group:lobby"]) == 0
    assert "retracted group:lobby" in capsys.readouterr().out
