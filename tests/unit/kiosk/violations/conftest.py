"""Shared fixtures: a seeded demo store per module (for the flow tests too), and the real
center serving a copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.http_client import HttpClient
from kiosk.violations.http import HttpViolationService
from kiosk.violations.local import LocalViolationService
from kiosk.violations.local_store import ViolationStore
from kiosk.violations.service import ViolationService
from tests.support.uvicorn_server import RunningCenter, running_center

NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-seeded store file; copy it, never change it."""
    path = tmp_path_factory.mktemp("seeded") / "violations.sqlite3"
    LocalViolationService.open_demo(path).close()
    return path


def copy_db(seeded: Path, folder: Path) -> Path:
    """A private copy of the seeded store in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "violations.sqlite3"
    shutil.copyfile(seeded, target)
    return target


@pytest.fixture(scope="module")
def center(seeded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCenter]:
    """The real center on 127.0.0.1 (plain HTTP; TLS has its own tests), fixed clock."""
    folder = tmp_path_factory.mktemp("center")
    copy_db(seeded_db, folder)
    with running_center(folder, clock=FakeClock(NOW)) as running:
        yield running


@pytest.fixture(params=["local", "http"])
def violations(request: pytest.FixtureRequest, center: RunningCenter) -> Iterator[ViolationService]:
    """Each implementation in turn, over the same data and the same fixed clock.

    ``local`` reads the center's own file, so a record changed through
    ``center.service.store`` is seen by both.
    """
    service: ViolationService
    if request.param == "local":
        service = LocalViolationService(
            ViolationStore(center.service.store.path), clock=FakeClock(NOW)
        )
    else:
        service = HttpViolationService(HttpClient(center.config(), "ignored"))
    yield service
    service.close()


@pytest.fixture(scope="module")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalViolationService]:
    """A seeded local violation service shared by a module's flow tests."""
    service = LocalViolationService.open_demo(
        tmp_path_factory.mktemp("flows") / "violations.sqlite3", clock=FakeClock(NOW)
    )
    yield service
    service.close()
