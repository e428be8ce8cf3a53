"""Test-wide fixtures: offscreen Qt, an isolated data directory, no threads left behind."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# A throwaway PostgreSQL for the suites that run on both engines (skipped without it).
from tests.support.postgres import (  # noqa: F401
    center_data,
    center_engine,
    maybe_postgres,
    postgres_cluster,
    postgres_url,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Qt Virtual Keyboard (the pinyin keyboard) is the input context, as in the kiosk: set before
# pytest-qt makes the QApplication (ui/framework/text_entry/input_method.py).
os.environ.setdefault("QT_IM_MODULE", "qtvirtualkeyboard")
os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"


def corpus(*parts: str) -> Path:
    """A path in ../shared/corpora, or a skip with the reason if the corpora are absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus {path} is absent (../shared/corpora is not beside the project)")
    return path


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and no site file from this machine."""
    data = tmp_path / "data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data))
    monkeypatch.setenv("KIOSK_SITE_CONFIG", str(tmp_path / "no-site.toml"))
    return data


@pytest.fixture(autouse=True)
def no_threads_left() -> Iterator[None]:
    """Fails a test that leaves a thread of its own running (as napari's fixtures do)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        left = [t for t in left if not t.name.startswith(("asyncio_", "ThreadPoolExecutor"))]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not left, f"threads left running: {[t.name for t in left]}"
