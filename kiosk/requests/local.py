"""The ``local`` request service: the embedded demo intake, on this machine.

It stands in for the center with the same contract as :mod:`kiosk.requests.http` (tracking
codes, status tokens, idempotency per key, the same refusals, ratings) but keeps nothing
personal: no description, no mobile number, no photo pixels. Each row has the code, the
status token, the category, department and promise, the status and its dates, the masked
mobile number a status screen shows, the callback flag, the photo's SHA-256 and size, and a
digest of the whole submission for the idempotency check; the public progress steps sit
beside it. The real recipient is the center (``backend = "http"``).

:meth:`LocalRequestService.act` plays the staff's part for demos and tests (assign, note
progress, done, close): the embedded intake has no staff.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.framework.masking import mask_mobile
from kiosk.platform.database import Connection, Migration, SqliteDatabase
from kiosk.platform.requests_config import RequestsConfig
from kiosk.requests.model import (
    FINAL_STATUSES,
    ProgressStep,
    RequestStatus,
    RequestSubmission,
    SubmitReceipt,
    content_digest,
    new_status_token,
    new_tracking_code,
)
from kiosk.requests.rules import (
    TRANSITIONS,
    handling,
    photo_problem,
    staff_text_problem,
    submission_problems,
)
from kiosk.requests.service import RequestNotFound, RequestServiceError

log = logging.getLogger(__name__)

_CODE_ATTEMPTS = 8
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, UTC: compares as text

MIGRATIONS: tuple[Migration, ...] = (
    (
        "CREATE TABLE requests ("
        " code TEXT PRIMARY KEY,"
        " terminal TEXT NOT NULL,"
        " idem TEXT NOT NULL,"
        " digest TEXT NOT NULL,"
        " status_token TEXT NOT NULL,"
        " category TEXT NOT NULL,"
        " department TEXT NOT NULL,"
        " promised_hours INTEGER NOT NULL,"
        " status TEXT NOT NULL,"
        " result TEXT NOT NULL DEFAULT '',"
        " satisfied INTEGER,"
        " submitted_at TEXT NOT NULL,"
        " updated_at TEXT NOT NULL,"
        " respond_by TEXT NOT NULL,"
        " first_response_at TEXT,"
        " mobile_masked TEXT NOT NULL,"
        " callback INTEGER NOT NULL,"
        " photo_sha256 TEXT NOT NULL,"
        " photo_size INTEGER NOT NULL,"
        " UNIQUE (terminal, idem))",
        "CREATE TABLE steps ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " code TEXT NOT NULL REFERENCES requests(code),"
        " at TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " text TEXT NOT NULL)",
        "CREATE INDEX steps_code ON steps (code, id)",
    ),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def _iso(text: str) -> str:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC).isoformat()


def refusal_of(request: RequestSubmission, max_description: int) -> RequestServiceError | None:
    """What the intake refuses before keeping anything (as the center does), or None."""
    bad = submission_problems(request.fields(), max_description=max_description)
    if bad:
        return RequestServiceError(
            f"invalid fields: {', '.join(bad)}", retryable=False, code="invalid_query"
        )
    problem = photo_problem(request.photo_jpeg)
    if problem:
        return RequestServiceError(f"the photo: {problem}", retryable=False, code=problem)
    return None


class LocalRequestService:
    """Requests recorded on this machine (demo and offline deployments); thread-safe.

    Args:
        path: the SQLite file.
        config: ``[requests]`` (the categories' departments and promises, the longest
            description).
        now: wall time, aware (dates, the promise, overdue).
    """

    def __init__(
        self,
        path: Path,
        config: RequestsConfig | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path, self.config, self._now = path, config or RequestsConfig(), now
        self._db = SqliteDatabase(path, name="request intake", private=True)
        try:
            self._db.migrate(MIGRATIONS, what="the request intake")
        except BaseException:
            self._db.close()
            raise

    def submit(self, request: RequestSubmission, idempotency_key: str) -> SubmitReceipt:
        """See :class:`kiosk.requests.service.RequestService`."""
        refusal = refusal_of(request, self.config.description_max_chars)
        if refusal is not None:
            raise refusal
        digest = content_digest(request.fields(), request.photo_sha256)
        category = handling(self.config.categories, request.category)
        now = self._now()
        start = min(request.submitted_at, now)
        respond_by = start + timedelta(hours=category.response_hours)
        token = new_status_token()

        def write(c: Connection) -> SubmitReceipt:
            row = c.execute(
                "SELECT code, status_token, digest, promised_hours, department FROM requests"
                " WHERE terminal = ? AND idem = ?",
                (request.terminal_id, idempotency_key),
            ).fetchone()
            if row is not None:
                if not hmac.compare_digest(str(row[2]), digest):
                    raise RequestServiceError(
                        "the key was used for another request",
                        retryable=False,
                        code="idempotency_key_reused",
                    )
                return SubmitReceipt(str(row[0]), str(row[1]), int(row[3]), str(row[4]))
            for _ in range(_CODE_ATTEMPTS):
                code = new_tracking_code(request.submitted_at)
                if c.execute("SELECT 1 FROM requests WHERE code = ?", (code,)).fetchone():
                    continue
                c.execute(
                    "INSERT INTO requests (code, terminal, idem, digest, status_token,"
                    " category, department, promised_hours, status, submitted_at, updated_at,"
                    " respond_by, mobile_masked, callback, photo_sha256, photo_size)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        code,
                        request.terminal_id,
                        idempotency_key,
                        digest,
                        token,
                        request.category,
                        category.department,
                        category.response_hours,
                        _text(request.submitted_at),
                        _text(now),
                        _text(respond_by),
                        mask_mobile(request.mobile) if request.mobile else "",
                        int(request.callback),
                        request.photo_sha256,
                        len(request.photo_jpeg or b""),
                    ),
                )
                c.execute(
                    "INSERT INTO steps (code, at, status, text) VALUES (?, ?, 'received', '')",
                    (code, _text(now)),
                )
                log.info("request %s received (embedded intake)", code)
                return SubmitReceipt(code, token, category.response_hours, category.department)
            raise RequestServiceError("no free tracking code", code="store_error")

        return self._db.write(write)

    def _row(self, c: Connection, code: str, token: str) -> Any:
        row = c.execute(
            "SELECT status_token, status, category, department, result, submitted_at,"
            " updated_at, respond_by, first_response_at, satisfied, mobile_masked, callback"
            " FROM requests WHERE code = ?",
            (code,),
        ).fetchone()
        if row is None or not hmac.compare_digest(
            str(row[0]).encode(), token.encode("utf-8", "replace")
        ):
            raise RequestNotFound()
        return row

    def _status(self, c: Connection, code: str, token: str) -> RequestStatus:
        row = self._row(c, code, token)
        steps = c.execute(
            "SELECT at, status, text FROM steps WHERE code = ? ORDER BY id", (code,)
        ).fetchall()
        overdue = row[8] is None and str(row[7]) < _text(self._now())
        return RequestStatus(
            code,
            str(row[1]),
            str(row[2]),
            str(row[3]),
            str(row[4]),
            _iso(str(row[5])),
            _iso(str(row[6])),
            _iso(str(row[7])),
            overdue=overdue,
            satisfied=None if row[9] is None else bool(row[9]),
            mobile_masked=str(row[10]),
            callback=bool(row[11]),
            steps=tuple(ProgressStep(_iso(s[0]), str(s[1]), str(s[2])) for s in steps),
        )

    def status(self, code: str, status_token: str) -> RequestStatus:
        """See :class:`kiosk.requests.service.RequestService`."""
        with self._db.read() as c:
            return self._status(c, code, status_token)

    def rate(self, code: str, status_token: str, satisfied: bool) -> RequestStatus:
        """See :class:`kiosk.requests.service.RequestService`."""

        def write(c: Connection) -> RequestStatus:
            row = self._row(c, code, status_token)
            if row[1] not in FINAL_STATUSES:
                raise RequestServiceError(
                    "the request is not finished yet", retryable=False, code="not_rateable"
                )
            if row[9] is not None and bool(row[9]) != satisfied:
                raise RequestServiceError(
                    "the request was rated already", retryable=False, code="already_rated"
                )
            c.execute("UPDATE requests SET satisfied = ? WHERE code = ?", (int(satisfied), code))
            return self._status(c, code, status_token)

        return self._db.write(write)

    def act(self, code: str, action: str, *, text: str = "", department: str = "") -> None:
        """A staff action as the center's staff would take it (demos and tests only):
        ``assign`` to a ``department``, ``update`` with a progress note, ``done`` with what
        was done, ``close`` with the reason."""
        problem = staff_text_problem(action, text, department)
        if problem:
            raise ValueError(problem)
        allowed_from, to = TRANSITIONS[action]
        now = _text(self._now())
        shown = department.strip() if action == "assign" else text.strip()

        def write(c: Connection) -> None:
            row = c.execute("SELECT status FROM requests WHERE code = ?", (code,)).fetchone()
            if row is None:
                raise RequestNotFound()
            if row[0] not in allowed_from:
                raise RequestServiceError(
                    f"cannot {action} a request that is {row[0]}",
                    retryable=False,
                    code="invalid_transition",
                )
            c.execute(
                "UPDATE requests SET status = ?, updated_at = ?,"
                " first_response_at = COALESCE(first_response_at, ?),"
                " department = CASE WHEN ? = 'assign' THEN ? ELSE department END,"
                " result = CASE WHEN ? IN ('done', 'close') THEN ? ELSE result END"
                " WHERE code = ?",
                (to, now, now, action, shown, action, shown, code),
            )
            c.execute(
                "INSERT INTO steps (code, at, status, text) VALUES (?, ?, ?, ?)",
                (code, now, to, shown),
            )

        self._db.write(write)

    def count(self) -> int:
        """How many requests were received."""
        with self._db.read() as c:
            return int(c.execute("SELECT COUNT(*) FROM requests").fetchone()[0])

    def close(self) -> None:
        """Closes the database."""
        self._db.close()
