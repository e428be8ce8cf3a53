"""Retention enforced by the clock, not only by traffic.

The stores that keep personal data (ID photos, applications, requests) purge what is past
its retention when they are written to. A quiet center would then keep it too long, so every
``center serve`` process also sweeps: once when it starts, then every ``every_s`` seconds
(an hour by default). Sweeps are plain deletes of what is due: several app servers sweeping
the same database at once is harmless (one deletes, the others find nothing).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress

from fastapi import APIRouter, FastAPI

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 3600.0

Purge = Callable[[], int]


def sweep(purges: Mapping[str, Purge]) -> dict[str, int]:
    """Runs each store's purge once; answers how many each removed (-1: it failed, logged,
    and the next sweep tries again)."""
    done: dict[str, int] = {}
    for name, purge in purges.items():
        try:
            done[name] = purge()
        except Exception:  # a database that is down now: the next sweep retries
            log.exception("retention sweep of %s failed", name)
            done[name] = -1
    if any(n > 0 for n in done.values()):
        log.info("retention sweep: %s", ", ".join(f"{k} {v}" for k, v in done.items()))
    return done


def sweeper(purges: Mapping[str, Purge], every_s: float = SWEEP_EVERY_S) -> APIRouter:
    """A router whose lifespan sweeps ``purges`` at start and every ``every_s`` seconds, in a
    worker thread (the purges are blocking database calls), until the app shuts down."""

    async def loop() -> None:
        while True:
            await asyncio.to_thread(sweep, purges)
            await asyncio.sleep(every_s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(), name="retention-sweeper")
        try:
            yield
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return APIRouter(lifespan=lifespan)
