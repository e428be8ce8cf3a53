"""A loopback TCP proxy that loses a given fraction of HTTP requests and responses.

:class:`FlakyProxy` listens on 127.0.0.1 and forwards each connection to an upstream port.
HTTP/1.1 clients send one request at a time per connection, so the proxy sees a connection
as turns: a request (client bytes after the previous answer) and its response (upstream
bytes). For every request it draws, with its own seeded RNG:

- with probability ``fail_rate``, the request is lost before the server sees it: the
  client connection is closed (``drop``) or reset (``reset``, an RST via ``SO_LINGER 0``);
- otherwise it is forwarded, and then with probability ``fail_rate`` the *response* is lost
  the same way: the server did the work, the client never hears of it — the case
  idempotency keys exist for.

Drop and reset are chosen half and half (``modes`` narrows it). Counters say what happened.
Bounded: every loop polls with a short timeout and ends on :meth:`stop`, which joins every
thread it started.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType

HOST = "127.0.0.1"
_POLL_S = 0.05
_CHUNK = 64 * 1024


@dataclass
class ProxyStats:
    """What the proxy did, by kind."""

    connections: int = 0
    requests: int = 0
    requests_dropped: int = 0
    requests_reset: int = 0
    responses_dropped: int = 0
    responses_reset: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def failures(self) -> int:
        """Requests or responses lost."""
        return (
            self.requests_dropped
            + self.requests_reset
            + self.responses_dropped
            + self.responses_reset
        )


def _reset(sock: socket.socket) -> None:
    """Closes with an RST instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FlakyProxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``upstream_port``, losing ``fail_rate`` of the
    requests and ``fail_rate`` of the responses.

    Attributes:
        port: the proxy's port; ``url`` is ``http://127.0.0.1:<port>``.
        stats: counters (:class:`ProxyStats`).
    """

    def __init__(
        self,
        upstream_port: int,
        *,
        fail_rate: float = 0.2,
        seed: int = 0,
        modes: tuple[str, ...] = ("drop", "reset"),
    ) -> None:
        if not 0 <= fail_rate < 1:
            raise ValueError("fail_rate is in [0, 1)")
        if not modes or any(m not in ("drop", "reset") for m in modes):
            raise ValueError("modes are drop and/or reset")
        self.upstream_port = upstream_port
        self.fail_rate = fail_rate
        self.modes = modes
        self.stats = ProxyStats()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((HOST, 0))
        self._sock.listen(64)
        self._sock.settimeout(_POLL_S)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept_loop, name="flaky-proxy", daemon=True)

    def _draw(self) -> str | None:
        """None to pass, else the way to fail."""
        with self._rng_lock:
            if self._rng.random() >= self.fail_rate:
                return None
            return self._rng.choice(self.modes)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.stats.lock:
                self.stats.connections += 1
            t = threading.Thread(
                target=self._serve, args=(client,), name="flaky-proxy-conn", daemon=True
            )
            with self._threads_lock:
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
            t.start()

    def _serve(self, client: socket.socket) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            upstream = socket.create_connection((HOST, self.upstream_port), timeout=2.0)
        except OSError:
            _reset(client)
            return
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        upstream.setblocking(True)
        awaiting_request = True  # the next client bytes start a new request
        lose_response: str | None = None
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([client, upstream], [], [], _POLL_S)
                if client in readable:
                    data = client.recv(_CHUNK)
                    if not data:
                        return
                    if awaiting_request:
                        awaiting_request = False
                        with self.stats.lock:
                            self.stats.requests += 1
                        fate = self._draw()
                        if fate is not None:
                            with self.stats.lock:
                                if fate == "drop":
                                    self.stats.requests_dropped += 1
                                else:
                                    self.stats.requests_reset += 1
                            self._lose(client, fate)
                            return
                        lose_response = self._draw()
                    upstream.sendall(data)
                if upstream in readable:
                    data = upstream.recv(_CHUNK)
                    if not data:
                        return
                    if lose_response is not None:
                        with self.stats.lock:
                            if lose_response == "drop":
                                self.stats.responses_dropped += 1
                            else:
                                self.stats.responses_reset += 1
                        self._lose(client, lose_response)
                        return
                    client.sendall(data)
                    awaiting_request = True
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                client.close()
            with contextlib.suppress(OSError):
                upstream.close()

    @staticmethod
    def _lose(client: socket.socket, fate: str) -> None:
        if fate == "reset":
            _reset(client)
        else:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()

    def start(self) -> FlakyProxy:
        """Starts accepting."""
        self._acceptor.start()
        return self

    def stop(self) -> None:
        """Stops accepting, ends every connection and joins every thread."""
        self._stop.set()
        if self._acceptor.is_alive():
            self._acceptor.join(timeout=5.0)
        with self._threads_lock:
            threads = list(self._threads)
        for t in threads:
            t.join(timeout=5.0)
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> FlakyProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
