"""Two app servers (``build_app`` twice, each on uvicorn) on one database: any of them
answers any console request. On PostgreSQL (``$CENTER_DATABASE_URL``, as a deployment sets
it) and on SQLite files in one data directory.

- a session signed in through one server is valid on the other, and signing out on the
  other ends it on both;
- wrong passwords typed on either count towards one lockout, which both then enforce;
- an application submitted beside them is in both queues, a staff action through one is
  what the other shows, and the audit log of both holds every action, in one order.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from center.app import build_app
from center.applications.store import open_center_applications
from center.staff.audit import AuditQuery, open_audit_log
from tests.support.uvicorn_server import UvicornThread
from tests.unit.center.applications.conftest import submission
from tests.unit.center.console.conftest import PASSWORD, ConsoleClient, csrf_of, staff_add
from tests.unit.kiosk.fleet.fleet_support import make_fleet


@pytest.fixture
def servers(center_data: tuple[Path, Any]) -> Iterator[tuple[Path, list[str]]]:
    """The data directory (with fleet keys and one staff account) and the URLs of two app
    servers built on it."""
    data_dir, engine = center_data
    make_fleet(data_dir.parent)  # keys and repository in <root>/center/fleet
    staff_add(data_dir, "desk", "staff")
    staff_add(data_dir, "lockme", "staff")
    with (
        UvicornThread(build_app(data_dir), name="uvicorn-center-1") as one,
        UvicornThread(build_app(data_dir), name="uvicorn-center-2") as two,
    ):
        yield data_dir, [one.url, two.url]
    if engine.dialect == "postgresql":  # nothing of these stores went to a file instead
        files = ("staff.sqlite3", "audit.sqlite3", "applications", "fleet/health_history.sqlite3")
        assert [f for f in files if (data_dir / f).exists()] == []


def _audit(data_dir: Path, **query: Any) -> list[tuple[str, str, str]]:
    log = open_audit_log(data_dir)
    try:
        entries, _ = log.search(AuditQuery(**query), limit=1000)
    finally:
        log.close()
    return [(e.account, e.action, e.outcome) for e in reversed(entries)]


def test_a_session_from_one_server_is_valid_on_the_other(
    servers: tuple[Path, list[str]],
) -> None:
    data_dir, (url_one, url_two) = servers
    one = ConsoleClient(url_one)
    assert one.sign_in("desk").status_code == 303
    two = ConsoleClient(url_two)
    two.http.cookies = one.http.cookies  # the next request reaches the other server
    page = two.get("/console/applications")
    assert page.status_code == 200 and "desk" in page.text
    # signing out on the second ends the session the first made, on both
    token = csrf_of(two.get("/console/applications").text)
    assert two.post("/console/logout", {"csrf_token": token}).status_code == 303
    for client in (ConsoleClient(url_one), ConsoleClient(url_two)):
        client.http.cookies = one.http.cookies
        assert client.get("/console/applications").status_code == 303  # to the sign-in page
    actions = [a for _, a, _ in _audit(data_dir, account="desk")]
    assert actions.count("signin.ok") == 1 and actions.count("signout") == 1


def test_wrong_passwords_on_either_server_count_towards_one_lockout(
    servers: tuple[Path, list[str]],
) -> None:
    data_dir, urls = servers
    clients = [ConsoleClient(url) for url in urls]
    answers = [clients[i % 2].sign_in("lockme", "wrong-password").status_code for i in range(5)]
    assert answers == [401, 401, 401, 401, 429]  # 3 on one, 2 on the other: locked
    for client in clients:  # the right password fails on both while the lock lasts
        locked = client.sign_in("lockme", PASSWORD)
        assert locked.status_code == 429 and "账户已锁定" in locked.text
    outcomes = [a for _, a, _ in _audit(data_dir, account="lockme")]
    assert outcomes.count("signin.failed") == 4 and "signin.locked" in outcomes


def test_an_application_is_worked_on_through_either_server(
    servers: tuple[Path, list[str]],
) -> None:
    data_dir, (url_one, url_two) = servers
    store = open_center_applications(data_dir)  # as the applications API keeps it
    try:
        app = submission(41)
        number = store.submit(
            app.fields(),
            app.photo_jpeg,
            terminal="kiosk-t1",
            idempotency_key=uuid.uuid4().hex,
            submitted_at=app.submitted_at,
        ).application_no
    finally:
        store.close()
    one, two = ConsoleClient(url_one), ConsoleClient(url_two)
    for client in (one, two):
        assert client.sign_in("desk").status_code == 303
        assert number in client.get("/console/applications").text
    page = f"/console/applications/{number}"
    accepted = one.form(page, f"{page}/act", {"action": "accept"})
    assert accepted.status_code == 303
    again = two.form(page, f"{page}/act", {"action": "accept"})  # the other sees it accepted
    assert again.status_code == 409
    store = open_center_applications(data_dir)
    try:
        assert store.show(number).status == "accepted"
        assert [e.action for e in store.audit_trail(number)] == ["accept"]
    finally:
        store.close()
    trail = _audit(data_dir, action="application.accept")
    assert trail == [
        ("desk", "application.accept", "ok"),
        ("desk", "application.accept", "refused"),
    ]
