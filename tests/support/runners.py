"""Runners for flow tests, in the shape of :class:`kiosk.framework.jobs.Runner`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ManualRunner:
    """Keeps jobs until the test runs them: proves a flow never waits on its work.

    ``run_next`` plays the worker finishing and the answer arriving on the owner's thread.
    """

    def __init__(self) -> None:
        self.jobs: list[
            tuple[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]]
        ] = []

    def submit(
        self,
        work: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        self.jobs.append((work, on_success, on_failure))

    def run_next(self) -> None:
        """Runs the oldest job and delivers its answer."""
        work, on_success, on_failure = self.jobs.pop(0)
        try:
            value = work()
        except Exception as e:
            on_failure(e)
            return
        on_success(value)

    def run_all(self) -> None:
        """Runs every job waiting, including any the answers start."""
        while self.jobs:
            self.run_next()
