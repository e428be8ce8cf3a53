"""Fixtures: a fleet with keys and a repository, served by the real center on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.kiosk.fleet.fleet_support import Fleet, make_fleet, serving


@pytest.fixture(scope="session")
def violations_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The center's demo store, seeded once for the session."""
    from kiosk.violations.local import LocalViolationService

    path = tmp_path_factory.mktemp("center-db") / "violations.sqlite3"
    LocalViolationService.open_demo(path).close()
    return path


@pytest.fixture
def fleet(tmp_path: Path, violations_db: Path) -> Iterator[Fleet]:
    """A fresh fleet, its center serving."""
    f = make_fleet(tmp_path / "fleet")
    with serving(f, violations_db):
        yield f
