"""The console on a real center served by uvicorn on 127.0.0.1, and a browser-like client.

``served`` builds the center as ``center serve`` does (``build_app`` on a fresh data
directory, with the fleet's keys installed and accounts made by ``center staff add``).
``ConsoleClient`` is a ``requests`` session that signs in through the form, as a browser
does, and sends each form with the CSRF token of the page it came from.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from center.app import build_app
from tests.conftest import PROJECT_ROOT
from tests.support.uvicorn_server import UvicornThread
from tests.unit.kiosk.fleet.fleet_support import Fleet, make_fleet

PASSWORD = "correct-horse-7"
ACCOUNTS = {"op": "operator", "desk": "staff", "audit": "auditor"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def staff_add(data_dir: Path, name: str, role: str, password: str = PASSWORD) -> None:
    """``center staff add NAME --role ROLE --password-stdin``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "center.cli",
            "--data-dir",
            str(data_dir),
            "staff",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
        ],
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
    )


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    m = _CSRF.search(html)
    assert m is not None, "the page has no form with a CSRF token"
    return m.group(1)


class ConsoleClient:
    """A browser-like client of the console at ``url``."""

    def __init__(self, url: str, verify: str | bool = True) -> None:
        self.url = url
        self.http = requests.Session()
        self.verify = verify  # per request: REQUESTS_CA_BUNDLE would override the session's

    def get(self, path: str, **kw: Any) -> requests.Response:
        """GET without following redirects unless asked."""
        kw.setdefault("allow_redirects", False)
        return self.http.get(self.url + path, timeout=15, verify=self.verify, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, **kw: Any) -> requests.Response:
        """POST exactly what is given (no token added)."""
        kw.setdefault("allow_redirects", False)
        return self.http.post(self.url + path, data=data, timeout=15, verify=self.verify, **kw)

    def form(
        self, page: str, action: str, data: dict[str, Any] | None = None, **kw: Any
    ) -> requests.Response:
        """Loads ``page``, then posts ``data`` to ``action`` with that page's CSRF token."""
        token = csrf_of(self.get(page, allow_redirects=True).text)
        return self.post(action, {**(data or {}), "csrf_token": token}, **kw)

    def sign_in(self, name: str, password: str = PASSWORD) -> requests.Response:
        """The sign-in form, filled and sent."""
        return self.form(
            "/console/login", "/console/login", {"username": name, "password": password}
        )


@dataclass
class Served:
    """The running center."""

    url: str
    data_dir: Path
    fleet: Fleet

    def client(self, name: str | None = None) -> ConsoleClient:
        """A new client, signed in as ``name`` if given."""
        c = ConsoleClient(self.url)
        if name is not None:
            answer = c.sign_in(name)
            assert answer.status_code == 303, answer.text[:500]
        return c


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``build_app`` on a fresh data directory with keys installed and three accounts."""
    root = tmp_path_factory.mktemp("console")
    fleet = make_fleet(root)
    data_dir = root / "center"
    for name, role in ACCOUNTS.items():
        staff_add(data_dir, name, role)
    app = build_app(data_dir, data_dir / "terminals.json")
    with UvicornThread(app, name="uvicorn-console") as server:
        fleet.url = server.url
        yield Served(server.url, data_dir, fleet)


@pytest.fixture
def as_role(served: Served) -> Callable[[str], ConsoleClient]:
    """A client signed in as the account of a role (``op``, ``desk``, ``audit``)."""
    return served.client
