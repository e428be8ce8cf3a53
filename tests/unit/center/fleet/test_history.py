"""The fleet's health history: changes are kept, repeats thinned, old rows dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from center.fleet.history import HealthHistory
from kiosk.fleet.heartbeat import DeviceReport, Heartbeat

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _hb(paper: str = "ready", printer: str = "ready") -> Heartbeat:
    return Heartbeat(
        terminal_id="k1",
        group="lobby",
        app_version="1",
        clock=T0,
        paper=paper,
        devices={"printer": DeviceReport(level=printer, reason="r")},
    )


def test_only_changes_and_a_sample_every_quarter_hour_are_written(tmp_path: Path) -> None:
    history = HealthHistory(tmp_path / "h.sqlite3")
    try:
        written = [history.record(_hb(), T0 + timedelta(minutes=m)) for m in range(0, 14)]
        assert written == [True] + [False] * 13
        assert history.record(_hb(paper="paper_low"), T0 + timedelta(minutes=14))
        assert history.record(_hb(paper="paper_low"), T0 + timedelta(minutes=29))  # due again
        samples = history.samples("k1", T0 + timedelta(minutes=10))
        assert [s.paper for s in samples] == ["ready", "paper_low", "paper_low"]  # + the one before
        assert samples[1].devices == {"printer": "ready:r"}
    finally:
        history.close()
    reopened = HealthHistory(tmp_path / "h.sqlite3")
    try:  # the last row is read back: an unchanged heartbeat after a restart writes nothing
        assert not reopened.record(_hb(paper="paper_low"), T0 + timedelta(minutes=30))
    finally:
        reopened.close()


def test_rows_older_than_the_keep_are_dropped(tmp_path: Path) -> None:
    history = HealthHistory(tmp_path / "h.sqlite3", keep=timedelta(days=1))
    try:
        history.record(_hb(), T0)
        history.record(_hb(paper="paper_out"), T0 + timedelta(days=2))
        assert [s.paper for s in history.samples("k1", T0 - timedelta(days=1))] == ["paper_out"]
    finally:
        history.close()
