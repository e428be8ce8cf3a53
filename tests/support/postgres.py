"""A throwaway PostgreSQL for tests and benches: ``initdb`` and ``pg_ctl`` in a temporary
folder, as an unprivileged user, listening on a Unix socket in that folder only.

Debian's ``postgresql`` package (``scripts/bootstrap`` installs it) puts the server in
``/usr/lib/postgresql/<version>/bin``; ``$PG_BIN`` names another folder. ``initdb`` and
``pg_ctl`` refuse to run as root: as root the cluster runs as ``nobody`` (``runuser``), its
folder owned by ``nobody`` and closed to everyone else (root still reaches the socket);
otherwise as the current user. Authentication is ``trust``: only the folder's owner and root
can reach the socket at all.

The pytest fixtures (registered in ``tests/conftest.py``):

- ``postgres_cluster``: one cluster for the whole session, started on first use (about a
  second), stopped at the end; the tests that ask for it are skipped, with the reason, only
  when the PostgreSQL binaries are absent (``maybe_postgres``: the cluster or None, for a
  fixture that serves other engines too).
- ``postgres_url``: a fresh, empty database on it for one test.
- ``center_engine``: parametrised ``sqlite`` / ``postgresql``: the center's database
  engine (:mod:`center.database`) on a temporary folder or on a fresh database. A suite
  that takes it runs on both.

For benches, :class:`PostgresCluster` can be ``durable`` (fsync and synchronous commit on,
as in production) and restarted with ``pg_ctl restart -m immediate`` (a crash: no
checkpoint, WAL replay on start).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_counter = itertools.count()
SKIP_REASON = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: scripts/bootstrap installs "
    "Debian's postgresql; $PG_BIN may name their folder"
)


def find_bin_dir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl`` (``$PG_BIN``, else the newest Debian one)."""
    env = os.environ.get("PG_BIN")
    candidates = [Path(env)] if env else []
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    """A TCP port nobody listens on now (the socket file is named after it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


class PostgresCluster:
    """A PostgreSQL cluster of its own in a temporary folder.

    Args:
        durable: fsync and synchronous commit on (benches that crash the server); off by
            default (tests: faster, and nothing outlives the run).
        bin_dir: the server's binaries (default: :func:`find_bin_dir`).
    """

    def __init__(self, *, durable: bool = False, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise FileNotFoundError(SKIP_REASON)
        self.bin_dir = found
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.user = "nobody" if os.geteuid() == 0 else None
        self.running = False
        self._watchdog: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(
            cmd, check=True, capture_output=True, text=True, timeout=timeout, cwd=self.folder
        )

    def start(self) -> PostgresCluster:
        """``initdb`` (first time) and ``pg_ctl start``; returns when it accepts connections."""
        if not self.data.exists():
            if self.user is not None:
                entry = pwd.getpwnam(self.user)
                os.chown(self.folder, entry.pw_uid, entry.pw_gid)
            self.folder.chmod(0o700)
            init = ["initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            init += ["-E", "UTF8", "--locale=C.UTF-8"]
            if not self.durable:
                init.append("--no-sync")
            self._run(*init)
        self._pg_ctl_start()
        return self

    def _server_options(self) -> str:
        options = [
            f"-k {self.folder}",
            f"-p {self.port}",
            "-c listen_addresses=''",
            "-c max_connections=200",
            "-c shared_buffers=64MB",
        ]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        return " ".join(options)

    def _watch(self) -> None:
        """A shell that stops the server and removes the folder if this process dies without
        doing so (a killed test run leaves no server behind)."""
        if self._watchdog is not None:
            return
        stop = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        if self.user is not None:
            stop = ["runuser", "-u", self.user, "--", *stop]
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
            f"{shlex.join(stop)} >/dev/null 2>&1; rm -rf {shlex.quote(str(self.folder))}"
        )
        self._watchdog = subprocess.Popen(
            ["sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _pg_ctl_start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            self._server_options(),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
            timeout=90,
        )
        self.running = True
        self._watch()

    def restart(self, mode: str = "immediate") -> None:
        """``pg_ctl restart -m <mode>``: ``immediate`` is a crash (every connection cut, WAL
        replayed on start)."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-m",
            mode,
            "-o",
            self._server_options(),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "restart",
            timeout=90,
        )
        self.running = True

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL for ``dbname`` over the cluster's socket."""
        return f"postgresql://postgres@/{dbname}?host={self.folder}&port={self.port}"

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database; answers its URL."""
        import psycopg

        name = name or f"t{os.getpid()}_{next(_counter)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops a database, cutting its connections."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stops the server (immediately: nothing of it is kept) and removes the folder."""
        if self.running:
            with contextlib.suppress(subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait(timeout=10)
            self._watchdog = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def server_log(self) -> str:
        """The server's log so far (for a failing test's message)."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


@pytest.fixture(scope="session")
def maybe_postgres() -> Iterator[PostgresCluster | None]:
    """One throwaway cluster for the session, or None if PostgreSQL is not installed."""
    if find_bin_dir() is None:
        yield None
        return
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_cluster(maybe_postgres: PostgresCluster | None) -> PostgresCluster:
    """The session's cluster (the test is skipped if PostgreSQL is not installed)."""
    if maybe_postgres is None:
        pytest.skip(SKIP_REASON)
    return maybe_postgres


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh database for one test; dropped after it."""
    name = f"t{os.getpid()}_{next(_counter)}"
    url = postgres_cluster.create_database(name)
    yield url
    postgres_cluster.drop_database(name)


ENGINES = ["sqlite", "postgresql"]


@contextlib.contextmanager
def engine_on(kind: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The center's engine of ``kind``: SQLite files in ``folder``, or a fresh database on
    the session's cluster (dropped afterwards)."""
    from center.database import DatabaseSettings, open_engine

    if kind == "sqlite":
        yield open_engine(folder, DatabaseSettings())
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = f"t{os.getpid()}_{next(_counter)}"
    url = cluster.create_database(name)
    engine = open_engine(folder, DatabaseSettings(url=url, pool_size=4))
    try:
        yield engine
    finally:
        engine.close()
        cluster.drop_database(name)


@pytest.fixture(params=ENGINES)
def center_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The center's database engine, once on SQLite and once on PostgreSQL."""
    with engine_on(request.param, tmp_path / "db", request) as engine:
        yield engine


@pytest.fixture(params=ENGINES)
def center_data(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, Any]]:
    """A center data directory and its engine, once on SQLite (files in the directory) and
    once on PostgreSQL (``$CENTER_DATABASE_URL`` set, as a deployment would, so commands
    and ``build_app`` find the same database)."""
    from center.database.settings import URL_ENV

    data_dir = tmp_path / "center"
    data_dir.mkdir()
    with engine_on(request.param, data_dir, request) as engine:
        if request.param == "postgresql":
            monkeypatch.setenv(URL_ENV, engine.url)
        yield data_dir, engine
