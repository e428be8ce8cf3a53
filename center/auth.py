"""Per-terminal authentication: each kiosk presents its id and its own bearer token.

The center stores only SHA-256 hashes of the tokens, in its database
(:class:`DatabaseRegistry`: every app server sees a change at once) or, on one machine, in
a JSON file (:class:`TerminalRegistry`). Tokens are 256-bit random strings made
by :meth:`TerminalRegistry.add`, so a fast hash is enough (a slow password hash would only
cost every request time; there is nothing to brute-force in 256 random bits).

Answers, each with an error code:

- no or malformed ``Authorization`` / ``X-Terminal-Id``: 401 ``auth.missing``;
- a token that belongs to no terminal: 401 ``auth.invalid_token``;
- a valid token presented with another terminal's id: 403 ``auth.terminal_mismatch``;
- a disabled terminal: 403 ``auth.terminal_disabled``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from center.database import Engine
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.database import READ_COMMITTED, Connection, Database, Migration

log = logging.getLogger(__name__)

TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_TOKEN_LENGTH = 32


class AuthFailure(Exception):
    """A refused request: HTTP status and error code."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class TerminalEntry:
    """One registered terminal (no token, only its hash)."""

    terminal_id: str
    token_sha256: str
    enabled: bool = True
    added: str = ""


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TerminalRegistry:
    """The terminals allowed to call the center, kept in a JSON file (hashes only).

    Reloaded from disk when the file changes, so ``center terminal add`` takes effect
    without a restart. The one-machine form (``--terminals FILE``, tests); a center's own
    callers are in its database (:class:`DatabaseRegistry`, the same interface).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, TerminalEntry] = {}
        self._by_hash: dict[str, str] = {}
        self._mtime: int | None = None
        self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        if self.path is None:
            return
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime == self._mtime:
            return
        entries = read_registry_file(self.path) if mtime is not None else {}
        with self._lock:
            self._entries = entries
            self._index()
            self._mtime = mtime

    def _index(self) -> None:
        """Rebuilds the token-hash index after ``_entries`` changed (under the lock)."""
        self._by_hash = {e.token_sha256: tid for tid, e in self._entries.items()}

    def _save(self) -> None:
        if self.path is None:
            return
        data = {
            "terminals": {
                tid: {"token_sha256": e.token_sha256, "enabled": e.enabled, "added": e.added}
                for tid, e in sorted(self._entries.items())
            }
        }
        write_atomic(self.path, json.dumps(data, indent=2).encode("utf-8"))
        self.path.chmod(0o600)
        self._mtime = self.path.stat().st_mtime_ns

    # -- storage (a subclass keeps the entries elsewhere) ------------------------------

    def _put(self, entry: TerminalEntry) -> None:
        """Stores ``entry`` (a new caller, or a new token for a known one)."""
        self._reload_if_changed()
        with self._lock:
            self._entries[entry.terminal_id] = entry
            self._index()
            self._save()

    def _set_enabled(self, terminal_id: str, enabled: bool) -> None:
        """Enables or disables a caller; ``KeyError`` if unknown."""
        self._reload_if_changed()
        with self._lock:
            e = self._entries[terminal_id]
            self._entries[terminal_id] = TerminalEntry(
                e.terminal_id, e.token_sha256, enabled, e.added
            )
            self._save()

    def _delete(self, terminal_id: str) -> None:
        """Forgets a caller; ``KeyError`` if unknown."""
        self._reload_if_changed()
        with self._lock:
            del self._entries[terminal_id]
            self._index()
            self._save()

    def _lookup(self, terminal_id: str, digest: str) -> tuple[TerminalEntry | None, bool]:
        """The entry of ``terminal_id`` (or None), and whether ``digest`` is any caller's
        token."""
        self._reload_if_changed()
        entries, by_hash = self._entries, self._by_hash
        return entries.get(terminal_id), digest in by_hash

    # -- the interface -----------------------------------------------------------------

    def add(self, terminal_id: str, token: str | None = None) -> str:
        """Registers (or re-keys) a terminal; returns its token, which is not kept anywhere."""
        token = self._new_token(terminal_id, token)
        added = datetime.now(UTC).isoformat(timespec="seconds")
        self._put(TerminalEntry(terminal_id, hash_token(token), True, added))
        return token

    def add_many(self, terminal_ids: Sequence[str]) -> dict[str, str]:
        """Registers (or re-keys) many terminals at once (a roll-out); answers their tokens."""
        tokens = {tid: self._new_token(tid, None) for tid in terminal_ids}
        added = datetime.now(UTC).isoformat(timespec="seconds")
        self._put_many([TerminalEntry(t, hash_token(k), True, added) for t, k in tokens.items()])
        return tokens

    def _put_many(self, entries: Sequence[TerminalEntry]) -> None:
        for entry in entries:
            self._put(entry)

    @staticmethod
    def _new_token(terminal_id: str, token: str | None) -> str:
        if not TERMINAL_ID.match(terminal_id):
            raise ValueError(f"invalid terminal id {terminal_id!r}")
        token = token or secrets.token_urlsafe(32)
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"a token needs at least {MIN_TOKEN_LENGTH} characters")
        return token

    def set_enabled(self, terminal_id: str, enabled: bool) -> None:
        """Enables or disables a terminal without forgetting it."""
        self._set_enabled(terminal_id, enabled)

    def remove(self, terminal_id: str) -> None:
        """Forgets a terminal."""
        self._delete(terminal_id)

    def entries(self) -> list[TerminalEntry]:
        """Every registered terminal."""
        self._reload_if_changed()
        return sorted(self._entries.values(), key=lambda e: e.terminal_id)

    def authenticate(self, terminal_id: str | None, token: str | None) -> str:
        """The terminal id if ``token`` is that terminal's; raises :class:`AuthFailure`."""
        if not terminal_id or not token:
            raise AuthFailure(401, "auth.missing", "needs Authorization: Bearer and X-Terminal-Id")
        digest = hash_token(token)
        entry, known = self._lookup(terminal_id, digest)
        if entry is not None and hmac.compare_digest(digest, entry.token_sha256):
            if not entry.enabled:
                raise AuthFailure(403, "auth.terminal_disabled", "this terminal is disabled")
            return terminal_id
        if known:
            raise AuthFailure(403, "auth.terminal_mismatch", "the token is another terminal's")
        raise AuthFailure(401, "auth.invalid_token", "unknown token")


def read_registry_file(path: Path) -> dict[str, TerminalEntry]:
    """The entries of a registry file (``terminals.json``, ``operators.json``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        tid: TerminalEntry(tid, e["token_sha256"], bool(e.get("enabled", True)), e.get("added", ""))
        for tid, e in data.get("terminals", {}).items()
    }


CREDENTIALS_STORE = "credentials"
CREDENTIALS_FILE = "credentials.sqlite3"
CREDENTIALS_MIGRATIONS: tuple[Migration, ...] = (
    # 1: terminals' and operators' token hashes
    (
        "CREATE TABLE callers ("
        " kind TEXT NOT NULL CHECK (kind IN ('terminal', 'operator')),"
        " caller_id TEXT NOT NULL,"
        " token_sha256 TEXT NOT NULL,"
        " enabled INTEGER NOT NULL DEFAULT 1,"
        " added TEXT NOT NULL,"
        " PRIMARY KEY (kind, caller_id))",
        "CREATE INDEX callers_by_token ON callers (kind, token_sha256)",
    ),
)


_UPSERT_CALLER = (
    "INSERT INTO callers (kind, caller_id, token_sha256, enabled, added)"
    " VALUES (?, ?, ?, 1, ?) ON CONFLICT (kind, caller_id) DO UPDATE SET"
    " token_sha256 = excluded.token_sha256, enabled = 1, added = excluded.added"
)


class DatabaseRegistry(TerminalRegistry):
    """Terminals (or operators) in the center's database: what every app server on that
    database sees at once (a change needs no restart, and no file to copy).

    One read per authentication (a primary-key or index lookup). A legacy JSON registry
    (``terminals.json``, ``fleet/operators.json``) found at ``legacy`` is merged in when the
    registry opens (entries the database already has win) and renamed ``*.imported``.

    Args:
        db: the ``credentials`` store (``engine.store("credentials", ...)``); migrated here.
        kind: ``terminal`` or ``operator``.
        legacy: a JSON registry to import, if it exists.
    """

    def __init__(self, db: Database, kind: str = "terminal", *, legacy: Path | None = None):
        if kind not in ("terminal", "operator"):
            raise ValueError(f"unknown caller kind {kind!r}")
        self.db = db
        self.kind = kind
        super().__init__(None)
        db.migrate(CREDENTIALS_MIGRATIONS, what="credentials")
        if legacy is not None and legacy.exists():
            self._import(legacy)

    def _import(self, legacy: Path) -> None:
        entries = read_registry_file(legacy)

        def merge(c: Connection) -> None:
            for e in entries.values():
                c.execute(
                    "INSERT INTO callers (kind, caller_id, token_sha256, enabled, added)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, caller_id) DO NOTHING",
                    (self.kind, e.terminal_id, e.token_sha256, int(e.enabled), e.added),
                )

        self.db.write(merge)
        with contextlib.suppress(FileNotFoundError):  # another process got there first
            legacy.rename(legacy.with_name(legacy.name + ".imported"))
        log.info("imported %d %ss from %s", len(entries), self.kind, legacy.name)

    def _put(self, entry: TerminalEntry) -> None:
        self._put_many([entry])

    def _put_many(self, entries: Sequence[TerminalEntry]) -> None:
        def put(c: Connection) -> None:
            for e in entries:
                c.execute(_UPSERT_CALLER, (self.kind, e.terminal_id, e.token_sha256, e.added))

        self.db.write(put, isolation=READ_COMMITTED)

    def _changed(self, sql: str, params: tuple[object, ...], terminal_id: str) -> None:
        rows = self.db.write(lambda c: c.execute(sql, params).rowcount, isolation=READ_COMMITTED)
        if rows != 1:
            raise KeyError(terminal_id)

    def _set_enabled(self, terminal_id: str, enabled: bool) -> None:
        self._changed(
            "UPDATE callers SET enabled = ? WHERE kind = ? AND caller_id = ?",
            (int(enabled), self.kind, terminal_id),
            terminal_id,
        )

    def _delete(self, terminal_id: str) -> None:
        self._changed(
            "DELETE FROM callers WHERE kind = ? AND caller_id = ?",
            (self.kind, terminal_id),
            terminal_id,
        )

    def _lookup(self, terminal_id: str, digest: str) -> tuple[TerminalEntry | None, bool]:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT caller_id, token_sha256, enabled, added FROM callers"
                " WHERE kind = ? AND (caller_id = ? OR token_sha256 = ?)",
                (self.kind, terminal_id, digest),
            ).fetchall()
        entry = None
        known = False
        for caller_id, token_sha256, enabled, added in rows:
            if caller_id == terminal_id:
                entry = TerminalEntry(caller_id, token_sha256, bool(enabled), added)
            if token_sha256 == digest:
                known = True
        return entry, known

    def entries(self) -> list[TerminalEntry]:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT caller_id, token_sha256, enabled, added FROM callers WHERE kind = ?"
                " ORDER BY caller_id",
                (self.kind,),
            ).fetchall()
        return [TerminalEntry(r[0], r[1], bool(r[2]), r[3]) for r in rows]

    def close(self) -> None:
        """Closes the store."""
        self.db.close()


LEGACY_FILES = {"terminal": Path("terminals.json"), "operator": Path("fleet") / "operators.json"}
"""Where a one-machine center kept each kind of caller (imported on first open)."""


def open_callers(engine: Engine, data_dir: Path, kind: str = "terminal") -> DatabaseRegistry:
    """The terminals (or operators) in the center's database, with the data directory's
    old JSON registry of that kind merged in."""
    store = engine.store(CREDENTIALS_STORE, sqlite_file=CREDENTIALS_FILE, private=True)
    return DatabaseRegistry(store, kind, legacy=data_dir / LEGACY_FILES[kind])
