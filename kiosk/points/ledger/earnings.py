"""Points coming in and staff corrections: the quiz's daily reward (the only credit a kiosk
may make), staff credits (service hours) and adjustments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from kiosk.platform.database import Connection
from kiosk.platform.points_config import QUIZ_REASON
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import EarnNotAllowed, NotEnoughPoints
from kiosk.points.ledger.accounts import (
    balance_of,
    check_member_id,
    entry_by_id,
    insert_entry,
    member_row,
)
from kiosk.points.ledger.idempotency import Replayed
from kiosk.points.ledger.schema import iso
from kiosk.points.ledger.store import LedgerStore
from kiosk.points.model import EarnAnswer, EntryKind, LedgerEntry

EntryAction = Callable[[Connection, datetime], int]
"""An entry write's body: runs inside the transaction at ``now``; returns the entry id."""


class Earnings(LedgerStore):
    """The earning and correction operations of :class:`~kiosk.points.ledger.Ledger`."""

    def earn(
        self,
        member_id: str,
        points: int,
        key: str,
        reason: str,
        terminal: str,
        *,
        call_id: str | None = None,
    ) -> EarnAnswer:
        """What a kiosk may credit: the anti-fraud quiz's daily allowance, nothing else.

        ``reason`` must be the quiz's and ``points`` at most ``quiz_points_per_day``, else
        :class:`EarnNotAllowed`; once per member per local day (another key the same day
        answers ``already_earned`` and writes nothing). A replay of the same key answers
        ``already_earned`` too, unless it carries the first call's ``call_id`` (a transport
        retry of that very call), which gets the original ``earned`` answer.
        """
        check_member_id(member_id)
        cap = self.config.quiz_points_per_day
        if reason != QUIZ_REASON or not 1 <= points <= cap:
            raise EarnNotAllowed(f"kiosks may credit only {QUIZ_REASON} up to {cap} a day")

        def action(c: Connection, now: datetime) -> dict[str, Any]:
            member_row(c, member_id)
            start = datetime.combine(now.date(), time())
            earlier = c.execute(
                "SELECT 1 FROM entries WHERE member_id = ? AND kind = 'earn' AND reason = ?"
                " AND at >= ? AND at < ? LIMIT 1",
                (member_id, reason, iso(start), iso(start + timedelta(days=1))),
            ).fetchone()
            if earlier is not None:
                balance = balance_of(c, member_id).available
                return EarnAnswer(status="already_earned", balance=balance).model_dump()
            insert_entry(
                c,
                f"earn:{key}",
                EntryKind.EARN,
                member_id,
                points,
                0,
                reason=reason,
                terminal=terminal,
                at=now,
            )
            balance = balance_of(c, member_id).available
            return EarnAnswer(status="earned", points=points, balance=balance).model_dump()

        params = {"member_id": member_id, "points": points, "reason": reason}
        result, replayed, first_call = self._idempotent(
            "earn", key, params, terminal, action, call_id=call_id
        )
        answer = EarnAnswer.model_validate(result)
        if replayed and not (call_id and call_id == first_call):
            answer = EarnAnswer(status="already_earned", balance=answer.balance)
        return answer

    def _write_entry(
        self, op: str, key: str, params: dict[str, Any], terminal: str, action: EntryAction
    ) -> Replayed[LedgerEntry]:
        """An idempotent write answered with the entry ``action`` appended."""

        def write(c: Connection, now: datetime) -> dict[str, Any]:
            return entry_by_id(c, action(c, now)).model_dump(mode="json")

        result, replayed, _ = self._idempotent(op, key, params, terminal, write)
        return Replayed(LedgerEntry.model_validate(result), replayed)

    def credit(
        self,
        member_id: str,
        points: int,
        key: str,
        *,
        hours_centi: int = 0,
        reason: str,
        terminal: str,
        staff: str,
        extra: dict[str, Any] | None = None,
    ) -> Replayed[LedgerEntry]:
        """A staff credit (service hours import): an earn entry, idempotent by ``key``."""
        check_member_id(member_id)
        if points < 0 or hours_centi < 0 or (points == 0 and hours_centi == 0):
            raise InvalidQuery("nothing to credit", field="points")

        def action(c: Connection, now: datetime) -> int:
            member_row(c, member_id)
            return insert_entry(
                c,
                f"credit:{key}",
                EntryKind.EARN,
                member_id,
                points,
                0,
                hours_centi=hours_centi,
                reason=reason,
                terminal=terminal,
                staff=staff,
                at=now,
            )

        params = {
            "member_id": member_id,
            "points": points,
            "hours_centi": hours_centi,
            "reason": reason,
            **(extra or {}),
        }
        return self._write_entry("credit", key, params, terminal, action)

    def adjust(
        self, member_id: str, points: int, key: str, *, staff: str, reason: str, terminal: str
    ) -> Replayed[LedgerEntry]:
        """A staff correction (±points); never below zero (:class:`NotEnoughPoints`)."""
        check_member_id(member_id)
        if points == 0:
            raise InvalidQuery("an adjustment is not zero", field="points")
        if not staff.strip():
            raise InvalidQuery("an adjustment names the staff member", field="staff")

        def action(c: Connection, now: datetime) -> int:
            member_row(c, member_id)
            if points < 0 and -points > balance_of(c, member_id).available:
                raise NotEnoughPoints("the adjustment exceeds the available points")
            return insert_entry(
                c,
                f"adjust:{key}",
                EntryKind.ADJUST,
                member_id,
                points,
                0,
                reason=reason,
                terminal=terminal,
                staff=staff,
                at=now,
            )

        params = {"member_id": member_id, "points": points, "staff": staff, "reason": reason}
        return self._write_entry("adjust", key, params, terminal, action)
