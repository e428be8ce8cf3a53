"""The usage log (on SQLite and on PostgreSQL): heartbeat counters (running totals) turned
into daily amounts, through the fleet service that receives heartbeats; the first heartbeat
a baseline, a reset counted from zero, an older heartbeat ignored, the agent's own counters
left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from center.report.usage import CountingFleet, UsageLog, growth, open_usage_log
from kiosk.fleet.heartbeat import Heartbeat

D1, D2 = date(2026, 12, 1), date(2026, 12, 2)


def at(day: date, hour: int) -> datetime:
    """A local time of ``day``, aware."""
    return datetime(day.year, day.month, day.day, hour).astimezone()


@pytest.fixture
def usage(center_engine: Any) -> Iterator[UsageLog]:
    """The usage log on the center's engine (SQLite, then PostgreSQL)."""
    log = open_usage_log(center_engine)
    yield log
    log.close()


def test_growth_treats_a_drop_as_a_reset_and_skips_the_agents_counters() -> None:
    before = {"sessions": 10, "service.points": 4, "receipts": 2}
    after = {"sessions": 12, "service.points": 1, "receipts": 2, "fleet.polls": 50}
    assert growth(before, after) == {"sessions": 2, "service.points": 1}


def test_the_first_heartbeat_is_a_baseline_then_growth_lands_on_its_day(
    usage: UsageLog,
) -> None:
    usage.record("k1", {"sessions": 100, "service.points": 40}, at(D1, 8))
    assert usage.daily(D1, D2) == {}  # what it counted before the center knew it
    usage.record("k1", {"sessions": 103, "service.points": 41}, at(D1, 9))
    usage.record("k1", {"sessions": 105, "service.points": 41}, at(D1, 18))
    usage.record("k2", {"sessions": 0}, at(D1, 8))
    usage.record("k2", {"sessions": 4, "service.violations": 4}, at(D2, 9))
    usage.record("k1", {"sessions": 2}, at(D2, 10))  # its counter file was replaced
    usage.record("k1", {"sessions": 999}, at(D1, 20))  # older than the last one: ignored
    assert usage.daily(D1, D2) == {
        D1: {"sessions": 5, "service.points": 1},
        D2: {"sessions": 6, "service.violations": 4},
    }
    assert usage.daily(D2, D2) == {D2: {"sessions": 6, "service.violations": 4}}
    assert usage.terminals() == 2


def test_the_fleet_service_counts_each_heartbeat_it_receives(tmp_path: Path) -> None:
    moments = iter([at(D1, 9), at(D1, 11), at(D2, 10)])
    now = {"t": at(D1, 9)}

    def clock() -> datetime:
        return now["t"]

    fleet = CountingFleet(tmp_path / "fleet", usage=UsageLog(tmp_path / "u.sqlite3"), now=clock)
    try:
        for counters in (
            {"sessions": 1, "fleet.heartbeats": 1},
            {"sessions": 4, "service.id_photo": 2, "fleet.heartbeats": 2},
            {"sessions": 6, "service.id_photo": 3, "fleet.heartbeats": 3},
        ):
            now["t"] = next(moments)
            fleet.record_heartbeat(
                Heartbeat(
                    terminal_id="kiosk-a",
                    group="lobby",
                    app_version="1",
                    counters=counters,
                    clock=now["t"],
                )
            )
        assert "kiosk-a" in fleet.heartbeats.all()  # the fleet's own record still made
        assert fleet.usage.daily(D1, D2) == {
            D1: {"sessions": 3, "service.id_photo": 2},
            D2: {"sessions": 2, "service.id_photo": 1},
        }
    finally:
        fleet.close()
