"""Sessions over time (a fake clock), a lockout that survives a restart of the center, and
the ``Secure`` cookie under TLS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from argon2 import PasswordHasher

from center.app import build_app, create_app
from center.auth import TerminalRegistry
from center.console import install_console
from center.staff.model import Role
from center.staff.passwords import Passwords
from center.staff.store import open_staff_store
from tests.support.center_fixtures import NoViolations
from tests.support.uvicorn_server import UvicornThread, make_tls_material
from tests.unit.center.console.conftest import PASSWORD, ConsoleClient, staff_add


class Clock:
    """The console's UTC clock, moved by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[str, Clock]]:
    """A center with only the console, on a fake clock; one staff account ``desk``."""
    clock = Clock()
    staff = open_staff_store(
        tmp_path,
        passwords=Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)),
        now=clock,
    )
    staff.add("desk", Role.STAFF, PASSWORD)
    app = create_app(NoViolations(), TerminalRegistry(None))
    install_console(app, tmp_path, staff=staff, now=clock)
    with UvicornThread(app, name="uvicorn-console-clock") as server:
        yield server.url, clock


def test_an_idle_session_ends_and_a_used_one_goes_on(clocked: tuple[str, Clock]) -> None:
    url, clock = clocked
    c = ConsoleClient(url)
    assert c.sign_in("desk").status_code == 303
    for _ in range(4):
        clock.at += timedelta(minutes=14)
        assert c.get("/console/applications").status_code == 200
    clock.at += timedelta(minutes=15, seconds=1)
    answer = c.get("/console/applications")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/applications"


def test_the_page_a_signed_out_browser_asked_for_opens_after_sign_in(
    clocked: tuple[str, Clock],
) -> None:
    url, _ = clocked
    c = ConsoleClient(url)
    page = c.get("/console/login?next=/console/members", allow_redirects=True).text
    assert 'name="next" value="/console/members"' in page
    answer = c.form(
        "/console/login?next=/console/members",
        "/console/login",
        {"username": "desk", "password": PASSWORD, "next": "/console/members"},
    )
    assert answer.headers["location"] == "/console/members"
    elsewhere = ConsoleClient(url).form(
        "/console/login",
        "/console/login",
        {"username": "desk", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert elsewhere.headers["location"] == "/console/vouchers"


def test_a_lockout_outlives_a_restart_of_the_center(tmp_path: Path) -> None:
    staff_add(tmp_path, "wei", "staff")
    with UvicornThread(build_app(tmp_path), name="uvicorn-console-1") as first:
        c = ConsoleClient(first.url)
        statuses = [c.sign_in("wei", "wrong-password").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    with UvicornThread(build_app(tmp_path), name="uvicorn-console-2") as second:
        assert ConsoleClient(second.url).sign_in("wei").status_code == 429


def test_under_tls_the_cookie_is_secure(tmp_path: Path) -> None:
    tls = make_tls_material(tmp_path / "tls")
    staff_add(tmp_path, "desk", "staff")
    with UvicornThread(
        build_app(tmp_path),
        ssl_certfile=tls.server_cert,
        ssl_keyfile=tls.server_key,
        name="uvicorn-console-tls",
    ) as server:
        c = ConsoleClient(server.url, verify=str(tls.ca_cert))
        answer = c.sign_in("desk")
        assert answer.status_code == 303
        cookie = answer.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert c.get("/console/vouchers").status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + "/console/login", timeout=5, verify=True)  # not pinned
