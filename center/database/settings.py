"""``[database]`` in ``<data_dir>/database.toml``: where the center keeps its stores.

::

    [database]
    url = "postgresql://center@db1.example/center"   # or "" (the default): SQLite files
    pool_size = 10       # connections per app server process (PostgreSQL)
    timeout_s = 10.0     # wait for a connection / keep retrying a write, then answer 503

``url`` may be:

- empty (the default): each store in its own SQLite file in the data directory, as a
  one-machine center always had them (``points.sqlite3``, ``fleet/heartbeats.sqlite3``, ...);
- ``sqlite:<folder>``: the same files in another folder (relative to the data directory);
- ``postgresql://...`` (or ``postgres://``): one PostgreSQL database for every store, which
  several app servers share. Keep the password out of the file: ``~/.pgpass`` or
  ``PGPASSFILE``.

``$CENTER_DATABASE_URL`` overrides ``url`` (tests, containers).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from center.data_dir import load_settings

URL_ENV = "CENTER_DATABASE_URL"


class DatabaseSettings(BaseModel):
    """The ``[database]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = ""
    pool_size: int = Field(10, ge=1, le=200)
    timeout_s: float = Field(10.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if url and not url.startswith(("sqlite:", "postgresql://", "postgres://")):
            raise ValueError("url must be empty, sqlite:<folder> or postgresql://...")
        return url

    @property
    def is_postgresql(self) -> bool:
        """Whether the stores are on PostgreSQL."""
        return self.url.startswith(("postgresql://", "postgres://"))

    def sqlite_folder(self, data_dir: Path) -> Path:
        """Where the SQLite files are (for a SQLite url)."""
        rest = self.url.removeprefix("sqlite:").removeprefix("//") if self.url else ""
        return data_dir / rest if rest else data_dir


def load_database_settings(data_dir: Path) -> DatabaseSettings:
    """``<data_dir>/database.toml``, with ``$CENTER_DATABASE_URL`` over its ``url``."""
    settings = load_settings(data_dir, "database", DatabaseSettings)
    env = os.environ.get(URL_ENV)
    if env:
        settings = DatabaseSettings.model_validate({**settings.model_dump(), "url": env})
    return settings
