"""Staff import of service hours from a CSV file: each row becomes an earn entry.

Columns (a header row is required; extra columns are ignored)::

    member_id,date,hours,activity[,row_id]
    M20230517,2026-11-20,2.5,社区巡逻,XJ-0001

- ``hours``: a positive number of hours, at most 24, at most two decimals. Points are
  ``hours x points_per_hour`` rounded down (a half hour earns nothing at 1 point an hour, but
  the half hour is still recorded as service time).
- ``date``: the day of service, ``YYYY-MM-DD``, not in the future.
- ``row_id`` (optional, e.g. the volunteer system's record number): the row's identity.
  Without it the identity is the row's content (member, date, hours, activity), so two
  genuinely separate but identical rows need distinct ``row_id`` values.

Importing is idempotent by row identity: a row imported before is reported as
``already_imported`` and writes nothing, so a file can be imported again after a failure.
Rejected rows (with a reason code and the line number) write nothing; good rows of the same
file are imported.

Files saved by Excel are read as well: UTF-8 with or without BOM, else GB18030.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import IdempotencyKeyReused, UnknownMember
from kiosk.points.ledger import Ledger
from kiosk.points.model import MEMBER_ID_RE

REQUIRED = ("member_id", "date", "hours", "activity")
MAX_HOURS = Decimal(24)
_ROW_ID = re.compile(r"^[\x21-\x7e]{1,64}$")


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported: its line number, a reason code and a short detail."""

    line: int
    reason: str  # unknown_member, bad_member_id, bad_number, bad_date, missing_activity,
    # duplicate_row, row_id_reused
    detail: str = ""


@dataclass
class ImportReport:
    """What an import did."""

    imported: int = 0
    points: int = 0
    hours_centi: int = 0
    already_imported: list[int] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no row was rejected."""
        return not self.rejected


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (BOM or not), else GB18030."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def _hours(text: str) -> int | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_HOURS:
        return None
    centi = value * 100
    if centi != centi.to_integral_value():
        return None
    return int(centi)


def row_key(member_id: str, day: date, hours_centi: int, activity: str, row_id: str) -> str:
    """The idempotency key of a row: its ``row_id``, else a digest of its content."""
    if row_id:
        return f"hours-import:id:{row_id}"
    text = f"{member_id}\n{day.isoformat()}\n{hours_centi}\n{activity}"
    return "hours-import:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def import_hours(
    ledger: Ledger,
    text: str,
    *,
    staff: str,
    terminal: str = "center-cli",
    today: date | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Imports the rows of a CSV text into ``ledger``; see the module docstring."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidQuery(f"the header lacks {', '.join(missing)}", field="header")
    reader.fieldnames = header
    today = today or ledger.clock.now().date()
    rate = ledger.config.points_per_hour
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        member_id = (row.get("member_id") or "").strip()
        activity = (row.get("activity") or "").strip()
        row_id = (row.get("row_id") or "").strip()
        if not MEMBER_ID_RE.match(member_id):
            report.rejected.append(RejectedRow(line, "bad_member_id"))
            continue
        hours_centi = _hours(row.get("hours") or "")
        if hours_centi is None:
            report.rejected.append(RejectedRow(line, "bad_number", (row.get("hours") or "")[:12]))
            continue
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            report.rejected.append(RejectedRow(line, "bad_date", (row.get("date") or "")[:12]))
            continue
        if day > today:
            report.rejected.append(RejectedRow(line, "bad_date", "in the future"))
            continue
        if not activity or len(activity) > 60:
            report.rejected.append(RejectedRow(line, "missing_activity"))
            continue
        if row_id and not _ROW_ID.match(row_id):
            report.rejected.append(RejectedRow(line, "bad_row_id"))
            continue
        key = row_key(member_id, day, hours_centi, activity, row_id)
        if key in seen:
            report.rejected.append(RejectedRow(line, "duplicate_row", f"same as line {seen[key]}"))
            continue
        seen[key] = line
        points = hours_centi * rate // 100
        if dry_run:
            try:
                ledger.balance(member_id)
            except UnknownMember:
                report.rejected.append(RejectedRow(line, "unknown_member"))
                continue
            report.imported += 1
            report.points += points
            report.hours_centi += hours_centi
            continue
        try:
            result = ledger.credit(
                member_id,
                points,
                key,
                hours_centi=hours_centi,
                reason="volunteer",
                terminal=terminal,
                staff=staff,
                extra={"service_date": day.isoformat(), "activity": activity},
            )
        except UnknownMember:
            report.rejected.append(RejectedRow(line, "unknown_member"))
            continue
        except IdempotencyKeyReused:
            report.rejected.append(RejectedRow(line, "row_id_reused", "imported with other values"))
            continue
        if result.replayed:
            report.already_imported.append(line)
        else:
            report.imported += 1
            report.points += points
            report.hours_centi += hours_centi
    return report
