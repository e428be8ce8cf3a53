"""Two ``center serve`` processes on one PostgreSQL database, and nginx in front of them with
the example configuration of ``deploy/center/nginx.conf``.

- Both start at once on an empty database (migrations and demo seeding race, and settle).
- Any of them answers any request: a voucher issued through one is seen, replayed and
  fulfilled through the other; a heartbeat sent to one is in the other's fleet status; a
  terminal disabled through the command line is refused by both at once.
- Through nginx: requests are spread over both; one killed with SIGKILL, every request still
  gets its answer; the TUF repository comes from the files, byte for byte as on disk.

nginx is Debian's package (``scripts/bootstrap`` installs it); without it the nginx test is
skipped, saying so. Everything is served with TLS on 127.0.0.1 (certificates made here).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from center.auth import open_callers
from center.cli import main
from center.database import DatabaseSettings, open_engine
from kiosk.fleet.heartbeat import Heartbeat
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.points.http import HttpPointsService
from kiosk.points.model import CartLine, VoucherStatus
from tests.conftest import PROJECT_ROOT
from tests.support.postgres import PostgresCluster
from tests.support.uvicorn_server import TlsMaterial, closed_port, make_tls_material
from tests.unit.kiosk.fleet.fleet_support import make_fleet

TERMINAL = "kiosk-1"
NGINX_CONF = PROJECT_ROOT / "deploy" / "center" / "nginx.conf"


@dataclass
class Server:
    """One ``center serve`` process."""

    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def requests_seen(self, path: str) -> int:
        """How many requests for ``path`` its access log shows."""
        return self.log.read_text(encoding="utf-8", errors="replace").count(f" {path} HTTP")


@dataclass
class Servers:
    """The data directory, its database, the TLS material and the two app servers."""

    data_dir: Path
    url: str
    tls: TlsMaterial
    token: str
    servers: list[Server] = field(default_factory=list)
    engine: Any = None

    def start(self, server: Server) -> None:
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        env.pop("CENTER_DATABASE_URL", None)  # database.toml says where
        with server.log.open("ab") as log:
            server.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "center.cli",
                    "--data-dir",
                    str(self.data_dir),
                    "serve",
                    "--port",
                    str(server.port),
                    "--tls-cert",
                    str(self.tls.server_cert),
                    "--tls-key",
                    str(self.tls.server_key),
                    "--access-log",
                    "--log-level",
                    "info",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, server: Server) -> None:
        deadline = time.monotonic() + 90
        while True:
            assert server.proc is not None and server.proc.poll() is None, server.log.read_text()
            try:
                r = requests.get(server.url + "/v1/health", verify=self.tls.ca_cert, timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the center did not come up"
            time.sleep(0.1)

    def ensure_running(self) -> None:
        """Both servers up (a test before may have killed one)."""
        down = [s for s in self.servers if s.proc is None]
        for server in down:
            self.start(server)
        for server in down:
            self.wait_healthy(server)

    def stop(self, server: Server, sig: int = signal.SIGTERM) -> None:
        if server.proc is None:
            return
        server.proc.send_signal(sig)
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=5)
        server.proc = None

    def points(self, base_url: str) -> HttpPointsService:
        config = ServiceConfig(
            backend="http",
            base_url=base_url,
            terminal_id=TERMINAL,
            token=self.token,
            ca_file=str(self.tls.ca_cert),
            connect_timeout_s=2.0,
            read_timeout_s=10.0,
            backoff_s=0.05,
        )
        return HttpPointsService(HttpClient(config, TERMINAL))

    def post(self, base_url: str, path: str, body: Any, **headers: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "X-Terminal-Id": TERMINAL, **headers}
        return requests.post(
            base_url + path, json=body, headers=headers, verify=self.tls.ca_cert, timeout=10
        )


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster
) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("servers")
    make_fleet(root)  # keys installed, repository signed: root/center/fleet
    data_dir = root / "center"
    url = postgres_cluster.create_database()
    (data_dir / "database.toml").write_text(f'[database]\nurl = "{url}"\npool_size = 4\n')
    (data_dir / "points.toml").write_text("[points]\ndefault_limits = {}\n")  # towels galore
    engine = open_engine(data_dir, DatabaseSettings(url=url))
    callers = open_callers(engine, data_dir)
    token = callers.add(TERMINAL)
    callers.close()
    setup = Servers(data_dir, url, make_tls_material(root / "tls"), token, engine=engine)
    setup.servers = [Server(closed_port(), root / f"server-{i}.log") for i in range(2)]
    try:
        for server in setup.servers:  # both at once, on a database with no tables yet
            setup.start(server)
        for server in setup.servers:
            setup.wait_healthy(server)
        yield setup
    finally:
        for server in setup.servers:
            setup.stop(server)
        engine.close()


def test_any_server_answers_any_request(servers: Servers) -> None:
    servers.ensure_running()
    a, b = (servers.points(s.url) for s in servers.servers)
    try:
        key = f"several-{uuid.uuid4().hex}"
        towel = [CartLine(item_id="towel", quantity=1)]
        voucher = a.redeem("M20230517", towel, key)
        assert voucher.status is VoucherStatus.HELD
        assert b.voucher(voucher.code).points == voucher.points  # the other server sees it
        assert voucher.code in {v.code for v in b.open_vouchers("M20230517")}
        replay = servers.post(
            servers.servers[1].url,
            "/v1/points/redemptions",
            {"member_id": "M20230517", "lines": [{"item_id": "towel", "quantity": 1}]},
            **{"Idempotency-Key": key},
        )
        assert replay.status_code == 200 and replay.json()["code"] == voucher.code
        assert replay.headers["Idempotent-Replayed"] == "true"  # answered once, by either
        done = b.fulfil(voucher.code, "张三", f"fulfil-{uuid.uuid4().hex}")
        assert done.status is VoucherStatus.FULFILLED
        assert a.voucher(voucher.code).status is VoucherStatus.FULFILLED
    finally:
        a.close()
        b.close()


def test_heartbeats_and_credentials_are_shared(
    servers: Servers, capsys: pytest.CaptureFixture[str]
) -> None:
    servers.ensure_running()
    first, second = servers.servers
    hb = Heartbeat(
        terminal_id=TERMINAL,
        group="lobby",
        app_version="test",
        clock=datetime.now(UTC),
        uptime_s=12.0,
    )
    sent = servers.post(first.url, "/v1/fleet/heartbeats", hb.model_dump(mode="json"))
    assert sent.status_code == 200, sent.text
    data = ["--data-dir", str(servers.data_dir)]
    assert main([*data, "fleet", "operator", "add", "ops"]) == 0
    ops = capsys.readouterr().out.strip()
    status = requests.get(
        second.url + "/v1/fleet/status",
        headers={"Authorization": f"Bearer {ops}", "X-Operator-Id": "ops"},
        verify=servers.tls.ca_cert,
        timeout=10,
    )
    assert status.status_code == 200, status.text
    assert TERMINAL in status.text
    # a terminal disabled once is refused by every server, without a restart
    extra = open_callers(servers.engine, servers.data_dir)
    token = extra.add("kiosk-2")
    extra.close()
    assert main([*data, "terminal", "disable", "kiosk-2"]) == 0
    for server in servers.servers:
        r = requests.post(
            server.url + "/v1/points/member-lookups",
            json={"member_id": "M20230517"},
            headers={"Authorization": f"Bearer {token}", "X-Terminal-Id": "kiosk-2"},
            verify=servers.tls.ca_cert,
            timeout=10,
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "auth.terminal_disabled"


def render_nginx(servers: Servers, folder: Path, port: int) -> Path:
    """``deploy/center/nginx.conf`` with its addresses and paths for this test."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    first, second = servers.servers
    swaps = {
        "pid /run/center-nginx.pid;": f"pid {folder}/nginx.pid;",
        "/var/log/nginx/center-error.log": str(folder / "error.log"),
        "/var/log/nginx/center-access.log": str(folder / "access.log"),
        "server 10.0.1.11:8443": f"server 127.0.0.1:{first.port}",
        "server 10.0.1.12:8443": f"server 127.0.0.1:{second.port}",
        "listen 443 ssl;": f"listen 127.0.0.1:{port} ssl;",
        "/etc/center/tls/center.pem": str(servers.tls.server_cert),
        "/etc/center/tls/center-key.pem": str(servers.tls.server_key),
        "/etc/center/tls/app-ca.pem": str(servers.tls.ca_cert),
        "proxy_ssl_name center-app.internal;": "proxy_ssl_name localhost;",
        "/srv/center/fleet/repository/": f"{servers.data_dir}/fleet/repository/",
        "worker_processes auto;": "worker_processes 1;",
    }
    for production, here in swaps.items():
        assert production in text, f"deploy/center/nginx.conf no longer has {production!r}"
        text = text.replace(production, here)
    temp = (
        f"client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;"
        f" fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi;"
        f" scgi_temp_path {folder}/scgi;"
    )
    text = text.replace("http {", "http {\n    " + temp, 1)
    if os.geteuid() == 0:
        text = "user root;\n" + text  # the workers read files in a private test folder
    conf = folder / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (bootstrap)")
def test_nginx_spreads_requests_skips_a_dead_server_and_serves_the_repository(
    servers: Servers, tmp_path: Path
) -> None:
    servers.ensure_running()
    port = closed_port()
    conf = render_nginx(servers, tmp_path, port)
    nginx = shutil.which("nginx")
    assert nginx is not None
    base = [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")]
    checked = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen([*base, "-g", "daemon off;"], stderr=subprocess.PIPE)
    front = f"https://127.0.0.1:{port}"
    client = servers.points(front)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(front + "/v1/health", verify=servers.tls.ca_cert, timeout=2)
                break
            except requests.RequestException:
                assert proc.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        first, second = servers.servers
        path = "/v1/points/catalogue-lookups"
        before = [s.requests_seen(path) for s in (first, second)]
        for _ in range(12):
            assert client.catalogue().items
        after = [s.requests_seen(path) for s in (first, second)]
        assert sum(after) - sum(before) == 12
        assert all(n > b for n, b in zip(after, before, strict=True))  # both took some

        # the TUF repository: files, as on disk, with the caching rules of the center's
        repo = servers.data_dir / "fleet" / "repository" / "metadata"
        ts = requests.get(front + "/fleet/metadata/timestamp.json", verify=servers.tls.ca_cert)
        assert ts.status_code == 200 and ts.content == (repo / "timestamp.json").read_bytes()
        assert ts.headers["Cache-Control"] == "no-cache" and "ETag" in ts.headers
        root = requests.get(front + "/fleet/metadata/1.root.json", verify=servers.tls.ca_cert)
        assert root.content == (repo / "1.root.json").read_bytes()
        assert "immutable" in root.headers["Cache-Control"]
        missing = requests.get(front + "/fleet/metadata/2.root.json", verify=servers.tls.ca_cert)
        assert missing.status_code == 404 and "Cache-Control" not in missing.headers
        assert second.requests_seen("/fleet/metadata/timestamp.json") == 0

        # one server killed: every request is still answered (nginx tries the other)
        servers.stop(second, signal.SIGKILL)
        towel = [CartLine(item_id="towel", quantity=1)]
        codes = {
            client.redeem("M20230517", towel, f"nginx-{uuid.uuid4().hex}").code for _ in range(6)
        }
        assert len(codes) == 6
        assert all(client.voucher(code).status is VoucherStatus.HELD for code in codes)
    finally:
        client.close()
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr:
            proc.stderr.close()
