"""The usage report: one row of figures per day, from the terminals' usage counters and the
center's stores, and its CSV.

============================  ===========================================================
column                        where it comes from
============================  ===========================================================
``residents_served``          heartbeat counter ``sessions`` (a resident woke a kiosk)
``served.<service>``          heartbeat counter ``service.<id>`` (a service started)
``requests_filed``            the request store: requests received that day
``requests_resolved``         the request store: requests done that day (办结)
``requests_closed``           the request store: requests closed that day without being done
``vouchers_redeemed``         the points ledger: vouchers fulfilled that day
``photos_taken``              the photo store: ID photos received that day
``quiz_completions``          heartbeat counter ``quiz.completed`` (a quiz finished, card
                              or not); at least the points ledger's quiz rewards that day
                              (terminals older than the counter)
============================  ===========================================================

Days are the center's local calendar days. A part the center does not run (no ledger, no
photo store) counts 0. The photo store keeps photos ``retention_days`` (30 by default):
older days count only what is still kept.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from center.report.usage import UsageLog
from center.requests.store import RequestStore
from kiosk.antifraud.quiz_flow import QUIZ_COMPLETED
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.points_config import QUIZ_REASON
from kiosk.points.ledger import Ledger
from kiosk.points.model import EntryKind

SERVICES = ("violations", "points", "id_photo", "antifraud", "application", "requests")
"""The kiosk's services, in the order of the report's columns (others seen come after)."""
MAX_DAYS = 366
FIGURES = (
    "residents_served",
    "requests_filed",
    "requests_resolved",
    "requests_closed",
    "vouchers_redeemed",
    "photos_taken",
    "quiz_completions",
)
"""The figures of a day besides the per-service ones, in the CSV's order."""
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class DayFigures:
    """One day's figures (see the module docstring for each)."""

    day: date
    residents_served: int = 0
    served: dict[str, int] = field(default_factory=dict)
    requests_filed: int = 0
    requests_resolved: int = 0
    requests_closed: int = 0
    vouchers_redeemed: int = 0
    photos_taken: int = 0
    quiz_completions: int = 0

    def figure(self, name: str) -> int:
        """A figure by its column name (``served.<id>`` included)."""
        if name.startswith("served."):
            return self.served.get(name.removeprefix("served."), 0)
        value: int = getattr(self, name)
        return value


@dataclass(frozen=True)
class UsageReport:
    """The figures of ``[first, last]``, one row per day (days without anything included)."""

    first: date
    last: date
    days: tuple[DayFigures, ...]
    services: tuple[str, ...]

    def columns(self) -> list[str]:
        """The CSV's columns."""
        return [
            "day",
            "residents_served",
            *(f"served.{s}" for s in self.services),
            *FIGURES[1:],
        ]

    def total(self, name: str) -> int:
        """A figure summed over the days."""
        return sum(d.figure(name) for d in self.days)


def days_of(first: date, last: date) -> list[date]:
    """Every day of ``[first, last]``.

    Raises:
        ValueError: ``last`` before ``first``, or more than :data:`MAX_DAYS` days.
    """
    if last < first:
        raise ValueError("the last day is before the first")
    count = (last - first).days + 1
    if count > MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days at a time")
    return [first + timedelta(days=i) for i in range(count)]


def _local_naive(moment: datetime) -> datetime:
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def ledger_counts(ledger: Ledger, first: date, last: date) -> tuple[Counter[date], Counter[date]]:
    """Vouchers fulfilled and quiz rewards earned per local day of ``[first, last]``."""
    redeemed: Counter[date] = Counter()
    quizzes: Counter[date] = Counter()
    for entry in ledger.entries():
        day = _local_naive(entry.at).date()
        if not first <= day <= last:
            continue
        if entry.kind is EntryKind.POST:
            redeemed[day] += 1
        elif entry.kind is EntryKind.EARN and entry.reason == QUIZ_REASON:
            quizzes[day] += 1
    return redeemed, quizzes


def photo_counts(photos: Any, days: Sequence[date]) -> Counter[date]:
    """Photos the photo store received per local day (those still kept).

    The photo store (:class:`center.photo.store.PhotoStore`) offers no count by day: this
    reads its ``photos`` table's ``received_at`` (fixed-width UTC text) through its
    database, read-only.
    """
    out: Counter[date] = Counter()
    with photos.db.read() as c:
        for day in days:
            start = datetime.combine(day, time()).astimezone()
            lo = start.astimezone(UTC).strftime(_TIME_FORMAT)
            hi = (start + timedelta(days=1)).astimezone(UTC).strftime(_TIME_FORMAT)
            row = c.execute(
                "SELECT COUNT(*) FROM photos WHERE received_at >= ? AND received_at < ?",
                (lo, hi),
            ).fetchone()
            if row[0]:
                out[day] = int(row[0])
    return out


def usage_report(
    first: date,
    last: date,
    *,
    usage: UsageLog | None = None,
    requests: RequestStore | None = None,
    ledger: Ledger | None = None,
    photos: Any = None,
) -> UsageReport:
    """The figures of every day of ``[first, last]`` (see the module docstring)."""
    days = days_of(first, last)
    counters = usage.daily(first, last) if usage is not None else {}
    redeemed, quizzes = ledger_counts(ledger, first, last) if ledger is not None else ({}, {})
    taken = photo_counts(photos, days) if photos is not None else Counter()
    seen = {
        name.removeprefix("service.")
        for day in counters.values()
        for name in day
        if name.startswith("service.")
    }
    services = SERVICES + tuple(sorted(seen - set(SERVICES)))
    rows = []
    for day in days:
        mine = counters.get(day, {})
        filed = resolved = closed = 0
        if requests is not None:
            report = requests.daily_report(day)
            filed, resolved, closed = report.received, report.done, report.closed
        rows.append(
            DayFigures(
                day=day,
                residents_served=mine.get("sessions", 0),
                served={s: mine.get(f"service.{s}", 0) for s in services},
                requests_filed=filed,
                requests_resolved=resolved,
                requests_closed=closed,
                vouchers_redeemed=redeemed.get(day, 0),
                photos_taken=taken.get(day, 0),
                quiz_completions=max(mine.get(QUIZ_COMPLETED, 0), quizzes.get(day, 0)),
            )
        )
    return UsageReport(first, last, tuple(rows), services)


def report_csv(report: UsageReport) -> str:
    """The report as CSV text: a header, then one row per day."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = report.columns()
    writer.writerow(columns)
    for day in report.days:
        writer.writerow([day.day.isoformat(), *(day.figure(c) for c in columns[1:])])
    return out.getvalue()


def write_report_csv(report: UsageReport, path: Path) -> int:
    """Writes the report to ``path`` atomically (UTF-8 with a BOM, for spreadsheet
    programs); answers the number of days."""
    write_atomic(path, report_csv(report).encode("utf-8-sig"))
    return len(report.days)


def read_report_csv(text: str) -> list[dict[str, str]]:
    """A CSV written by :func:`report_csv` as rows by column (for checks)."""
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
