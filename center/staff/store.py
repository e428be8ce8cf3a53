"""Console accounts, sign-in with lockout, and server-side sessions: the ``staff`` store of
the center's database (``<data>/staff.sqlite3`` on SQLite, the ``staff`` schema on
PostgreSQL: :mod:`center.staff.database`).

- **Accounts** keep an argon2id hash of the password, never the password.
- **Lockout**: ``attempts`` wrong passwords in a row (5) lock the account for ``lockout``
  (15 minutes). The count and the end of the lock are stored, so a restart does not lift
  them; while locked even the right password does not sign in. A success clears the count.
- **Sessions** live here, not in the cookie: the browser holds a random token, the store its
  SHA-256 (a copied database opens no session). A session ends ``idle`` after its last use,
  ``max_age`` after it began, when its account is disabled, or at sign-out. Each session has
  its own CSRF token.
- ``secrets``: keys the console makes once and every worker process shares (the sign-in
  form's token key).
- **Several processes** (app servers on one PostgreSQL database, workers on one file) share
  all of it: a session opened through one is valid on every other, and wrong passwords count
  towards one lockout wherever they were typed. Each count is a read-modify-write in one
  SERIALIZABLE transaction (``BEGIN IMMEDIATE`` on SQLite), re-run after a conflict, so two
  wrong passwords at the same moment on two servers count as two.

All SQL of this store is in this module.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from center.database import Engine
from center.staff.database import from_text, open_database, to_text
from center.staff.model import Account, Role, Session, check_account_name, check_password
from center.staff.passwords import Passwords
from kiosk.platform.database import READ_COMMITTED, Connection, Database, Migration

STORE_NAME = "staff"
STORE_FILE = "staff.sqlite3"
"""The store's file on SQLite, in the engine's folder (the data directory)."""

MIGRATIONS: tuple[Migration, ...] = (
    # 1: accounts, sessions and shared secrets; the same statements both engines run (and
    # those files made before the store moved onto center.database have: user_version 1)
    (
        "CREATE TABLE accounts ("
        " name TEXT PRIMARY KEY,"
        " role TEXT NOT NULL,"
        " password_hash TEXT NOT NULL,"
        " enabled INTEGER NOT NULL,"
        " created_at TEXT NOT NULL,"
        " last_signin_at TEXT,"
        " failed_signins INTEGER NOT NULL DEFAULT 0,"
        " locked_until TEXT)",
        "CREATE TABLE sessions ("
        " token_sha256 TEXT PRIMARY KEY,"
        " account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,"
        " csrf_token TEXT NOT NULL,"
        " created_at TEXT NOT NULL,"
        " last_seen TEXT NOT NULL,"
        " client TEXT NOT NULL)",
        "CREATE INDEX sessions_account ON sessions (account)",
        "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
)
_ACCOUNT_COLUMNS = (
    "a.name, a.role, a.enabled, a.created_at, a.last_signin_at, a.failed_signins, a.locked_until"
)
_TOUCH_AFTER = timedelta(seconds=15)  # a session's last use is written at most this often


class AccountExists(ValueError):
    """An account of that name exists already."""


class UnknownAccount(ValueError):
    """No account of that name."""


class SignInOutcome(StrEnum):
    """How a sign-in ended."""

    OK = "ok"
    WRONG = "wrong"  # unknown name or wrong password (the same answer for both)
    LOCKED = "locked"  # too many wrong passwords: nothing is checked until it ends
    DISABLED = "disabled"  # the right password for a disabled account


@dataclass(frozen=True)
class SignIn:
    """A sign-in's outcome, the account (when the name exists) and the lock's end."""

    outcome: SignInOutcome
    account: Account | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class StaffPolicy:
    """Lockout and session limits.

    Attributes:
        attempts: wrong passwords in a row that lock an account.
        lockout: how long the lock lasts.
        idle: a session unused this long has ended.
        max_age: a session ends this long after sign-in however busy it is.
    """

    attempts: int = 5
    lockout: timedelta = timedelta(minutes=15)
    idle: timedelta = timedelta(minutes=15)
    max_age: timedelta = timedelta(hours=12)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _account(row: Sequence[Any]) -> Account:
    return Account(
        name=row[0],
        role=Role(row[1]),
        enabled=bool(row[2]),
        created_at=from_text(row[3]) or datetime.min.replace(tzinfo=UTC),
        last_signin_at=from_text(row[4]),
        failed_signins=int(row[5]),
        locked_until=from_text(row[6]),
    )


class StaffStore:
    """Accounts, lockout and sessions. Thread-safe; several processes may share the file.

    Args:
        db: the store's database (``engine.store("staff", ...)``).
        policy: lockout and session limits.
        passwords: the password hasher.
        now: the clock (UTC, aware).
        engine: an engine the store owns (closed with it), when its opener made one.
    """

    def __init__(
        self,
        db: Database,
        *,
        policy: StaffPolicy | None = None,
        passwords: Passwords | None = None,
        now: Callable[[], datetime] = _utc_now,
        engine: Engine | None = None,
    ) -> None:
        db.migrate(MIGRATIONS, what="staff store")
        self.db = db
        self._engine = engine
        self.policy = policy or StaffPolicy()
        self.passwords = passwords or Passwords()
        self.now = now

    # -- accounts ---------------------------------------------------------------------

    def add(self, name: str, role: Role, password: str) -> Account:
        """Adds an enabled account; raises :class:`AccountExists` or ValueError."""
        check_account_name(name)
        check_password(password)
        digest = self.passwords.hash(password)
        created = to_text(self.now())

        def work(c: Connection) -> bool:
            cur = c.execute(
                "INSERT INTO accounts (name, role, password_hash, enabled, created_at,"
                " failed_signins) VALUES (?, ?, ?, 1, ?, 0) ON CONFLICT (name) DO NOTHING",
                (name, role.value, digest, created),
            )
            return cur.rowcount == 1

        if not self.db.write(work):
            raise AccountExists(f"an account named {name!r} exists already")
        return self._get(name)

    def account(self, name: str) -> Account | None:
        """The account called ``name``, or None."""
        with self.db.read() as c:
            row = c.execute(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts a WHERE a.name = ?", (name,)
            ).fetchone()
        return _account(row) if row else None

    def _get(self, name: str) -> Account:
        account = self.account(name)
        if account is None:
            raise UnknownAccount(f"no account named {name!r}")
        return account

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        with self.db.read() as c:
            rows = c.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.name")
            return [_account(r) for r in rows.fetchall()]

    def set_enabled(self, name: str, enabled: bool) -> Account:
        """Enables or disables an account; disabling ends its sessions."""

        def work(c: Connection) -> int:
            cur = c.execute(
                "UPDATE accounts SET enabled = ? WHERE name = ?", (1 if enabled else 0, name)
            )
            if cur.rowcount == 1 and not enabled:
                c.execute("DELETE FROM sessions WHERE account = ?", (name,))
            return cur.rowcount

        if self.db.write(work) != 1:
            raise UnknownAccount(f"no account named {name!r}")
        return self._get(name)

    def set_password(self, name: str, password: str) -> Account:
        """Sets a new password; lifts a lockout and ends the account's sessions."""
        check_password(password)
        digest = self.passwords.hash(password)

        def work(c: Connection) -> int:
            cur = c.execute(
                "UPDATE accounts SET password_hash = ?, failed_signins = 0, locked_until = NULL"
                " WHERE name = ?",
                (digest, name),
            )
            c.execute("DELETE FROM sessions WHERE account = ?", (name,))
            return cur.rowcount

        if self.db.write(work) != 1:
            raise UnknownAccount(f"no account named {name!r}")
        return self._get(name)

    # -- sign-in ----------------------------------------------------------------------

    def sign_in(self, name: str, password: str) -> SignIn:
        """Checks a password, counting wrong ones and locking the account at the limit.

        While an account is locked its password is not even checked.
        """
        now = self.now()
        with self.db.read() as c:
            row = c.execute(
                "SELECT password_hash, locked_until FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        locked_until = from_text(row[1]) if row else None
        if locked_until is not None and locked_until > now:
            return SignIn(SignInOutcome.LOCKED, self.account(name), locked_until)
        good = self.passwords.verify(row[0] if row else None, password)
        if row is None:
            return SignIn(SignInOutcome.WRONG)
        if not good:
            return self._count_failure(name, now)
        rehashed = self.passwords.hash(password) if self.passwords.needs_rehash(row[0]) else None

        def work(c: Connection) -> SignIn:
            current = c.execute(
                "SELECT enabled, locked_until FROM accounts WHERE name = ?", (name,)
            ).fetchone()
            until = from_text(current[1])
            if until is not None and until > now:  # locked by another attempt meanwhile
                return SignIn(SignInOutcome.LOCKED, None, until)
            if not current[0]:
                return SignIn(SignInOutcome.DISABLED)
            c.execute(
                "UPDATE accounts SET failed_signins = 0, locked_until = NULL, last_signin_at = ?,"
                " password_hash = COALESCE(?, password_hash) WHERE name = ?",
                (to_text(now), rehashed, name),
            )
            return SignIn(SignInOutcome.OK)

        result = self.db.write(work)
        return SignIn(result.outcome, self._get(name), result.locked_until)

    def _count_failure(self, name: str, now: datetime) -> SignIn:
        lock_end = to_text(now + self.policy.lockout)

        def work(c: Connection) -> datetime | None:
            row = c.execute(
                "SELECT failed_signins, locked_until FROM accounts WHERE name = ?", (name,)
            ).fetchone()
            until = from_text(row[1])
            if until is not None and until > now:
                return until
            failed = int(row[0]) + 1
            if failed < self.policy.attempts:
                c.execute("UPDATE accounts SET failed_signins = ? WHERE name = ?", (failed, name))
                return None
            c.execute(
                "UPDATE accounts SET failed_signins = 0, locked_until = ? WHERE name = ?",
                (lock_end, name),
            )
            c.execute("DELETE FROM sessions WHERE account = ?", (name,))
            return from_text(lock_end)

        until = self.db.write(work)
        account = self._get(name)
        if until is not None:
            return SignIn(SignInOutcome.LOCKED, account, until)
        return SignIn(SignInOutcome.WRONG, account)

    # -- sessions ---------------------------------------------------------------------

    def open_session(self, name: str, client: str) -> tuple[str, Session]:
        """Starts a session for ``name``; returns the cookie's token (kept nowhere) and it."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self.now()
        idle_before = to_text(now - self.policy.idle)
        old_before = to_text(now - self.policy.max_age)

        def work(c: Connection) -> None:
            c.execute(
                "INSERT INTO sessions (token_sha256, account, csrf_token, created_at, last_seen,"
                " client) VALUES (?, ?, ?, ?, ?, ?)",
                (_token_hash(token), name, csrf, to_text(now), to_text(now), client[:64]),
            )
            # Sessions that ended by themselves are forgotten as new ones begin.
            c.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?",
                (idle_before, old_before),
            )

        self.db.write(work)
        return token, Session(self._get(name), csrf, now, now, client[:64])

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie's token (its last use noted), else None."""
        if not token or len(token) > 128:
            return None
        now = self.now()
        digest = _token_hash(token)
        with self.db.read() as c:
            row = c.execute(
                f"SELECT {_ACCOUNT_COLUMNS}, s.csrf_token, s.created_at, s.last_seen, s.client"
                " FROM sessions s JOIN accounts a ON a.name = s.account"
                " WHERE s.token_sha256 = ?",
                (digest,),
            ).fetchone()
        if row is None:
            return None
        account = _account(row[:7])
        created, last_seen = from_text(row[8]), from_text(row[9])
        assert created is not None and last_seen is not None
        if (
            not account.enabled
            or now - last_seen > self.policy.idle
            or now - created > self.policy.max_age
        ):
            self._single("DELETE FROM sessions WHERE token_sha256 = ?", (digest,))
            return None
        if now - last_seen >= _TOUCH_AFTER:
            # never backwards: another server may have noted a later use meanwhile
            self._single(
                "UPDATE sessions SET last_seen = ? WHERE token_sha256 = ? AND last_seen < ?",
                (to_text(now), digest, to_text(now)),
                durable=False,
            )
            last_seen = now
        return Session(account, row[7], created, last_seen, row[10])

    def _single(self, sql: str, params: Sequence[Any], *, durable: bool = True) -> None:
        """One statement, committed on its own (READ COMMITTED is enough for one row)."""
        self.db.write(lambda c: c.execute(sql, params), isolation=READ_COMMITTED, durable=durable)

    def end_session(self, token: str) -> None:
        """Signs a session out."""
        self._single("DELETE FROM sessions WHERE token_sha256 = ?", (_token_hash(token),))

    def sessions_of(self, name: str) -> int:
        """How many sessions ``name`` has open (ended ones may still count until purged)."""
        with self.db.read() as c:
            row = c.execute("SELECT COUNT(*) FROM sessions WHERE account = ?", (name,)).fetchone()
        return int(row[0])

    # -- shared secrets ---------------------------------------------------------------

    def secret(self, name: str) -> bytes:
        """A random 32-byte key made on first use and the same for every process after."""
        candidate = secrets.token_hex(32)

        def work(c: Connection) -> str:
            c.execute(
                "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, candidate),
            )
            return str(c.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0])

        return bytes.fromhex(self.db.write(work))

    def close(self) -> None:
        """Closes the store (and the engine, if the store opened it)."""
        self.db.close()
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def open_staff_store(data_dir: Path, *, engine: Engine | None = None, **kwargs: Any) -> StaffStore:
    """The center's staff store: on ``engine`` (the app's), else on the database
    ``[database]`` of ``data_dir`` names (SQLite by default: ``<data_dir>/staff.sqlite3``)."""
    db, owned = open_database(data_dir, engine, name=STORE_NAME, sqlite_file=STORE_FILE)
    try:
        return StaffStore(db, engine=owned, **kwargs)
    except BaseException:
        db.close()
        if owned is not None:
            owned.close()
        raise
