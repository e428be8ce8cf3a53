"""The center's request endpoints, an ``APIRouter`` over the encrypted
:class:`~center.requests.store.RequestStore`, for authenticated terminals (``Authorization:
Bearer`` and ``X-Terminal-Id``, as every terminal route).

``POST /v1/requests`` takes one request (what :class:`kiosk.requests.http.HttpRequestService`
sends): every field of the submission, the photo (optional) as ``photo_jpeg_b64`` with its
``photo_sha256``, and an ``Idempotency-Key`` header (8-128 printable characters). It answers
``201`` ``{"code", "status_token", "status", "department", "promised_hours",
"respond_by"}``; a repeat of the same request with the same key answers the same with
``200`` and ``Idempotent-Replayed: true`` and keeps nothing new; the same key with another
request is refused (422 ``idempotency_key_reused``). Keys belong to the terminal that sent
them.

``GET /v1/requests/{code}?token=...`` answers the status a resident may see (masked fields
only, with the public progress steps) to any terminal (the receipt may be scanned at any
kiosk); an unknown code and a wrong token get the same 404 ``request_not_found``. The token
may come as the ``X-Status-Token`` header instead, which keeps it out of access logs.

``POST /v1/requests/{code}/rating`` with ``{"token", "satisfied"}`` records the resident's
rating of a done or closed request and answers the status; the same rating again answers
the same (it is idempotent by its value, and an ``Idempotency-Key`` is allowed but not
needed); 409 ``not_rateable`` before the request is finished, 409 ``already_rated`` for
another rating than the one that stands.

Refusals use the app's error body ``{"error": {"code", "message"}}``: 401/403 ``auth.*``;
422 ``invalid_query`` with ``field`` (a missing or malformed key, a field that does not fit:
a description too long or blank, a mobile number, a callback without one, a photo without
its checksum...); 413 ``photo_too_large`` (over
:data:`~kiosk.requests.model.MAX_PHOTO_BYTES`); 422 ``photo_checksum_mismatch``,
``not_a_jpeg``. The body of ``POST /v1/requests`` is capped at :data:`MAX_BODY_BYTES` before
it is read (the app's cap elsewhere is 64 KB).
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
from center.auth import TerminalRegistry
from center.credentials import terminal_caller
from center.photo.api import KEY_PATTERN, idempotency_key
from center.photo.checks import b64_length, check_photo
from center.photo.errors import PhotoTooLarge
from center.requests.store import RequestStore, RequestUnknown
from kiosk.platform.service_errors import InvalidQuery
from kiosk.requests.model import MAX_DESCRIPTION_CHARS, MAX_PHOTO_BYTES, RequestStatus
from kiosk.requests.rules import submission_problems

__all__ = ["MAX_BODY_BYTES", "REQUESTS_PATH", "create_requests_router"]

REQUESTS_PATH = "/v1/requests"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_BODY_BYTES = b64_length(MAX_PHOTO_BYTES) + 16 * 1024
"""This route's body cap: the base64 of the largest photo plus room for the fields (the
longest description is 1000 characters, 6 KB as JSON escapes)."""
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class RequestUpload(BaseModel):
    """One request from a terminal (may be personal: never logged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: str = Field(max_length=32, examples=["repairs"])
    compound_id: str = Field(max_length=32, examples=["yangguang"])
    building: str = Field(max_length=4, examples=["3"])
    unit: str = Field("", max_length=3, examples=["2", ""])
    description: str = Field(max_length=MAX_DESCRIPTION_CHARS, examples=["3号楼电梯停运两天了"])
    mobile: str = Field("", max_length=11, description="11 digits, or empty")
    callback: bool = Field(False, description="the resident wants a call back (needs mobile)")
    submitted_at: datetime = Field(description="when the resident submitted it (ISO 8601)")
    photo_jpeg_b64: str | None = Field(None, description="a photo, standard padded base64")
    photo_sha256: str | None = Field(None, pattern=SHA256_PATTERN, description="its SHA-256")

    def fields(self) -> dict[str, object]:
        """The submission's fields, as the kiosk's model has them."""
        values = self.model_dump(exclude={"photo_jpeg_b64", "photo_sha256"})
        values["submitted_at"] = self.submitted_at.isoformat()
        return values


class SubmitAnswer(BaseModel):
    """What the resident's receipt carries."""

    code: str = Field(examples=["RQ20261202-K7Q2M9"])
    status_token: str = Field(description="the receipt QR's secret for status and rating")
    status: str = Field(examples=["received"])
    department: str = Field(examples=["物业服务中心"])
    promised_hours: int = Field(description="the promised first response, in hours")
    respond_by: str = Field(description="when the response is due (ISO 8601)")


class StepAnswer(BaseModel):
    """One public step of the progress."""

    at: str
    status: str
    text: str


class StatusAnswer(BaseModel):
    """A request's status as a resident sees it: masked personal fields only."""

    code: str
    status: str = Field(examples=["received", "assigned", "in_progress", "done", "closed"])
    category: str
    department: str
    result: str = Field(description="what was done (done), or why it was closed; else empty")
    submitted_at: str
    updated_at: str
    respond_by: str
    overdue: bool = Field(description="no response yet, and the promised time has passed")
    satisfied: bool | None
    mobile_masked: str = Field(examples=["138****5678", ""])
    callback: bool
    steps: list[StepAnswer]


class Rating(BaseModel):
    """The resident's rating, with the receipt's token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field(max_length=128)
    satisfied: bool


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


def status_answer(status: RequestStatus) -> StatusAnswer:
    """The wire form of a status."""
    return StatusAnswer.model_validate(status.as_json())


async def optional_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> None:
    """An ``Idempotency-Key`` where one is allowed but not needed: checked for shape."""
    if idempotency_key is not None and not KEY_PATTERN.fullmatch(idempotency_key):
        raise InvalidQuery("malformed Idempotency-Key", field="idempotency_key")


def create_requests_router(store: RequestStore, registry: TerminalRegistry) -> APIRouter:
    """The ``/v1/requests`` endpoints over ``store`` for the terminals in ``registry``.

    The router's lifespan closes the store when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    router = APIRouter(
        prefix=REQUESTS_PATH,
        tags=["requests"],
        lifespan=lifespan,
        dependencies=[Depends(no_store)],
    )
    Terminal = Annotated[str, Depends(terminal_caller(registry))]
    Key = Annotated[str, Depends(idempotency_key)]
    Code = Annotated[str, Path(max_length=32)]

    @router.post(
        "",
        response_model=SubmitAnswer,
        status_code=201,
        summary="Hand over a resident request (您来点单), with its photo if any",
        responses={200: {"model": SubmitAnswer, "description": "a repeat: the first answer"}},
        max_body_size=MAX_BODY_BYTES,
    )
    async def submit(
        body: RequestUpload, response: Response, terminal_id: Terminal, key: Key
    ) -> SubmitAnswer:
        """Checks the request (every field; the photo bit-exact and a JPEG), keeps it
        sealed and answers its code, status token and promise; a repeat answers the first."""

        def accept() -> tuple[SubmitAnswer, bool]:
            fields = body.fields()
            bad = submission_problems(fields)
            if bad:
                raise InvalidQuery(f"invalid {bad[0]}", field=bad[0])
            if (body.photo_jpeg_b64 is None) != (body.photo_sha256 is None):
                raise InvalidQuery("a photo goes with its SHA-256", field="photo_sha256")
            photo = None
            if body.photo_jpeg_b64 is not None and body.photo_sha256 is not None:
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
                code=stored.code,
                status_token=stored.status_token,
                status=stored.status,
                department=stored.department,
                promised_hours=stored.promised_hours,
                respond_by=stored.respond_by.isoformat(),
            )
            return answer, stored.replayed

        answer, replayed = await asyncio.to_thread(accept)
        if replayed:
            response.status_code = 200
            response.headers[REPLAYED_HEADER] = "true"
        return answer

    @router.get(
        "/{code}",
        response_model=StatusAnswer,
        summary="A request's status and progress, for the receipt's QR code",
    )
    async def status(
        _terminal: Terminal,
        code: Code,
        token: Annotated[str | None, Query(max_length=128)] = None,
        status_token: Annotated[str | None, Header(alias="X-Status-Token", max_length=128)] = (
            None
        ),
    ) -> StatusAnswer:
        """The status with masked fields; 404 for an unknown code or a wrong token."""
        presented = status_token or token or ""
        found = await asyncio.to_thread(store.status, code, presented)
        if found is None:
            raise RequestUnknown("no request with this code and token")
        return status_answer(found)

    @router.post(
        "/{code}/rating",
        response_model=StatusAnswer,
        summary="The resident's rating of a finished request",
        dependencies=[Depends(optional_key)],
    )
    async def rate(terminal_id: Terminal, code: Code, body: Rating) -> StatusAnswer:
        """Records the rating (once; the same again answers the same) and answers the
        status; 404 for an unknown code or a wrong token."""
        rated = await asyncio.to_thread(
            store.rate, code, body.token, body.satisfied, terminal=terminal_id
        )
        return status_answer(rated)

    return router
