"""The center's data directory and the files in it that several commands name.

``--data-dir``, else ``$CENTER_DATA_DIR``, else ``var/center`` in the project. It holds the
violation store, the points ledger, ``terminals.json`` (token hashes) and ``fleet/``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def default_data_dir() -> Path:
    """``$CENTER_DATA_DIR``, else ``var/center`` in the project."""
    env = os.environ.get("CENTER_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "var" / "center"


def data_dir_of(args: argparse.Namespace) -> Path:
    """The data directory a command line names (``--data-dir``), else the default."""
    data_dir: Path = args.data_dir or default_data_dir()
    return data_dir


def terminals_file_of(args: argparse.Namespace) -> Path:
    """The terminal registry a command line names (``--terminals``), else the data
    directory's ``terminals.json``."""
    terminals: Path = args.terminals or data_dir_of(args) / "terminals.json"
    return terminals
