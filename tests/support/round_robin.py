"""A loopback TCP round-robin in front of several servers (a load balancer in miniature).

:class:`RoundRobin` listens on 127.0.0.1 and hands each new connection to the next upstream
port in turn; an upstream that refuses the connection (a server killed and not back yet)
is skipped for the next one. Bytes are then copied both ways until either side closes, so
a keep-alive connection stays with the server it reached (as with any TCP balancer), and
dies with it. Bounded like :mod:`tests.support.flaky_proxy`: every loop polls with a short
timeout and ends on :meth:`stop`, which joins every thread it started.
"""

from __future__ import annotations

import contextlib
import itertools
import select
import socket
import threading
from collections.abc import Sequence
from types import TracebackType

HOST = "127.0.0.1"
_POLL_S = 0.05
_CHUNK = 64 * 1024


class RoundRobin:
    """Forwards 127.0.0.1:``port`` to each of ``upstream_ports`` in turn.

    Attributes:
        port: the balancer's port; ``url`` is ``http://127.0.0.1:<port>``.
        handed: connections handed to each upstream port, and ``refused``: connections no
            upstream took.
    """

    def __init__(self, upstream_ports: Sequence[int]) -> None:
        if not upstream_ports:
            raise ValueError("at least one upstream")
        self.upstream_ports = list(upstream_ports)
        self.handed = dict.fromkeys(self.upstream_ports, 0)
        self.refused = 0
        self._next = itertools.cycle(range(len(self.upstream_ports)))
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, 0))
        self._sock.listen(128)
        self._sock.settimeout(_POLL_S)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name="round-robin", daemon=True)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(
                target=self._serve, args=(client,), name="round-robin-conn", daemon=True
            )
            with self._lock:
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
            t.start()

    def _connect(self) -> socket.socket | None:
        with self._lock:
            first = next(self._next)
        n = len(self.upstream_ports)
        for i in range(n):
            port = self.upstream_ports[(first + i) % n]
            try:
                upstream = socket.create_connection((HOST, port), timeout=1.0)
            except OSError:
                continue
            with self._lock:
                self.handed[port] += 1
            return upstream
        with self._lock:
            self.refused += 1
        return None

    def _serve(self, client: socket.socket) -> None:
        upstream = self._connect()
        if upstream is None:
            client.close()
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(True)
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([client, upstream], [], [], _POLL_S)
                for source, sink in ((client, upstream), (upstream, client)):
                    if source in readable:
                        data = source.recv(_CHUNK)
                        if not data:
                            return
                        sink.sendall(data)
        except OSError:
            return
        finally:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.close()

    def start(self) -> RoundRobin:
        """Starts accepting."""
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Stops accepting, ends every connection and joins every thread."""
        self._stop.set()
        if self._acceptor.is_alive():
            self._acceptor.join(timeout=5.0)
        with self._lock:
            threads = list(self._threads)
        for t in threads:
            t.join(timeout=5.0)
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> RoundRobin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
