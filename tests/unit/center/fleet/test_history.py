"""The fleet's health history: changes are kept, repeats thinned, old rows dropped; on SQLite
and on PostgreSQL, where two app servers write one terminal's timeline and read the same
one. A file made before the history had numbered migrations opens with its rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from center.fleet.history import HealthHistory, open_health_history, sample_of
from kiosk.fleet.heartbeat import DeviceReport, Heartbeat

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

OpenHistory = Callable[..., HealthHistory]


def _hb(paper: str = "ready", printer: str = "ready", terminal: str = "k1") -> Heartbeat:
    return Heartbeat(
        terminal_id=terminal,
        group="lobby",
        app_version="1",
        clock=T0,
        paper=paper,
        devices={"printer": DeviceReport(level=printer, reason="r")},
    )


@pytest.fixture
def open_history(center_engine: Any) -> Iterator[OpenHistory]:
    """Opens the history on the center's engine (again: a restart, or another app server)."""
    opened: list[HealthHistory] = []

    def open_(**kwargs: Any) -> HealthHistory:
        history = open_health_history(center_engine, **kwargs)
        opened.append(history)
        return history

    yield open_
    for history in opened:
        history.close()


def test_only_changes_and_a_sample_every_quarter_hour_are_written(
    open_history: OpenHistory,
) -> None:
    history = open_history()
    written = [history.record(_hb(), T0 + timedelta(minutes=m)) for m in range(0, 14)]
    assert written == [True] + [False] * 13
    assert history.record(_hb(paper="paper_low"), T0 + timedelta(minutes=14))
    assert history.record(_hb(paper="paper_low"), T0 + timedelta(minutes=29))  # due again
    samples = history.samples("k1", T0 + timedelta(minutes=10))
    assert [s.paper for s in samples] == ["ready", "paper_low", "paper_low"]  # + the one before
    assert samples[1].devices == {"printer": "ready:r"}
    assert samples[2].received_at == T0 + timedelta(minutes=29)  # to the microsecond
    history.close()
    reopened = open_history()
    # the last row is read back: an unchanged heartbeat after a restart writes nothing
    assert not reopened.record(_hb(paper="paper_low"), T0 + timedelta(minutes=30))


def test_rows_older_than_the_keep_are_dropped(open_history: OpenHistory) -> None:
    history = open_history(keep=timedelta(days=1))
    history.record(_hb(), T0)
    history.record(_hb(paper="paper_out"), T0 + timedelta(days=2))
    assert [s.paper for s in history.samples("k1", T0 - timedelta(days=1))] == ["paper_out"]


def test_two_servers_write_one_timeline(open_history: OpenHistory) -> None:
    """A terminal's heartbeats reach either of two app servers: both write to one timeline,
    and either shows all of it."""
    one, two = open_history(), open_history()
    assert one.record(_hb(), T0)
    assert two.record(_hb(paper="paper_low"), T0 + timedelta(minutes=1))
    assert one.record(_hb(printer="offline"), T0 + timedelta(minutes=2))
    assert not one.record(_hb(printer="offline"), T0 + timedelta(minutes=3))  # no change
    for history in (one, two):
        samples = history.samples("k1", T0)
        assert [(s.paper, s.devices["printer"]) for s in samples] == [
            ("ready", "ready:r"),
            ("paper_low", "ready:r"),
            ("ready", "offline:r"),
        ]
    assert two.samples("k2", T0) == []


def test_a_file_from_before_the_migrations_keeps_its_rows(tmp_path: Path) -> None:
    """``fleet/health_history.sqlite3`` as earlier builds made it (the table, no schema
    version): it opens, its rows are there, new ones follow."""
    path = tmp_path / "health_history.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE IF NOT EXISTS health_history (terminal_id TEXT NOT NULL,"
            " received_at REAL NOT NULL, fleet_state TEXT NOT NULL, paper TEXT NOT NULL,"
            " devices TEXT NOT NULL, last_error TEXT NOT NULL, applied TEXT NOT NULL,"
            " PRIMARY KEY (terminal_id, received_at))"
        )
        first = sample_of(_hb(), T0)
        old.execute(
            "INSERT INTO health_history VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                "k1",
                T0.timestamp(),
                first.fleet_state,
                first.paper,
                json.dumps(first.devices),
                first.last_error,
                first.applied,
            ),
        )
    old.close()
    history = HealthHistory(path)
    try:
        assert history.db.schema_version == 2
        assert not history.record(_hb(), T0 + timedelta(minutes=1))  # the old row is the last
        assert history.record(_hb(paper="paper_out"), T0 + timedelta(minutes=2))
        assert [s.paper for s in history.samples("k1", T0)] == ["ready", "paper_out"]
    finally:
        history.close()
