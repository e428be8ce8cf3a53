"""The audit log: appended, searched, exported; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from center.staff.audit import AuditLog, AuditQuery, open_audit_log


@pytest.fixture
def log(data_dir: Path) -> Iterator[AuditLog]:
    """The log of ``data_dir``: SQLite files, then PostgreSQL."""
    times = iter(
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC) + timedelta(minutes=i) for i in range(100)
    )
    audit = open_audit_log(data_dir, now=lambda: next(times))
    yield audit
    audit.close()


def _fill(log: AuditLog) -> None:
    log.record("op", "signin.ok", role="operator", client="10.0.0.2")
    log.record("desk", "voucher.fulfil", role="staff", client="10.0.0.3", subject="K7Q2-M9XA")
    log.record("desk", "view.member", role="staff", client="10.0.0.3", subject="M2*****17")
    log.record("x_y", "signin.failed", client="10.0.0.9", outcome="refused", detail="100%")


def test_entries_are_found_by_text_account_action_and_time(log: AuditLog) -> None:
    _fill(log)
    entries, total = log.search(AuditQuery())
    assert total == 4 and entries[0].action == "signin.failed"  # newest first
    assert log.search(AuditQuery(account="desk"))[1] == 2
    assert [e.subject for e in log.search(AuditQuery(action="voucher."))[0]] == ["K7Q2-M9XA"]
    assert log.search(AuditQuery(text="10.0.0.3"))[1] == 2
    assert log.search(AuditQuery(text="100%"))[1] == 1  # % and _ are literal
    assert log.search(AuditQuery(text="x_y"))[1] == 1 and log.search(AuditQuery(text="x%y"))[1] == 0
    since = datetime(2026, 11, 23, 9, 1, tzinfo=UTC)
    until = datetime(2026, 11, 23, 9, 3, tzinfo=UTC)
    assert log.search(AuditQuery(since=since, until=until))[1] == 2
    page, total = log.search(AuditQuery(), limit=2, offset=2)
    assert total == 4 and [e.account for e in page] == ["desk", "op"]


def test_the_export_is_csv_oldest_first_and_safe_in_spreadsheets(log: AuditLog) -> None:
    _fill(log)
    log.record("=cmd", "staff.add", detail="=HYPERLINK(1)")
    lines = log.export_csv(AuditQuery()).splitlines()
    assert lines[0] == "time,account,role,client,action,subject,outcome,detail"
    assert lines[1].startswith("2026-11-23T09:00:00+00:00,op,operator,10.0.0.2,signin.ok")
    assert lines[-1].endswith("'=HYPERLINK(1)") and ",'=cmd," in lines[-1]
    assert len(log.export_csv(AuditQuery(account="desk")).splitlines()) == 3


def test_the_text_search_ignores_ascii_case_on_both_engines(log: AuditLog) -> None:
    log.record("Desk", "voucher.fulfil", subject="K7Q2-M9XA", detail="Window 3")
    assert log.search(AuditQuery(text="k7q2"))[1] == 1
    assert log.search(AuditQuery(text="WINDOW"))[1] == 1
    assert log.search(AuditQuery(text="desk"))[1] == 1


def test_two_servers_append_to_one_log_in_one_order(data_dir: Path) -> None:
    """Two app servers (two logs on one database) record at the same time: every entry is
    kept, each with its own id, and both servers read the same log."""
    logs = [open_audit_log(data_dir) for _ in range(2)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = list(pool.map(lambda i: logs[i % 2].record(f"a{i}", "signin.ok").id, range(40)))
        assert len(set(ids)) == 40
        for log in logs:
            entries, total = log.search(AuditQuery(action="signin."), limit=100)
            assert total == 40 and sorted(e.id for e in entries) == sorted(ids)
    finally:
        for log in logs:
            log.close()
