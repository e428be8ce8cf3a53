"""The ``center`` command: terminal management, and ``serve`` as a real process with TLS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from center.auth import TerminalRegistry
from center.cli import main
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.platform.service_errors import ServiceError
from kiosk.violations.http import HttpViolationService
from kiosk.violations.service import LookupResult, VehicleQuery
from tests.conftest import PROJECT_ROOT
from tests.support.uvicorn_server import closed_port, make_tls_material


def test_terminal_add_prints_a_token_once_and_list_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "terminal", "add", "kiosk-7"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 32
    assert token.encode() not in (tmp_path / "credentials.sqlite3").read_bytes()  # a hash only
    assert main(["--data-dir", str(tmp_path), "terminal", "disable", "kiosk-7"]) == 0
    assert main(["--data-dir", str(tmp_path), "terminal", "list"]) == 0
    assert "kiosk-7\tdisabled" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "terminal", "remove", "kiosk-9"]) == 1
    assert main(["--data-dir", str(tmp_path), "terminal", "add", "bad id"]) == 2


def test_serving_beyond_loopback_needs_tls(tmp_path: Path) -> None:
    args = ["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0", "--port", "1"]
    assert main(args) == 2
    assert main(["--data-dir", str(tmp_path), "serve", "--tls-cert", "x.pem"]) == 2


@pytest.mark.timeout(90)
def test_serve_runs_uvicorn_with_tls_and_stops_on_sigterm(tmp_path: Path) -> None:
    tls = make_tls_material(tmp_path / "tls")
    data = tmp_path / "center"
    token = TerminalRegistry(data / "terminals.json").add("kiosk-1")
    port = closed_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "center.cli",
            "--data-dir",
            str(data),
            "serve",
            "--port",
            str(port),
            "--tls-cert",
            str(tls.server_cert),
            "--tls-key",
            str(tls.server_key),
            "--log-level",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    config = ServiceConfig(
        backend="http",
        base_url=f"https://127.0.0.1:{port}",
        token=token,
        ca_file=str(tls.ca_cert),
        connect_timeout_s=1,
        read_timeout_s=5,
        retries=0,
    )
    service = HttpViolationService(HttpClient(config, "kiosk-1"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                service.ping()
                break
            except ServiceError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "center did not come up"
                time.sleep(0.2)
        outcome = service.lookup_vehicle(
            VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08327")
        )
        assert isinstance(outcome, LookupResult) and len(outcome.records) == 12
    finally:
        service.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert proc.returncode in (0, -signal.SIGTERM)
