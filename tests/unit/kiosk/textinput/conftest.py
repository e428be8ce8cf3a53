"""Shared fixtures: one product recogniser for the module (its tables cached in a temp dir)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.textinput.handwriting import HandwritingRecogniser, available

DATA = Path(__file__).parent / "data"

needs_zinnia = pytest.mark.skipif(
    not available(), reason="libzinnia0 / tegaki-zinnia-simplified-chinese not installed"
)


def fixed_samples() -> list[dict[str, Any]]:
    """40 finger-like characters made by bench/handwriting_synth.py (seed 33)."""
    data: dict[str, Any] = json.loads(gzip.decompress((DATA / "strokes.json.gz").read_bytes()))
    samples: list[dict[str, Any]] = data["samples"]
    return samples


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An XDG cache home for the session: the tables are built once, then read."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session")
def recogniser(shared_cache: Path) -> Iterator[HandwritingRecogniser]:
    if not available():
        pytest.skip("libzinnia0 / tegaki-zinnia-simplified-chinese not installed")
    r = HandwritingRecogniser(cache_dir=shared_cache / "kiosk")
    r.warm_up()
    yield r
    r.close()
