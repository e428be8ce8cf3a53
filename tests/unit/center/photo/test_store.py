"""The center's photo store: encrypted at rest (no pixel on disk, the key apart and private),
read back bit-exact, idempotent per terminal and key, and photos past their retention
deleted (on open, on every write, on demand) and never served, on an injected clock. The
store's rules hold on both engines (SQLite, PostgreSQL); what is about the file is SQLite's."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from center.photo.errors import PhotoKeyReused
from center.photo.store import (
    PhotoStore,
    load_photo_config,
    open_center_photos,
    photos_file,
    photos_key_file,
)
from kiosk.framework.clock import FakeClock
from kiosk.platform.service_errors import StoreError
from tests.unit.center.photo.conftest import NOW, chunks, leaked, make_jpeg

DAY = 86400.0


def put(store: PhotoStore, jpeg: bytes, key: str, terminal: str = "kiosk-01") -> str:
    return store.put(
        jpeg, terminal=terminal, preset="resident-id", taken_at=NOW, idempotency_key=key
    ).reference


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_photos_are_encrypted_at_rest_and_read_back_bit_exact(tmp_path: Path) -> None:
    store = open_center_photos(tmp_path, FakeClock(NOW))
    jpeg = make_jpeg(1)
    reference = put(store, jpeg, "key-00001")
    assert store.get(reference) == jpeg
    assert leaked(tmp_path, jpeg) == []  # the database and its WAL hold ciphertext only
    store.close()
    assert leaked(tmp_path, jpeg) == []
    key = photos_key_file(tmp_path)
    assert key.parent != photos_file(tmp_path).parent  # a copied photos/ folder has no key
    assert (mode(key), mode(key.parent)) == (0o600, 0o700)
    assert (mode(photos_file(tmp_path)), mode(photos_file(tmp_path).parent)) == (0o600, 0o700)
    again = open_center_photos(tmp_path, FakeClock(NOW))  # the same key on the next start
    assert again.get(reference) == jpeg and again.get("ZP20261123-AAAAAA") is None
    again.close()


def test_what_the_store_records_about_a_photo(tmp_path: Path, center_engine: Any) -> None:
    clock = FakeClock(NOW)
    store = open_center_photos(tmp_path, clock, engine=center_engine)
    jpeg = make_jpeg(2)
    clock.advance(90)
    reference = put(store, jpeg, "key-00002")
    record = store.record(reference)
    assert record is not None
    assert (record.terminal, record.preset, record.taken_at) == (
        "kiosk-01",
        "resident-id",
        NOW.isoformat(),
    )
    assert (record.size, record.idempotency_key) == (len(jpeg), "key-00002")
    assert record.received_at == clock.now().astimezone(UTC)
    assert reference.startswith("ZP20261123-")
    store.close()


def test_another_key_cannot_read_the_photos(tmp_path: Path) -> None:
    store = open_center_photos(tmp_path / "center", FakeClock(NOW))
    reference = put(store, make_jpeg(3), "key-00003")
    store.close()
    shutil.copytree(tmp_path / "center" / "photos", tmp_path / "copy")
    with pytest.raises(StoreError, match="not the key"):  # refused as it opens
        PhotoStore(tmp_path / "copy" / "photos.sqlite3", tmp_path / "other.key")
    with sqlite3.connect(tmp_path / "copy" / "photos.sqlite3") as db:
        db.execute("DELETE FROM sealing_key")  # and past that, the photos stay sealed
    thief = PhotoStore(tmp_path / "copy" / "photos.sqlite3", tmp_path / "other.key")
    with pytest.raises(StoreError, match="cannot be decrypted"):
        thief.get(reference)
    thief.close()


def test_a_damaged_photo_is_not_served(tmp_path: Path) -> None:
    store = open_center_photos(tmp_path, FakeClock(NOW))
    reference = put(store, make_jpeg(4), "key-00004")
    store.close()
    with sqlite3.connect(photos_file(tmp_path)) as db:
        db.execute("UPDATE photos SET sha256 = ? WHERE reference = ?", ("0" * 64, reference))
    db.close()
    store = open_center_photos(tmp_path, FakeClock(NOW))
    with pytest.raises(StoreError):
        store.get(reference)
    store.close()


def test_writes_are_idempotent_per_terminal_and_key(tmp_path: Path, center_engine: Any) -> None:
    store = open_center_photos(tmp_path, FakeClock(NOW), engine=center_engine)
    jpeg = make_jpeg(5)
    first = store.put(
        jpeg, terminal="kiosk-01", preset="resident-id", taken_at=NOW, idempotency_key="key-5"
    )
    again = store.put(
        jpeg, terminal="kiosk-01", preset="resident-id", taken_at=NOW, idempotency_key="key-5"
    )
    assert (first.replayed, again.replayed) == (False, True)
    assert again.reference == first.reference and store.count() == 1
    with pytest.raises(PhotoKeyReused):
        put(store, make_jpeg(6), "key-5")
    with pytest.raises(PhotoKeyReused):
        store.put(
            jpeg, terminal="kiosk-01", preset="one-inch", taken_at=NOW, idempotency_key="key-5"
        )
    assert store.count() == 1 and store.get(first.reference) == jpeg
    other = put(store, jpeg, "key-5", terminal="kiosk-02")  # keys belong to their terminal
    assert other != first.reference and store.count() == 2
    assert put(store, jpeg, "key-6") not in (first.reference, other)
    store.close()


def test_photos_past_their_retention_are_never_served_and_purged(
    tmp_path: Path, center_engine: Any
) -> None:
    clock = FakeClock(NOW)
    store = open_center_photos(tmp_path, clock, engine=center_engine)
    assert store.retention.days == 30
    old = put(store, make_jpeg(7), "key-old")
    clock.advance(29 * DAY)
    young = put(store, make_jpeg(8), "key-young")
    assert store.purge() == 0 and store.count() == 2
    clock.advance(1 * DAY + 1)  # `old` is 30 days and a second old
    assert store.get(old) is None and store.record(old) is None  # before any purge
    assert store.count() == 2
    assert store.purge() == 1 and store.count() == 1
    assert store.get(young) is not None
    clock.advance(29 * DAY)  # `young` expires: the next write purges it
    put(store, make_jpeg(9), "key-next")
    assert store.count() == 1 and store.get(young) is None
    store.close()


def test_opening_the_store_purges(tmp_path: Path, center_engine: Any) -> None:
    clock = FakeClock(NOW)
    store = open_center_photos(tmp_path, clock, engine=center_engine)
    put(store, make_jpeg(10), "key-00010")
    store.close()
    clock.advance(31 * DAY)
    store = open_center_photos(tmp_path, clock, engine=center_engine)
    assert store.count() == 0
    store.close()


def test_a_purged_photo_leaves_no_ciphertext_behind(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    store = open_center_photos(tmp_path, clock)
    reference = put(store, make_jpeg(11), "key-00011")
    with sqlite3.connect(photos_file(tmp_path)) as db:
        (sealed,) = db.execute(
            "SELECT sealed FROM photos WHERE reference = ?", (reference,)
        ).fetchone()
    db.close()
    assert leaked(tmp_path, bytes(sealed)) != []
    clock.advance(31 * DAY)
    assert store.purge() == 1
    assert leaked(tmp_path, bytes(sealed)) == []  # zeroed pages (secure_delete), WAL emptied
    store.close()


def test_the_retention_is_a_setting_of_the_data_dir(tmp_path: Path, center_engine: Any) -> None:
    assert load_photo_config(tmp_path).retention_days == 30
    (tmp_path / "photos.toml").write_text("[photos]\nretention_days = 7\n")
    clock = FakeClock(NOW)
    store = open_center_photos(tmp_path, clock, engine=center_engine)
    assert store.retention.days == 7
    reference = put(store, make_jpeg(12), "key-00012")
    clock.advance(7 * DAY + 1)
    assert store.get(reference) is None and store.purge() == 1
    store.close()
    for bad in ("retention_days = 0", "retention_days = 400", "keep_days = 7"):
        (tmp_path / "photos.toml").write_text(f"[photos]\n{bad}\n")
        with pytest.raises(ValidationError):
            load_photo_config(tmp_path)


def test_received_times_are_kept_in_utc(tmp_path: Path, center_engine: Any) -> None:
    aware = FakeClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    store = open_center_photos(tmp_path, aware, engine=center_engine)
    record = store.record(put(store, make_jpeg(13), "key-00013"))
    assert record is not None and record.received_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    store.close()


def test_on_postgresql_photos_are_sealed_and_servers_must_share_the_key(
    tmp_path: Path, postgres_url: str
) -> None:
    from center.database import DatabaseSettings, open_engine

    engine = open_engine(tmp_path, DatabaseSettings(url=postgres_url))
    try:
        store = open_center_photos(tmp_path / "server-1", FakeClock(NOW), engine=engine)
        jpeg = make_jpeg(14)
        reference = put(store, jpeg, "key-00014")
        with store.db.read() as c:
            (sealed,) = c.execute(
                "SELECT sealed FROM photos WHERE reference = ?", (reference,)
            ).fetchone()
        assert jpeg not in bytes(sealed) and not any(c in bytes(sealed) for c in chunks(jpeg))
        shutil.copytree(tmp_path / "server-1" / "keys", tmp_path / "server-2" / "keys")
        second = open_center_photos(tmp_path / "server-2", FakeClock(NOW), engine=engine)
        assert second.get(reference) == jpeg  # another app server, the same key
        with pytest.raises(StoreError, match="not the key"):  # one that made its own
            open_center_photos(tmp_path / "server-3", FakeClock(NOW), engine=engine)
        store.close()
        second.close()
    finally:
        engine.close()
