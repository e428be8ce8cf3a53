"""The daily redemption report: every voucher event of one day, as a CSV for staff.

One row per event: a voucher issued (hold), fulfilled (post), cancelled or expired (void),
with time, voucher code, the member's masked id, items, points, terminal and staff. Written
as UTF-8 with a BOM so spreadsheet programs show the Chinese item names.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kiosk.framework.masking import mask_member_id
from kiosk.platform.atomic_file import write_atomic
from kiosk.points.ledger import Ledger
from kiosk.points.model import EntryKind, VoucherStatus

COLUMNS = ("time", "event", "voucher", "member", "items", "points", "terminal", "staff")


def redemption_report(ledger: Ledger, day: date) -> list[dict[str, str]]:
    """The day's voucher events, in ledger order."""
    start = datetime.combine(day, time())
    rows: list[dict[str, str]] = []
    vouchers = {}
    for entry in ledger.entries():
        if not start <= entry.at < start + timedelta(days=1) or entry.voucher_code is None:
            continue
        code = entry.voucher_code
        if code not in vouchers:
            vouchers[code] = ledger.voucher(code)
        v = vouchers[code]
        if entry.kind is EntryKind.HOLD:
            event = "issued"
        elif entry.kind is EntryKind.POST:
            event = "fulfilled"
        else:
            event = "expired" if v.status is VoucherStatus.EXPIRED else "cancelled"
        rows.append(
            {
                "time": entry.at.isoformat(sep=" ", timespec="seconds"),
                "event": event,
                "voucher": code,
                "member": mask_member_id(v.member_id),
                "items": "; ".join(f"{line.name_zh} x{line.quantity}" for line in v.lines),
                "points": str(v.points),
                "terminal": entry.terminal,
                "staff": entry.staff or "",
            }
        )
    return rows


def report_csv(rows: list[dict[str, str]]) -> str:
    """The rows as CSV text with a header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_report(ledger: Ledger, day: date, path: Path) -> int:
    """Writes the day's report to ``path`` (atomically); returns the number of events."""
    rows = redemption_report(ledger, day)
    write_atomic(path, report_csv(rows).encode("utf-8-sig"))
    return len(rows)
