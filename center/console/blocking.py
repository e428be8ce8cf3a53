"""Page handlers that use the stores (SQLite, the TUF repository, files) run in asyncio's
worker threads, as the center's other routers do, so the event loop keeps serving."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable


def off_loop[**P, R](handler: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``handler`` as a coroutine that runs it in a worker thread.

    FastAPI reads the parameters of ``handler`` through ``functools.wraps``.
    """

    @functools.wraps(handler)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(handler, *args, **kwargs)

    return run
