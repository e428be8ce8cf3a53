"""Expiry: vouchers past their date and points past their expiry date, oldest first."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from kiosk.platform.database import Connection
from kiosk.platform.points_config import PointsConfig
from kiosk.points.ledger.accounts import insert_entry
from kiosk.points.ledger.store import LedgerStore
from kiosk.points.ledger.vouchers import sweep_expired_vouchers
from kiosk.points.model import EntryKind

log = logging.getLogger(__name__)


def expiry_date(earned: date, config: PointsConfig) -> date | None:
    """The first day on which points earned on ``earned`` are expired (None: never)."""
    if config.expiry == "never":
        return None
    if config.expiry == "end_of_year":
        return date(earned.year + 1, 1, 1)
    year = earned.year + config.expiry_years
    try:
        return earned.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return date(year, 3, 1)


@dataclass(frozen=True)
class ExpiryReport:
    """What an expiry run wrote: vouchers expired, points expired per member."""

    vouchers: tuple[str, ...] = ()
    points: dict[str, int] = field(default_factory=dict)


class Expiry(LedgerStore):
    """The expiry run of :class:`~kiosk.points.ledger.Ledger`."""

    def run_expiry(self, terminal: str = "center") -> ExpiryReport:
        """Expires vouchers past their date and points past their expiry; idempotent.

        Points expire oldest first: a member's credits (earn and positive adjust entries)
        whose expiry date has come, less everything the member has spent or had expired
        since, is what expires now. A second run the same day finds nothing due.
        """
        vouchers = sweep_expired_vouchers(self, terminal)
        expired: dict[str, int] = {}
        if self.config.expiry == "never":
            return ExpiryReport(tuple(vouchers), expired)
        today = self.clock.now().date()
        with self.db.read() as c:  # members with credits old enough (a cheap first cut)
            candidates = [
                r[0]
                for r in c.execute(
                    "SELECT DISTINCT member_id FROM entries WHERE at < ?"
                    " AND (kind = 'earn' OR (kind = 'adjust' AND available > 0))"
                    " ORDER BY member_id",
                    (self._credits_due_before(today),),
                ).fetchall()
            ]
        if candidates:
            expired = self._write(lambda c: self._expire_points(c, candidates, terminal))
        if expired:
            log.info("expired points of %d members", len(expired))
        return ExpiryReport(tuple(vouchers), expired)

    def _credits_due_before(self, today: date) -> str:
        """A day such that every credit due by ``today`` was earned before it (with slack:
        the exact date is checked per credit)."""
        if self.config.expiry == "end_of_year":
            return date(today.year, 1, 1).isoformat()
        back = today.year - self.config.expiry_years
        earlier = today.replace(year=back, day=min(today.day, 28))
        return (earlier + timedelta(days=4)).isoformat()

    def _expire_points(self, c: Connection, members: list[str], terminal: str) -> dict[str, int]:
        """Appends the expiry entries that are due for ``members`` (one transaction)."""
        expired: dict[str, int] = {}
        now = self.clock.now()
        today = now.date()
        for member_id in members:
            due_credits = 0
            for at, amount in c.execute(
                "SELECT at, available FROM entries WHERE member_id = ?"
                " AND (kind = 'earn' OR (kind = 'adjust' AND available > 0))",
                (member_id,),
            ).fetchall():
                until = expiry_date(datetime.fromisoformat(at).date(), self.config)
                if until is not None and until <= today:
                    due_credits += int(amount)
            if due_credits == 0:
                continue
            spent, gone = c.execute(
                "SELECT"
                " COALESCE(-SUM(CASE WHEN kind IN ('hold', 'void')"
                "   OR (kind = 'adjust' AND available < 0) THEN available END), 0),"
                " COALESCE(-SUM(CASE WHEN kind = 'expire' THEN available END), 0)"
                " FROM entries WHERE member_id = ?",
                (member_id,),
            ).fetchone()
            due = due_credits - int(spent) - int(gone)
            if due <= 0:
                continue
            insert_entry(
                c,
                f"expire:{member_id}:{today.isoformat()}:{gone}",
                EntryKind.EXPIRE,
                member_id,
                -due,
                0,
                reason=f"expiry_{self.config.expiry}",
                terminal=terminal,
                at=now,
            )
            expired[member_id] = due
        return expired
