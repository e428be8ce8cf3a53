"""The center's data directory and the files in it that several commands name.

``--data-dir``, else ``$CENTER_DATA_DIR``, else ``var/center`` in the project. It holds the
violation store, ``fleet/`` (the TUF repository), the photo key in ``keys/``, each feature's
settings file (``points.toml``, ``photos.toml``), and ``database.toml``: ``[database] url``,
where the stores keep their tables (:mod:`center.database`): by default SQLite files here
(the points ledger, ``credentials.sqlite3`` with the terminals' token hashes,
``fleet/heartbeats.sqlite3``, ``photos/``), or a PostgreSQL database.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path

from pydantic import BaseModel


def default_data_dir() -> Path:
    """``$CENTER_DATA_DIR``, else ``var/center`` in the project."""
    env = os.environ.get("CENTER_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "var" / "center"


def load_settings[M: BaseModel](data_dir: Path, name: str, model: type[M]) -> M:
    """A feature's settings: the ``[name]`` table of ``<data_dir>/<name>.toml``, validated,
    or the defaults if the file is absent."""
    path = data_dir / f"{name}.toml"
    if not path.exists():
        return model()
    with path.open("rb") as f:
        data = tomllib.load(f)
    return model.model_validate(data.get(name, {}))


def data_dir_of(args: argparse.Namespace) -> Path:
    """The data directory a command line names (``--data-dir``), else the default."""
    data_dir: Path = args.data_dir or default_data_dir()
    return data_dir


def terminals_file_of(args: argparse.Namespace) -> Path:
    """The terminal registry a command line names (``--terminals``), else the data
    directory's ``terminals.json``."""
    terminals: Path = args.terminals or data_dir_of(args) / "terminals.json"
    return terminals
