"""``center staff add | password | disable | enable | list``, on the database the data
directory's ``[database]`` names: SQLite files, then PostgreSQL."""

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
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("USER", "admin")
    code = _run(
        monkeypatch,
        data_dir,
        "add",
        "zhang",
        "--role",
        "operator",
        "--password-stdin",
        stdin="pass word 2026\n",
    )
    assert code == 0 and "added zhang (operator)" in capsys.readouterr().out
    store = open_staff_store(data_dir)
    try:
        result = store.sign_in("zhang", "pass word 2026")  # spaces kept, newline not
        assert result.outcome is SignInOutcome.OK
        assert result.account is not None and result.account.role is Role.OPERATOR
    finally:
        store.close()
    log = open_audit_log(data_dir)
    try:
        entries, _ = log.search(AuditQuery(action="staff.add"))
    finally:
        log.close()
    assert [(e.account, e.subject) for e in entries] == [("cli:admin", "zhang")]


def test_refusals_have_their_exit_codes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("add", "li", "--role", "staff", "--password-stdin")
    assert _run(monkeypatch, data_dir, *args, stdin="long-enough\n") == 0
    assert _run(monkeypatch, data_dir, *args, stdin="long-enough\n") == 1  # exists
    assert (
        _run(
            monkeypatch,
            data_dir,
            "add",
            "wu",
            "--role",
            "staff",
            "--password-stdin",
            stdin="short\n",
        )
        == 2
    )
    assert _run(monkeypatch, data_dir, "disable", "ghost") == 1
    with pytest.raises(SystemExit):
        _run(monkeypatch, data_dir, "add", "wu", "--role", "root", "--password-stdin")
    capsys.readouterr()


def test_disable_enable_password_and_list(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(
        monkeypatch,
        data_dir,
        "add",
        "li",
        "--role",
        "auditor",
        "--password-stdin",
        stdin="long-enough\n",
    )
    assert _run(monkeypatch, data_dir, "disable", "li") == 0
    capsys.readouterr()
    assert _run(monkeypatch, data_dir, "list") == 0
    assert "li\tauditor\tdisabled\tlast sign-in never" in capsys.readouterr().out
    assert _run(monkeypatch, data_dir, "enable", "li") == 0
    assert (
        _run(monkeypatch, data_dir, "password", "li", "--password-stdin", stdin="brand-new-one\n")
        == 0
    )
    store = open_staff_store(data_dir)
    try:
        assert store.sign_in("li", "brand-new-one").outcome is SignInOutcome.OK
    finally:
        store.close()
