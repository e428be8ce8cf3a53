"""Builds the photo service the configuration asks for (``backend`` is shared with every
other service: one center, one terminal token)."""

from __future__ import annotations

from pathlib import Path

from kiosk.photo.service import LocalPhotoService, PhotoService
from kiosk.platform.backend_config import ServiceConfig


def local_intake_path(data_dir: Path) -> Path:
    """Where the ``local`` intake records what it received (no pixels)."""
    return data_dir / "photos" / "intake.sqlite3"


def build_photo_service(
    backend: ServiceConfig, *, data_dir: Path, terminal_id: str
) -> PhotoService:
    """``local``: the embedded intake; ``http``: the center's photo intake."""
    if backend.backend == "http":
        from kiosk.photo.http import HttpPhotoService
        from kiosk.platform.http_client import HttpClient

        return HttpPhotoService(HttpClient(backend, terminal_id))
    return LocalPhotoService(local_intake_path(data_dir))
