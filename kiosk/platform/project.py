"""Where the project's packaged data lives (imports nothing, so anything may import it)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"


def cache_dir() -> Path:
    """Where derived data that can be rebuilt at any time is kept (``$XDG_CACHE_HOME/kiosk``,
    else ``~/.cache/kiosk``): never anything personal."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk"
