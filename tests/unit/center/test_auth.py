"""The terminal registry: hashed tokens, the answers for each kind of refusal, reloading; the
same answers from the JSON file and from the center's database (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from center.auth import AuthFailure, TerminalRegistry, hash_token, open_callers
from tests.support.postgres import engine_on


@pytest.fixture(params=["json", "sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TerminalRegistry]:
    """A registry in a JSON file, then in the center's database on each engine."""
    if request.param == "json":
        yield TerminalRegistry(tmp_path / "t.json")
        return
    with engine_on(request.param, tmp_path / "db", request) as engine:
        callers = open_callers(engine, tmp_path)
        yield callers
        callers.close()


def refused(registry: TerminalRegistry, terminal: str | None, token: str | None) -> tuple[int, str]:
    with pytest.raises(AuthFailure) as e:
        registry.authenticate(terminal, token)
    return e.value.status, e.value.code


def test_each_terminal_has_its_own_token(registry: TerminalRegistry) -> None:
    a = registry.add("kiosk-a")
    b = registry.add("kiosk-b")
    assert a != b and len(a) >= 32
    assert registry.authenticate("kiosk-a", a) == "kiosk-a"
    assert refused(registry, "kiosk-a", b) == (403, "auth.terminal_mismatch")
    assert refused(registry, "kiosk-c", a) == (403, "auth.terminal_mismatch")
    assert refused(registry, "kiosk-a", "z" * 43) == (401, "auth.invalid_token")
    assert refused(registry, None, a) == (401, "auth.missing")
    assert refused(registry, "kiosk-a", "") == (401, "auth.missing")


def test_only_hashes_are_stored_and_changes_are_seen_by_other_instances(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    serving = TerminalRegistry(path)
    token = TerminalRegistry(path).add("kiosk-a")  # as `center terminal add` would
    assert token not in path.read_text(encoding="utf-8")
    assert hash_token(token) in path.read_text(encoding="utf-8")
    assert serving.authenticate("kiosk-a", token) == "kiosk-a"
    TerminalRegistry(path).set_enabled("kiosk-a", False)
    assert refused(serving, "kiosk-a", token) == (403, "auth.terminal_disabled")
    assert path.stat().st_mode & 0o077 == 0


def test_re_keying_invalidates_the_old_token(registry: TerminalRegistry) -> None:
    old = registry.add("kiosk-a")
    new = registry.add("kiosk-a")
    assert registry.authenticate("kiosk-a", new) == "kiosk-a"
    assert refused(registry, "kiosk-a", old) == (401, "auth.invalid_token")


@pytest.mark.parametrize(("terminal", "token"), [("bad id!", None), ("kiosk-a", "short")])
def test_bad_ids_and_short_tokens_are_refused(terminal: str, token: str | None) -> None:
    with pytest.raises(ValueError):
        TerminalRegistry(None).add(terminal, token)


def test_every_app_server_sees_a_change_at_once(center_engine: Any, tmp_path: Path) -> None:
    serving = open_callers(center_engine, tmp_path)  # as a center process has it
    other = open_callers(center_engine, tmp_path)  # `center terminal ...`, or another server
    token = other.add("kiosk-a")
    assert serving.authenticate("kiosk-a", token) == "kiosk-a"
    other.set_enabled("kiosk-a", False)
    assert refused(serving, "kiosk-a", token) == (403, "auth.terminal_disabled")
    assert [(e.terminal_id, e.enabled) for e in serving.entries()] == [("kiosk-a", False)]
    other.remove("kiosk-a")
    assert refused(serving, "kiosk-a", token) == (401, "auth.invalid_token")
    with pytest.raises(KeyError):
        other.remove("kiosk-a")
    with pytest.raises(KeyError):
        other.set_enabled("kiosk-a", True)
    serving.close()
    other.close()


def test_a_roll_out_registers_many_at_once(registry: TerminalRegistry) -> None:
    tokens = registry.add_many([f"kiosk-{i:03d}" for i in range(50)])
    assert len(set(tokens.values())) == 50
    assert registry.authenticate("kiosk-007", tokens["kiosk-007"]) == "kiosk-007"
    assert refused(registry, "kiosk-008", tokens["kiosk-007"]) == (403, "auth.terminal_mismatch")
    assert [e.terminal_id for e in registry.entries()][:2] == ["kiosk-000", "kiosk-001"]
    with pytest.raises(ValueError):
        registry.add_many(["fine-1", "not fine!"])
    assert len(registry.entries()) == 50  # nothing of a refused roll-out
