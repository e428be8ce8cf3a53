"""``center staff add | password | disable | enable | list``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from center.cli import main
from center.staff.audit import AuditQuery, open_audit_log
from center.staff.model import Role
from center.staff.store import SignInOutcome, open_staff_store


def _run(monkeypatch: pytest.MonkeyPatch, data: Path, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--data-dir", str(data), "staff", *args])


def test_add_reads_the_password_from_stdin_and_audits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("USER", "admin")
    code = _run(
        monkeypatch,
        tmp_path,
        "add",
        "zhang",
        "--role",
        "operator",
        "--password-stdin",
        stdin="pass word 2026\n",
    )
    assert code == 0 and "added zhang (operator)" in capsys.readouterr().out
    store = open_staff_store(tmp_path)
    try:
        result = store.sign_in("zhang", "pass word 2026")  # spaces kept, newline not
        assert result.outcome is SignInOutcome.OK
        assert result.account is not None and result.account.role is Role.OPERATOR
    finally:
        store.close()
    log = open_audit_log(tmp_path)
    try:
        entries, _ = log.search(AuditQuery(action="staff.add"))
    finally:
        log.close()
    assert [(e.account, e.subject) for e in entries] == [("cli:admin", "zhang")]


def test_refusals_have_their_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("add", "li", "--role", "staff", "--password-stdin")
    assert _run(monkeypatch, tmp_path, *args, stdin="long-enough\n") == 0
    assert _run(monkeypatch, tmp_path, *args, stdin="long-enough\n") == 1  # exists
    assert (
        _run(
            monkeypatch,
            tmp_path,
            "add",
            "wu",
            "--role",
            "staff",
            "--password-stdin",
            stdin="short\n",
        )
        == 2
    )
    assert _run(monkeypatch, tmp_path, "disable", "ghost") == 1
    with pytest.raises(SystemExit):
        _run(monkeypatch, tmp_path, "add", "wu", "--role", "root", "--password-stdin")
    capsys.readouterr()


def test_disable_enable_password_and_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(
        monkeypatch,
        tmp_path,
        "add",
        "li",
        "--role",
        "auditor",
        "--password-stdin",
        stdin="long-enough\n",
    )
    assert _run(monkeypatch, tmp_path, "disable", "li") == 0
    capsys.readouterr()
    assert _run(monkeypatch, tmp_path, "list") == 0
    assert "li\tauditor\tdisabled\tlast sign-in never" in capsys.readouterr().out
    assert _run(monkeypatch, tmp_path, "enable", "li") == 0
    assert (
        _run(monkeypatch, tmp_path, "password", "li", "--password-stdin", stdin="brand-new-one\n")
        == 0
    )
    store = open_staff_store(tmp_path)
    try:
        assert store.sign_in("li", "brand-new-one").outcome is SignInOutcome.OK
    finally:
        store.close()
