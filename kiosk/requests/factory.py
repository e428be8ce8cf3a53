"""Builds the request service and outbox the configuration asks for (``backend`` is shared
with every other service: one center, one terminal token)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.requests_config import RequestsConfig
from kiosk.requests.local import LocalRequestService
from kiosk.requests.outbox import RequestOutbox
from kiosk.requests.service import RequestService


def local_intake_path(data_dir: Path) -> Path:
    """Where the ``local`` intake records what it received (masked, no pixels)."""
    return data_dir / "requests" / "intake.sqlite3"


def outbox_folder(data_dir: Path) -> Path:
    """Where requests wait, sealed, while the center cannot be reached."""
    return data_dir / "request_outbox"


def outbox_key_file(data_dir: Path) -> Path:
    """The outbox's Fernet key (0600), apart from the entries."""
    return data_dir / "keys" / "request_outbox.key"


def build_requests_service(
    backend: ServiceConfig,
    *,
    data_dir: Path,
    terminal_id: str,
    config: RequestsConfig | None = None,
    now: Callable[[], datetime] | None = None,
) -> RequestService:
    """``local``: the embedded intake (with ``config``'s categories, on ``now`` if given:
    tests, the tour); ``http``: the center's ``/v1/requests``."""
    if backend.backend == "http":
        from kiosk.platform.http_client import HttpClient
        from kiosk.requests.http import HttpRequestService

        return HttpRequestService(HttpClient(backend, terminal_id))
    if now is not None:
        return LocalRequestService(local_intake_path(data_dir), config, now=now)
    return LocalRequestService(local_intake_path(data_dir), config)


def build_requests_outbox(
    config: RequestsConfig,
    *,
    data_dir: Path,
    wall_clock: Callable[[], float] = time.time,
) -> RequestOutbox:
    """The outbox in ``data_dir`` with the configured lifetime (``outbox_lifetime_h``)."""
    return RequestOutbox(
        outbox_folder(data_dir),
        outbox_key_file(data_dir),
        lifetime_s=config.outbox_lifetime_h * 3600,
        wall_clock=wall_clock,
    )
