"""The points ledger: every rule of volunteer points, each write one transaction, on SQLite
(the kiosk's local back end, an embedded center) or PostgreSQL (a city's center, shared by
several app servers; see :mod:`kiosk.platform.database`).

- **Append-only.** ``entries`` rows are never updated or deleted (triggers refuse it). A
  member's balance is the sum of their entries: ``available`` and ``held`` columns.
- **Never negative.** Checked before writing, and again by an ``AFTER INSERT`` trigger that
  aborts the transaction if a member's available or held sum would go below zero. Stock has
  ``CHECK (stock >= 0)`` and is decremented in the same transaction as the hold.
- **Idempotent.** Every write names an idempotency key. The ``requests`` table keeps the key,
  what was asked (operation and a fingerprint of its parameters) and the answer, in the same
  transaction as the write: a replay returns the stored answer and writes nothing; the same
  key with other parameters raises :class:`IdempotencyKeyReused`. Every entry also has its
  own unique key (``redeem:<request key>``, ``post:<code>``, ``void:<code>``, ...), so no
  request and no voucher can be charged, posted or returned twice.
- **Durable.** SQLite: WAL with ``synchronous=FULL`` (a commit survives a power cut), writes
  under ``BEGIN IMMEDIATE`` (one writer at a time, decided before reading the balance).
  PostgreSQL: SERIALIZABLE transactions, each write's body run again on a serialization
  failure, so concurrent writes from several processes behave as if one at a time, and the
  same guards as triggers. Numbered migrations, a newer schema refused.
- **Traceable.** Every entry names its terminal; post, void and adjust name the staff member
  (``resident`` for a resident's own cancellation, ``system`` for expiry).

SQLite: one connection per thread; :meth:`Ledger.close` closes them all. PostgreSQL: the
center's pool.

The parts, one concern each:

- :mod:`.schema`: tables, migrations, column lists; :mod:`.store`: the database,
  transactions and the idempotent write; :mod:`.idempotency`: keys and stored answers;
- :mod:`.accounts`: member rows and entries; :mod:`.limits`: per-member item limits;
- :mod:`.members`, :mod:`.stock`, :mod:`.vouchers`, :mod:`.earnings`, :mod:`.expiry`,
  :mod:`.checks`: the operations, which :class:`Ledger` puts together.
"""

from __future__ import annotations

from kiosk.points.ledger.checks import Checks
from kiosk.points.ledger.earnings import Earnings
from kiosk.points.ledger.expiry import Expiry, ExpiryReport, expiry_date
from kiosk.points.ledger.idempotency import KEY_PATTERN, Replayed, fingerprint
from kiosk.points.ledger.members import Members
from kiosk.points.ledger.schema import MIGRATIONS, SCHEMA_VERSION
from kiosk.points.ledger.stock import Stock
from kiosk.points.ledger.vouchers import RESIDENT_STAFF, SYSTEM_STAFF, Vouchers

__all__ = [
    "KEY_PATTERN",
    "MIGRATIONS",
    "RESIDENT_STAFF",
    "SCHEMA_VERSION",
    "SYSTEM_STAFF",
    "ExpiryReport",
    "Ledger",
    "Replayed",
    "expiry_date",
    "fingerprint",
]


class Ledger(Members, Stock, Vouchers, Earnings, Expiry, Checks):
    """The ledger on SQLite (``Ledger(path)``) or on a center's database (``Ledger(db)``).
    Thread-safe.

    Attributes:
        db: the database.
        path: the SQLite file, if the ledger is one.
        config: the points policy the rules follow.
        clock: local time for entries, limits (per day, per month) and expiry.
    """
