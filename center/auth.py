"""Per-terminal authentication: each kiosk presents its id and its own bearer token.

The center stores only SHA-256 hashes of the tokens. Tokens are 256-bit random strings made
by :meth:`TerminalRegistry.add`, so a fast hash is enough (a slow password hash would only
cost every request time; there is nothing to brute-force in 256 random bits).

Answers, each with an error code:

- no or malformed ``Authorization`` / ``X-Terminal-Id``: 401 ``auth.missing``;
- a token that belongs to no terminal: 401 ``auth.invalid_token``;
- a valid token presented with another terminal's id: 403 ``auth.terminal_mismatch``;
- a disabled terminal: 403 ``auth.terminal_disabled``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.platform.atomic_file import write_atomic

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
    without a restart.
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
        entries: dict[str, TerminalEntry] = {}
        if mtime is not None:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            for tid, e in data.get("terminals", {}).items():
                entries[tid] = TerminalEntry(
                    tid, e["token_sha256"], bool(e.get("enabled", True)), e.get("added", "")
                )
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

    def add(self, terminal_id: str, token: str | None = None) -> str:
        """Registers (or re-keys) a terminal; returns its token, which is not kept anywhere."""
        if not TERMINAL_ID.match(terminal_id):
            raise ValueError(f"invalid terminal id {terminal_id!r}")
        token = token or secrets.token_urlsafe(32)
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"a token needs at least {MIN_TOKEN_LENGTH} characters")
        self._reload_if_changed()
        with self._lock:
            entry = TerminalEntry(
                terminal_id,
                hash_token(token),
                True,
                datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._entries[terminal_id] = entry
            self._index()
            self._save()
        return token

    def set_enabled(self, terminal_id: str, enabled: bool) -> None:
        """Enables or disables a terminal without forgetting it."""
        self._reload_if_changed()
        with self._lock:
            e = self._entries[terminal_id]
            self._entries[terminal_id] = TerminalEntry(
                e.terminal_id, e.token_sha256, enabled, e.added
            )
            self._save()

    def remove(self, terminal_id: str) -> None:
        """Forgets a terminal."""
        self._reload_if_changed()
        with self._lock:
            del self._entries[terminal_id]
            self._index()
            self._save()

    def entries(self) -> list[TerminalEntry]:
        """Every registered terminal."""
        self._reload_if_changed()
        return sorted(self._entries.values(), key=lambda e: e.terminal_id)

    def authenticate(self, terminal_id: str | None, token: str | None) -> str:
        """The terminal id if ``token`` is that terminal's; raises :class:`AuthFailure`."""
        if not terminal_id or not token:
            raise AuthFailure(401, "auth.missing", "needs Authorization: Bearer and X-Terminal-Id")
        self._reload_if_changed()
        digest = hash_token(token)
        entry = self._entries.get(terminal_id)
        if entry is not None and hmac.compare_digest(digest, entry.token_sha256):
            if not entry.enabled:
                raise AuthFailure(403, "auth.terminal_disabled", "this terminal is disabled")
            return terminal_id
        if digest in self._by_hash:
            raise AuthFailure(403, "auth.terminal_mismatch", "the token is another terminal's")
        raise AuthFailure(401, "auth.invalid_token", "unknown token")
