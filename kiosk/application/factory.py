"""Builds the application service and outbox the configuration asks for (``backend`` is
shared with every other service: one center, one terminal token)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from kiosk.application.local import LocalApplicationService
from kiosk.application.outbox import ApplicationOutbox
from kiosk.application.service import ApplicationService
from kiosk.platform.application_config import ApplicationConfig
from kiosk.platform.backend_config import ServiceConfig


def local_intake_path(data_dir: Path) -> Path:
    """Where the ``local`` intake records what it received (masked, no pixels)."""
    return data_dir / "applications" / "intake.sqlite3"


def outbox_folder(data_dir: Path) -> Path:
    """Where applications wait, sealed, while the center cannot be reached."""
    return data_dir / "application_outbox"


def outbox_key_file(data_dir: Path) -> Path:
    """The outbox's Fernet key (0600), apart from the entries."""
    return data_dir / "keys" / "application_outbox.key"


def build_application_service(
    backend: ServiceConfig, *, data_dir: Path, terminal_id: str
) -> ApplicationService:
    """``local``: the embedded intake; ``http``: the center's ``/v1/applications``."""
    if backend.backend == "http":
        from kiosk.application.http import HttpApplicationService
        from kiosk.platform.http_client import HttpClient

        return HttpApplicationService(HttpClient(backend, terminal_id))
    return LocalApplicationService(local_intake_path(data_dir))


def build_application_outbox(
    config: ApplicationConfig,
    *,
    data_dir: Path,
    wall_clock: Callable[[], float] = time.time,
) -> ApplicationOutbox:
    """The outbox in ``data_dir`` with the configured lifetime (``outbox_lifetime_h``)."""
    return ApplicationOutbox(
        outbox_folder(data_dir),
        outbox_key_file(data_dir),
        lifetime_s=config.outbox_lifetime_h * 3600,
        wall_clock=wall_clock,
    )
