"""The real center on 127.0.0.1 for the API tests (one per module)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from kiosk.framework.clock import FakeClock
from tests.support.uvicorn_server import RunningCenter, running_center


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCenter]:
    """The center with demo data, a fixed clock and one terminal, ``kiosk-test``."""
    with running_center(
        tmp_path_factory.mktemp("center"), clock=FakeClock(datetime(2026, 11, 23, 9, 30))
    ) as running:
        yield running
