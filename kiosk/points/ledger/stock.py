"""Stock: the catalogue's items, their stock, and what a member may still take."""

from __future__ import annotations

from kiosk.platform.database import Connection
from kiosk.platform.points_config import ItemLimits
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.catalogue import CatalogueSpec
from kiosk.points.errors import UnknownItem
from kiosk.points.ledger.accounts import check_member_id, member_row
from kiosk.points.ledger.limits import item_limits, used_quantity
from kiosk.points.ledger.schema import ITEM_COLUMNS, row_fields
from kiosk.points.ledger.store import LedgerStore
from kiosk.points.ledger.vouchers import sweep_expired_vouchers
from kiosk.points.model import Catalogue, CatalogueItem


class Stock(LedgerStore):
    """The catalogue and stock operations of :class:`~kiosk.points.ledger.Ledger`."""

    def sync_catalogue(self, spec: CatalogueSpec) -> None:
        """Adds new items with their initial stock, updates known ones (never their stock),
        and withdraws items the spec no longer lists."""

        def sync(c: Connection) -> None:
            known = {
                r[0]: tuple(r[1:])
                for r in c.execute(
                    "SELECT id, position, name_zh, name_en, points, picture, per_day, per_month,"
                    " active FROM items"
                ).fetchall()
            }
            for position, item in enumerate(spec.item):
                limits = item.limits or ItemLimits()
                values = (
                    position,
                    item.name_zh,
                    item.name_en,
                    item.points,
                    item.picture,
                    limits.per_day,
                    limits.per_month,
                )
                if item.id in known:
                    if known[item.id] == (*values, 1):
                        continue  # unchanged: no write (several servers start at once)
                    c.execute(
                        "UPDATE items SET position = ?, name_zh = ?, name_en = ?, points = ?,"
                        " picture = ?, per_day = ?, per_month = ?, active = 1 WHERE id = ?",
                        (*values, item.id),
                    )
                else:
                    c.execute(
                        "INSERT INTO items (id, position, name_zh, name_en, points, picture,"
                        " per_day, per_month, stock, stock_total)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (item.id, *values, item.stock, item.stock),
                    )
            listed = [i.id for i in spec.item]
            if not listed:
                c.execute("UPDATE items SET active = 0 WHERE active = 1")
                return
            c.execute(
                "UPDATE items SET active = 0 WHERE active = 1"
                f" AND id NOT IN ({','.join('?' * len(listed))})",
                listed,
            )

        self._write(sync)

    def restock(self, item_id: str, quantity: int) -> int:
        """Adds ``quantity`` to an item's stock; returns the new stock."""
        if quantity < 1:
            raise InvalidQuery("restock by at least 1", field="quantity")

        def add(c: Connection) -> int:
            row = c.execute(
                "UPDATE items SET stock = stock + ?, stock_total = stock_total + ? WHERE id = ?"
                " RETURNING stock",
                (quantity, quantity, item_id),
            ).fetchone()
            if row is None:
                raise UnknownItem("no such item", item_id=item_id)
            return int(row[0])

        return self._write(add)

    def catalogue(self, member_id: str | None = None) -> Catalogue:
        """Items on offer with stock and limits; with ``member_id``, what that member may
        still take today and this month."""
        sweep_expired_vouchers(self)  # stock reserved by expired vouchers is back
        with self.db.read() as c:
            if member_id is not None:
                check_member_id(member_id)
                member_row(c, member_id)
            today = self.clock.now().date()
            items = []
            for r in c.execute(
                f"SELECT {ITEM_COLUMNS} FROM items WHERE active = 1 ORDER BY position"
            ).fetchall():
                limits = item_limits(self.config, r)
                left_day = left_month = None
                if member_id is not None:
                    if limits.per_day is not None:
                        left_day = max(0, limits.per_day - used_quantity(c, member_id, r[0], today))
                    if limits.per_month is not None:
                        used = used_quantity(c, member_id, r[0], today.replace(day=1))
                        left_month = max(0, limits.per_month - used)
                item = row_fields(ITEM_COLUMNS, r)
                item.update(per_day=limits.per_day, per_month=limits.per_month)
                items.append(CatalogueItem(**item, left_today=left_day, left_this_month=left_month))
            return Catalogue(items=tuple(items))
