"""One suite, both implementations, each built by the factory from ``[backend]``: ``local``
(the embedded intake) and ``http`` (the kiosk's client to the real center on 127.0.0.1)
give a ZP reference per photo, the same reference for a repeat with the same key, another
for another key, and refuse a used key with another photo.

Then what only the center does: it keeps the bytes bit-exact and encrypted on its disk; it
refuses a photo damaged on the way, what is not a JPEG and a terminal it does not know
(the client raises ``PhotoServiceError``, marked not retryable); and a center that cannot
be reached raises ``PhotoServiceError`` too, so the flow puts the photo in the outbox, whose
retry later hands it over under the same key.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.photo.factory import build_photo_service
from kiosk.photo.http import HttpPhotoService
from kiosk.photo.outbox import PhotoOutbox
from kiosk.photo.service import LocalPhotoService, PhotoServiceError, PhotoSubmission
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from tests.support.uvicorn_server import closed_port
from tests.unit.center.photo.conftest import (
    NOW,
    TERMINAL,
    PhotoCenter,
    leaked,
    make_jpeg,
    serve_photo_center,
)

REFERENCE = re.compile(r"^ZP20261123-[A-HJ-NP-Z2-9]{6}$")


def photo(jpeg: bytes, preset_id: str = "resident-id") -> PhotoSubmission:
    return PhotoSubmission(jpeg, preset_id, TERMINAL, NOW)


def key() -> str:
    """A fresh idempotency key (the flow's are 24 hex characters)."""
    return uuid.uuid4().hex[:24]


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhotoCenter]:
    """The center on 127.0.0.1 with its own encrypted photo store (module-wide)."""
    with serve_photo_center(tmp_path_factory.mktemp("photo-center")) as running:
        yield running


@dataclass
class Backend:
    """One implementation under test."""

    name: str
    service: LocalPhotoService | HttpPhotoService


@pytest.fixture(params=["local", "http"])
def backend(
    request: pytest.FixtureRequest, center: PhotoCenter, tmp_path: Path
) -> Iterator[Backend]:
    """Each implementation in turn, as the factory builds it."""
    config = ServiceConfig(backend="local") if request.param == "local" else center.config()
    service = build_photo_service(config, data_dir=tmp_path, terminal_id=TERMINAL)
    assert isinstance(service, LocalPhotoService | HttpPhotoService)
    assert isinstance(service, HttpPhotoService) == (request.param == "http")
    yield Backend(request.param, service)
    service.close()


def test_a_photo_gets_a_reference_code(backend: Backend) -> None:
    reference = backend.service.submit(photo(make_jpeg(1)), key())
    assert REFERENCE.match(reference), reference


def test_the_same_key_gets_the_same_reference(backend: Backend) -> None:
    jpeg, k = make_jpeg(2), key()
    first = backend.service.submit(photo(jpeg), k)
    assert backend.service.submit(photo(jpeg), k) == first  # the outbox's retry
    assert backend.service.submit(photo(jpeg), k) == first


def test_another_key_gets_another_reference(backend: Backend) -> None:
    jpeg = make_jpeg(3)
    references = {backend.service.submit(photo(jpeg), key()) for _ in range(3)}
    assert len(references) == 3 and all(REFERENCE.match(r) for r in references)


def test_a_used_key_with_another_photo_is_refused(backend: Backend) -> None:
    k = key()
    first = backend.service.submit(photo(make_jpeg(4)), k)
    with pytest.raises(PhotoServiceError) as refused:
        backend.service.submit(photo(make_jpeg(5)), k)
    assert not refused.value.retryable
    with pytest.raises(PhotoServiceError):
        backend.service.submit(photo(make_jpeg(4), preset_id="one-inch"), k)
    assert backend.service.submit(photo(make_jpeg(4)), k) == first


# What only the center does.


def test_the_center_keeps_the_bytes_bit_exact_and_encrypted(center: PhotoCenter) -> None:
    jpeg = make_jpeg(10)
    service = center.client()
    reference = service.submit(photo(jpeg, "two-inch"), key())
    service.close()
    assert center.store.get(reference) == jpeg
    record = center.store.record(reference)
    assert record is not None
    assert (record.terminal, record.preset, record.size) == (TERMINAL, "two-inch", len(jpeg))
    assert leaked(center.data_dir, jpeg) == []  # no file of the center holds the pixels


class CorruptingClient(HttpClient):
    """Flips one bit of the photo on its way to the center (after the kiosk hashed it)."""

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        body = dict(kwargs.pop("json_body"))
        jpeg = bytearray(base64.b64decode(body["jpeg_b64"]))
        jpeg[len(jpeg) // 2] ^= 0x01
        body["jpeg_b64"] = base64.b64encode(bytes(jpeg)).decode("ascii")
        return super().request(method, path, json_body=body, **kwargs)


def test_a_photo_damaged_on_the_way_is_refused(center: PhotoCenter) -> None:
    count = center.store.count()
    service = HttpPhotoService(CorruptingClient(center.config(), TERMINAL))
    with pytest.raises(PhotoServiceError, match="photo_checksum_mismatch") as refused:
        service.submit(photo(make_jpeg(11)), key())
    service.close()
    assert not refused.value.retryable and center.store.count() == count


@pytest.mark.parametrize(
    "data",
    [b"GIF89a" + b"\0" * 64, make_jpeg(12)[:-500], b"\xff\xd8\xff\xe0" + b"\0" * 200],
    ids=["gif", "truncated-jpeg", "jpeg-header-only"],
)
def test_what_is_not_a_jpeg_is_refused(center: PhotoCenter, data: bytes) -> None:
    count = center.store.count()
    service = center.client()
    with pytest.raises(PhotoServiceError, match="not_a_jpeg") as refused:
        service.submit(photo(data), key())
    service.close()
    assert not refused.value.retryable and center.store.count() == count


def test_a_terminal_the_center_does_not_know_is_refused(center: PhotoCenter) -> None:
    service = center.client(token="x" * 43)
    with pytest.raises(PhotoServiceError, match=r"auth\.invalid_token") as refused:
        service.submit(photo(make_jpeg(13)), key())
    service.close()
    assert not refused.value.retryable


def test_an_unreachable_center_leaves_the_photo_to_the_outbox(
    center: PhotoCenter, tmp_path: Path
) -> None:
    jpeg, k = make_jpeg(14), key()
    down = center.client(base_url=f"http://127.0.0.1:{closed_port()}", retries=1)
    with pytest.raises(PhotoServiceError) as failed:
        down.submit(photo(jpeg), k)
    assert failed.value.retryable
    outbox = PhotoOutbox(tmp_path / "outbox", tmp_path / "outbox.key")  # as the flow does
    outbox_id = outbox.put(photo(jpeg), k)
    assert outbox.retry(down).failed == [outbox_id] and outbox.pending() == [outbox_id]
    down.close()

    up = center.client()
    sent = outbox.retry(up).sent
    assert list(sent) == [outbox_id] and outbox.pending() == []
    assert center.store.get(sent[outbox_id]) == jpeg
    assert up.submit(photo(jpeg), k) == sent[outbox_id]  # one photo at the center, not two
    up.close()
