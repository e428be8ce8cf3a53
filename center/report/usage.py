"""The terminals' usage counters as daily amounts, in the center's database.

A kiosk's heartbeat carries its usage counters (``kiosk/framework/usage_counters.py``):
running totals since the kiosk was installed, such as ``sessions`` (residents served),
``service.<id>`` (a service started from its tile), ``receipts``, ``failsafes``. The center
keeps only a terminal's last heartbeat (:mod:`center.fleet.registry`), so this store turns
the totals into amounts per day as they arrive::

    usage_latest (terminal_id, received_at, counters)   the last totals seen
    usage_daily  (terminal_id, day, name, amount)       what grew on that (local) day

Rules:
- the first heartbeat of a terminal is its baseline: what it counted before the center
  knew it is not attributed to any day;
- a counter that went down was reset (the kiosk's counter file was replaced): its new value
  is what grew since;
- a heartbeat older than the last one seen (two app servers, a retry) changes nothing;
- the ``fleet.*`` counters (the agent's own polls and heartbeats) are not usage and are not
  kept.

What grew between a terminal's last heartbeat of a day and its first of the next is counted
on the next day (heartbeats come every minute or so: a small smear at midnight).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from center.database import Engine
from center.fleet.registry import HeartbeatRecord
from center.fleet.service import FleetService
from kiosk.fleet.heartbeat import Heartbeat
from kiosk.platform.database import Connection, Database, Migration, SqliteDatabase
from kiosk.platform.service_errors import ServiceError

log = logging.getLogger(__name__)

STORE = "usage"
SQLITE_FILE = "report/usage.sqlite3"
IGNORED_PREFIXES = ("fleet.",)
"""Counters that are not residents' usage."""
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width, UTC: compares as text

MIGRATIONS: tuple[Migration, ...] = (
    # 1: each terminal's last totals, and what grew per terminal, day and counter
    (
        "CREATE TABLE usage_latest ("
        " terminal_id TEXT PRIMARY KEY,"
        " received_at TEXT NOT NULL,"
        " counters TEXT NOT NULL)",
        "CREATE TABLE usage_daily ("
        " terminal_id TEXT NOT NULL,"
        " day TEXT NOT NULL,"
        " name TEXT NOT NULL,"
        " amount BIGINT NOT NULL,"
        " PRIMARY KEY (terminal_id, day, name))",
        "CREATE INDEX usage_daily_day ON usage_daily (day)",
    ),
)


def local_day(moment: datetime) -> date:
    """The center's local calendar day of ``moment`` (naive means local already)."""
    return moment.astimezone().date() if moment.tzinfo is not None else moment.date()


def growth(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """What each usage counter grew by from ``before`` to ``after`` (a counter that went
    down was reset: all of its new value is growth); counters that did not grow are left
    out."""
    out: dict[str, int] = {}
    for name, value in after.items():
        if name.startswith(IGNORED_PREFIXES) or not isinstance(value, int) or value < 0:
            continue
        previous = before.get(name, 0)
        grew = value - previous if value >= previous else value
        if grew > 0:
            out[name] = grew
    return out


class UsageLog:
    """Daily usage per terminal from heartbeat counters; thread-safe, and safe for several
    app servers on one database.

    Args:
        store: a SQLite file (``Path``), or the center's store (``engine.store("usage")``,
            as :func:`open_usage_log` opens it).
    """

    def __init__(self, store: Path | Database) -> None:
        if isinstance(store, Path):
            self.db: Database = SqliteDatabase(store, name=STORE)
        else:
            self.db = store
        try:
            self.db.migrate(MIGRATIONS, what="the usage log")
        except BaseException:
            self.db.close()
            raise

    def record(self, terminal_id: str, counters: Mapping[str, int], received_at: datetime) -> None:
        """Adds what ``terminal_id``'s counters grew by since its last heartbeat to the
        local day of ``received_at`` (aware, or naive local)."""
        at = received_at.astimezone(UTC).strftime(_TIME_FORMAT)
        day = local_day(received_at).isoformat()
        now_totals = {k: int(v) for k, v in counters.items() if not k.startswith(IGNORED_PREFIXES)}

        def write(c: Connection) -> None:
            row = c.execute(
                "SELECT received_at, counters FROM usage_latest WHERE terminal_id = ?",
                (terminal_id,),
            ).fetchone()
            if row is not None and str(row[0]) > at:
                return  # an older heartbeat than one already counted
            if row is not None:
                for name, amount in growth(json.loads(str(row[1])), now_totals).items():
                    c.execute(
                        "INSERT INTO usage_daily (terminal_id, day, name, amount)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (terminal_id, day, name)"
                        " DO UPDATE SET amount = usage_daily.amount + excluded.amount",
                        (terminal_id, day, name, amount),
                    )
            c.execute(
                "INSERT INTO usage_latest (terminal_id, received_at, counters) VALUES (?, ?, ?)"
                " ON CONFLICT (terminal_id) DO UPDATE SET received_at = excluded.received_at,"
                " counters = excluded.counters",
                (terminal_id, at, json.dumps(now_totals, sort_keys=True)),
            )

        self.db.write(write)

    def daily(self, first: date, last: date) -> dict[date, dict[str, int]]:
        """Each day of ``[first, last]`` that has usage: every counter's growth, summed over
        the terminals."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT day, name, SUM(amount) FROM usage_daily WHERE day >= ? AND day <= ?"
                " GROUP BY day, name ORDER BY day, name",
                (first.isoformat(), last.isoformat()),
            ).fetchall()
        out: dict[date, dict[str, int]] = {}
        for day, name, amount in rows:
            out.setdefault(date.fromisoformat(str(day)), {})[str(name)] = int(amount)
        return out

    def terminals(self) -> int:
        """How many terminals have reported counters."""
        with self.db.read() as c:
            return int(c.execute("SELECT COUNT(*) FROM usage_latest").fetchone()[0])

    def close(self) -> None:
        """Closes the store (an engine's pool stays open)."""
        self.db.close()


def open_usage_log(engine: Engine) -> UsageLog:
    """The usage log on the center's database (``report/usage.sqlite3`` on SQLite)."""
    return UsageLog(engine.store(STORE, sqlite_file=SQLITE_FILE, synchronous="NORMAL"))


class CountingFleet(FleetService):
    """The fleet service, also handing each heartbeat's counters to a :class:`UsageLog`
    (a failure there is logged, never the heartbeat's failure). Closes the log with the
    rest of the fleet."""

    def __init__(self, fleet_dir: Path, *, usage: UsageLog, **kwargs: Any) -> None:
        super().__init__(fleet_dir, **kwargs)
        self.usage = usage

    def record_heartbeat(self, hb: Heartbeat) -> HeartbeatRecord:
        """Stores the heartbeat, then counts its usage."""
        record = super().record_heartbeat(hb)
        try:
            self.usage.record(hb.terminal_id, hb.counters, record.received_at)
        except ServiceError as e:
            log.warning("usage of %s not counted: %s", hb.terminal_id, e)
        return record

    def close(self) -> None:
        """Closes the fleet's stores and the usage log."""
        super().close()
        self.usage.close()
