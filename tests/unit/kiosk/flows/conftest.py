"""A seeded local violation service shared by a module's flow tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.violations.local import LocalViolationService

NOW = datetime(2026, 11, 23, 9, 30)


@pytest.fixture(scope="module")
def local_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalViolationService]:
    service = LocalViolationService.open_demo(
        tmp_path_factory.mktemp("flows") / "violations.sqlite3", clock=FakeClock(NOW)
    )
    yield service
    service.close()
