"""The center's application endpoints, an ``APIRouter`` over the encrypted
:class:`~center.applications.store.ApplicationStore`, for authenticated terminals (``Authorization:
Bearer`` and ``X-Terminal-Id``, as every terminal route).

``POST /v1/applications`` takes one application (what
:class:`kiosk.application.http.HttpApplicationService` sends): every field of the
submission, the photo as ``photo_jpeg_b64`` with its ``photo_sha256``, and an
``Idempotency-Key`` header (8-128 printable characters). It answers ``201``
``{"application_no", "status_token", "status"}``; a repeat of the same application with the
same key answers the same with ``200`` and ``Idempotent-Replayed: true`` and keeps nothing
new; the same key with another application is refused (422 ``idempotency_key_reused``).
Keys belong to the terminal that sent them.

``GET /v1/applications/{application_no}?token=...`` answers the status a resident may see
(masked fields only) to any terminal (the receipt may be scanned at any kiosk); an unknown
number and a wrong token get the same 404 ``application_not_found``. The token may come as
the ``X-Status-Token`` header instead, which keeps it out of access logs.

Refusals use the app's error body ``{"error": {"code", "message"}}``: 401/403 ``auth.*``;
422 ``invalid_query`` with ``field`` (a missing or malformed key, a field that does not fit:
an ID number failing its MOD 11-2 check, a mobile number, a date, a post pickup without an
address...); 413 ``photo_too_large`` (over
:data:`~kiosk.application.model.MAX_PHOTO_BYTES`); 422 ``photo_checksum_mismatch``,
``not_a_jpeg``. The body is capped at :data:`MAX_BODY_BYTES` for this route (the app's cap
elsewhere is 64 KB), before it is read.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
import base64
import binascii
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from center.answers import no_store
from center.applications.store import ApplicationStore, ApplicationUnknown
from center.auth import TerminalRegistry
from center.credentials import terminal_caller
from center.photo.api import idempotency_key
from center.photo.checks import b64_length, check_photo
from center.photo.errors import PhotoTooLarge
from kiosk.application.model import MAX_PHOTO_BYTES
from kiosk.application.rules import submission_problems
from kiosk.platform.service_errors import InvalidQuery

__all__ = ["APPLICATIONS_PATH", "MAX_BODY_BYTES", "create_applications_router"]

APPLICATIONS_PATH = "/v1/applications"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_BODY_BYTES = b64_length(MAX_PHOTO_BYTES) + 16 * 1024
"""This route's body cap: the base64 of the largest photo plus room for the fields."""
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class ApplicationUpload(BaseModel):
    """One application from a terminal (personal: never logged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    business: str = Field(max_length=32, examples=["renew_expired"])
    id_number: str = Field(max_length=18, description="18 characters, MOD 11-2 checked")
    name: str = Field(max_length=30)
    sex: str = Field("", max_length=1, description="男, 女 or empty")
    nation: str = Field("", max_length=16)
    birth_date: str = Field("", max_length=10, description="YYYY-MM-DD or empty")
    card_address: str = Field("", max_length=120)
    card_valid_until: str = Field("", max_length=10, description="YYYY-MM-DD, 长期 or empty")
    mobile: str = Field(max_length=11)
    pickup: str = Field(max_length=8, examples=["window", "post"])
    post_address: str = Field("", max_length=120)
    fee_yuan: str = Field(max_length=8, examples=["20.00"])
    photo_preset: str = Field(max_length=48, examples=["resident-id"])
    submitted_at: datetime = Field(description="when the resident submitted it (ISO 8601)")
    photo_jpeg_b64: str = Field(description="the ID photo, standard base64 with padding")
    photo_sha256: str = Field(pattern=SHA256_PATTERN, description="hex SHA-256 of the photo")

    def fields(self) -> dict[str, str]:
        """The text fields, as the kiosk's model has them."""
        values = self.model_dump(exclude={"photo_jpeg_b64", "photo_sha256"})
        values["submitted_at"] = self.submitted_at.isoformat()
        return {k: str(v) for k, v in values.items()}


class SubmitAnswer(BaseModel):
    """What the resident's receipt carries."""

    application_no: str = Field(examples=["SQ20261202-K7Q2M9"])
    status_token: str = Field(description="the receipt QR's secret for status look-ups")
    status: str = Field(examples=["submitted"])


class StatusAnswer(BaseModel):
    """An application's status as a resident sees it: masked personal fields only."""

    application_no: str
    status: str = Field(
        examples=["submitted", "accepted", "returned", "in_production", "ready", "collected"]
    )
    reason: str = Field(description="why it was returned; empty otherwise")
    business: str
    updated_at: str
    pickup: str
    pickup_place: str
    name_masked: str = Field(examples=["张*"])
    id_masked: str = Field(examples=["110***********1234"])


def decode_photo(text: str) -> bytes:
    """The photo's bytes from strict, padded base64; refusals otherwise."""
    if len(text) > b64_length(MAX_PHOTO_BYTES):
        raise PhotoTooLarge(f"the photo is larger than {MAX_PHOTO_BYTES} bytes")
    try:
        photo = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidQuery("photo_jpeg_b64 is not base64", field="photo_jpeg_b64") from e
    if len(photo) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(f"the photo is larger than {MAX_PHOTO_BYTES} bytes")
    return photo


def create_applications_router(store: ApplicationStore, registry: TerminalRegistry) -> APIRouter:
    """The ``/v1/applications`` endpoints over ``store`` for the terminals in ``registry``.

    The router's lifespan closes the store when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    router = APIRouter(
        prefix=APPLICATIONS_PATH,
        tags=["applications"],
        lifespan=lifespan,
        dependencies=[Depends(no_store)],
    )
    Terminal = Annotated[str, Depends(terminal_caller(registry))]
    Key = Annotated[str, Depends(idempotency_key)]

    @router.post(
        "",
        response_model=SubmitAnswer,
        status_code=201,
        summary="Hand over a resident-ID application with its photo",
        responses={200: {"model": SubmitAnswer, "description": "a repeat: the first answer"}},
        max_body_size=MAX_BODY_BYTES,
    )
    async def submit(
        body: ApplicationUpload, response: Response, terminal_id: Terminal, key: Key
    ) -> SubmitAnswer:
        """Checks the application (every field, the photo bit-exact and a JPEG), keeps it
        sealed and answers its number and status token; a repeat answers the first ones."""

        def accept() -> tuple[SubmitAnswer, bool]:
            fields = body.fields()
            bad = submission_problems(fields)
            if bad:
                raise InvalidQuery(f"invalid {bad[0]}", field=bad[0])
            photo = decode_photo(body.photo_jpeg_b64)
            check_photo(photo, body.photo_sha256)
            stored = store.submit(
                fields,
                photo,
                terminal=terminal_id,
                idempotency_key=key,
                submitted_at=body.submitted_at,
            )
            answer = SubmitAnswer(
                application_no=stored.application_no,
                status_token=stored.status_token,
                status=stored.status,
            )
            return answer, stored.replayed

        answer, replayed = await asyncio.to_thread(accept)
        if replayed:
            response.status_code = 200
            response.headers[REPLAYED_HEADER] = "true"
        return answer

    @router.get(
        "/{application_no}",
        response_model=StatusAnswer,
        summary="An application's status, for the receipt's QR code",
    )
    async def status(
        _terminal: Terminal,
        application_no: Annotated[str, Path(max_length=32)],
        token: Annotated[str | None, Query(max_length=128)] = None,
        status_token: Annotated[str | None, Header(alias="X-Status-Token", max_length=128)] = (
            None
        ),
    ) -> StatusAnswer:
        """The status with masked fields; 404 for an unknown number or a wrong token."""
        presented = status_token or token or ""
        found = await asyncio.to_thread(store.status, application_no, presented)
        if found is None or not presented:
            raise ApplicationUnknown("no application with this number and token")
        return StatusAnswer(
            application_no=found.application_no,
            status=found.status,
            reason=found.reason,
            business=found.business,
            updated_at=found.updated_at,
            pickup=found.pickup,
            pickup_place=found.pickup_place,
            name_masked=found.name_masked,
            id_masked=found.id_masked,
        )

    return router
