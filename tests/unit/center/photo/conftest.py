"""Photo fixtures: JPEGs made here, and the real center (uvicorn on 127.0.0.1) with an
encrypted photo store on a fixed clock and one registered terminal."""

from __future__ import annotations

import contextlib
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from center.app import create_app
from center.auth import TerminalRegistry
from center.photo.store import PhotoStore, open_center_photos
from kiosk.framework.clock import FakeClock
from kiosk.photo.http import HttpPhotoService
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from tests.support.center_fixtures import NoViolations, kiosk_config
from tests.support.uvicorn_server import UvicornThread

NOW = datetime(2026, 11, 23, 9, 30)
TERMINAL = "kiosk-test"


def make_jpeg(seed: int = 0, size: tuple[int, int] = (96, 128)) -> bytes:
    """A real JPEG of noise: its bytes are unlike anything else on disk."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def chunks(data: bytes, width: int = 48) -> list[bytes]:
    """Slices of ``data`` from its middle: any one of them found on disk is a leak."""
    middle = len(data) // 2
    return [data[i : i + width] for i in range(middle - 4 * width, middle + 4 * width, width)]


def leaked(folder: Path, data: bytes) -> list[str]:
    """Files under ``folder`` that contain ``data`` or a slice of it."""
    return [
        str(p.relative_to(folder))
        for p in sorted(folder.rglob("*"))
        if p.is_file() and any(c in p.read_bytes() for c in [data, *chunks(data)])
    ]


@dataclass
class PhotoCenter:
    """The real center app with a photo store, served on 127.0.0.1."""

    url: str
    token: str
    store: PhotoStore
    clock: FakeClock
    data_dir: Path

    def config(self, **overrides: Any) -> ServiceConfig:
        """A kiosk ``ServiceConfig`` for this center."""
        return kiosk_config(self.url, TERMINAL, self.token, **overrides)

    def client(self, **overrides: Any) -> HttpPhotoService:
        """An http photo service for this center."""
        return HttpPhotoService(HttpClient(self.config(**overrides), TERMINAL))


@contextlib.contextmanager
def serve_photo_center(data_dir: Path) -> Iterator[PhotoCenter]:
    """The real center app (``create_app`` with a photo store) on 127.0.0.1, its store in
    ``data_dir`` on a fixed clock, one terminal registered; stopped on exit."""
    clock = FakeClock(NOW)
    store = open_center_photos(data_dir, clock)
    registry = TerminalRegistry(data_dir / "terminals.json")
    token = registry.add(TERMINAL)
    app = create_app(NoViolations(), registry, photos=store)
    with UvicornThread(app, name="uvicorn-photos") as server:
        yield PhotoCenter(server.url, token, store, clock, data_dir)


@pytest.fixture(scope="module")
def photo_center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhotoCenter]:
    """The center on 127.0.0.1 with its own photo store and clock (module-wide)."""
    with serve_photo_center(tmp_path_factory.mktemp("photo-center")) as center:
        yield center
