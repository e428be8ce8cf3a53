"""systemd's notify protocol: READY=1 once, WATCHDOG=1 regularly, STOPPING=1 at the end.

The UI pings from its event loop, so a frozen GUI stops the pings and systemd restarts the
app (``WatchdogSec`` in the unit). Outside systemd (no ``NOTIFY_SOCKET``) it does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


class SystemdNotifier:
    """Sends notify messages to ``$NOTIFY_SOCKET`` (a path or an abstract ``@name``)."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(os.environ) if env is None else env
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        self.watchdog_s = int(usec) / 1e6 if usec.isdigit() else 0.0
        self._sock: socket.socket | None = None
        if self._address:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)

    @property
    def enabled(self) -> bool:
        """Whether systemd is listening."""
        return self._sock is not None

    def ping_interval_ms(self) -> int:
        """How often to ping: half the watchdog period (0 = no watchdog)."""
        return int(self.watchdog_s * 1000 / 2) if self.watchdog_s else 0

    def notify(self, message: str) -> None:
        """Sends one message; errors are logged, never raised (the app must keep running)."""
        if self._sock is None:
            return
        try:
            self._sock.sendto(message.encode("ascii"), self._address)
        except OSError as e:
            log.warning("systemd notify failed: %s", e)

    def ready(self, status: str = "") -> None:
        """Tells systemd that start-up is complete."""
        self.notify("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def ping(self) -> None:
        """Keeps the watchdog from restarting us."""
        self.notify("WATCHDOG=1")

    def stopping(self) -> None:
        """Tells systemd we are shutting down on purpose."""
        self.notify("STOPPING=1")

    def close(self) -> None:
        """Closes the socket."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
