"""``center report --from D --to D --out FILE.csv`` on a center data directory whose stores
hold two days of work: heartbeats with usage counters (through the fleet service), requests
filed, resolved and closed, vouchers fulfilled, quiz rewards, ID photos; on SQLite and on
PostgreSQL. The CSV's figures match the counts read back from each store."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from center.cli import main
from center.database import open_engine
from center.photo.store import open_center_photos
from center.points.store import open_center_ledger
from center.report.figures import read_report_csv
from center.report.usage import CountingFleet, open_usage_log
from center.requests.store import open_center_requests
from kiosk.fleet.heartbeat import Heartbeat
from kiosk.framework.clock import FakeClock
from kiosk.platform.points_config import QUIZ_REASON
from kiosk.points.model import CartLine, EntryKind
from tests.unit.center.photo.conftest import make_jpeg
from tests.unit.center.requests.conftest import submission

MEMBERS = ("M20230517", "M20240102", "M20220815")


class SetClock(FakeClock):
    """A fake clock a test sets to any time (the stores only read it)."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.at = start

    def now(self) -> datetime:
        return self.at


def local(day: date, hour: int) -> datetime:
    """``hour`` o'clock of ``day``, naive local time (what the stores' clocks give)."""
    return datetime(day.year, day.month, day.day, hour)


def fill(data_dir: Path, d1: date, d2: date) -> list[str]:
    """Two days of work in the center's stores; answers the photos' references."""
    engine = open_engine(data_dir)
    clock = SetClock(local(d1, 9))
    now = {"t": local(d1, 9).astimezone()}
    usage = open_usage_log(engine)
    fleet = CountingFleet(data_dir / "fleet", usage=usage, now=lambda: now["t"])
    requests = open_center_requests(data_dir, clock, engine=engine)
    ledger = open_center_ledger(data_dir, clock, engine=engine)
    photos = open_center_photos(data_dir, clock, engine=engine)
    codes: list[str] = []
    references: list[str] = []
    try:
        beats = [
            (  # baseline
                "kiosk-a",
                local(d1, 8),
                {"sessions": 50, "service.points": 9, "quiz.completed": 10},
            ),
            (  # 5 quizzes finished, 2 of them with a points card (the rewards below)
                "kiosk-a",
                local(d1, 12),
                {"sessions": 57, "service.points": 11, "service.requests": 3, "quiz.completed": 15},
            ),
            ("kiosk-b", local(d1, 8), {"sessions": 0}),
            ("kiosk-b", local(d1, 17), {"sessions": 4, "service.id_photo": 4, "fleet.polls": 9}),
            ("kiosk-a", local(d2, 10), {"sessions": 2, "service.antifraud": 2}),  # reset
            ("kiosk-b", local(d2, 10), {"sessions": 9, "service.id_photo": 6}),
        ]
        for terminal, moment, counters in beats:
            now["t"] = moment.astimezone()
            fleet.record_heartbeat(
                Heartbeat(
                    terminal_id=terminal,
                    group="lobby",
                    app_version="1",
                    counters=counters,
                    clock=now["t"],
                )
            )
        for day, count in ((d1, 3), (d2, 2)):
            for i in range(count):
                clock.at = local(day, 10 + i)
                s = submission(600 + len(codes), at=local(day, 10 + i))
                stored = requests.submit(
                    s.fields(),
                    s.photo_jpeg,
                    terminal="kiosk-a",
                    idempotency_key=uuid.uuid4().hex,
                    submitted_at=s.submitted_at,
                )
                codes.append(stored.code)
        clock.at = local(d2, 15)
        requests.resolve(codes[0], result="已修复", account="li")
        requests.resolve(codes[3], result="已清理", account="li")
        requests.close_request(codes[1], reason="重复反映", account="li")
        towel = [CartLine(item_id="towel", quantity=1)]
        for day, member in ((d1, MEMBERS[0]), (d1, MEMBERS[1]), (d2, MEMBERS[0])):
            clock.at = local(day, 11)
            voucher = ledger.redeem(member, towel, uuid.uuid4().hex, "kiosk-a").value
            ledger.fulfil(voucher.code, "desk", uuid.uuid4().hex, "center")
        for day, member in ((d1, MEMBERS[0]), (d1, MEMBERS[2]), (d2, MEMBERS[0])):
            clock.at = local(day, 14)
            ledger.earn(member, 1, uuid.uuid4().hex, QUIZ_REASON, "kiosk-a")
        for day, count in ((d1, 2), (d2, 1)):
            for i in range(count):
                clock.at = local(day, 13 + i)
                stored_photo = photos.put(
                    make_jpeg(700 + i),
                    terminal="kiosk-b",
                    preset="id_1inch",
                    taken_at=local(day, 13 + i),
                    idempotency_key=uuid.uuid4().hex,
                )
                references.append(stored_photo.reference)
        return references
    finally:
        photos.close()
        ledger.close()
        requests.close()
        fleet.close()
        engine.close()


def counted_in_stores(
    data_dir: Path, days: list[date], references: list[str]
) -> dict[date, dict[str, int]]:
    """Each day's figures read back from the stores' own answers."""
    engine = open_engine(data_dir)
    requests = open_center_requests(data_dir, engine=engine)
    ledger = open_center_ledger(data_dir, engine=engine)
    photos = open_center_photos(data_dir, engine=engine)
    usage = open_usage_log(engine)
    try:
        out: dict[date, dict[str, int]] = {d: Counter() for d in days}
        for r in requests.list_requests(limit=1000):
            out[r.received_at.astimezone().date()]["requests_filed"] += 1
            detail = requests.show(r.code)
            if detail.final_at is not None:
                name = "requests_resolved" if detail.status == "done" else "requests_closed"
                out[detail.final_at.astimezone().date()][name] += 1
        rewarded: Counter[date] = Counter()
        for e in ledger.entries():
            if e.kind is EntryKind.POST:
                out[e.at.date()]["vouchers_redeemed"] += 1
            elif e.kind is EntryKind.EARN and e.reason == QUIZ_REASON:
                rewarded[e.at.date()] += 1
        assert photos.count() == len(references)
        for reference in references:
            record = photos.record(reference)
            assert record is not None
            out[record.received_at.astimezone().date()]["photos_taken"] += 1
        daily = usage.daily(days[0], days[-1])
        for day in days:  # every quiz finished; at least those rewarded (older terminals)
            finished = daily.get(day, {}).get("quiz.completed", 0)
            if max(finished, rewarded[day]):
                out[day]["quiz_completions"] = max(finished, rewarded[day])
        for day, counters in daily.items():
            out[day]["residents_served"] = counters.get("sessions", 0)
            for name, amount in counters.items():
                if name.startswith("service."):
                    out[day]["served." + name.removeprefix("service.")] = amount
        return out
    finally:
        usage.close()
        photos.close()
        ledger.close()
        requests.close()
        engine.close()


def test_the_csv_matches_the_counts_in_the_stores(
    center_data: tuple[Path, Any], tmp_path: Path
) -> None:
    data_dir, _engine = center_data  # SQLite files, then one PostgreSQL database
    today = datetime.now().date()
    d1, d2 = today - timedelta(days=2), today - timedelta(days=1)
    references = fill(data_dir, d1, d2)
    out = tmp_path / "usage.csv"
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "report",
            "--from",
            d1.isoformat(),
            "--to",
            today.isoformat(),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheet programs
    rows = {r["day"]: r for r in read_report_csv(out.read_text("utf-8"))}
    assert list(rows) == [d1.isoformat(), d2.isoformat(), today.isoformat()]
    stores = counted_in_stores(data_dir, [d1, d2, today], references)
    for day, counts in stores.items():
        row = rows[day.isoformat()]
        for name, value in counts.items():
            assert int(row[name]) == value, (day, name)
        for name, cell in row.items():
            if name != "day" and name not in counts:
                assert cell == "0", (day, name)
    # and the figures themselves, as done above
    first, second = rows[d1.isoformat()], rows[d2.isoformat()]
    assert (first["residents_served"], second["residents_served"]) == ("11", "7")
    assert (first["served.points"], first["served.requests"], first["served.id_photo"]) == (
        "2",
        "3",
        "4",
    )
    assert (second["served.antifraud"], second["served.id_photo"]) == ("2", "2")
    assert (first["requests_filed"], second["requests_filed"]) == ("3", "2")
    assert (first["requests_resolved"], second["requests_resolved"]) == ("0", "2")
    assert second["requests_closed"] == "1"
    assert (first["vouchers_redeemed"], second["vouchers_redeemed"]) == ("2", "1")
    # day 1: 5 finished at the kiosk (2 rewarded); day 2: a terminal without the counter
    assert (first["quiz_completions"], second["quiz_completions"]) == ("5", "1")
    assert (first["photos_taken"], second["photos_taken"]) == ("2", "1")
    assert "fleet.polls" not in out.read_text("utf-8")


def test_a_range_that_ends_before_it_starts_is_refused(tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path), "report", "--from", "2026-12-02", "--to", "2026-12-01"]
    assert main([*args, "--out", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()
