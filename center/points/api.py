"""The center's volunteer-points endpoints: an ``APIRouter`` over the SQLite ledger.

Every endpoint is a POST with a JSON body (member ids and pickup codes never sit in a URL)
and needs the terminal's ``Authorization: Bearer`` and ``X-Terminal-Id``; the terminal is
written into every ledger entry. Writes need an ``Idempotency-Key`` header (8-128 printable
characters): a repeat answers the first answer with ``Idempotent-Replayed: true`` and
changes nothing; the same key with other parameters is refused (422
``idempotency_key_reused``).

Endpoints are ``async`` and hand every ledger call to a worker thread
(``asyncio.to_thread``): a write commits with ``synchronous=FULL`` (an fsync) and may wait
for SQLite's write lock, neither of which may stall the event loop.

Refusals use the app's error body ``{"error": {"code", "message"}}`` with the status of the
typed error (:mod:`kiosk.points.errors`): 404 ``unknown_member`` / ``unknown_item`` /
``voucher_not_found``, 409 ``not_enough_points`` / ``out_of_stock`` / ``limit_reached`` /
``card_revoked`` / ``voucher_fulfilled`` / ``voucher_closed`` / ``cancel_not_allowed`` /
``earn_not_allowed``, 422 ``invalid_query`` (with ``field``) / ``idempotency_key_reused``.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from center.answers import no_store
from center.auth import TerminalRegistry
from center.credentials import terminal_caller
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.ledger import KEY_PATTERN, Ledger, Replayed
from kiosk.points.model import (
    MEMBER_ID_PATTERN,
    STAFF_PATTERN,
    CartLine,
    Catalogue,
    EarnAnswer,
    MemberSummary,
    Voucher,
    VoucherList,
)

__all__ = ["create_points_router"]

log = logging.getLogger(__name__)

REPLAYED_HEADER = "Idempotent-Replayed"
CODE_PATTERN = r"^[A-Za-z0-9-]{4,20}$"


class _Body(BaseModel):
    # strict: "1" or true is not a quantity, 1.0 is not a card number
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StrictCartLine(CartLine):
    """A cart line as the wire must carry it (nested models keep their own config)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class MemberLookup(_Body):
    """Who scanned their card: the member id and the token's card number."""

    member_id: str = Field(pattern=MEMBER_ID_PATTERN)
    card_no: int | None = Field(None, ge=1)


class CatalogueLookup(_Body):
    """The catalogue, optionally with what one member may still take."""

    member_id: str | None = Field(None, pattern=MEMBER_ID_PATTERN)


class RedemptionRequest(_Body):
    """Items to redeem for a member."""

    member_id: str = Field(pattern=MEMBER_ID_PATTERN)
    lines: list[StrictCartLine] = Field(min_length=1, max_length=50)


class VoucherRef(_Body):
    """A voucher by its pickup code."""

    code: str = Field(pattern=CODE_PATTERN)


class OpenVoucherLookup(_Body):
    """A member's vouchers still to be picked up."""

    member_id: str = Field(pattern=MEMBER_ID_PATTERN)


class FulfilmentRequest(_Body):
    """Staff hand the goods over."""

    code: str = Field(pattern=CODE_PATTERN)
    staff: str = Field(pattern=STAFF_PATTERN)


class CancellationRequest(_Body):
    """A cancellation by staff (``staff``) or by the resident (``member_id``)."""

    code: str = Field(pattern=CODE_PATTERN)
    staff: str | None = Field(None, pattern=STAFF_PATTERN)
    member_id: str | None = Field(None, pattern=MEMBER_ID_PATTERN)


class EarnRequest(_Body):
    """The quiz's reward; ``call_id`` is the same on every transport retry of one call."""

    member_id: str = Field(pattern=MEMBER_ID_PATTERN)
    points: int = Field(ge=1, le=1000)
    reason: str = Field(min_length=1, max_length=40)
    call_id: str | None = Field(None, max_length=64)


async def idempotency_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """The write's ``Idempotency-Key`` header, else ``invalid_query``."""
    if idempotency_key is None:
        raise InvalidQuery("writes need an Idempotency-Key header", field="idempotency_key")
    if not KEY_PATTERN.fullmatch(idempotency_key):
        raise InvalidQuery("malformed Idempotency-Key", field="idempotency_key")
    return idempotency_key


@dataclass(frozen=True)
class Write:
    """What every write carries: the caller, its idempotency key, and the answer whose
    headers say whether it was a replay."""

    terminal_id: str
    key: str
    response: Response

    async def run[T](self, call: Callable[..., Replayed[T]], *args: Any, **kwargs: Any) -> T:
        """Runs a ledger write in a worker thread; marks a replayed answer."""
        result = await asyncio.to_thread(call, *args, **kwargs)
        if result.replayed:
            self.response.headers[REPLAYED_HEADER] = "true"
        return result.value


def create_points_router(ledger: Ledger, registry: TerminalRegistry) -> APIRouter:
    """The ``/v1/points`` endpoints over ``ledger`` for the terminals in ``registry``.

    The router's lifespan closes the ledger when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ledger.close()

    router = APIRouter(
        prefix="/v1/points",
        tags=["points"],
        lifespan=lifespan,
        dependencies=[Depends(no_store)],
    )
    Terminal = Annotated[str, Depends(terminal_caller(registry))]

    async def write(
        response: Response, terminal_id: Terminal, key: Annotated[str, Depends(idempotency_key)]
    ) -> Write:
        return Write(terminal_id, key, response)

    Writing = Annotated[Write, Depends(write)]

    @router.post("/member-lookups", response_model=MemberSummary, summary="A member's account")
    async def member(body: MemberLookup, _t: Terminal) -> MemberSummary:
        """Balance, hours, recent entries and open vouchers of the member a kiosk identified
        (the kiosk verified the token; this checks the member and the card number)."""
        return await asyncio.to_thread(ledger.member_summary, body.member_id, card_no=body.card_no)

    @router.post("/catalogue-lookups", response_model=Catalogue, summary="The catalogue")
    async def catalogue(body: CatalogueLookup, _t: Terminal) -> Catalogue:
        """Items with stock and limits; with a member, what they may still take."""
        return await asyncio.to_thread(ledger.catalogue, body.member_id)

    @router.post("/redemptions", response_model=Voucher, summary="Issue a voucher")
    async def redeem(body: RedemptionRequest, w: Writing) -> Any:
        """Holds the points and reserves the stock in one transaction; answers the voucher."""
        return await w.run(ledger.redeem, body.member_id, body.lines, w.key, w.terminal_id)

    @router.post("/voucher-lookups", response_model=Voucher, summary="A voucher by code")
    async def voucher(body: VoucherRef, _t: Terminal) -> Voucher:
        """Any voucher by its pickup code."""
        return await asyncio.to_thread(ledger.voucher, body.code)

    @router.post("/open-voucher-lookups", response_model=VoucherList, summary="Open vouchers")
    async def open_vouchers(body: OpenVoucherLookup, _t: Terminal) -> VoucherList:
        """A member's vouchers still to be picked up, newest first."""

        def lookup() -> list[Voucher]:
            ledger.balance(body.member_id)  # unknown_member for a stranger
            return ledger.open_vouchers(body.member_id)

        return VoucherList(vouchers=await asyncio.to_thread(lookup))

    @router.post("/voucher-prints", response_model=Voucher, summary="Receipt printed")
    async def printed(body: VoucherRef, w: Writing) -> Any:
        """Records that the voucher's receipt was printed."""
        return await w.run(ledger.mark_printed, body.code, w.key, w.terminal_id)

    @router.post("/fulfilments", response_model=Voucher, summary="Hand the goods over (核销)")
    async def fulfil(body: FulfilmentRequest, w: Writing) -> Any:
        """Posts the held points; names the staff member."""
        return await w.run(ledger.fulfil, body.code, body.staff, w.key, w.terminal_id)

    @router.post("/cancellations", response_model=Voucher, summary="Cancel a voucher")
    async def cancel(body: CancellationRequest, w: Writing) -> Any:
        """Returns the points and the stock (by staff, or by the resident where allowed)."""
        return await w.run(
            ledger.cancel,
            body.code,
            w.key,
            w.terminal_id,
            staff=body.staff,
            member_id=body.member_id,
        )

    @router.post("/earnings", response_model=EarnAnswer, summary="The quiz's reward")
    async def earn(body: EarnRequest, w: Writing) -> Any:
        """Credits the quiz's daily allowance once per member and day."""
        return await asyncio.to_thread(
            ledger.earn,
            body.member_id,
            body.points,
            w.key,
            body.reason,
            w.terminal_id,
            call_id=body.call_id,
        )

    return router
