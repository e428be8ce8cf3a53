"""The center's application store: every resident-ID application a terminal handed over, its
personal fields and photo sealed at rest, the staff's actions on it audited, and what is
personal deleted ``retention_days`` (default 30) after the application is final.

It runs on the center's engine-neutral :class:`~kiosk.platform.database.Database` (a SQLite
file, or the ``applications`` schema of the center's PostgreSQL: :mod:`center.database`),
with plain SQL and numbered migrations, all in this module. On SQLite, under the center's
data directory (:mod:`center.data_dir`)::

    applications/applications.sqlite3   one row per application (file 0600, folder 0700):
        in clear:  number, terminal, idempotency key, business, pickup, fee, status, reason,
                   pickup place, dates, the masked name and ID number a status answer shows,
                   the status token's SHA-256, the photo's SHA-256 and size
        sealed:    the personal fields (ID number, name, sex, nation, birth date, card
                   address and validity, mobile, postal address), the photo, and the status
                   token (to answer a repeated submission with the same receipt), each with
                   Fernet (AES-128-CBC + HMAC-SHA256)
        audit:     one row per staff action (who, when, what, which application)
    keys/applications.key                the Fernet key, made on first open (0600, apart)
    applications.toml                    optional: ``[applications]`` ``retention_days``

Status: ``submitted`` on arrival; staff move it (each move checked and audited)::

    submitted --accept--> accepted --produce--> in_production --ready--> ready --collected-->
    collected;  submitted | accepted --return (with a reason)--> returned

``returned`` and ``collected`` are final: a returned application is made again as a new one.
``retention_days`` after an application became final its personal fields, photo, masked
name and number and sealed token are deleted (on SQLite ``secure_delete``, the WAL
truncated); the row keeps its number, business, pickup, status and dates (and a receipt's
token still shows that status). Purges run when the store opens, before a submission when
something is due, and on demand.

Submissions are idempotent per terminal and ``Idempotency-Key``: a repeat of the same
application answers the first number and token; the same key with another application is
refused (:class:`ApplicationKeyReused`). Several processes may share the store (app servers
on one PostgreSQL database, workers on one file): each write is one transaction
(``BEGIN IMMEDIATE`` on SQLite; SERIALIZABLE on PostgreSQL, run again after a conflict), so
two submissions with one key make one application, and two staff actions on one
application cannot both pass the status check. Every server must have the same
``keys/applications.key``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel, ConfigDict, Field

from center.data_dir import load_settings
from center.database import Engine, open_engine
from center.photo.store import load_or_create_key
from kiosk.application.model import (
    FINAL_STATUSES,
    PERSONAL_FIELDS,
    STATUSES,
    ApplicationStatus,
    content_digest,
    new_application_no,
    new_status_token,
)
from kiosk.framework.clock import Clock, SystemClock
from kiosk.framework.masking import mask_address, mask_id_number, mask_mobile, mask_name
from kiosk.platform.database import Connection, Database, Dialects, Migration, SqliteDatabase
from kiosk.platform.service_errors import ServiceRejected, StoreError

log = logging.getLogger(__name__)

RETENTION_DEFAULT_DAYS = 30
MAX_REASON_CHARS = 200
MAX_PLACE_CHARS = 100
SYSTEM_ACCOUNT = "system"
_NUMBER_ATTEMPTS = 8  # 32**6 numbers a day: a clash is rare, two in a row rarer still
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, UTC: compares as text

STORE_NAME = "applications"
SQLITE_FILE = "applications/applications.sqlite3"
"""The store's file on SQLite, under the engine's folder (the data directory)."""
SQLITE_PRAGMAS = ("secure_delete=ON",)  # purged pages are zeroed

_APPLICATIONS = (
    "CREATE TABLE applications ("
    " application_no TEXT PRIMARY KEY,"
    " terminal TEXT NOT NULL,"
    " idem TEXT NOT NULL,"
    " digest TEXT,"
    " token_sha256 TEXT NOT NULL,"
    " token_sealed {blob},"
    " business TEXT NOT NULL,"
    " pickup TEXT NOT NULL,"
    " fee_yuan TEXT NOT NULL,"
    " photo_preset TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " pickup_place TEXT NOT NULL DEFAULT '',"
    " submitted_at TEXT NOT NULL,"
    " received_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " final_at TEXT,"
    " purged_at TEXT,"
    " name_masked TEXT NOT NULL DEFAULT '',"
    " id_masked TEXT NOT NULL DEFAULT '',"
    " personal_sealed {blob},"
    " photo_sealed {blob},"
    " photo_sha256 TEXT NOT NULL,"
    " photo_size INTEGER NOT NULL,"
    " UNIQUE (terminal, idem))"
)
_AUDIT = (
    "CREATE TABLE audit ("
    " id {id},"
    " at TEXT NOT NULL,"
    " account TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " application_no TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '')"
)

MIGRATIONS: tuple[Migration, ...] = (
    # 1: applications and the audit of what staff did to them. On SQLite this is, statement
    # for statement, the schema files made before the store moved onto center.database
    # have (user_version 1): they open as they are.
    (
        Dialects(_APPLICATIONS.format(blob="BLOB"), _APPLICATIONS.format(blob="BYTEA")),
        "CREATE INDEX applications_status ON applications (status, received_at)",
        "CREATE INDEX applications_final ON applications (final_at)",
        Dialects(
            _AUDIT.format(id="INTEGER PRIMARY KEY AUTOINCREMENT"),
            _AUDIT.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ),
        "CREATE INDEX audit_application ON audit (application_no, id)",
    ),
)

ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "return": (frozenset({"submitted", "accepted"}), "returned"),
    "produce": (frozenset({"accepted"}), "in_production"),
    "ready": (frozenset({"in_production"}), "ready"),
    "collected": (frozenset({"ready"}), "collected"),
}
"""Staff action -> (the statuses it may follow, the status it makes)."""


class ApplicationRejected(ServiceRejected, code="application_rejected", status=422):
    """The center understood the request about an application and refused it."""


class ApplicationUnknown(ApplicationRejected, code="application_not_found", status=404):
    """No application with this number (or, for a status look-up, this token)."""


class ApplicationKeyReused(ApplicationRejected, code="idempotency_key_reused"):
    """The terminal used the ``Idempotency-Key`` of an earlier application for another one
    (or for one whose personal data has since been deleted)."""


class TransitionRefused(ApplicationRejected, code="invalid_transition", status=409):
    """A staff action that does not follow from the application's status (collected before
    ready, returned after production...), or one without its reason."""


class ApplicationsConfig(BaseModel):
    """The center's application settings (``[applications]`` in ``applications.toml``).

    Attributes:
        retention_days: days after an application is final (collected or returned) that its
            personal fields and photo are deleted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    retention_days: int = Field(RETENTION_DEFAULT_DAYS, ge=1, le=3650)


def load_applications_config(data_dir: Path) -> ApplicationsConfig:
    """``<data_dir>/applications.toml`` (its ``[applications]`` table), or the defaults."""
    return load_settings(data_dir, "applications", ApplicationsConfig)


def applications_file(data_dir: Path) -> Path:
    """The application store in a center data directory, on SQLite's default folder."""
    return data_dir / SQLITE_FILE


def applications_key_file(data_dir: Path) -> Path:
    """The application store's key (apart from the store)."""
    return data_dir / "keys" / "applications.key"


def _utc_text(moment: datetime) -> str:
    """``moment`` (naive means local time) as fixed-width UTC text."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def _utc(text: str | None) -> datetime | None:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC) if text else None


@dataclass(frozen=True)
class Stored:
    """A submission's answer and whether it repeated an earlier one."""

    application_no: str
    status_token: str
    status: str
    replayed: bool


@dataclass(frozen=True)
class ApplicationSummary:
    """One line of the staff's list (masked)."""

    application_no: str
    status: str
    business: str
    pickup: str
    terminal: str
    received_at: datetime
    updated_at: datetime
    name_masked: str
    id_masked: str


@dataclass(frozen=True)
class ApplicationDetail:
    """Everything the store holds about one application.

    ``personal`` is masked unless asked for unmasked (an audited read); empty once
    ``purged``. ``final_at`` is when it became final (None until then).
    """

    application_no: str
    status: str
    reason: str
    business: str
    pickup: str
    pickup_place: str
    fee_yuan: str
    photo_preset: str
    terminal: str
    submitted_at: str
    received_at: datetime
    updated_at: datetime
    final_at: datetime | None
    purged: bool
    photo_sha256: str
    photo_size: int
    personal: dict[str, str]


@dataclass(frozen=True)
class AuditEntry:
    """One audited staff action."""

    at: datetime
    account: str
    action: str
    application_no: str
    detail: str


def mask_personal(personal: Mapping[str, str]) -> dict[str, str]:
    """The personal fields as staff see them by default."""
    masked = dict(personal)
    masked["id_number"] = mask_id_number(personal.get("id_number", ""))
    masked["name"] = mask_name(personal.get("name", ""))
    masked["mobile"] = mask_mobile(personal.get("mobile", ""))
    born = personal.get("birth_date", "")
    masked["birth_date"] = born[:4] + "-**-**" if born else ""
    for field in ("card_address", "post_address"):
        masked[field] = mask_address(personal[field]) if personal.get(field) else ""
    return masked


_SUMMARY = (
    "application_no, status, business, pickup, terminal, received_at, updated_at,"
    " name_masked, id_masked"
)
_DETAIL = (
    "application_no, status, reason, business, pickup, pickup_place, fee_yuan, photo_preset,"
    " terminal, submitted_at, received_at, updated_at, final_at, purged_at, photo_sha256,"
    " photo_size, personal_sealed"
)


class ApplicationStore:
    """Applications with sealed personal fields and photos on a center database; thread-safe.

    Args:
        store: a SQLite file (``Path``; its folder is made 0700, the file 0600, with
            ``secure_delete``), or the center's store (``engine.store("applications",
            ...)``, as :func:`open_center_applications` opens it).
        key_file: the Fernet key (made 0600 if absent).
        retention_days: days after an application is final that its personal data goes.
        clock: wall time (``now()``) for every date and the retention.
        timeout_s: how long a write waits for another process's write lock (SQLite file).
        engine: an engine the store owns (closed with it), when its opener made one.
    """

    def __init__(
        self,
        store: Path | Database,
        key_file: Path,
        *,
        retention_days: int = RETENTION_DEFAULT_DAYS,
        clock: Clock | None = None,
        timeout_s: float = 10.0,
        engine: Engine | None = None,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.retention = timedelta(days=retention_days)
        self.clock: Clock = clock or SystemClock()
        self._fernet = Fernet(load_or_create_key(key_file))
        self._engine = engine
        if isinstance(store, Path):
            self.db: Database = SqliteDatabase(
                store,
                name=STORE_NAME,
                timeout_s=timeout_s,
                pragmas=SQLITE_PRAGMAS,
                private=True,
            )
        else:
            self.db = store
        try:
            self.db.migrate(MIGRATIONS, what="the application store")
            self.purge()
        except BaseException:
            self.db.close()  # an engine it was given is closed by whoever opened it
            raise

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on PostgreSQL)."""
        return self.db.path if isinstance(self.db, SqliteDatabase) else None

    # -- plumbing -------------------------------------------------------------------------
    def _now(self) -> str:
        return _utc_text(self.clock.now())

    def _cutoff(self) -> str:
        return _utc_text(self.clock.now() - self.retention)

    def _open(self, sealed: Any, what: str, number: str) -> bytes:
        try:
            return self._fernet.decrypt(bytes(sealed))
        except InvalidToken as e:
            raise StoreError(f"the {what} of {number} cannot be decrypted with this key") from e

    @staticmethod
    def _audit(
        c: Connection, at: str, account: str, action: str, number: str, detail: str = ""
    ) -> None:
        c.execute(
            "INSERT INTO audit (at, account, action, application_no, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            (at, account, action, number, detail),
        )

    # -- what terminals do ----------------------------------------------------------------
    def submit(
        self,
        fields: Mapping[str, str],
        photo: bytes,
        *,
        terminal: str,
        idempotency_key: str,
        submitted_at: datetime,
    ) -> Stored:
        """Keeps an application (its personal fields and photo sealed) and answers its new
        number and status token; a repeat of the same ``idempotency_key`` by the same
        terminal with the same content answers the first ones.

        ``fields`` are the submission's text fields
        (:meth:`~kiosk.application.model.ApplicationSubmission.fields`), checked by the
        caller. Final applications past their retention are purged first.

        Raises:
            ApplicationKeyReused: the terminal sent another application with this key.
            StoreError: the database failed.
        """
        if self._purge_due():
            self.purge()
        photo_sha256 = hashlib.sha256(photo).hexdigest()
        digest = content_digest(dict(fields), photo_sha256)
        personal = {f: str(fields.get(f, "")) for f in PERSONAL_FIELDS}
        personal_sealed = self._fernet.encrypt(json.dumps(personal).encode("utf-8"))
        photo_sealed = self._fernet.encrypt(photo)
        token = new_status_token()
        token_sealed = self._fernet.encrypt(token.encode("ascii"))
        now = self._now()

        def write(c: Connection) -> Stored:
            earlier = c.execute(
                "SELECT application_no, status, digest, token_sealed FROM applications"
                " WHERE terminal = ? AND idem = ?",
                (terminal, idempotency_key),
            ).fetchone()
            if earlier is not None:
                number, status, earlier_digest, earlier_token = earlier
                if earlier_digest is None or not hmac.compare_digest(str(earlier_digest), digest):
                    raise ApplicationKeyReused(
                        "the Idempotency-Key was used for another application"
                    )
                first = self._open(earlier_token, "token", str(number)).decode("ascii")
                return Stored(str(number), first, str(status), replayed=True)
            for _ in range(_NUMBER_ATTEMPTS):
                number = new_application_no(submitted_at)
                taken = c.execute(
                    "SELECT 1 FROM applications WHERE application_no = ?", (number,)
                ).fetchone()
                if taken:
                    continue
                c.execute(
                    "INSERT INTO applications (application_no, terminal, idem, digest,"
                    " token_sha256, token_sealed, business, pickup, fee_yuan,"
                    " photo_preset, status, submitted_at, received_at, updated_at,"
                    " name_masked, id_masked, personal_sealed, photo_sealed,"
                    " photo_sha256, photo_size)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?)",
                    (
                        number,
                        terminal,
                        idempotency_key,
                        digest,
                        hashlib.sha256(token.encode("ascii")).hexdigest(),
                        token_sealed,
                        fields["business"],
                        fields["pickup"],
                        fields["fee_yuan"],
                        fields["photo_preset"],
                        submitted_at.isoformat(),
                        now,
                        now,
                        mask_name(personal["name"]),
                        mask_id_number(personal["id_number"]),
                        personal_sealed,
                        photo_sealed,
                        photo_sha256,
                        len(photo),
                    ),
                )
                return Stored(number, token, "submitted", replayed=False)
            raise StoreError("no free application number")

        stored = self.db.write(write)
        if not stored.replayed:
            log.info("application %s received from %s", stored.application_no, terminal)
        return stored

    def status(self, application_no: str, token: str) -> ApplicationStatus | None:
        """The status a resident may see with the receipt's token (masked fields only);
        None for an unknown number or a wrong token alike."""
        presented = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        with self.db.read() as c:
            row = c.execute(
                "SELECT token_sha256 FROM applications WHERE application_no = ?",
                (application_no,),
            ).fetchone()
            if row is None or not hmac.compare_digest(str(row[0]), presented):
                return None
            return self._status(c, application_no)

    @staticmethod
    def _status(c: Connection, application_no: str) -> ApplicationStatus:
        """The masked status of an application that exists."""
        row = c.execute(
            "SELECT status, reason, business, updated_at, pickup, pickup_place, name_masked,"
            " id_masked FROM applications WHERE application_no = ?",
            (application_no,),
        ).fetchone()
        return ApplicationStatus(
            application_no,
            str(row[0]),
            str(row[1]),
            str(row[2]),
            _req(_utc(str(row[3]))).isoformat(),
            str(row[4]),
            str(row[5]),
            str(row[6]),
            str(row[7]),
        )

    # -- what staff do --------------------------------------------------------------------
    def list_applications(
        self, status: str | None = None, *, limit: int = 200
    ) -> list[ApplicationSummary]:
        """Applications, newest first (``status`` narrows it), masked."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        query = f"SELECT {_SUMMARY} FROM applications"
        args: tuple[object, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        query += " ORDER BY received_at DESC, application_no LIMIT ?"
        with self.db.read() as c:
            rows = c.execute(query, (*args, max(0, limit))).fetchall()
        return [
            ApplicationSummary(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                _req(_utc(str(r[5]))),
                _req(_utc(str(r[6]))),
                str(r[7]),
                str(r[8]),
            )
            for r in rows
        ]

    def show(
        self, application_no: str, *, unmasked: bool = False, account: str = ""
    ) -> ApplicationDetail:
        """One application; its personal fields masked, or in clear for ``account`` (that
        read is audited).

        Raises:
            ApplicationUnknown: no such application.
            ValueError: an unmasked read without an account.
        """
        if unmasked and not account:
            raise ValueError("an unmasked read needs the account that reads")
        now = self._now()

        def read(c: Connection) -> tuple[Any, ...] | None:
            row = c.execute(
                f"SELECT {_DETAIL} FROM applications WHERE application_no = ?",
                (application_no,),
            ).fetchone()
            if row is not None and unmasked:
                self._audit(c, now, account, "view_unmasked", application_no)
            return tuple(row) if row is not None else None

        if unmasked:
            row = self.db.write(read)
        else:
            with self.db.read() as c:
                row = read(c)
        if row is None:
            raise ApplicationUnknown(f"no application {application_no}")
        number = str(row[0])
        final_at, purged_at, sealed = row[12], row[13], row[16]
        personal: dict[str, str] = {}
        if sealed is not None and not self._past_retention(final_at):
            personal = json.loads(self._open(sealed, "personal fields", number))
            if not unmasked:
                personal = mask_personal(personal)
        return ApplicationDetail(
            number,
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            str(row[5]),
            str(row[6]),
            str(row[7]),
            str(row[8]),
            str(row[9]),
            _req(_utc(str(row[10]))),
            _req(_utc(str(row[11]))),
            _utc(final_at if isinstance(final_at, str) else None),
            purged_at is not None or self._past_retention(final_at),
            str(row[14]),
            int(str(row[15])),
            personal,
        )

    def photo(self, application_no: str, *, account: str) -> bytes | None:
        """The application's photo, decrypted and checked against its SHA-256, for
        ``account`` (audited); None once it has been deleted.

        Raises:
            ApplicationUnknown: no such application.
            StoreError: the photo cannot be decrypted (another key) or is damaged.
        """
        if not account:
            raise ValueError("reading a photo needs the account that reads")
        now = self._now()

        def read(c: Connection) -> tuple[Any, ...] | None:
            row = c.execute(
                "SELECT photo_sealed, photo_sha256, final_at FROM applications"
                " WHERE application_no = ?",
                (application_no,),
            ).fetchone()
            if row is not None:
                self._audit(c, now, account, "view_photo", application_no)
            return tuple(row) if row is not None else None

        row = self.db.write(read)
        if row is None:
            raise ApplicationUnknown(f"no application {application_no}")
        sealed, sha256, final_at = row
        if sealed is None or self._past_retention(final_at):
            return None
        jpeg = self._open(sealed, "photo", application_no)
        if hashlib.sha256(jpeg).hexdigest() != sha256:
            raise StoreError(f"the photo of {application_no} is damaged")
        return jpeg

    def act(
        self,
        application_no: str,
        action: str,
        *,
        account: str,
        reason: str = "",
        place: str = "",
    ) -> ApplicationStatus:
        """A staff action (``accept``, ``return`` with a ``reason``, ``produce``, ``ready``
        with an optional pickup ``place``, ``collected``), checked against the status and
        audited with ``account`` and the time; answers the new status (masked).

        Raises:
            ApplicationUnknown: no such application.
            TransitionRefused: the action does not follow from the status, or a return
                without a reason.
            ValueError: an unknown action, or no account.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if not account.strip():
            raise ValueError("a staff action needs the account that does it")
        reason, place = reason.strip(), place.strip()
        if action == "return" and not reason:
            raise TransitionRefused("returning an application needs a reason")
        if len(reason) > MAX_REASON_CHARS or len(place) > MAX_PLACE_CHARS:
            raise TransitionRefused("the reason or the place is too long")
        allowed_from, to = ACTIONS[action]
        now = self._now()

        def write(c: Connection) -> tuple[str, ApplicationStatus]:
            row = c.execute(
                "SELECT status, pickup_place FROM applications WHERE application_no = ?",
                (application_no,),
            ).fetchone()
            if row is None:
                raise ApplicationUnknown(f"no application {application_no}")
            if row[0] not in allowed_from:
                raise TransitionRefused(f"cannot {action} an application that is {row[0]}")
            c.execute(
                "UPDATE applications SET status = ?, updated_at = ?, reason = ?,"
                " pickup_place = ?, final_at = ? WHERE application_no = ?",
                (
                    to,
                    now,
                    reason if to == "returned" else "",
                    place if to == "ready" else str(row[1]),
                    now if to in FINAL_STATUSES else None,
                    application_no,
                ),
            )
            self._audit(c, now, account, action, application_no, reason or place)
            return str(row[0]), self._status(c, application_no)

        before, after = self.db.write(write)
        log.info("application %s: %s -> %s by %s", application_no, before, to, account)
        return after

    def accept(self, application_no: str, *, account: str) -> ApplicationStatus:
        """``submitted`` -> ``accepted`` (audited)."""
        return self.act(application_no, "accept", account=account)

    def return_(self, application_no: str, *, reason: str, account: str) -> ApplicationStatus:
        """``submitted`` | ``accepted`` -> ``returned`` with the reason the resident sees."""
        return self.act(application_no, "return", account=account, reason=reason)

    def produce(self, application_no: str, *, account: str) -> ApplicationStatus:
        """``accepted`` -> ``in_production`` (audited)."""
        return self.act(application_no, "produce", account=account)

    def ready(self, application_no: str, *, account: str, place: str = "") -> ApplicationStatus:
        """``in_production`` -> ``ready``, with where to collect it (audited)."""
        return self.act(application_no, "ready", account=account, place=place)

    def collected(self, application_no: str, *, account: str) -> ApplicationStatus:
        """``ready`` -> ``collected`` (final; audited)."""
        return self.act(application_no, "collected", account=account)

    def audit_trail(self, application_no: str | None = None) -> list[AuditEntry]:
        """The audited actions, oldest first (of one application, or all)."""
        query = "SELECT at, account, action, application_no, detail FROM audit"
        args: tuple[str, ...] = ()
        if application_no is not None:
            query += " WHERE application_no = ?"
            args = (application_no,)
        with self.db.read() as c:
            rows = c.execute(query + " ORDER BY id", args).fetchall()
        return [
            AuditEntry(_req(_utc(str(r[0]))), str(r[1]), str(r[2]), str(r[3]), str(r[4]))
            for r in rows
        ]

    def count(self, status: str | None = None) -> int:
        """How many applications the store holds (of one status, or all)."""
        with self.db.read() as c:
            if status is None:
                row = c.execute("SELECT COUNT(*) FROM applications").fetchone()
            else:
                row = c.execute(
                    "SELECT COUNT(*) FROM applications WHERE status = ?", (status,)
                ).fetchone()
        return int(row[0])

    def numbers_by_key(self) -> dict[tuple[str, str], list[str]]:
        """(terminal, idempotency key) -> the application numbers it made (for checks:
        never more than one)."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT terminal, idem, application_no FROM applications"
                " ORDER BY received_at, application_no"
            ).fetchall()
        out: dict[tuple[str, str], list[str]] = {}
        for terminal, idem, number in rows:
            out.setdefault((str(terminal), str(idem)), []).append(str(number))
        return out

    # -- retention ------------------------------------------------------------------------
    def _past_retention(self, final_at: object) -> bool:
        return isinstance(final_at, str) and final_at < self._cutoff()

    def _purge_due(self) -> bool:
        with self.db.read() as c:
            row = c.execute(
                "SELECT 1 FROM applications WHERE final_at IS NOT NULL AND final_at < ?"
                " AND purged_at IS NULL LIMIT 1",
                (self._cutoff(),),
            ).fetchone()
        return row is not None

    def purge(self) -> int:
        """Deletes the personal data of every application final for longer than the
        retention; answers how many."""
        cutoff, now = self._cutoff(), self._now()

        def write(c: Connection) -> list[str]:
            due = [
                str(r[0])
                for r in c.execute(
                    "SELECT application_no FROM applications"
                    " WHERE final_at IS NOT NULL AND final_at < ? AND purged_at IS NULL",
                    (cutoff,),
                ).fetchall()
            ]
            for number in due:
                c.execute(
                    "UPDATE applications SET personal_sealed = NULL, photo_sealed = NULL,"
                    " token_sealed = NULL, digest = NULL, name_masked = '', id_masked = '',"
                    " purged_at = ? WHERE application_no = ?",
                    (now, number),
                )
                self._audit(c, now, SYSTEM_ACCOUNT, "purge", number)
            return due

        due = self.db.write(write)
        if due:
            log.info("deleted the personal data of %d final application(s)", len(due))
            self._truncate_wal()
        return len(due)

    def _truncate_wal(self) -> None:
        """On SQLite, moves the WAL into the database and empties it (best effort: a reader
        elsewhere may hold it back until the next purge). PostgreSQL's dead row versions
        go with its (auto)vacuum."""
        if self.db.dialect != "sqlite":
            return
        try:
            with self.db.read() as c:
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except StoreError as e:
            log.warning("could not truncate the application store's WAL: %s", e)

    def close(self) -> None:
        """Closes the database (and the engine, if the store opened it)."""
        self.db.close()
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _req(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment


def open_center_applications(
    data_dir: Path, clock: Clock | None = None, *, engine: Engine | None = None
) -> ApplicationStore:
    """The center's application store with the retention of ``data_dir``'s
    ``applications.toml`` (due personal data is deleted as it opens): on ``engine`` (the
    center's database), else on the one ``[database]`` of ``data_dir`` names, which the
    store then owns (SQLite by default: ``applications/applications.sqlite3``); the key in
    ``keys/applications.key`` either way."""
    config = load_applications_config(data_dir)
    owned = open_engine(data_dir) if engine is None else None
    on = engine or owned
    assert on is not None
    try:
        db = on.store(STORE_NAME, sqlite_file=SQLITE_FILE, pragmas=SQLITE_PRAGMAS, private=True)
        return ApplicationStore(
            db,
            applications_key_file(data_dir),
            retention_days=config.retention_days,
            clock=clock,
            engine=owned,
        )
    except BaseException:
        if owned is not None:
            owned.close()
        raise
