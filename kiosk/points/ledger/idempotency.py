"""Idempotent writes: the ``requests`` table that keeps every write's key, what it asked and
its answer, in the same transaction as the write.

A replay (same key, same operation and parameters) gets the stored answer and writes
nothing; the same key with other parameters is refused with :class:`IdempotencyKeyReused`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.platform.database import Connection
from kiosk.platform.service_errors import InvalidQuery
from kiosk.points.errors import IdempotencyKeyReused
from kiosk.points.ledger.schema import iso

SHARED_KEY_OPS = frozenset({"earn"})
"""Operations whose keys are meant to be shared by terminals (member-and-day keys)."""

KEY_PATTERN = re.compile(r"[\x21-\x7e]{8,128}")  # printable ASCII, no spaces


@dataclass(frozen=True)
class Replayed[T]:
    """A write's answer and whether it was a replay of an earlier request."""

    value: T
    replayed: bool


@dataclass(frozen=True)
class StoredAnswer:
    """The answer an earlier request with the same key got, and that request's call id."""

    result: dict[str, Any]
    call_id: str | None


def check_key(key: str) -> str:
    """``key`` if it is a well-formed idempotency key, else :class:`InvalidQuery`."""
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidQuery("idempotency key missing or malformed", field="idempotency_key")
    return key


def fingerprint(op: str, params: dict[str, Any]) -> str:
    """A stable digest of what a request asks, to tell a replay from a reused key."""
    text = json.dumps([op, params], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_answer(
    c: Connection, key: str, op: str, digest: str, terminal: str
) -> StoredAnswer | None:
    """The answer already given for ``key``, or None for a new key.

    Keys belong to the terminal that used them first: another terminal presenting the same
    key is refused, never answered with the first terminal's voucher or member. The quiz's
    earn keys are the exception by design: one key per member and day, shared by every
    terminal, so a member earns once a day wherever they play (:data:`SHARED_KEY_OPS`).

    Raises:
        IdempotencyKeyReused: ``key`` was used for another operation, other parameters, or
            by another terminal.
    """
    row = c.execute(
        "SELECT op, fingerprint, result, call_id, terminal FROM requests WHERE key = ?", (key,)
    ).fetchone()
    if row is None:
        return None
    if row[4] != terminal and op not in SHARED_KEY_OPS:
        raise IdempotencyKeyReused("key already used by another terminal")
    if row[0] != op or row[1] != digest:
        raise IdempotencyKeyReused(f"key already used for another {row[0]}")
    return StoredAnswer(json.loads(row[2]), row[3])


def store_answer(
    c: Connection,
    key: str,
    op: str,
    digest: str,
    result: dict[str, Any],
    *,
    call_id: str | None,
    terminal: str,
    at: datetime,
) -> None:
    """Records the answer to a new request (in the write's own transaction)."""
    c.execute(
        "INSERT INTO requests (key, op, fingerprint, result, call_id, terminal, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (key, op, digest, json.dumps(result, ensure_ascii=False), call_id, terminal, iso(at)),
    )
