"""The center's photo intake endpoint: ``POST /v1/photos``, an ``APIRouter`` over the
encrypted :class:`~center.photo.store.PhotoStore`.

The body is JSON ``{"jpeg_b64", "sha256", "preset_id", "taken_at"}`` (what
:class:`kiosk.photo.http.HttpPhotoService` sends); the answer is ``{"reference":
"ZP20261123-K7Q2M9"}``. Like the points writes it needs the terminal's ``Authorization:
Bearer`` and ``X-Terminal-Id`` and an ``Idempotency-Key`` header (8-128 printable
characters): a repeat of the same photo with the same key answers the first reference with
``Idempotent-Replayed: true`` and keeps nothing new; the same key with another photo is
refused (422 ``idempotency_key_reused``). Keys belong to the terminal that sent them.

Refusals use the app's error body ``{"error": {"code", "message"}}``: 401/403 ``auth.*``;
422 ``invalid_query`` (with ``field``: a missing or malformed key, a body that does not fit
the schema, ``jpeg_b64`` that is not base64, a ``preset_id`` that is not a slug); 413
``photo_too_large`` (a photo over :data:`~center.photo.checks.MAX_JPEG_BYTES`); 422
``photo_checksum_mismatch``, ``not_a_jpeg``. A body far beyond :data:`MAX_BODY_BYTES` is
not read at all: 413 before parsing (``http_error``, or a plain-text answer when its
``Content-Length`` already says so), whoever sends it.

The preset is checked as a slug, not against the packaged list: a site may define presets
of its own. Decoding the JPEG and the write (an fsync) run in a worker thread.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from center.answers import no_store
from center.auth import TerminalRegistry
from center.credentials import terminal_caller
from center.photo.checks import MAX_JPEG_BYTES, b64_length, check_photo, decode_jpeg_b64
from center.photo.store import PhotoStore
from kiosk.platform.service_errors import InvalidQuery

__all__ = ["create_photos_router"]

PHOTOS_PATH = "/v1/photos"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{8,128}")  # as the points API: printable ASCII, no spaces
PRESET_PATTERN = r"^[a-z0-9][a-z0-9-]{0,47}$"  # a preset id (kiosk.photo.presets), bounded
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_BODY_BYTES = b64_length(MAX_JPEG_BYTES) + 16 * 1024
"""The request body is cut off beyond this, before it is parsed: the base64 of the largest
photo plus room for the other fields. Slightly larger photos still get
``photo_too_large``."""


class PhotoUpload(BaseModel):
    """One finished photo from a terminal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    jpeg_b64: str = Field(description="the JPEG, standard base64 with padding")
    sha256: str = Field(pattern=SHA256_PATTERN, description="hex SHA-256 of the JPEG")
    preset_id: str = Field(pattern=PRESET_PATTERN, description="the photo preset, e.g. resident-id")
    taken_at: datetime = Field(description="when the photo was taken (ISO 8601)")


class PhotoReceipt(BaseModel):
    """The reference the resident's receipt shows."""

    reference: str = Field(examples=["ZP20261123-K7Q2M9"])


async def idempotency_key(
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """The upload's ``Idempotency-Key`` header, else ``invalid_query``."""
    if idempotency_key is None:
        raise InvalidQuery("uploads need an Idempotency-Key header", field="idempotency_key")
    if not KEY_PATTERN.fullmatch(idempotency_key):
        raise InvalidQuery("malformed Idempotency-Key", field="idempotency_key")
    return idempotency_key


def create_photos_router(store: PhotoStore, registry: TerminalRegistry) -> APIRouter:
    """The ``/v1/photos`` endpoint over ``store`` for the terminals in ``registry``.

    The router's lifespan closes the store when the app shuts down.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    router = APIRouter(
        prefix=PHOTOS_PATH, tags=["photos"], lifespan=lifespan, dependencies=[Depends(no_store)]
    )
    Terminal = Annotated[str, Depends(terminal_caller(registry))]
    Key = Annotated[str, Depends(idempotency_key)]

    @router.post(
        "",
        response_model=PhotoReceipt,
        summary="Hand over a finished ID photo",
        max_body_size=MAX_BODY_BYTES,
    )
    async def submit(
        body: PhotoUpload, response: Response, terminal_id: Terminal, key: Key
    ) -> PhotoReceipt:
        """Checks the photo (base64, SHA-256, size, a JPEG that decodes), keeps it encrypted
        and answers its reference; a repeat answers the first one."""

        def accept() -> tuple[str, bool]:
            jpeg = decode_jpeg_b64(body.jpeg_b64)
            check_photo(jpeg, body.sha256)
            stored = store.put(
                jpeg,
                terminal=terminal_id,
                preset=body.preset_id,
                taken_at=body.taken_at,
                idempotency_key=key,
            )
            return stored.reference, stored.replayed

        reference, replayed = await asyncio.to_thread(accept)
        if replayed:
            response.headers[REPLAYED_HEADER] = "true"
        return PhotoReceipt(reference=reference)

    return router
