"""Request fixtures: submissions made here (a description with a phone number in it, a real
JPEG of noise, a mobile number), a check that nothing of them is readable in a folder, and
the real center (uvicorn on 127.0.0.1) with an encrypted request store on a fixed clock and
one registered terminal."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from center.app import create_app
from center.auth import TerminalRegistry
from center.requests.store import RequestStore, open_center_requests
from kiosk.framework.clock import FakeClock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.requests.http import HttpRequestService
from kiosk.requests.model import RequestSubmission
from tests.support.center_fixtures import NoViolations, kiosk_config
from tests.support.uvicorn_server import UvicornThread
from tests.unit.center.photo.conftest import chunks, make_jpeg

NOW = datetime(2026, 12, 2, 9, 30)
TERMINAL = "kiosk-test"


def submission(seed: int = 0, *, at: datetime | None = None, **overrides: Any) -> RequestSubmission:
    """A complete request (设施维修 at 阳光花园) with its own words, photo and mobile number;
    the words hold a second phone number, as residents write them."""
    values: dict[str, Any] = {
        "category": "repairs",
        "compound_id": "yangguang",
        "building": str(seed % 30 + 1),
        "unit": "2",
        "description": f"{seed}号楼电梯停运两天了，老人上下楼很困难，请尽快修理。"
        f"邻居电话1370000{seed:04d}",
        "photo_jpeg": make_jpeg(3000 + seed),
        "mobile": f"139{seed:08d}",
        "callback": True,
        "terminal_id": TERMINAL,
        "submitted_at": (at or NOW).astimezone(UTC),
    }
    values.update(overrides)
    return RequestSubmission(**values)


def bare(request: RequestSubmission) -> RequestSubmission:
    """The same request without a photo or any contact."""
    from dataclasses import replace

    return replace(request, photo_jpeg=None, mobile="", callback=False)


def secrets_of(request: RequestSubmission) -> list[bytes]:
    """What must never be readable on a disk once handed over: the description (and a
    part of it) and the mobile number in UTF-8 and as JSON escapes, the photo and slices."""
    texts = [request.description, request.description[:12]]
    if request.mobile:
        texts.append(request.mobile)
    out: list[bytes] = []
    for t in texts:
        out.append(t.encode("utf-8"))
        out.append(json.dumps(t).strip('"').encode("ascii"))
    if request.photo_jpeg is not None:
        out += [request.photo_jpeg, *chunks(request.photo_jpeg)]
    return out


def leaked(folder: Path, request: RequestSubmission) -> list[str]:
    """Files under ``folder`` holding anything of ``request`` in clear."""
    needles = secrets_of(request)
    return [
        str(p.relative_to(folder))
        for p in sorted(folder.rglob("*"))
        if p.is_file() and any(n in p.read_bytes() for n in needles)
    ]


@dataclass
class RequestCenter:
    """The real center app with a request store, served on 127.0.0.1."""

    url: str
    token: str
    store: RequestStore
    clock: FakeClock
    data_dir: Path
    registry: TerminalRegistry

    def config(self, **overrides: Any) -> ServiceConfig:
        """A kiosk ``ServiceConfig`` for this center."""
        return kiosk_config(self.url, TERMINAL, self.token, **overrides)

    def client(self, **overrides: Any) -> HttpRequestService:
        """An http request service for this center."""
        return HttpRequestService(HttpClient(self.config(**overrides), TERMINAL))

    def now(self) -> datetime:
        """The center's time, aware."""
        return self.clock.now().astimezone(UTC)


@contextlib.contextmanager
def serve_request_center(data_dir: Path) -> Iterator[RequestCenter]:
    """The real center app (``create_app`` with a request store) on 127.0.0.1, its store in
    ``data_dir`` on a fixed clock, one terminal registered; stopped on exit."""
    clock = FakeClock(NOW)
    store = open_center_requests(data_dir, clock)
    registry = TerminalRegistry(data_dir / "terminals.json")
    token = registry.add(TERMINAL)
    app = create_app(NoViolations(), registry, requests=store)
    with UvicornThread(app, name="uvicorn-requests") as server:
        yield RequestCenter(server.url, token, store, clock, data_dir, registry)


@pytest.fixture(scope="module")
def request_center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RequestCenter]:
    """The center on 127.0.0.1 with its own request store and clock (module-wide)."""
    with serve_request_center(tmp_path_factory.mktemp("request-center")) as center:
        yield center
