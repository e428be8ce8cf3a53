"""Members: registration, cards, balances, summaries and their entries."""

from __future__ import annotations

from kiosk.platform.database import Connection
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import CardRevoked
from kiosk.points.ledger.accounts import balance_of, check_member_id, entry_from_row, member_row
from kiosk.points.ledger.schema import ENTRY_COLUMNS, iso
from kiosk.points.ledger.store import LedgerStore
from kiosk.points.ledger.vouchers import held_vouchers, sweep_expired_vouchers
from kiosk.points.model import Balance, LedgerEntry, MemberSummary


class Members(LedgerStore):
    """The member operations of :class:`~kiosk.points.ledger.Ledger`."""

    def add_member(self, member_id: str, name: str, *, card_no: int = 1) -> None:
        """Registers a member (a no-op if the id is taken with the same name)."""
        check_member_id(member_id)
        if not name.strip() or len(name) > 40:
            raise InvalidQuery("a member needs a name of 1-40 characters", field="name")

        def add(c: Connection) -> None:
            row = c.execute("SELECT name FROM members WHERE id = ?", (member_id,)).fetchone()
            if row is not None:
                if row[0] != name.strip():
                    raise InvalidQuery("member id taken by another name", field="member_id")
                return
            c.execute(
                "INSERT INTO members (id, name, card_no, created_at) VALUES (?, ?, ?, ?)",
                (member_id, name.strip(), card_no, iso(self.clock.now())),
            )

        self._write(add)

    def new_card(self, member_id: str) -> int:
        """Issues a new card number for a member; tokens of older cards stop working."""

        def renew(c: Connection) -> int:
            member_row(c, member_id)
            row = c.execute(
                "UPDATE members SET card_no = card_no + 1 WHERE id = ? RETURNING card_no",
                (member_id,),
            ).fetchone()
            return int(row[0])

        return self._write(renew)

    def member_card(self, member_id: str) -> tuple[str, int]:
        """(name, current card number) of a member."""
        with self.db.read() as c:
            row = member_row(c, member_id)
        return str(row[1]), int(row[2])

    def members(self) -> list[tuple[str, str, int, Balance]]:
        """Every member: (id, name, card number, balance)."""
        with self.db.read() as c:
            rows = c.execute("SELECT id, name, card_no FROM members ORDER BY id").fetchall()
            return [(r[0], r[1], int(r[2]), balance_of(c, r[0])) for r in rows]

    def has_members(self) -> bool:
        """Whether any member is registered."""
        with self.db.read() as c:
            return c.execute("SELECT 1 FROM members LIMIT 1").fetchone() is not None

    def balance(self, member_id: str) -> Balance:
        """A member's balance, summed from the entries."""
        sweep_expired_vouchers(self)  # an expired voucher's points are no longer held
        with self.db.read() as c:
            member_row(c, member_id)
            return balance_of(c, member_id)

    def member_summary(self, member_id: str, *, card_no: int | None = None) -> MemberSummary:
        """Balance, hours, recent entries and open vouchers of a member.

        ``card_no`` is the token's card number: an older card than the member's current one
        raises :class:`CardRevoked`.
        """
        check_member_id(member_id)
        sweep_expired_vouchers(self)  # the balance shown must not count expired holds
        with self.db.read() as c:
            row = member_row(c, member_id)
            if card_no is not None and card_no != int(row[2]):
                raise CardRevoked("the card was replaced")
            hours = c.execute(
                "SELECT COALESCE(SUM(hours_centi), 0) FROM entries WHERE member_id = ?",
                (member_id,),
            ).fetchone()[0]
            recent = [
                entry_from_row(r)
                for r in c.execute(
                    f"SELECT {ENTRY_COLUMNS} FROM entries WHERE member_id = ?"
                    " ORDER BY id DESC LIMIT ?",
                    (member_id, self.config.recent_entries),
                ).fetchall()
            ]
            return MemberSummary(
                member_id=member_id,
                name=str(row[1]),
                balance=balance_of(c, member_id),
                hours_centi=int(hours),
                recent=tuple(recent),
                open_vouchers=tuple(held_vouchers(c, member_id, self.clock.now())),
            )

    def entries(self, member_id: str | None = None) -> list[LedgerEntry]:
        """Every entry (of a member), oldest first."""
        sweep_expired_vouchers(self)
        with self.db.read() as c:
            if member_id is None:
                rows = c.execute(f"SELECT {ENTRY_COLUMNS} FROM entries ORDER BY id").fetchall()
            else:
                rows = c.execute(
                    f"SELECT {ENTRY_COLUMNS} FROM entries WHERE member_id = ? ORDER BY id",
                    (member_id,),
                ).fetchall()
            return [entry_from_row(r) for r in rows]
