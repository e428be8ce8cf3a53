"""Several processes write the points ledger on one PostgreSQL database at once, as several
app servers do: no item is oversold, no balance goes below zero, every acknowledged voucher
is in the ledger once, and a replayed key never charges twice."""

from __future__ import annotations

import multiprocessing
import random
import uuid
from pathlib import Path
from typing import Any

from center.database import DatabaseSettings, open_engine
from center.points.store import ledger_store
from kiosk.framework.clock import FakeClock
from kiosk.platform.points_config import ItemLimits, PointsConfig
from kiosk.points.catalogue import CatalogueSpec, CatalogueSpecItem
from kiosk.points.errors import NotEnoughPoints, OutOfStock
from kiosk.points.ledger import Ledger
from kiosk.points.model import CartLine
from tests.unit.kiosk.points.conftest import NOW

CONFIG = PointsConfig(default_limits=ItemLimits())
ITEMS = {"scarce": (2, 5), "cheap": (1, 1000)}  # id: (points, stock)
MEMBERS = {"P0001": 9, "P0002": 9, "P0003": 9}
PROCESSES = 4
ATTEMPTS = 14  # per process: 56 asks, each for 1-2 points, against 27 points and 5 scarce


def open_ledger(url: str, folder: Path) -> tuple[Any, Ledger]:
    engine = open_engine(folder, DatabaseSettings(url=url, pool_size=2, timeout_s=30))
    return engine, Ledger(ledger_store(engine), CONFIG, FakeClock(NOW))


def redeem_many(url: str, folder: str, seed: int, out: Any) -> None:
    """One app server: redeems at random, then replays every key it was answered (each must
    answer the same voucher, charging nothing); reports what it was given and refused."""
    engine, ledger = open_ledger(url, Path(folder))
    rng = random.Random(seed)
    acked: list[tuple[str, str, str, int, str]] = []
    refused = 0
    try:
        for _ in range(ATTEMPTS):
            member = rng.choice(list(MEMBERS))
            item = rng.choice(list(ITEMS))
            key = uuid.uuid4().hex
            try:
                v = ledger.redeem(member, [CartLine(item_id=item, quantity=1)], key, "kiosk")
            except (NotEnoughPoints, OutOfStock):
                refused += 1
                continue
            acked.append((key, member, v.value.code, v.value.points, item))
        for key, member, code, _points, item in acked:
            again = ledger.redeem(member, [CartLine(item_id=item, quantity=1)], key, "kiosk")
            if not again.replayed or again.value.code != code:
                out.put(("error", f"replay of {key} answered {again}"))
                return
    except Exception as e:  # reported to the test, which fails on it
        out.put(("error", repr(e)))
        return
    finally:
        ledger.close()
        engine.close()
    out.put(("done", acked, refused))


def test_processes_redeeming_at_once_never_oversell_or_overdraw(
    postgres_url: str, tmp_path: Path
) -> None:
    engine, ledger = open_ledger(postgres_url, tmp_path)
    try:
        ledger.sync_catalogue(
            CatalogueSpec(
                item=tuple(
                    CatalogueSpecItem(id=i, name_zh=i, name_en=i, points=p, stock=s)
                    for i, (p, s) in ITEMS.items()
                )
            )
        )
        for member, points in MEMBERS.items():
            ledger.add_member(member, "并发")
            ledger.credit(member, points, f"seed-{member}", reason="v", terminal="t", staff="s")
    finally:
        ledger.close()
        engine.close()

    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads forked
    out = ctx.Queue()
    procs = [
        ctx.Process(target=redeem_many, args=(postgres_url, str(tmp_path), i, out))
        for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert [r[0] for r in results] == ["done"] * PROCESSES, results

    acked = [a for r in results for a in r[1]]
    refused = sum(r[2] for r in results)
    assert acked and refused  # demand was larger than points and stock: both happened
    engine, ledger = open_ledger(postgres_url, tmp_path)
    try:
        assert ledger.verify() == []
        vouchers = {v.code: v for v in ledger.vouchers()}
        assert len(vouchers) == len(acked)  # nothing charged that nobody was told about
        for _key, member, code, points, _item in acked:
            assert vouchers[code].member_id == member and vouchers[code].points == points
        for member, credit in MEMBERS.items():
            balance = ledger.balance(member)
            spent = sum(points for _k, m, _c, points, _i in acked if m == member)
            assert balance.available >= 0 and balance.available == credit - spent
        stock = {i.id: i.stock for i in ledger.catalogue().items}
        sold = {i: sum(1 for v in vouchers.values() if v.lines[0].item_id == i) for i in ITEMS}
        assert all(stock[i] >= 0 and stock[i] + sold[i] == ITEMS[i][1] for i in ITEMS)
    finally:
        ledger.close()
        engine.close()
