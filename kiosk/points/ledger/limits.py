"""Per-member limits of an item: which limits apply, and how many a member has taken."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kiosk.platform.database import Connection
from kiosk.platform.points_config import ItemLimits, PointsConfig


def item_limits(config: PointsConfig, row: Sequence[Any]) -> ItemLimits:
    """The limits of an item row (selected with ``ITEM_COLUMNS``): the configured ones,
    else the catalogue's own."""
    own = ItemLimits(per_day=row[6], per_month=row[7])
    has_own = row[6] is not None or row[7] is not None
    return config.limits_for(str(row[0]), own if has_own else None)


def used_quantity(c: Connection, member_id: str, item_id: str, since: date) -> int:
    """How many of an item a member's held and fulfilled vouchers issued ``since`` took."""
    row = c.execute(
        "SELECT COALESCE(SUM(l.quantity), 0) FROM voucher_lines l"
        " JOIN vouchers v ON v.code = l.voucher_code"
        " WHERE v.member_id = ? AND l.item_id = ? AND v.issued_on >= ?"
        " AND v.status IN ('held', 'fulfilled')",
        (member_id, item_id, since.isoformat()),
    ).fetchone()
    return int(row[0])
