"""Checks: every invariant of the ledger recomputed from its rows (tests, ``bench/``)."""

from __future__ import annotations

from kiosk.points.ledger.store import LedgerStore


class Checks(LedgerStore):
    """The self-check of :class:`~kiosk.points.ledger.Ledger`."""

    def verify(self) -> list[str]:
        """Recomputes every invariant from the entries; returns what is wrong (empty: all good).

        Balances never negative; each voucher's entries match its status and points; stock
        plus what vouchers hold or handed over equals all stock ever added; one voucher per
        redemption request.
        """
        with self.db.read() as c:
            problems: list[str] = []
            for member_id, available, held in c.execute(
                "SELECT member_id, SUM(available), SUM(held) FROM entries GROUP BY member_id"
            ).fetchall():
                if available < 0 or held < 0:
                    problems.append(f"{member_id}: negative balance {available}/{held}")
            expected = {
                "held": ("hold",),
                "fulfilled": ("hold", "post"),
                "cancelled": ("hold", "void"),
                "expired": ("hold", "void"),
            }
            for code, status, points, member_id in c.execute(
                "SELECT code, status, points, member_id FROM vouchers"
            ).fetchall():
                rows = c.execute(
                    "SELECT kind, available, held, member_id FROM entries WHERE voucher_code = ?"
                    " ORDER BY id",
                    (code,),
                ).fetchall()
                kinds = tuple(r[0] for r in rows)
                if kinds != expected[status]:
                    problems.append(f"voucher {code}: {status} with entries {kinds}")
                    continue
                if rows[0][1] != -points or any(r[3] != member_id for r in rows):
                    problems.append(f"voucher {code}: entries do not match its points or member")
                if sum(r[2] for r in rows) != (points if status == "held" else 0):
                    problems.append(f"voucher {code}: held points do not balance")
                lines = c.execute(
                    "SELECT COALESCE(SUM(quantity * unit_points), 0) FROM voucher_lines"
                    " WHERE voucher_code = ?",
                    (code,),
                ).fetchone()[0]
                if lines != points:
                    problems.append(f"voucher {code}: lines sum to {lines}, not {points}")
            for item_id, stock, total in c.execute(
                "SELECT id, stock, stock_total FROM items"
            ).fetchall():
                out = c.execute(
                    "SELECT COALESCE(SUM(l.quantity), 0) FROM voucher_lines l JOIN vouchers v"
                    " ON v.code = l.voucher_code WHERE l.item_id = ?"
                    " AND v.status IN ('held', 'fulfilled')",
                    (item_id,),
                ).fetchone()[0]
                if stock < 0 or stock + out != total:
                    problems.append(f"item {item_id}: stock {stock} + out {out} != {total}")
            for key, count in c.execute(
                "SELECT r.key, COUNT(v.code) FROM requests r LEFT JOIN vouchers v"
                " ON v.request_key = r.key WHERE r.op = 'redeem' GROUP BY r.key"
            ).fetchall():
                if count != 1:
                    problems.append(f"request {key[:8]}: {count} vouchers")
        return problems
