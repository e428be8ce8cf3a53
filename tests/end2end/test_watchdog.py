"""The real app under the systemd notify protocol: READY, regular WATCHDOG pings from the
event loop, silence while the GUI thread is frozen, STOPPING on SIGTERM and a clean exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def receive(sock: socket.socket, until: float) -> list[tuple[float, str]]:
    got: list[tuple[float, str]] = []
    while (left := until - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            data = sock.recv(4096)
        except TimeoutError:
            break
        got.append((time.monotonic(), data.decode()))
    return got


def first_message(sock: socket.socket, timeout: float) -> str:
    sock.settimeout(timeout)
    return sock.recv(4096).decode()


def test_watchdog_pings_stop_when_the_gui_freezes(tmp_path: Path) -> None:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(path),
        "WATCHDOG_USEC": "1000000",  # ping every 0.5 s
        "KIOSK_WATCHDOG_SELFTEST": "1",
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "run", "--size", "1080x1920"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert first_message(sock, 30).startswith("READY=1")
        before = receive(sock, time.monotonic() + 2.0)
        assert sum(m == "WATCHDOG=1" for _, m in before) >= 3

        proc.send_signal(signal.SIGUSR1)  # the GUI thread blocks for 6 s
        frozen_from = time.monotonic() + 0.8  # let the handler start (next Python tick)
        during = receive(sock, time.monotonic() + 4.5)
        late = [t for t, m in during if m == "WATCHDOG=1" and t > frozen_from]
        assert late == [], "the watchdog was pinged while the GUI was frozen"

        after = receive(sock, time.monotonic() + 4.0)
        assert any(m == "WATCHDOG=1" for _, m in after), "pings did not resume"

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        tail = [m for _, m in receive(sock, time.monotonic() + 1.0)]
        assert "STOPPING=1" in tail
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    # a SIGTERM stop is a clean exit: it does not count towards safe mode
    runs = (tmp_path / "data" / "crash" / "runs.json").read_text()
    assert '"clean": true' in runs
