"""The durable print-job store: every receipt is on disk before a byte goes to the printer.

SQLite in WAL mode with ``synchronous=FULL``, so a job that :meth:`PrintJobStore.add` returned
survives a power cut. Pending jobs are picked up by the next process; finished jobs are kept for
reprinting but pruned to the last few, because receipts may carry (masked) personal data and
retention must stay bounded. ``secure_delete`` overwrites pruned rows instead of leaving them in
free pages.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NewType

log = logging.getLogger(__name__)

JobId = NewType("JobId", int)

#: The schema version this code writes; stored in SQLite's ``user_version``.
SCHEMA_VERSION = 2

_PAPER_USED_KEY = "paper_used_mm"


class JobState(StrEnum):
    """Where a job is in its life. Receipts print at most once unless someone asks again.

    ``printing`` is held while the worker checks the printer, before any byte is sent; a job
    found ``printing`` when the store is opened was cut off before sending and is put back
    to ``pending``. ``sending`` is held from the first byte on; a job cut off there (a crash,
    a dropped connection, a status that cannot be read after sending, paper out after
    sending) may have come out of the printer, whole or in part: it becomes ``uncertain``
    and is never resent on its own. A resident or technician reprints it
    (:meth:`Printer.reprint`, a new job marked ``reprint_of``).
    """

    PENDING = "pending"
    PRINTING = "printing"
    SENDING = "sending"
    DONE = "done"
    UNCERTAIN = "uncertain"
    FAILED = "failed-permanent"

    @property
    def finished(self) -> bool:
        """Whether the job will not change state any more."""
        return self in (JobState.DONE, JobState.FAILED, JobState.UNCERTAIN)


@dataclass(frozen=True)
class PrintJob:
    """One stored job.

    Attributes:
        id: increasing, never reused (so a reprint never points at another receipt).
        created_at: wall-clock seconds when it was stored.
        title: the receipt title (no personal data by contract of ``Receipt``).
        state: see :class:`JobState`.
        attempts: how many times sending was started.
        last_error: the error code of the last failed attempt (``printer.offline``...), or None.
        done_at: wall-clock seconds when it finished, or None.
        reprint_of: the job this one reprints, or None.
        receipt_json: the receipt document (may hold masked personal data; not in repr).
        escpos: the exact bytes sent to the printer (not in repr).
    """

    id: JobId
    created_at: float
    title: str
    state: JobState
    attempts: int
    last_error: str | None
    done_at: float | None
    reprint_of: JobId | None
    receipt_json: str = field(repr=False)
    escpos: bytes = field(repr=False)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of this program."""


def _create_jobs_table(conn: sqlite3.Connection, states: Sequence[str]) -> None:
    # AUTOINCREMENT: ids are never reused after pruning, so job numbers in logs and the
    # simulated printer's file names stay unambiguous.
    allowed = ", ".join(f"'{s}'" for s in states)
    conn.execute(
        f"""
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at REAL NOT NULL,
            title TEXT NOT NULL,
            receipt_json TEXT NOT NULL,
            escpos BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({allowed})),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            done_at REAL,
            reprint_of INTEGER
        )
        """
    )
    conn.execute("CREATE INDEX jobs_by_state ON jobs (state, id)")


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    _create_jobs_table(conn, ("pending", "printing", "done", "failed-permanent"))
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    # The 'sending' and 'uncertain' states (at most once): SQLite cannot alter a CHECK, so
    # the table is rebuilt with the same columns and ids (the AUTOINCREMENT counter stays).
    conn.execute("ALTER TABLE jobs RENAME TO jobs_v1")
    conn.execute("DROP INDEX IF EXISTS jobs_by_state")
    _create_jobs_table(conn, [s.value for s in JobState])
    conn.execute("INSERT INTO jobs SELECT * FROM jobs_v1")
    conn.execute("DROP TABLE jobs_v1")


#: ``_MIGRATIONS[i]`` takes the schema from version ``i`` to ``i + 1``.
_MIGRATIONS: Sequence[Callable[[sqlite3.Connection], None]] = (_migrate_0_to_1, _migrate_1_to_2)
assert len(_MIGRATIONS) == SCHEMA_VERSION


def migrate(conn: sqlite3.Connection) -> int:
    """Brings the schema up to :data:`SCHEMA_VERSION`; safe to call any number of times.

    Runs in one ``BEGIN IMMEDIATE`` transaction (``user_version`` is part of it), so two
    processes opening the same file cannot both migrate. ``conn`` must be in autocommit mode
    (``isolation_level=None``). Returns the version found before migrating.

    Raises:
        SchemaTooNewError: the file's version is newer than this code knows.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if found > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"print job database has schema {found}, this program knows {SCHEMA_VERSION}"
            )
        for version in range(found, SCHEMA_VERSION):
            _MIGRATIONS[version](conn)
        if found != SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if found != SCHEMA_VERSION:
        log.info("print job database migrated from schema %d to %d", found, SCHEMA_VERSION)
    return found


_COLUMNS = (
    "id, created_at, title, state, attempts, last_error, done_at, reprint_of, receipt_json, escpos"
)


def _row_to_job(row: Sequence[Any]) -> PrintJob:
    return PrintJob(
        id=JobId(row[0]),
        created_at=row[1],
        title=row[2],
        state=JobState(row[3]),
        attempts=row[4],
        last_error=row[5],
        done_at=row[6],
        reprint_of=None if row[7] is None else JobId(row[7]),
        receipt_json=row[8],
        escpos=bytes(row[9]),
    )


_FINISHED = (JobState.DONE.value, JobState.FAILED.value, JobState.UNCERTAIN.value)


class PrintJobStore:
    """Durable, thread-safe queue and short history of print jobs.

    One SQLite connection guarded by a lock (the store is touched by the printer's worker thread
    and the application thread; the work per call is tiny). Opening the store migrates the schema
    and puts jobs left ``printing`` by a crash back to ``pending``.

    Attributes:
        path: the database file.
        keep_done: how many finished jobs (done or failed-permanent) are kept for reprinting.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        keep_done: int = 20,
        clock: Callable[[], float] = time.time,
        in_memory: bool = False,
    ) -> None:
        if keep_done < 0:
            raise ValueError(f"keep_done must be >= 0, got {keep_done}")
        self.path = Path(path)
        self.keep_done = keep_done
        self.in_memory = in_memory
        self._clock = clock
        self._lock = threading.RLock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so every write is explicit.
        if in_memory:  # the file cannot be opened (a full disk): nothing survives this run
            self._conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            if not in_memory:
                self._configure()
            migrate(self._conn)
            resumed = self._requeue_interrupted()
        except BaseException:
            self._conn.close()
            raise
        if resumed:
            log.warning("%d print job(s) were cut off by a restart; they will be resent", resumed)

    def _configure(self) -> None:
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise RuntimeError(f"could not switch {self.path} to WAL (got {mode!r})")
        # Receipts may hold masked personal data: keep the file private to the kiosk user
        # (SQLite gives the -wal and -shm files the same permissions).
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            log.warning("could not restrict permissions of %s", self.path)
        # FULL: a committed job is on stable storage even after a power cut (WAL + NORMAL
        # could lose the last transactions, i.e. a receipt the resident is waiting for).
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA secure_delete = ON")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA busy_timeout = 5000")

    def _requeue_interrupted(self) -> int:
        with self._lock:
            cur = self._conn.execute(
                "UPDATE jobs SET state = ? WHERE state = ?",
                (JobState.PENDING.value, JobState.PRINTING.value),
            )
            # bytes may have reached the printer: never resent on its own
            self._conn.execute(
                "UPDATE jobs SET state = ?, last_error = 'printer.interrupted' WHERE state = ?",
                (JobState.UNCERTAIN.value, JobState.SENDING.value),
            )
            return cur.rowcount

    def recover(self) -> int:
        """Clears what a worker that died left behind: rolls back a transaction whose ROLLBACK
        failed (a full disk), puts ``printing`` jobs back to pending and makes ``sending`` jobs
        uncertain, as at start. Returns how many jobs went back to pending. Raises what SQLite
        raises (the disk is still full): the caller tries again later."""
        with self._lock:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            return self._requeue_interrupted()

    def pragmas(self) -> dict[str, Any]:
        """The durability settings in force on this store's connection (for diagnostics)."""
        with self._lock:
            return {
                name: self._conn.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "user_version", "secure_delete")
            }

    def add(
        self,
        title: str,
        receipt_json: str,
        escpos: bytes,
        *,
        reprint_of: JobId | None = None,
    ) -> JobId:
        """Stores a new pending job and returns its id once it is committed to disk."""
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO jobs (created_at, title, receipt_json, escpos, state, reprint_of)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (self._clock(), title, receipt_json, escpos, JobState.PENDING.value, reprint_of),
            )
            assert cur.lastrowid is not None
            return JobId(cur.lastrowid)

    def get(self, job_id: JobId) -> PrintJob | None:
        """The job, or None if it never existed or was pruned."""
        with self._lock:
            row = self._conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,))
            found = row.fetchone()
        return None if found is None else _row_to_job(found)

    def next_pending(self) -> PrintJob | None:
        """The oldest pending job (jobs are printed in the order they were submitted)."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state = ? ORDER BY id LIMIT 1",
                (JobState.PENDING.value,),
            ).fetchone()
        return None if row is None else _row_to_job(row)

    def pending_count(self) -> int:
        """How many jobs wait to be printed."""
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*) FROM jobs WHERE state IN (?, ?, ?)",
                (JobState.PENDING.value, JobState.PRINTING.value, JobState.SENDING.value),
            ).fetchone()
        return int(row[0])

    def recent(self, n: int) -> list[PrintJob]:
        """The ``n`` newest jobs of any state, newest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?", (max(n, 0),)
            ).fetchall()
        return [_row_to_job(r) for r in rows]

    def mark_printing(self, job_id: JobId) -> None:
        """Records that an attempt to send the job starts now."""
        with self._lock:
            self._conn.execute(
                "UPDATE jobs SET state = ?, attempts = attempts + 1 WHERE id = ?",
                (JobState.PRINTING.value, job_id),
            )

    def mark_sending(self, job_id: JobId) -> None:
        """Records that the job's first byte goes to the printer now (durably, before it)."""
        with self._lock:
            self._conn.execute(
                "UPDATE jobs SET state = ? WHERE id = ?", (JobState.SENDING.value, job_id)
            )

    def mark_uncertain(self, job_id: JobId, error: str) -> None:
        """The job may have printed, whole or in part: it is not resent on its own."""
        self._finish(job_id, JobState.UNCERTAIN, error)

    def mark_pending(self, job_id: JobId, error: str) -> None:
        """Puts a job back in the queue after a failed attempt, remembering the error code."""
        with self._lock:
            self._conn.execute(
                "UPDATE jobs SET state = ?, last_error = ? WHERE id = ?",
                (JobState.PENDING.value, error, job_id),
            )

    def mark_done(self, job_id: JobId, paper_mm: float = 0.0) -> None:
        """Marks a job printed, adds its length to the paper counter and prunes old jobs."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "UPDATE jobs SET state = ?, done_at = ?, last_error = NULL WHERE id = ?",
                    (JobState.DONE.value, self._clock(), job_id),
                )
                if paper_mm:
                    self._conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
                        " DO UPDATE SET value = CAST(value AS REAL) + CAST(excluded.value AS REAL)",
                        (_PAPER_USED_KEY, str(paper_mm)),
                    )
                self._prune()
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def mark_failed(self, job_id: JobId, error: str) -> None:
        """Gives up on a job for good (it stays in the history with its error code)."""
        self._finish(job_id, JobState.FAILED, error)

    def _finish(self, job_id: JobId, state: JobState, error: str) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "UPDATE jobs SET state = ?, done_at = ?, last_error = ? WHERE id = ?",
                    (state.value, self._clock(), error, job_id),
                )
                self._prune()
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _prune(self) -> None:
        cur = self._conn.execute(
            "DELETE FROM jobs WHERE state IN (?, ?, ?) AND id NOT IN ("
            " SELECT id FROM jobs WHERE state IN (?, ?, ?) ORDER BY id DESC LIMIT ?)",
            (*_FINISHED, *_FINISHED, self.keep_done),
        )
        if cur.rowcount:
            log.debug("pruned %d finished print job(s)", cur.rowcount)

    def prune(self) -> None:
        """Drops finished jobs beyond the newest :attr:`keep_done` (also done on every finish)."""
        with self._lock:
            self._prune()

    def paper_used_mm(self) -> float:
        """Paper printed since the roll was last changed, by the printer's own estimate."""
        with self._lock:
            row = self._conn.execute(
                "SELECT value FROM meta WHERE key = ?", (_PAPER_USED_KEY,)
            ).fetchone()
        return 0.0 if row is None else float(row[0])

    def reset_paper_used(self) -> None:
        """Starts counting a new roll."""
        with self._lock:
            self._conn.execute("DELETE FROM meta WHERE key = ?", (_PAPER_USED_KEY,))

    def close(self) -> None:
        """Closes the database (a checkpoint folds the WAL back into the main file)."""
        with self._lock:
            self._conn.close()
