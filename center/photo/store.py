"""The center's photo store: every photo a terminal handed over, encrypted at rest, kept for
``retention_days`` (default 30) and then deleted.

In the center's database (:mod:`center.database`), under the data directory
(:mod:`center.data_dir`)::

    photos/photos.sqlite3   one row per photo: reference, terminal, preset, taken_at,
                            received_at, SHA-256, size, idempotency key, and the JPEG sealed
                            with Fernet (AES-128-CBC + HMAC-SHA256); file 0600, folder 0700
                            (on PostgreSQL: the ``photos`` schema, the same rows)
    keys/photos.key         the Fernet key, made on first open (file 0600, folder 0700)
    photos.toml             optional: ``[photos]`` ``retention_days = 30`` (1-365)

The key sits apart from the photos, so a copied ``photos/`` folder (or a backup of it)
shows no face; on the same disk it does not protect against a stolen disk (full-disk
encryption does). Losing the key loses every stored photo: :meth:`PhotoStore.get` then
raises :class:`~kiosk.platform.service_errors.StoreError`.

Several app servers on one PostgreSQL database must share one key: copy ``keys/photos.key``
to each (never into the database). The store records a fingerprint of the key the first
time, and a server with another key refuses to open it rather than seal photos nobody else
can open.

Retention: expired photos are deleted when the store opens and before every write, and
:meth:`PhotoStore.get` never answers one even before that. On SQLite, deleted rows are
overwritten (``secure_delete``) and the WAL is truncated after a purge, so no ciphertext
lingers. On PostgreSQL a deleted row's ciphertext stays in the table's dead space until
autovacuum reuses it, and in WAL archives for their retention (backups keep what they
keep): all of it sealed with the key that is not in the database.

Writes are idempotent per terminal and ``Idempotency-Key``: a repeat of the same photo
answers the first reference; the same key with another photo (or preset, or time) is
refused with :class:`~center.photo.errors.PhotoKeyReused`. Several processes may share the
store: the check and the insert run in one transaction, and the unique key
``(terminal, idem)`` decides between two uploads of the same photo at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel, ConfigDict, Field

from center.data_dir import load_settings
from center.database import Engine
from center.photo.errors import PhotoKeyReused
from kiosk.framework.clock import Clock, SystemClock
from kiosk.photo.service import new_reference
from kiosk.platform.database import (
    READ_COMMITTED,
    Connection,
    Database,
    Dialects,
    Migration,
    SqliteDatabase,
)
from kiosk.platform.service_errors import StoreError

log = logging.getLogger(__name__)

RETENTION_DEFAULT_DAYS = 30
_REFERENCE_ATTEMPTS = 8  # 32**6 codes a day: a clash is rare, two in a row rarer still
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, UTC: compares as text

STORE = "photos"
SQLITE_FILE = "photos/photos.sqlite3"
_PHOTOS = (
    "CREATE TABLE photos ("
    " reference TEXT PRIMARY KEY,"
    " terminal TEXT NOT NULL,"
    " idem TEXT NOT NULL,"
    " preset TEXT NOT NULL,"
    " taken_at TEXT NOT NULL,"
    " received_at TEXT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " sealed {blob} NOT NULL,"
    " UNIQUE (terminal, idem))"
)
MIGRATIONS: tuple[Migration, ...] = (
    (
        Dialects(_PHOTOS.format(blob="BLOB"), _PHOTOS.format(blob="BYTEA")),
        "CREATE INDEX photos_received_at ON photos (received_at)",
    ),
    # 2: the fingerprint of the key the photos are sealed with
    (
        "CREATE TABLE sealing_key"
        " (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL)",
    ),
)


def key_fingerprint(key: bytes) -> str:
    """Names a Fernet key without revealing it."""
    return hmac.new(key, b"center photo store key", hashlib.sha256).hexdigest()[:32]


class PhotoConfig(BaseModel):
    """The center's photo settings (``[photos]`` in ``<data_dir>/photos.toml``).

    Attributes:
        retention_days: how long a received photo is kept before it is deleted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    retention_days: int = Field(RETENTION_DEFAULT_DAYS, ge=1, le=365)


def load_photo_config(data_dir: Path) -> PhotoConfig:
    """``<data_dir>/photos.toml`` (its ``[photos]`` table), or the defaults if absent."""
    return load_settings(data_dir, "photos", PhotoConfig)


def photos_file(data_dir: Path) -> Path:
    """The photo store in a center data directory."""
    return data_dir / "photos" / "photos.sqlite3"


def photos_key_file(data_dir: Path) -> Path:
    """The photo store's key in a center data directory (apart from the photos)."""
    return data_dir / "keys" / "photos.key"


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)


def load_or_create_key(path: Path) -> bytes:
    """The Fernet key in ``path``; made first (0600) if there is none.

    Safe against another process making it at the same moment: the new key is written to a
    temporary file and linked into place, which never replaces a key that is already there.
    """
    _private_folder(path.parent)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:  # mkstemp made it 0600
                f.write(Fernet.generate_key())
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            else:
                log.info("made the photo store's key %s", path)
        finally:
            os.unlink(tmp)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path.read_bytes()


@dataclass(frozen=True)
class Stored:
    """A write's answer and whether it was a replay of an earlier upload."""

    reference: str
    replayed: bool


@dataclass(frozen=True)
class PhotoRecord:
    """What the store knows about one photo, without its pixels."""

    reference: str
    terminal: str
    preset: str
    taken_at: str
    received_at: datetime
    sha256: str
    size: int
    idempotency_key: str


def _utc_text(moment: datetime) -> str:
    """``moment`` (naive means local time) as fixed-width UTC text."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


class PhotoStore:
    """Photos sealed with Fernet in the center's database; thread-safe.

    Args:
        store: a SQLite file (``Path``; its folder is made 0700, the file 0600), or the
            center's store (``engine.store("photos", ...)``).
        key_file: the Fernet key (made 0600 if absent).
        retention_days: how long a photo is kept after it was received.
        clock: wall time (``now()``) for ``received_at`` and the retention.
        timeout_s: how long a write waits for another process's write lock (SQLite).
    """

    def __init__(
        self,
        store: Path | Database,
        key_file: Path,
        *,
        retention_days: int = RETENTION_DEFAULT_DAYS,
        clock: Clock | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.retention = timedelta(days=retention_days)
        self.clock: Clock = clock or SystemClock()
        key = load_or_create_key(key_file)
        self._fernet = Fernet(key)
        if isinstance(store, Path):
            self.db: Database = SqliteDatabase(
                store, name=STORE, timeout_s=timeout_s, pragmas=SQLITE_PRAGMAS, private=True
            )
        else:
            self.db = store
        self.path: Path | None = getattr(self.db, "path", None)
        try:
            self.db.migrate(MIGRATIONS, what="the photo store")
            self._check_key(key_fingerprint(key))
        except BaseException:
            self.db.close()
            raise
        self.purge()

    def _check_key(self, fingerprint: str) -> None:
        def record(c: Connection) -> str:
            c.execute(
                "INSERT INTO sealing_key (id, fingerprint) VALUES (1, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (fingerprint,),
            )
            return str(c.execute("SELECT fingerprint FROM sealing_key WHERE id = 1").fetchone()[0])

        if self.db.write(record) != fingerprint:
            raise StoreError(
                "this server's keys/photos.key is not the key the stored photos are sealed"
                " with: copy the key from the server that made it (if that key is lost, so are"
                " the stored photos: move the store aside)"
            )

    def _cutoff(self) -> str:
        return _utc_text(self.clock.now() - self.retention)

    def put(
        self,
        jpeg: bytes,
        *,
        terminal: str,
        preset: str,
        taken_at: datetime,
        idempotency_key: str,
    ) -> Stored:
        """Keeps a photo (sealed) and answers its new reference; a repeat of the same
        ``idempotency_key`` by the same terminal answers the first reference.

        Expired photos are purged first, in the same transaction.

        Raises:
            PhotoKeyReused: the terminal sent another photo with this key.
            StoreError: the database failed.
        """
        digest = hashlib.sha256(jpeg).hexdigest()
        taken = taken_at.isoformat()
        sealed = self._fernet.encrypt(jpeg)

        def earlier_upload(c: Connection) -> tuple[str, str, str, str] | None:
            row = c.execute(
                "SELECT reference, preset, taken_at, sha256 FROM photos"
                " WHERE terminal = ? AND idem = ?",
                (terminal, idempotency_key),
            ).fetchone()
            return None if row is None else (str(row[0]), str(row[1]), str(row[2]), str(row[3]))

        def write(c: Connection) -> tuple[int, tuple[str, str, str, str] | None, str]:
            purged = self._delete_expired(c)
            earlier = earlier_upload(c)
            if earlier is not None:
                return purged, earlier, earlier[0]
            received = _utc_text(self.clock.now())
            for _ in range(_REFERENCE_ATTEMPTS):
                reference = new_reference(taken_at)
                inserted = c.execute(
                    "INSERT INTO photos (reference, terminal, idem, preset, taken_at,"
                    " received_at, sha256, size, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (
                        reference,
                        terminal,
                        idempotency_key,
                        preset,
                        taken,
                        received,
                        digest,
                        len(jpeg),
                        sealed,
                    ),
                ).rowcount
                if inserted == 1:
                    return purged, None, reference
                earlier = earlier_upload(c)  # another server took this key just now
                if earlier is not None:
                    return purged, earlier, earlier[0]
                # else the reference is taken: another one
            raise StoreError("no free reference code")

        purged, earlier, reference = self.db.write(write, isolation=READ_COMMITTED)
        if purged:
            self._truncate_wal()
        if earlier is None:
            log.info("photo %s received from %s (%d bytes)", reference, terminal, len(jpeg))
            return Stored(reference, replayed=False)
        if (earlier[1], earlier[2], earlier[3]) != (preset, taken, digest):
            raise PhotoKeyReused("the Idempotency-Key was used for another photo")
        return Stored(reference, replayed=True)

    def get(self, reference: str) -> bytes | None:
        """The photo's JPEG, decrypted and checked against its SHA-256; None if the store
        has no such photo or it is past its retention.

        Raises:
            StoreError: the photo cannot be decrypted (another key) or is damaged.
        """
        with self.db.read() as c:
            row = c.execute(
                "SELECT sealed, sha256 FROM photos WHERE reference = ? AND received_at >= ?",
                (reference, self._cutoff()),
            ).fetchone()
        if row is None:
            return None
        try:
            jpeg = self._fernet.decrypt(bytes(row[0]))
        except InvalidToken as e:
            raise StoreError(f"photo {reference} cannot be decrypted with this key") from e
        if hashlib.sha256(jpeg).hexdigest() != row[1]:
            raise StoreError(f"photo {reference} is damaged")
        return jpeg

    def record(self, reference: str) -> PhotoRecord | None:
        """What the store knows about a photo (no pixels); None if unknown or expired."""
        with self.db.read() as c:
            row = c.execute(
                "SELECT reference, terminal, preset, taken_at, received_at, sha256, size, idem"
                " FROM photos WHERE reference = ? AND received_at >= ?",
                (reference, self._cutoff()),
            ).fetchone()
        if row is None:
            return None
        received = datetime.strptime(row[4], _TIME_FORMAT).replace(tzinfo=UTC)
        return PhotoRecord(row[0], row[1], row[2], row[3], received, row[5], row[6], row[7])

    def count(self) -> int:
        """How many photos the store holds (expired ones not yet purged included)."""
        with self.db.read() as c:
            return int(c.execute("SELECT COUNT(*) FROM photos").fetchone()[0])

    def purge(self) -> int:
        """Deletes every photo past its retention; answers how many."""
        purged = self.db.write(self._delete_expired, isolation=READ_COMMITTED)
        if purged:
            self._truncate_wal()
        return purged

    def _delete_expired(self, c: Connection) -> int:
        count = c.execute("DELETE FROM photos WHERE received_at < ?", (self._cutoff(),)).rowcount
        if count:
            log.info("purged %d photo(s) past their retention", count)
        return int(count)

    def _truncate_wal(self) -> None:
        """SQLite: moves the WAL into the database and empties it (best effort: a reader
        elsewhere may hold it back until the next purge)."""
        if self.db.dialect != "sqlite":
            return
        try:
            with self.db.read() as c:
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except StoreError as e:
            log.warning("could not truncate the photo store's WAL: %s", e)

    def close(self) -> None:
        """Closes the store."""
        self.db.close()


SQLITE_PRAGMAS = ("secure_delete=ON",)  # a purged photo's pages are zeroed


def open_center_photos(
    data_dir: Path, clock: Clock | None = None, *, engine: Engine | None = None
) -> PhotoStore:
    """The center's photo store with the retention of ``data_dir``'s ``photos.toml``
    (expired photos are purged as it opens): on ``engine`` (the center's database), else in
    ``photos/photos.sqlite3``; the key in ``keys/photos.key`` either way."""
    config = load_photo_config(data_dir)
    store: Path | Database = photos_file(data_dir)
    if engine is not None:
        store = engine.store(STORE, sqlite_file=SQLITE_FILE, pragmas=SQLITE_PRAGMAS, private=True)
    return PhotoStore(
        store,
        photos_key_file(data_dir),
        retention_days=config.retention_days,
        clock=clock,
    )
