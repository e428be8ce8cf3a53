"""Retention enforced by the clock (on a real uvicorn): every center process sweeps the
stores that keep personal data when it starts and then every hour, in a worker thread; a
failing store is logged and tried again at the next sweep; the sweeper stops with the app."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi import FastAPI

import center.retention as retention
from center.app import build_app
from center.retention import sweep, sweeper
from tests.support.uvicorn_server import UvicornThread


def test_a_sweep_purges_each_store_and_survives_one_that_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def photos() -> int:
        calls.append("photos")
        return 3

    def broken() -> int:
        calls.append("requests")
        raise RuntimeError("database down")

    done = sweep({"photos": photos, "requests": broken, "applications": lambda: 0})
    assert done == {"photos": 3, "requests": -1, "applications": 0}
    assert calls == ["photos", "requests"]
    assert "retention sweep of requests failed" in caplog.text


def test_the_sweeper_sweeps_when_the_app_starts_and_stops_with_it() -> None:
    swept = threading.Event()
    threads: list[str] = []

    def purge() -> int:
        threads.append(threading.current_thread().name)
        swept.set()
        return 1

    app = FastAPI()
    app.include_router(sweeper({"photos": purge}, every_s=3600))
    with UvicornThread(app, name="uvicorn-sweeper"):
        assert swept.wait(timeout=30)  # the first sweep, at start
    # in a worker thread, not on the event loop's
    assert threads and threads[0] != threading.main_thread().name
    assert len(threads) == 1  # the next one an hour later: the app stopped before


def test_the_center_app_sweeps_its_personal_data_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[set[str]] = []
    swept = threading.Event()
    real = retention.sweep

    def recording(purges: dict[str, retention.Purge]) -> dict[str, int]:
        seen.append(set(purges))
        done = real(purges)  # the stores' real purges, on an empty data directory
        swept.set()
        return done

    monkeypatch.setattr(retention, "sweep", recording)
    with UvicornThread(build_app(tmp_path), name="uvicorn-center-sweeps"):
        assert swept.wait(timeout=60)
    assert seen[0] == {"photos", "applications", "requests"}
