"""Where the kiosk keeps its state on this machine."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.platform.config_loader import SYSTEM_SITE_FILE, ConfigPaths
from kiosk.platform.project import PROJECT_ROOT


def default_data_dir() -> Path:
    """``$KIOSK_DATA_DIR``, else ``var/`` in the project (a real terminal sets the variable)."""
    env = os.environ.get("KIOSK_DATA_DIR")
    return Path(env) if env else PROJECT_ROOT / "var"


def default_site_file() -> Path | None:
    """``$KIOSK_SITE_CONFIG``, else /etc/kiosk/site.toml if it exists."""
    env = os.environ.get("KIOSK_SITE_CONFIG")
    if env:
        return Path(env)
    present = SYSTEM_SITE_FILE.exists() or SYSTEM_SITE_FILE.is_symlink()  # a broken link counts
    return SYSTEM_SITE_FILE if present else None


def config_paths(data_dir: Path | None = None, site: Path | None = None) -> ConfigPaths:
    """The layer files for this machine, with command-line values taking precedence."""
    return ConfigPaths(
        data_dir=data_dir or default_data_dir(), site=site if site else default_site_file()
    )
