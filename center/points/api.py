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
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from center.auth import TerminalRegistry
from kiosk.framework.clock import Clock
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.catalogue import DEFAULT_CATALOGUE, load_catalogue_spec
from kiosk.points.config import PointsConfig
from kiosk.points.demo import seed_demo_members
from kiosk.points.ledger import KEY_PATTERN, Ledger, Replayed
from kiosk.points.model import (
    MEMBER_ID_PATTERN,
    STAFF_PATTERN,
    CartLine,
    Catalogue,
    EarnAnswer,
    MemberSummary,
    Voucher,
)

__all__ = ["Ledger", "create_points_router", "load_points_config", "open_center_ledger"]

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
REPLAYED_HEADER = "Idempotent-Replayed"
CODE_PATTERN = r"^[A-Za-z0-9-]{4,20}$"

_bearer = HTTPBearer(auto_error=False, description="This terminal's token")
_terminal = APIKeyHeader(name="X-Terminal-Id", auto_error=False, description="This terminal's id")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    lines: list[CartLine] = Field(min_length=1, max_length=50)


class VoucherRef(_Body):
    """A voucher by its pickup code."""

    code: str = Field(pattern=CODE_PATTERN)


class OpenVoucherLookup(_Body):
    """A member's vouchers still to be picked up."""

    member_id: str = Field(pattern=MEMBER_ID_PATTERN)


class VoucherList(BaseModel):
    """Vouchers, newest first."""

    vouchers: list[Voucher]


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


def load_points_config(data_dir: Path) -> PointsConfig:
    """``<data_dir>/points.toml`` (its ``[points]`` table), or the defaults if absent."""
    path = data_dir / "points.toml"
    if not path.exists():
        return PointsConfig()
    with path.open("rb") as f:
        data = tomllib.load(f)
    return PointsConfig.model_validate(data.get("points", {}))


def open_center_ledger(data_dir: Path, clock: Clock | None = None) -> Ledger:
    """The center's ledger, ``<data_dir>/points.sqlite3``: the catalogue synced from
    ``<data_dir>/points_catalogue.toml`` (else the packaged one), demo members seeded into
    a new ledger, and an expiry run (vouchers and points past their dates)."""
    catalogue = data_dir / "points_catalogue.toml"
    ledger = Ledger(data_dir / "points.sqlite3", load_points_config(data_dir), clock)
    try:
        ledger.sync_catalogue(
            load_catalogue_spec(catalogue if catalogue.exists() else DEFAULT_CATALOGUE)
        )
        seed_demo_members(ledger)
        ledger.run_expiry("center")
    except BaseException:
        ledger.close()
        raise
    return ledger


def create_points_router(ledger: Ledger, registry: TerminalRegistry) -> APIRouter:
    """The ``/v1/points`` endpoints over ``ledger`` for the terminals in ``registry``.

    The router's lifespan closes the ledger when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ledger.close()

    router = APIRouter(prefix="/v1/points", tags=["points"], lifespan=lifespan)

    async def terminal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        terminal_id: Annotated[str | None, Depends(_terminal)],
    ) -> str:
        token = credentials.credentials if credentials is not None else None
        return registry.authenticate(terminal_id, token)

    async def key(
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> str:
        if idempotency_key is None:
            raise InvalidQuery("writes need an Idempotency-Key header", field="idempotency_key")
        if not KEY_PATTERN.fullmatch(idempotency_key):
            raise InvalidQuery("malformed Idempotency-Key", field="idempotency_key")
        return idempotency_key

    Terminal = Annotated[str, Depends(terminal)]
    Key = Annotated[str, Depends(key)]

    def answer[T](response: Response, result: Replayed[T]) -> T:
        response.headers.update(NO_STORE)
        if result.replayed:
            response.headers[REPLAYED_HEADER] = "true"
        return result.value

    @router.post("/member-lookups", response_model=MemberSummary, summary="A member's account")
    async def member(body: MemberLookup, response: Response, _t: Terminal) -> MemberSummary:
        """Balance, hours, recent entries and open vouchers of the member a kiosk identified
        (the kiosk verified the token; this checks the member and the card number)."""
        response.headers.update(NO_STORE)
        return await asyncio.to_thread(ledger.member_summary, body.member_id, card_no=body.card_no)

    @router.post("/catalogue-lookups", response_model=Catalogue, summary="The catalogue")
    async def catalogue(body: CatalogueLookup, response: Response, _t: Terminal) -> Catalogue:
        """Items with stock and limits; with a member, what they may still take."""
        response.headers.update(NO_STORE)
        return await asyncio.to_thread(ledger.catalogue, body.member_id)

    @router.post("/redemptions", response_model=Voucher, summary="Issue a voucher")
    async def redeem(
        body: RedemptionRequest, response: Response, terminal_id: Terminal, idem: Key
    ) -> Any:
        """Holds the points and reserves the stock in one transaction; answers the voucher."""
        result = await asyncio.to_thread(
            ledger.redeem, body.member_id, body.lines, idem, terminal_id
        )
        return answer(response, result)

    @router.post("/voucher-lookups", response_model=Voucher, summary="A voucher by code")
    async def voucher(body: VoucherRef, response: Response, _t: Terminal) -> Voucher:
        """Any voucher by its pickup code."""
        response.headers.update(NO_STORE)
        return await asyncio.to_thread(ledger.voucher, body.code)

    @router.post("/open-voucher-lookups", response_model=VoucherList, summary="Open vouchers")
    async def open_vouchers(
        body: OpenVoucherLookup, response: Response, _t: Terminal
    ) -> VoucherList:
        """A member's vouchers still to be picked up, newest first."""
        response.headers.update(NO_STORE)

        def lookup() -> list[Voucher]:
            ledger.balance(body.member_id)  # unknown_member for a stranger
            return ledger.open_vouchers(body.member_id)

        return VoucherList(vouchers=await asyncio.to_thread(lookup))

    @router.post("/voucher-prints", response_model=Voucher, summary="Receipt printed")
    async def printed(
        body: VoucherRef, response: Response, terminal_id: Terminal, idem: Key
    ) -> Any:
        """Records that the voucher's receipt was printed."""
        result = await asyncio.to_thread(ledger.mark_printed, body.code, idem, terminal_id)
        return answer(response, result)

    @router.post("/fulfilments", response_model=Voucher, summary="Hand the goods over (核销)")
    async def fulfil(
        body: FulfilmentRequest, response: Response, terminal_id: Terminal, idem: Key
    ) -> Any:
        """Posts the held points; names the staff member."""
        result = await asyncio.to_thread(ledger.fulfil, body.code, body.staff, idem, terminal_id)
        return answer(response, result)

    @router.post("/cancellations", response_model=Voucher, summary="Cancel a voucher")
    async def cancel(
        body: CancellationRequest, response: Response, terminal_id: Terminal, idem: Key
    ) -> Any:
        """Returns the points and the stock (by staff, or by the resident where allowed)."""
        result = await asyncio.to_thread(
            ledger.cancel, body.code, idem, terminal_id, staff=body.staff, member_id=body.member_id
        )
        return answer(response, result)

    @router.post("/earnings", response_model=EarnAnswer, summary="The quiz's reward")
    async def earn(body: EarnRequest, response: Response, terminal_id: Terminal, idem: Key) -> Any:
        """Credits the quiz's daily allowance once per member and day."""
        response.headers.update(NO_STORE)
        return await asyncio.to_thread(
            ledger.earn,
            body.member_id,
            body.points,
            idem,
            body.reason,
            terminal_id,
            call_id=body.call_id,
        )

    return router
