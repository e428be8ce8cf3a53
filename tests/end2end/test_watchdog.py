"""The real app under the systemd notify protocol: READY, regular WATCHDOG pings from the
event loop, silence while the GUI thread is frozen, STOPPING on SIGTERM and a clean exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def receive_until(
    sock: socket.socket, done: Callable[[list[str]], bool], limit_s: float = 90.0
) -> list[str]:
    """Messages in the order sent, until ``done(messages)``; the limit only bounds a hang."""
    got: list[str] = []
    deadline = time.monotonic() + limit_s
    while not done(got):
        left = deadline - time.monotonic()
        assert left > 0, f"waited {limit_s:.0f} s; got {got}"
        sock.settimeout(left)
        got.append(sock.recv(4096).decode())
    return got


def pings(messages: list[str]) -> int:
    return sum(m == "WATCHDOG=1" for m in messages)


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
        first = receive_until(sock, lambda got: len(got) == 1)
        assert first[0].startswith("READY=1")
        receive_until(sock, lambda got: pings(got) >= 3)  # regular pings from the event loop

        proc.send_signal(signal.SIGUSR1)  # the GUI thread blocks for 6 s
        receive_until(sock, lambda got: "STATUS=frozen" in got)
        during = receive_until(sock, lambda got: "STATUS=thawed" in got)
        assert pings(during) == 0, "the watchdog was pinged while the GUI was frozen"
        receive_until(sock, lambda got: pings(got) >= 1)  # and pings resume

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "STOPPING=1" in receive_until(sock, lambda got: "STOPPING=1" in got, 20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    # a SIGTERM stop is a clean exit: it does not count towards safe mode
    runs = (tmp_path / "data" / "crash" / "runs.json").read_text()
    assert '"clean": true' in runs
