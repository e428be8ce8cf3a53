from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kiosk.photo.outbox import PhotoOutbox
from kiosk.photo.service import LocalPhotoService, PhotoServiceError, PhotoSubmission

JPEG = b"\xff\xd8\xff\xe0" + b"FACE-PIXELS" * 100 + b"\xff\xd9"


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Unreachable:
    def __init__(self) -> None:
        self.calls = 0

    def submit(self, photo: PhotoSubmission, idempotency_key: str) -> str:
        self.calls += 1
        raise PhotoServiceError("connection refused")


def photo() -> PhotoSubmission:
    return PhotoSubmission(JPEG, "resident-id", "kiosk-01", datetime(2026, 11, 23, 9, 30))


def test_local_service_is_idempotent_and_codes_are_readable(tmp_path: Path) -> None:
    service = LocalPhotoService(tmp_path / "photos.sqlite3")
    first = service.submit(photo(), "key-1")
    assert first == service.submit(photo(), "key-1")  # a retry gets the same code
    second = service.submit(photo(), "key-2")
    assert first != second and service.count() == 2
    assert first.startswith("ZP20261123-") and not set(first[11:]) & set("IO01")
    service.close()


def test_outbox_encrypts_retries_and_deletes_after_sending(tmp_path: Path) -> None:
    wall = Wall()
    outbox = PhotoOutbox(tmp_path / "outbox", tmp_path / "keys" / "outbox.key", wall_clock=wall)
    outbox_id = outbox.put(photo(), "key-1")
    stored = (tmp_path / "outbox" / f"{outbox_id}.photo").read_bytes()
    assert b"FACE-PIXELS" not in stored and JPEG.hex().encode() not in stored
    assert (tmp_path / "keys" / "outbox.key").stat().st_mode & 0o077 == 0

    down = Unreachable()
    outcome = outbox.retry(down)
    assert outcome.failed == [outbox_id] and outbox.pending() == [outbox_id] and down.calls == 1

    service = LocalPhotoService(tmp_path / "photos.sqlite3")
    outcome = outbox.retry(service)
    assert list(outcome.sent) == [outbox_id] and outbox.pending() == []
    assert service.count() == 1
    # the same idempotency key: a later direct retry cannot create a second photo
    assert service.submit(photo(), "key-1") == outcome.sent[outbox_id]
    service.close()


def test_outbox_photos_expire_and_are_deleted(tmp_path: Path) -> None:
    wall = Wall()
    outbox = PhotoOutbox(tmp_path / "o", tmp_path / "k", lifetime_s=3600, wall_clock=wall)
    outbox_id = outbox.put(photo(), "key-1")
    wall.now += 3601
    outcome = outbox.retry(Unreachable())
    assert outcome.expired == [outbox_id] and outbox.pending() == []
    assert list((tmp_path / "o").iterdir()) == []


def test_a_tampered_entry_is_dropped_not_sent(tmp_path: Path) -> None:
    outbox = PhotoOutbox(tmp_path / "o", tmp_path / "k")
    outbox_id = outbox.put(photo(), "key-1")
    path = tmp_path / "o" / f"{outbox_id}.photo"
    path.write_bytes(path.read_bytes()[:-5] + b"AAAAA")
    service = LocalPhotoService(tmp_path / "p.sqlite3")
    outcome = outbox.retry(service)
    assert outcome.expired == [outbox_id] and service.count() == 0
    service.close()


def test_the_embedded_intake_keeps_no_pixels(tmp_path: Path) -> None:
    path = tmp_path / "photos.sqlite3"
    service = LocalPhotoService(path)
    service.submit(photo(), "key-1")
    service.close()
    for f in tmp_path.iterdir():
        assert b"FACE-PIXELS" not in f.read_bytes(), f
