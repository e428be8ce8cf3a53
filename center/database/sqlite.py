"""The center's stores on SQLite: each store its own file in one folder (the data
directory by default), as the embedded, one-machine center has always kept them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from kiosk.platform.database import Dialect, SqliteDatabase


class SqliteEngine:
    """Stores as SQLite files under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def dialect(self) -> Dialect:
        return "sqlite"

    def describe(self) -> str:
        """Where the data is, for logs."""
        return f"SQLite files in {self.folder}"

    def store(
        self,
        name: str,
        *,
        sqlite_file: str,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        pragmas: tuple[str, ...] = (),
        private: bool = False,
        timeout_s: float = 10.0,
    ) -> SqliteDatabase:
        """The store ``name`` in ``<folder>/<sqlite_file>``."""
        return SqliteDatabase(
            self.folder / sqlite_file,
            name=name,
            synchronous=synchronous,
            timeout_s=timeout_s,
            pragmas=pragmas,
            private=private,
        )

    def check(self) -> None:
        """Nothing to reach: the files are opened by each store."""

    def close(self) -> None:
        """Nothing to close: each store closes its own file."""
