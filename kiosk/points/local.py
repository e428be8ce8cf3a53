"""The ``local`` points service: the embedded SQLite ledger, answering for one terminal.

The default back end, so the product runs out of the box (seeded with the demo members and
the packaged catalogue); the center serves the same :class:`~kiosk.points.ledger.Ledger`
over HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from kiosk.framework.clock import Clock
from kiosk.framework.earning import EarnResult, EarnStatus
from kiosk.platform.points_config import PointsConfig
from kiosk.platform.service_errors import ServiceRejected
from kiosk.points.catalogue import CatalogueSpec
from kiosk.points.demo import DemoMembers, open_demo_ledger
from kiosk.points.ledger import Ledger
from kiosk.points.model import CancelledBy, CartLine, Catalogue, MemberSummary, Voucher


def earn_result(
    status: str, points: int = 0, balance: int | None = None, detail: str = ""
) -> EarnResult:
    """The quiz's ``EarnResult`` for a wire/ledger answer."""
    mapping = {
        "earned": EarnStatus.EARNED,
        "already_earned": EarnStatus.ALREADY_EARNED,
    }
    return EarnResult(mapping.get(status, EarnStatus.REJECTED), points, balance, detail)


class LocalPointsService:
    """Volunteer points from a :class:`Ledger` on this machine.

    Attributes:
        ledger: the ledger (staff tools and tests use it directly).
        terminal_id: written into every entry this service makes.
    """

    def __init__(self, ledger: Ledger, terminal_id: str = "local") -> None:
        self.ledger = ledger
        self.terminal_id = terminal_id

    @classmethod
    def open_demo(
        cls,
        path: Path,
        *,
        config: PointsConfig | None = None,
        clock: Clock | None = None,
        terminal_id: str = "local",
        catalogue: CatalogueSpec | None = None,
        members: DemoMembers | None = None,
    ) -> LocalPointsService:
        """Opens (creating) the ledger at ``path``, loads the catalogue (packaged by
        default) and seeds the demo members if it has none."""
        ledger = open_demo_ledger(path, config, clock, catalogue=catalogue, members=members)
        return cls(ledger, terminal_id)

    def member(self, member_id: str, *, card_no: int | None = None) -> MemberSummary:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.member_summary(member_id, card_no=card_no)

    def catalogue(self, member_id: str | None = None) -> Catalogue:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.catalogue(member_id)

    def redeem(self, member_id: str, lines: Sequence[CartLine], idempotency_key: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.redeem(member_id, lines, idempotency_key, self.terminal_id).value

    def open_vouchers(self, member_id: str) -> list[Voucher]:
        """See :class:`kiosk.points.service.PointsService`."""
        self.ledger.balance(member_id)  # UnknownMember for a stranger
        return self.ledger.open_vouchers(member_id)

    def voucher(self, code: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.voucher(code)

    def mark_printed(self, code: str, idempotency_key: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.mark_printed(code, idempotency_key, self.terminal_id).value

    def fulfil(self, code: str, staff: str, idempotency_key: str) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.fulfil(code, staff, idempotency_key, self.terminal_id).value

    def cancel(self, code: str, idempotency_key: str, by: CancelledBy) -> Voucher:
        """See :class:`kiosk.points.service.PointsService`."""
        return self.ledger.cancel(
            code, idempotency_key, self.terminal_id, staff=by.staff, member_id=by.member_id
        ).value

    def earn(self, member_id: str, points: int, idempotency_key: str, reason: str) -> EarnResult:
        """See :class:`kiosk.points.service.PointsService`."""
        try:
            answer = self.ledger.earn(
                member_id,
                points,
                idempotency_key,
                reason,
                self.terminal_id,
                call_id=uuid.uuid4().hex,
            )
        except ServiceRejected as e:
            return earn_result("rejected", detail=e.code)
        return earn_result(answer.status, answer.points, answer.balance, answer.detail)

    def ping(self) -> None:
        """Raises a ServiceError if the ledger cannot be read."""
        self.ledger.schema_version  # noqa: B018 - reading it is the check

    def close(self) -> None:
        """Closes the ledger."""
        self.ledger.close()
