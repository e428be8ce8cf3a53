"""The center's request store: every resident request a terminal handed over, its personal
fields (the description, the mobile number) and photo sealed at rest, the staff's actions on
it audited, its response tracked against the category's promise, and what is personal
deleted ``retention_days`` (default 30) after the request is done or closed.

It runs on the center's engine-neutral :class:`~kiosk.platform.database.Database` (a SQLite
file, or a schema of the center's PostgreSQL: :mod:`center.database`), with plain SQL and
numbered migrations, all in this module. On SQLite, under the center's data directory::

    requests/requests.sqlite3   one row per request (file 0600, folder 0700, secure_delete):
        in clear:  code, terminal, idempotency key, category, department, promise, compound,
                   building, unit, callback flag, status, result, rating, dates, the masked
                   mobile number, the status token's SHA-256, the photo's SHA-256 and size
        sealed:    the description and mobile number, the photo, and the status token (to
                   answer a repeated submission with the same receipt), each with Fernet
                   (AES-128-CBC + HMAC-SHA256)
        audit:     one row per staff action and rating (who, when, what, which request)
    keys/requests.key            the Fernet key, made on first open (0600, apart)
    requests.toml                optional ``[requests]``: ``retention_days``, ``categories``
                                 (department and promised hours), ``compounds``

Status: ``received`` on arrival; staff move it (each move checked and audited)::

    received | assigned | in_progress --assign (department)--> assigned
                                      --update (note)-------> in_progress
                                      --done (what was done)-> done      (final)
                                      --close (reason)-------> closed    (final)

Response times: a request promises its category's ``response_hours`` from submission
(``respond_by``); its first staff action is its response (``first_response_at``). A request
with no response past ``respond_by`` is *overdue*; one answered after it was *late*. The
resident may rate a final request once (satisfied or not).

Retention: ``retention_days`` after a request became final its description, mobile number
(and its mask), photo, sealed token and digest are deleted (the WAL truncated on SQLite);
the row keeps its code, category, place, status, result, rating and dates, and the
receipt's token still shows that status. Purges run when the store opens, before a
submission when something is due, and on demand.

Submissions are idempotent per terminal and ``Idempotency-Key``: a repeat of the same
request answers the first code and token; the same key with another request is refused
(:class:`RequestKeyReused`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel, ConfigDict, Field, field_validator

from center.data_dir import load_settings
from center.database import Engine
from center.photo.store import key_fingerprint, load_or_create_key
from kiosk.framework.clock import Clock, SystemClock
from kiosk.framework.masking import mask_mobile, mask_text
from kiosk.platform.database import Connection, Database, Dialects, Migration, SqliteDatabase
from kiosk.platform.requests_config import (
    DEFAULT_CATEGORIES,
    DEFAULT_COMPOUNDS,
    Compound,
    RequestCategory,
)
from kiosk.platform.service_errors import ServiceRejected, StoreError
from kiosk.requests.model import (
    FINAL_STATUSES,
    PERSONAL_FIELDS,
    STATUSES,
    ProgressStep,
    RequestStatus,
    content_digest,
    new_status_token,
    new_tracking_code,
)
from kiosk.requests.rules import TRANSITIONS, handling, staff_text_problem

log = logging.getLogger(__name__)

STORE_NAME = "requests"
RETENTION_DEFAULT_DAYS = 30
SYSTEM_ACCOUNT = "system"
_CODE_ATTEMPTS = 8  # 32**6 codes a day: a clash is rare, two in a row rarer still
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, UTC: compares as text
_PUBLIC = {"assign": "assigned", "update": "in_progress", "done": "done", "close": "closed"}

_REQUESTS = (
    "CREATE TABLE requests ("
    " code TEXT PRIMARY KEY,"
    " terminal TEXT NOT NULL,"
    " idem TEXT NOT NULL,"
    " digest TEXT,"
    " token_sha256 TEXT NOT NULL,"
    " token_sealed {blob},"
    " category TEXT NOT NULL,"
    " department TEXT NOT NULL,"
    " promised_hours INTEGER NOT NULL,"
    " compound_id TEXT NOT NULL,"
    " building TEXT NOT NULL,"
    " unit TEXT NOT NULL,"
    " callback INTEGER NOT NULL,"
    " status TEXT NOT NULL,"
    " result TEXT NOT NULL DEFAULT '',"
    " satisfied INTEGER,"
    " rated_at TEXT,"
    " submitted_at TEXT NOT NULL,"
    " received_at TEXT NOT NULL,"
    " respond_by TEXT NOT NULL,"
    " first_response_at TEXT,"
    " updated_at TEXT NOT NULL,"
    " final_at TEXT,"
    " purged_at TEXT,"
    " mobile_masked TEXT NOT NULL DEFAULT '',"
    " personal_sealed {blob},"
    " photo_sealed {blob},"
    " photo_sha256 TEXT NOT NULL DEFAULT '',"
    " photo_size INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (terminal, idem))"
)
_AUDIT = (
    "CREATE TABLE audit ("
    " id {id},"
    " at TEXT NOT NULL,"
    " account TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " code TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '')"
)

MIGRATIONS: tuple[Migration, ...] = (
    # 1: requests, the audit of what staff (and residents' ratings) did to them, and the
    # fingerprint of the key the personal fields are sealed with (every app server that
    # shares the database must have the same key)
    (
        Dialects(_REQUESTS.format(blob="BLOB"), _REQUESTS.format(blob="BYTEA")),
        "CREATE INDEX requests_received ON requests (received_at)",
        "CREATE INDEX requests_status ON requests (status, received_at)",
        "CREATE INDEX requests_waiting ON requests (first_response_at, respond_by)",
        "CREATE INDEX requests_final ON requests (final_at)",
        Dialects(
            _AUDIT.format(id="INTEGER PRIMARY KEY AUTOINCREMENT"),
            _AUDIT.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        ),
        "CREATE INDEX audit_code ON audit (code, id)",
        "CREATE TABLE sealing_key"
        " (id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL)",
    ),
)


# -- refusals ---------------------------------------------------------------------------


class RequestRejected(ServiceRejected, code="request_rejected", status=422):
    """The center understood the call about a request and refused it."""


class RequestUnknown(RequestRejected, code="request_not_found", status=404):
    """No request with this code (or, for a resident's look-up, this token)."""


class RequestKeyReused(RequestRejected, code="idempotency_key_reused"):
    """The terminal used the ``Idempotency-Key`` of an earlier request for another one (or
    for one whose personal data has since been deleted)."""


class TransitionRefused(RequestRejected, code="invalid_transition", status=409):
    """A staff action that does not follow from the request's status (anything after done
    or closed), or one without its department, note, result or reason."""


class NotRateable(RequestRejected, code="not_rateable", status=409):
    """A rating of a request that is not done or closed yet."""


class AlreadyRated(RequestRejected, code="already_rated", status=409):
    """Another rating of this request stands."""


# -- settings ---------------------------------------------------------------------------


class RequestsCenterConfig(BaseModel):
    """The center's request settings (``[requests]`` in ``<data_dir>/requests.toml``).

    Attributes:
        retention_days: days after a request is done or closed that its description,
            mobile number and photo are deleted.
        categories: each category's department and promised response (a request of a
            category not listed here gets ``other``'s).
        compounds: the compounds' names, for staff.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    retention_days: int = Field(RETENTION_DEFAULT_DAYS, ge=1, le=3650)
    categories: list[RequestCategory] = list(DEFAULT_CATEGORIES)
    compounds: list[Compound] = list(DEFAULT_COMPOUNDS)

    @field_validator("categories", "compounds")
    @classmethod
    def _unique(cls, v: list[Any]) -> list[Any]:
        ids = [item.id for item in v]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError("needs at least one entry, and no id twice")
        return v

    def departments(self) -> list[str]:
        """The departments the categories name, in order (for a console's choice)."""
        return list(dict.fromkeys(c.department for c in self.categories))


def load_requests_config(data_dir: Path) -> RequestsCenterConfig:
    """``<data_dir>/requests.toml`` (its ``[requests]`` table), or the defaults."""
    return load_settings(data_dir, "requests", RequestsCenterConfig)


SQLITE_FILE = "requests/requests.sqlite3"
"""The store's file on SQLite, under the engine's folder (the data directory)."""
SQLITE_PRAGMAS = ("secure_delete=ON",)  # purged pages are zeroed


def requests_key_file(data_dir: Path) -> Path:
    """The request store's key (apart from the store)."""
    return data_dir / "keys" / "requests.key"


# -- what the store answers ------------------------------------------------------------


def _utc_text(moment: datetime) -> str:
    """``moment`` (naive means local time) as fixed-width UTC text."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def _utc(text: Any) -> datetime | None:
    return datetime.strptime(str(text), _TIME_FORMAT).replace(tzinfo=UTC) if text else None


def _at(text: Any) -> datetime:
    moment = _utc(text)
    if moment is None:
        raise StoreError("a required time is missing")
    return moment


@dataclass(frozen=True)
class Stored:
    """A submission's answer and whether it repeated an earlier one."""

    code: str
    status_token: str
    status: str
    department: str
    promised_hours: int
    respond_by: datetime
    replayed: bool


@dataclass(frozen=True)
class RequestSummary:
    """One line of the staff's list (nothing personal)."""

    code: str
    status: str
    category: str
    department: str
    compound_id: str
    building: str
    unit: str
    callback: bool
    has_photo: bool
    received_at: datetime
    respond_by: datetime
    first_response_at: datetime | None
    updated_at: datetime
    overdue: bool
    satisfied: bool | None


@dataclass(frozen=True)
class RequestDetail:
    """Everything the store holds about one request.

    ``description`` and ``mobile`` are masked (numbers in the text masked, the mobile as
    ``138****5678``) unless asked for unmasked (an audited read); empty once ``purged``.
    ``response_hours`` is the time to the first response (None before it); ``late`` says
    it came after ``respond_by``.
    """

    code: str
    status: str
    category: str
    department: str
    promised_hours: int
    compound_id: str
    compound_name: str
    building: str
    unit: str
    callback: bool
    terminal: str
    result: str
    satisfied: bool | None
    submitted_at: datetime
    received_at: datetime
    respond_by: datetime
    first_response_at: datetime | None
    updated_at: datetime
    final_at: datetime | None
    overdue: bool
    late: bool
    response_hours: float | None
    purged: bool
    has_photo: bool
    photo_sha256: str
    photo_size: int
    description: str
    mobile: str
    steps: tuple[ProgressStep, ...]


@dataclass(frozen=True)
class AuditEntry:
    """One audited action: a staff member's, a resident's rating (``terminal:<id>``) or the
    system's purge."""

    at: datetime
    account: str
    action: str
    code: str
    detail: str


@dataclass(frozen=True)
class ReportRow:
    """Requests received in a report's window of one category and (current) status;
    ``overdue`` of them broke the promise (no response by ``respond_by``, or a late one)."""

    category: str
    status: str
    count: int
    overdue: int


@dataclass(frozen=True)
class RequestReport:
    """What happened in ``[since, until)``: requests received (by category and status),
    finished (done, closed), ratings of those finished, and the overdue ones open now."""

    since: datetime
    until: datetime
    rows: tuple[ReportRow, ...]
    received: int
    done: int
    closed: int
    satisfied: int
    unsatisfied: int
    overdue_open: int


_SUMMARY = (
    "code, status, category, department, compound_id, building, unit, callback, photo_sha256,"
    " received_at, respond_by, first_response_at, updated_at, satisfied"
)
_DETAIL = (
    "code, status, category, department, promised_hours, compound_id, building, unit,"
    " callback, terminal, result, satisfied, submitted_at, received_at, respond_by,"
    " first_response_at, updated_at, final_at, purged_at, photo_sha256, photo_size,"
    " personal_sealed"
)
_STATUS = (
    "status, category, department, result, submitted_at, updated_at, respond_by,"
    " first_response_at, satisfied, mobile_masked, callback"
)


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


class RequestStore:
    """Requests with sealed personal fields and photos, on a center database; thread-safe.

    Args:
        store: a SQLite file (``Path``; its folder is made 0700, the file 0600, with
            ``secure_delete``), or the center's store (``engine.store("requests", ...)``,
            as :func:`open_center_requests` opens it).
        key_file: the Fernet key (made 0600 if absent). A store remembers its key's
            fingerprint: another key is refused (:class:`StoreError`) rather than sealing
            new requests under a key the others cannot open.
        config: categories, compounds and the retention.
        clock: wall time (``now()``) for every date, the promise and the retention.
    """

    def __init__(
        self,
        store: Path | Database,
        key_file: Path,
        *,
        config: RequestsCenterConfig | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config or RequestsCenterConfig()
        self.retention = timedelta(days=self.config.retention_days)
        self.clock: Clock = clock or SystemClock()
        key = load_or_create_key(key_file)
        self._fernet = Fernet(key)
        if isinstance(store, Path):
            self.db: Database = SqliteDatabase(
                store, name=STORE_NAME, pragmas=SQLITE_PRAGMAS, private=True
            )
        else:
            self.db = store
        try:
            self.db.migrate(MIGRATIONS, what="the request store")
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
                "this server's keys/requests.key is not the key the stored requests are sealed"
                " with: copy the key from the server that made it (if that key is lost, so are"
                " the stored descriptions and photos: move the store aside)"
            )

    # -- plumbing -------------------------------------------------------------------------
    def _now(self) -> str:
        return _utc_text(self.clock.now())

    def _cutoff(self) -> str:
        return _utc_text(self.clock.now() - self.retention)

    def _open(self, sealed: Any, what: str, code: str) -> bytes:
        try:
            return self._fernet.decrypt(bytes(sealed))
        except InvalidToken as e:
            raise StoreError(f"the {what} of {code} cannot be decrypted with this key") from e

    @staticmethod
    def _audit(c: Connection, at: str, account: str, action: str, code: str, detail: str) -> None:
        c.execute(
            "INSERT INTO audit (at, account, action, code, detail) VALUES (?, ?, ?, ?, ?)",
            (at, account[:64], action, code, detail[:1000]),
        )

    @staticmethod
    def _steps(c: Connection, code: str, received_at: str) -> tuple[ProgressStep, ...]:
        rows = c.execute(
            "SELECT at, action, detail FROM audit WHERE code = ?"
            " AND action IN ('assign', 'update', 'done', 'close') ORDER BY id",
            (code,),
        ).fetchall()
        steps = [ProgressStep(_at(received_at).isoformat(), "received", "")]
        steps += [ProgressStep(_at(r[0]).isoformat(), _PUBLIC[str(r[1])], str(r[2])) for r in rows]
        return tuple(steps)

    def _status(self, c: Connection, code: str, now: str) -> RequestStatus:
        """The public status of a request that exists."""
        r = c.execute(
            f"SELECT {_STATUS}, received_at, final_at FROM requests WHERE code = ?", (code,)
        ).fetchone()
        return RequestStatus(
            code=code,
            status=str(r[0]),
            category=str(r[1]),
            department=str(r[2]),
            result=str(r[3]),
            submitted_at=_at(r[4]).isoformat(),
            updated_at=_at(r[5]).isoformat(),
            respond_by=_at(r[6]).isoformat(),
            overdue=r[7] is None and str(r[6]) < now,
            satisfied=_flag(r[8]),
            mobile_masked="" if self._past_retention(r[12]) else str(r[9]),
            callback=bool(r[10]),
            steps=self._steps(c, code, str(r[11])),
        )

    # -- what terminals do ----------------------------------------------------------------
    def submit(
        self,
        fields: Mapping[str, Any],
        photo: bytes | None,
        *,
        terminal: str,
        idempotency_key: str,
        submitted_at: datetime,
    ) -> Stored:
        """Keeps a request (its description, mobile number and photo sealed) and answers
        its code, status token, department and promise; a repeat of the same
        ``idempotency_key`` by the same terminal with the same content answers the first.

        ``fields`` are the submission's fields
        (:meth:`~kiosk.requests.model.RequestSubmission.fields`), checked by the caller.

        Raises:
            RequestKeyReused: the terminal sent another request with this key.
            StoreError: the database failed.
        """
        if self._purge_due():
            self.purge()
        photo_sha256 = hashlib.sha256(photo).hexdigest() if photo is not None else ""
        digest = content_digest(dict(fields), photo_sha256)
        personal = {f: str(fields.get(f, "")) for f in PERSONAL_FIELDS}
        personal_sealed = self._fernet.encrypt(json.dumps(personal).encode("utf-8"))
        photo_sealed = self._fernet.encrypt(photo) if photo is not None else None
        category = handling(self.config.categories, str(fields["category"]))
        received = self.clock.now().astimezone(UTC)
        start = min(submitted_at.astimezone(UTC), received)
        respond_by = start + timedelta(hours=category.response_hours)
        token = new_status_token()
        mobile = personal["mobile"]

        def write(c: Connection) -> Stored:
            earlier = c.execute(
                "SELECT code, status, digest, token_sealed, department, promised_hours,"
                " respond_by FROM requests WHERE terminal = ? AND idem = ?",
                (terminal, idempotency_key),
            ).fetchone()
            if earlier is not None:
                code, status, earlier_digest, token_sealed = earlier[:4]
                if earlier_digest is None or not hmac.compare_digest(str(earlier_digest), digest):
                    raise RequestKeyReused("the Idempotency-Key was used for another request")
                first_token = self._open(token_sealed, "token", code).decode("ascii")
                return Stored(
                    str(code),
                    first_token,
                    str(status),
                    str(earlier[4]),
                    int(earlier[5]),
                    _at(earlier[6]),
                    replayed=True,
                )
            for _ in range(_CODE_ATTEMPTS):
                code = new_tracking_code(submitted_at)
                if c.execute("SELECT 1 FROM requests WHERE code = ?", (code,)).fetchone():
                    continue
                c.execute(
                    "INSERT INTO requests (code, terminal, idem, digest, token_sha256,"
                    " token_sealed, category, department, promised_hours, compound_id,"
                    " building, unit, callback, status, submitted_at, received_at,"
                    " respond_by, updated_at, mobile_masked, personal_sealed, photo_sealed,"
                    " photo_sha256, photo_size)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?,"
                    " ?, ?, ?, ?, ?)",
                    (
                        code,
                        terminal,
                        idempotency_key,
                        digest,
                        hashlib.sha256(token.encode("ascii")).hexdigest(),
                        self._fernet.encrypt(token.encode("ascii")),
                        str(fields["category"]),
                        category.department,
                        category.response_hours,
                        str(fields["compound_id"]),
                        str(fields["building"]),
                        str(fields["unit"]),
                        int(bool(fields["callback"])),
                        _utc_text(submitted_at),
                        _utc_text(received),
                        _utc_text(respond_by),
                        _utc_text(received),
                        mask_mobile(mobile) if mobile else "",
                        personal_sealed,
                        photo_sealed,
                        photo_sha256,
                        len(photo) if photo is not None else 0,
                    ),
                )
                return Stored(
                    code,
                    token,
                    "received",
                    category.department,
                    category.response_hours,
                    respond_by,
                    replayed=False,
                )
            raise StoreError("no free tracking code")

        stored = self.db.write(write)
        if not stored.replayed:
            log.info("request %s received from %s", stored.code, terminal)
        return stored

    def _check_token(self, c: Connection, code: str, token: str) -> bool:
        presented = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        row = c.execute("SELECT token_sha256 FROM requests WHERE code = ?", (code,)).fetchone()
        return row is not None and bool(token) and hmac.compare_digest(str(row[0]), presented)

    def status(self, code: str, token: str) -> RequestStatus | None:
        """The status a resident may see with the receipt's token (masked fields only);
        None for an unknown code or a wrong token alike."""
        now = self._now()
        with self.db.read() as c:
            if not self._check_token(c, code, token):
                return None
            return self._status(c, code, now)

    def rate(self, code: str, token: str, satisfied: bool, *, terminal: str) -> RequestStatus:
        """The resident's rating of a done or closed request, passed on by ``terminal``
        (audited as ``terminal:<id>``); the same rating again answers the same status.

        Raises:
            RequestUnknown: unknown code or wrong token.
            NotRateable: the request is not done or closed yet.
            AlreadyRated: another rating stands.
        """
        now = self._now()

        def write(c: Connection) -> RequestStatus:
            if not self._check_token(c, code, token):
                raise RequestUnknown("no request with this code and token")
            status, earlier = c.execute(
                "SELECT status, satisfied FROM requests WHERE code = ?", (code,)
            ).fetchone()
            if status not in FINAL_STATUSES:
                raise NotRateable("the request is not done or closed yet")
            if earlier is not None:
                if bool(earlier) != satisfied:
                    raise AlreadyRated("the request was rated already")
                return self._status(c, code, now)
            c.execute(
                "UPDATE requests SET satisfied = ?, rated_at = ? WHERE code = ?",
                (int(satisfied), now, code),
            )
            verdict = "satisfied" if satisfied else "not satisfied"
            self._audit(c, now, f"terminal:{terminal}", "rate", code, verdict)
            return self._status(c, code, now)

        return self.db.write(write)

    # -- what staff do --------------------------------------------------------------------
    def list_requests(
        self,
        status: str | None = None,
        *,
        overdue: bool = False,
        category: str | None = None,
        department: str | None = None,
        limit: int = 200,
    ) -> list[RequestSummary]:
        """Requests, newest first, nothing personal; ``status``, ``overdue`` (no response
        and past the promise), ``category`` and ``department`` narrow it."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        now = self._now()
        terms: list[str] = []
        args: list[Any] = []
        if status is not None:
            terms.append("status = ?")
            args.append(status)
        if overdue:
            terms.append("first_response_at IS NULL AND respond_by < ?")
            args.append(now)
        if category:
            terms.append("category = ?")
            args.append(category)
        if department:
            terms.append("department = ?")
            args.append(department)
        where = (" WHERE " + " AND ".join(terms)) if terms else ""
        query = f"SELECT {_SUMMARY} FROM requests{where} ORDER BY received_at DESC, code LIMIT ?"
        with self.db.read() as c:
            rows = c.execute(query, (*args, max(0, limit))).fetchall()
        return [
            RequestSummary(
                code=str(r[0]),
                status=str(r[1]),
                category=str(r[2]),
                department=str(r[3]),
                compound_id=str(r[4]),
                building=str(r[5]),
                unit=str(r[6]),
                callback=bool(r[7]),
                has_photo=bool(r[8]),
                received_at=_at(r[9]),
                respond_by=_at(r[10]),
                first_response_at=_utc(r[11]),
                updated_at=_at(r[12]),
                overdue=r[11] is None and str(r[10]) < now,
                satisfied=_flag(r[13]),
            )
            for r in rows
        ]

    def show(self, code: str, *, unmasked: bool = False, account: str = "") -> RequestDetail:
        """One request; its description and mobile number masked, or in clear for
        ``account`` (that read is audited).

        Raises:
            RequestUnknown: no such request.
            ValueError: an unmasked read without an account.
        """
        if unmasked and not account.strip():
            raise ValueError("an unmasked read needs the account that reads")
        now = self._now()

        def read(c: Connection) -> tuple[Any, tuple[ProgressStep, ...]] | None:
            row = c.execute(f"SELECT {_DETAIL} FROM requests WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            if unmasked:
                self._audit(c, now, account, "view_unmasked", code, "")
            return tuple(row), self._steps(c, code, str(row[13]))

        if unmasked:
            found = self.db.write(read)
        else:
            with self.db.read() as c:
                found = read(c)
        if found is None:
            raise RequestUnknown(f"no request {code}")
        r, steps = found
        final_at, purged_at, sealed = r[17], r[18], r[21]
        purged = purged_at is not None or self._past_retention(final_at)
        personal = {"description": "", "mobile": ""}
        if sealed is not None and not purged:
            personal = json.loads(self._open(sealed, "personal fields", code))
            if not unmasked:
                personal = {
                    "description": mask_text(personal["description"]),
                    "mobile": mask_mobile(personal["mobile"]) if personal["mobile"] else "",
                }
        received, respond_by = _at(r[13]), _at(r[14])
        first = _utc(r[15])
        start = min(_at(r[12]), received)
        compound = next((x for x in self.config.compounds if x.id == r[5]), None)
        return RequestDetail(
            code=str(r[0]),
            status=str(r[1]),
            category=str(r[2]),
            department=str(r[3]),
            promised_hours=int(r[4]),
            compound_id=str(r[5]),
            compound_name=compound.name if compound else "",
            building=str(r[6]),
            unit=str(r[7]),
            callback=bool(r[8]),
            terminal=str(r[9]),
            result=str(r[10]),
            satisfied=_flag(r[11]),
            submitted_at=_at(r[12]),
            received_at=received,
            respond_by=respond_by,
            first_response_at=first,
            updated_at=_at(r[16]),
            final_at=_utc(final_at),
            overdue=first is None and str(r[14]) < now,
            late=first is not None and first > respond_by,
            response_hours=None if first is None else (first - start).total_seconds() / 3600,
            purged=purged,
            has_photo=bool(r[19]) and not purged,
            photo_sha256=str(r[19]),
            photo_size=int(r[20]),
            description=personal["description"],
            mobile=personal["mobile"],
            steps=steps,
        )

    def photo(self, code: str, *, account: str) -> bytes | None:
        """The request's photo, decrypted and checked against its SHA-256, for ``account``
        (audited); None if it has none or it has been deleted.

        Raises:
            RequestUnknown: no such request.
            StoreError: the photo cannot be decrypted (another key) or is damaged.
        """
        if not account.strip():
            raise ValueError("reading a photo needs the account that reads")
        now = self._now()

        def read(c: Connection) -> tuple[Any, ...] | None:
            row = c.execute(
                "SELECT photo_sealed, photo_sha256, final_at FROM requests WHERE code = ?",
                (code,),
            ).fetchone()
            if row is not None and row[0] is not None:
                self._audit(c, now, account, "view_photo", code, "")
            return tuple(row) if row is not None else None

        row = self.db.write(read)
        if row is None:
            raise RequestUnknown(f"no request {code}")
        sealed, sha256, final_at = row
        if sealed is None or self._past_retention(final_at):
            return None
        jpeg = self._open(sealed, "photo", code)
        if hashlib.sha256(jpeg).hexdigest() != sha256:
            raise StoreError(f"the photo of {code} is damaged")
        return jpeg

    def act(
        self, code: str, action: str, *, account: str, text: str = "", department: str = ""
    ) -> RequestStatus:
        """A staff action, checked against the status and audited with ``account`` and the
        time: ``assign`` to a ``department``, ``update`` with a progress note, ``done`` with
        what was done, ``close`` with the reason (both final). The first of them is the
        request's response. Answers the new status (what the resident sees).

        Raises:
            RequestUnknown: no such request.
            TransitionRefused: the request is done or closed, or the department, note,
                result or reason is missing or too long.
            ValueError: an unknown action, or no account.
        """
        if action not in TRANSITIONS:
            raise ValueError(f"unknown action {action!r}")
        if not account.strip():
            raise ValueError("a staff action needs the account that does it")
        problem = staff_text_problem(action, text, department)
        if problem:
            raise TransitionRefused(problem)
        allowed_from, to = TRANSITIONS[action]
        shown = department.strip() if action == "assign" else text.strip()
        now = self._now()

        def write(c: Connection) -> tuple[str, RequestStatus]:
            row = c.execute("SELECT status FROM requests WHERE code = ?", (code,)).fetchone()
            if row is None:
                raise RequestUnknown(f"no request {code}")
            if row[0] not in allowed_from:
                raise TransitionRefused(f"cannot {action} a request that is {row[0]}")
            final = to in FINAL_STATUSES
            c.execute(
                "UPDATE requests SET status = ?, updated_at = ?,"
                " first_response_at = COALESCE(first_response_at, ?),"
                " department = COALESCE(?, department), result = ?, final_at = ?"
                " WHERE code = ?",
                (
                    to,
                    now,
                    now,
                    shown if action == "assign" else None,
                    shown if final else "",
                    now if final else None,
                    code,
                ),
            )
            self._audit(c, now, account, action, code, shown)
            return str(row[0]), self._status(c, code, now)

        before, after = self.db.write(write)
        log.info("request %s: %s -> %s by %s", code, before, to, account)
        return after

    def assign(self, code: str, *, department: str, account: str) -> RequestStatus:
        """Assigns (or reassigns) a request to ``department`` (audited)."""
        return self.act(code, "assign", account=account, department=department)

    def update(self, code: str, *, note: str, account: str) -> RequestStatus:
        """A progress note the resident reads; the request is then in hand (audited)."""
        return self.act(code, "update", account=account, text=note)

    def resolve(self, code: str, *, result: str, account: str) -> RequestStatus:
        """``done``, with what was done (final; audited)."""
        return self.act(code, "done", account=account, text=result)

    def close_request(self, code: str, *, reason: str, account: str) -> RequestStatus:
        """``closed``, with the reason the resident reads (final; audited)."""
        return self.act(code, "close", account=account, text=reason)

    def audit_trail(self, code: str | None = None) -> list[AuditEntry]:
        """The audited actions, oldest first (of one request, or all)."""
        query = "SELECT at, account, action, code, detail FROM audit"
        args: tuple[str, ...] = ()
        if code is not None:
            query += " WHERE code = ?"
            args = (code,)
        with self.db.read() as c:
            rows = c.execute(query + " ORDER BY id", args).fetchall()
        return [AuditEntry(_at(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    def count(self, status: str | None = None) -> int:
        """How many requests the store holds (of one status, or all)."""
        with self.db.read() as c:
            if status is None:
                row = c.execute("SELECT COUNT(*) FROM requests").fetchone()
            else:
                row = c.execute(
                    "SELECT COUNT(*) FROM requests WHERE status = ?", (status,)
                ).fetchone()
        return int(row[0])

    def codes_by_key(self) -> dict[tuple[str, str], list[str]]:
        """(terminal, idempotency key) -> the codes it made (for checks: never more than
        one)."""
        with self.db.read() as c:
            rows = c.execute("SELECT terminal, idem, code FROM requests ORDER BY code").fetchall()
        out: dict[tuple[str, str], list[str]] = {}
        for terminal, idem, code in rows:
            out.setdefault((str(terminal), str(idem)), []).append(str(code))
        return out

    def departments(self) -> list[str]:
        """The configured departments, then any other a request was assigned to."""
        with self.db.read() as c:
            rows = c.execute("SELECT DISTINCT department FROM requests").fetchall()
        known = self.config.departments()
        return known + sorted({str(r[0]) for r in rows} - set(known))

    # -- reports --------------------------------------------------------------------------
    def report(self, since: datetime, until: datetime) -> RequestReport:
        """Counts for ``[since, until)`` (aware, or naive local): requests received by
        category and status (with how many broke the promise), finished, rated, and the
        overdue ones open now."""
        lo, hi, now = _utc_text(since), _utc_text(until), self._now()
        broke = (
            "(first_response_at IS NULL AND respond_by < ?)"
            " OR (first_response_at IS NOT NULL AND first_response_at > respond_by)"
        )
        with self.db.read() as c:
            rows = c.execute(
                f"SELECT category, status, COUNT(*), SUM(CASE WHEN {broke} THEN 1 ELSE 0 END)"
                " FROM requests WHERE received_at >= ? AND received_at < ?"
                " GROUP BY category, status ORDER BY category, status",
                (now, lo, hi),
            ).fetchall()
            done, closed, happy, unhappy = c.execute(
                "SELECT SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN satisfied = 1 THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN satisfied = 0 THEN 1 ELSE 0 END)"
                " FROM requests WHERE final_at >= ? AND final_at < ?",
                (lo, hi),
            ).fetchone()
            overdue_open = c.execute(
                "SELECT COUNT(*) FROM requests WHERE first_response_at IS NULL AND respond_by < ?",
                (now,),
            ).fetchone()[0]
        report_rows = tuple(ReportRow(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows)
        return RequestReport(
            since=_at(lo),
            until=_at(hi),
            rows=report_rows,
            received=sum(r.count for r in report_rows),
            done=int(done or 0),
            closed=int(closed or 0),
            satisfied=int(happy or 0),
            unsatisfied=int(unhappy or 0),
            overdue_open=int(overdue_open),
        )

    def daily_report(self, day: date) -> RequestReport:
        """:meth:`report` for one local calendar day."""
        start = datetime.combine(day, time()).astimezone()
        return self.report(start, start + timedelta(days=1))

    # -- retention ------------------------------------------------------------------------
    def _past_retention(self, final_at: Any) -> bool:
        return isinstance(final_at, str) and final_at < self._cutoff()

    def _purge_due(self) -> bool:
        with self.db.read() as c:
            row = c.execute(
                "SELECT 1 FROM requests WHERE final_at IS NOT NULL AND final_at < ?"
                " AND purged_at IS NULL LIMIT 1",
                (self._cutoff(),),
            ).fetchone()
        return row is not None

    def purge(self) -> int:
        """Deletes the personal data of every request done or closed for longer than the
        retention; answers how many."""
        cutoff, now = self._cutoff(), self._now()

        def write(c: Connection) -> list[str]:
            due = [
                str(r[0])
                for r in c.execute(
                    "SELECT code FROM requests"
                    " WHERE final_at IS NOT NULL AND final_at < ? AND purged_at IS NULL",
                    (cutoff,),
                ).fetchall()
            ]
            for code in due:
                c.execute(
                    "UPDATE requests SET personal_sealed = NULL, photo_sealed = NULL,"
                    " token_sealed = NULL, digest = NULL, mobile_masked = '', purged_at = ?"
                    " WHERE code = ?",
                    (now, code),
                )
                self._audit(c, now, SYSTEM_ACCOUNT, "purge", code, "")
            return due

        due = self.db.write(write)
        if due:
            log.info("deleted the personal data of %d finished request(s)", len(due))
            self._truncate_wal()
        return len(due)

    def _truncate_wal(self) -> None:
        """On SQLite, moves the WAL into the database and empties it (best effort: a reader
        elsewhere may hold it back until the next purge)."""
        if self.db.dialect != "sqlite":
            return
        try:
            with self.db.read() as c:
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except StoreError as e:
            log.warning("could not truncate the request store's WAL: %s", e)

    def close(self) -> None:
        """Closes the database (an engine's pool stays open)."""
        self.db.close()


def requests_file(data_dir: Path) -> Path:
    """The request store in a center data directory, when it is not on an engine."""
    return data_dir / SQLITE_FILE


def open_center_requests(
    data_dir: Path, clock: Clock | None = None, *, engine: Engine | None = None
) -> RequestStore:
    """The center's request store with the settings of ``data_dir``'s ``requests.toml``
    (due personal data is deleted as it opens): on ``engine`` (the center's database), else
    in ``requests/requests.sqlite3``; the key in ``keys/requests.key`` either way."""
    store: Path | Database = requests_file(data_dir)
    if engine is not None:
        store = engine.store(
            STORE_NAME, sqlite_file=SQLITE_FILE, pragmas=SQLITE_PRAGMAS, private=True
        )
    return RequestStore(
        store, requests_key_file(data_dir), config=load_requests_config(data_dir), clock=clock
    )
