"""Application fixtures: submissions made here (valid ID numbers, real JPEGs of noise), and
the real center (uvicorn on 127.0.0.1) with an encrypted application store on a fixed clock
and one registered terminal."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from center.app import create_app
from center.applications.store import ApplicationStore, open_center_applications
from center.auth import TerminalRegistry
from kiosk.application.http import HttpApplicationService
from kiosk.application.model import ApplicationSubmission
from kiosk.framework.clock import FakeClock
from kiosk.framework.id_numbers import check_character
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from tests.support.center_fixtures import NoViolations, kiosk_config
from tests.support.uvicorn_server import UvicornThread
from tests.unit.center.photo.conftest import chunks, make_jpeg

NOW = datetime(2026, 12, 2, 9, 30)
TERMINAL = "kiosk-test"
NAMES = ("张三丰", "欧阳娜娜", "李小龙", "王五", "赵六")


def id_number(seed: int) -> str:
    """A valid 18-character number, different per seed (born 1980-1999)."""
    body = f"110101{1980 + seed % 20}0307{seed % 1000:03d}"
    return body + check_character(body)


def submission(seed: int = 0, **overrides: Any) -> ApplicationSubmission:
    """A complete, valid 换领 by the card, with its own photo, ID number and mobile."""
    values: dict[str, Any] = {
        "business": "renew_expired",
        "id_number": id_number(seed),
        "name": NAMES[seed % len(NAMES)],
        "sex": "男",
        "nation": "汉",
        "birth_date": f"{1980 + seed % 20}-03-07",
        "card_address": f"北京市东城区景山前街{seed + 4}号",
        "card_valid_until": "2026-11-30",
        "mobile": f"138{seed:08d}",
        "pickup": "window",
        "post_address": "",
        "fee_yuan": "20.00",
        "photo_jpeg": make_jpeg(1000 + seed),
        "photo_preset": "resident-id",
        "terminal_id": TERMINAL,
        "submitted_at": NOW.astimezone(UTC),
    }
    values.update(overrides)
    return ApplicationSubmission(**values)


def by_post(app: ApplicationSubmission, address: str = "天津市和平区南京路100号3单元") -> Any:
    return replace(app, pickup="post", post_address=address)


def secrets_of(app: ApplicationSubmission) -> list[bytes]:
    """What must never be readable on a disk once handed over: every personal field in
    UTF-8 and as JSON escapes, the photo and slices of it."""
    texts = [app.id_number, app.name, app.mobile, app.card_address]
    if app.post_address:
        texts.append(app.post_address)
    out: list[bytes] = []
    for t in texts:
        out.append(t.encode("utf-8"))
        out.append(json.dumps(t).strip('"').encode("ascii"))
    return [*out, app.photo_jpeg, *chunks(app.photo_jpeg)]


def leaked(folder: Path, app: ApplicationSubmission) -> list[str]:
    """Files under ``folder`` holding anything of ``app`` in clear."""
    needles = secrets_of(app)
    return [
        str(p.relative_to(folder))
        for p in sorted(folder.rglob("*"))
        if p.is_file() and any(n in p.read_bytes() for n in needles)
    ]


@dataclass
class ApplicationCenter:
    """The real center app with an application store, served on 127.0.0.1."""

    url: str
    token: str
    store: ApplicationStore
    clock: FakeClock
    data_dir: Path
    registry: TerminalRegistry

    def config(self, **overrides: Any) -> ServiceConfig:
        """A kiosk ``ServiceConfig`` for this center."""
        return kiosk_config(self.url, TERMINAL, self.token, **overrides)

    def client(self, **overrides: Any) -> HttpApplicationService:
        """An http application service for this center."""
        return HttpApplicationService(HttpClient(self.config(**overrides), TERMINAL))


@contextlib.contextmanager
def serve_application_center(data_dir: Path) -> Iterator[ApplicationCenter]:
    """The real center app (``create_app`` with an application store) on 127.0.0.1, its
    store in ``data_dir`` on a fixed clock, one terminal registered; stopped on exit."""
    clock = FakeClock(NOW)
    store = open_center_applications(data_dir, clock)
    registry = TerminalRegistry(data_dir / "terminals.json")
    token = registry.add(TERMINAL)
    app = create_app(NoViolations(), registry, applications=store)
    with UvicornThread(app, name="uvicorn-applications") as server:
        yield ApplicationCenter(server.url, token, store, clock, data_dir, registry)


@pytest.fixture(scope="module")
def application_center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApplicationCenter]:
    """The center on 127.0.0.1 with its own application store and clock (module-wide)."""
    with serve_application_center(tmp_path_factory.mktemp("application-center")) as center:
        yield center
