"""A TCP server on 127.0.0.1 that behaves like a network ESC/POS printer, for tests.

It records every byte it receives (per connection and in total) and answers real-time status
requests (DLE EOT n, ``10 04 n`` with n in 1..4) wherever they appear in the stream, as a real
printer does, from a settable :class:`PaperState`. It can drop a connection after N bytes (a
disconnect mid-job), close every connection once a whole job (up to its paper cut) arrived,
answer only the first N status requests of each connection (status reads that fail), and stop
and restart listening on the same port (a printer switched off and on). python-escpos's
``paper_status()`` uses DLE EOT 4, not GS r 1, so GS r is not answered.

One thread runs a ``selectors`` loop; :meth:`TcpPrinter.stop` joins it.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType

DLE_EOT = b"\x10\x04"
#: ESC/POS paper cut with feed (GS V 65 n): the end of every receipt.
CUT = b"\x1dVA"


class PaperState(StrEnum):
    """What the simulated printer reports."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"


def status_byte(state: PaperState, n: int) -> int:
    """The answer to DLE EOT ``n`` in ``state`` (ESC/POS: bits 1 and 4 are always set)."""
    fixed = 0x12
    paper_out = state is PaperState.PAPER_OUT
    cover_open = state is PaperState.COVER_OPEN
    if n == 1:  # printer status: bit 3 offline
        return fixed | (0x08 if paper_out or cover_open else 0)
    if n == 2:  # offline cause: bit 2 cover open, bit 5 stopped by paper end
        return fixed | (0x04 if cover_open else 0) | (0x20 if paper_out else 0)
    if n == 3:  # error cause: none
        return fixed
    if n == 4:  # roll paper sensor: bits 2-3 near end, bits 5-6 paper end
        if paper_out:
            return fixed | 0x0C | 0x60
        return fixed | (0x0C if state is PaperState.PAPER_LOW else 0)
    raise ValueError(f"DLE EOT {n} is not a status request")


@dataclass
class Connection:
    """One client connection as the server saw it.

    Attributes:
        raw: every byte received, in order (status requests included).
        status_requests: the ``n`` of each DLE EOT n received, in order (answered or not).
        closed: the connection has ended (either side).
        dropped: the server cut it on purpose (:meth:`TcpPrinter.drop_after`).
    """

    raw: bytearray = field(default_factory=bytearray)
    status_requests: list[int] = field(default_factory=list)
    closed: bool = False
    dropped: bool = False

    def payload(self) -> bytes:
        """``raw`` without the status requests at its start and end: the job's bytes.

        (A job that itself ended in a DLE EOT request would lose it; receipts end with a cut.)
        """
        data = bytes(self.raw)
        while len(data) >= 3 and data[:2] == DLE_EOT and 1 <= data[2] <= 4:
            data = data[3:]
        while len(data) >= 3 and data[-3:-1] == DLE_EOT and 1 <= data[-1] <= 4:
            data = data[:-3]
        return data

    def snapshot(self) -> Connection:
        """A copy that no longer changes."""
        return Connection(
            bytearray(self.raw), list(self.status_requests), self.closed, self.dropped
        )


class _Client:
    def __init__(self, sock: socket.socket, record: Connection) -> None:
        self.sock = sock
        self.record = record
        self.tail = b""  # an incomplete DLE EOT at the end of the last chunk
        self.answered = 0  # status requests answered on this connection


def _has_whole_job(record: Connection) -> bool:
    """Whether the connection received a paper cut and its parameter byte."""
    at = record.raw.find(CUT)
    return at >= 0 and len(record.raw) > at + len(CUT)


class TcpPrinter:
    """The capture server. Use as a context manager or call :meth:`start` / :meth:`stop`.

    Attributes:
        host: always 127.0.0.1.
        port: chosen by the OS on the first start, then kept across restarts.
    """

    def __init__(self, port: int = 0) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self._cond = threading.Condition()
        self._state = PaperState.READY
        self._connections: list[Connection] = []
        self._drop_after: int | None = None
        self._close_after_job = False
        self._status_answers: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._listener: socket.socket | None = None

    # -- control

    def start(self) -> None:
        """Starts listening (again, on the same port after :meth:`stop`)."""
        if self._thread is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(8)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="tcp-printer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops listening and closes every open connection (connections are then refused)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(5)
        assert not thread.is_alive(), "capture server thread did not stop"

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> TcpPrinter:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def state(self) -> PaperState:
        """What status requests are answered with."""
        with self._cond:
            return self._state

    @state.setter
    def state(self, value: PaperState) -> None:
        with self._cond:
            self._state = value

    def drop_after(self, n: int) -> None:
        """Cuts the next connection that reaches ``n`` received bytes, keeping exactly ``n``.

        One-shot: later connections are not cut.
        """
        with self._cond:
            self._drop_after = n

    def close_after_job(self, on: bool = True) -> None:
        """Closes every connection as soon as a whole job (through its paper cut) arrived,
        without answering anything that came with it (printers that take one job per
        connection)."""
        with self._cond:
            self._close_after_job = on

    def answer_status(self, limit: int | None) -> None:
        """Answers only the first ``limit`` status requests of each connection (None: all);
        later ones are swallowed, so the client's status read times out."""
        with self._cond:
            self._status_answers = limit

    # -- what was received

    @property
    def connections(self) -> list[Connection]:
        """Snapshots of every connection so far, oldest first."""
        with self._cond:
            return [c.snapshot() for c in self._connections]

    @property
    def received(self) -> bytes:
        """Every byte received on every connection, in connection order."""
        with self._cond:
            return b"".join(bytes(c.raw) for c in self._connections)

    def payloads(self) -> list[bytes]:
        """The non-empty :meth:`Connection.payload` of each connection (the jobs)."""
        return [p for p in (c.payload() for c in self.connections) if p]

    def wait_for(self, predicate: Callable[[TcpPrinter], bool], timeout: float = 5.0) -> bool:
        """Waits until ``predicate(self)`` holds (checked on every received chunk)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    # -- the loop

    def _serve(self) -> None:
        listener = self._listener
        assert listener is not None
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ, None)
        clients: list[_Client] = []
        try:
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.02):
                    if key.data is None:
                        self._accept(listener, selector, clients)
                    else:
                        self._read(key.data, selector, clients)
        finally:
            for client in clients:
                self._close(client, selector, clients=None)
            selector.unregister(listener)
            listener.close()
            selector.close()
            with self._cond:
                self._cond.notify_all()

    def _accept(
        self, listener: socket.socket, selector: selectors.BaseSelector, clients: list[_Client]
    ) -> None:
        try:
            sock, _ = listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(False)
        record = Connection()
        with self._cond:
            self._connections.append(record)
            self._cond.notify_all()
        client = _Client(sock, record)
        clients.append(client)
        selector.register(sock, selectors.EVENT_READ, client)

    def _read(
        self, client: _Client, selector: selectors.BaseSelector, clients: list[_Client]
    ) -> None:
        try:
            chunk = client.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close(client, selector, clients)
            return
        drop = False
        with self._cond:
            limit = self._drop_after
            if limit is not None and len(client.record.raw) + len(chunk) >= limit:
                chunk = chunk[: max(0, limit - len(client.record.raw))]
                self._drop_after = None
                drop = True
            client.record.raw.extend(chunk)
            answers = self._answer(client, chunk)
            if self._close_after_job and _has_whole_job(client.record):
                answers = b""
                drop = True
            if drop:
                client.record.dropped = True
            self._cond.notify_all()
        if drop:
            self._close(client, selector, clients)
            return
        if answers:
            try:
                client.sock.sendall(answers)
            except OSError:
                self._close(client, selector, clients)

    def _answer(self, client: _Client, chunk: bytes) -> bytes:
        """Answers every complete DLE EOT n; keeps a split one for the next chunk."""
        data = client.tail + chunk
        out = bytearray()
        i = 0
        while i < len(data):
            if data[i] == 0x10:
                if i + 1 >= len(data):
                    break
                if data[i + 1] == 0x04:
                    if i + 2 >= len(data):
                        break
                    n = data[i + 2]
                    if 1 <= n <= 4:
                        limit = self._status_answers
                        if limit is None or client.answered < limit:
                            out.append(status_byte(self._state, n))
                            client.answered += 1
                        client.record.status_requests.append(n)
                        i += 3
                        continue
            i += 1
        client.tail = data[i:]
        return bytes(out)

    def _close(
        self,
        client: _Client,
        selector: selectors.BaseSelector,
        clients: list[_Client] | None,
    ) -> None:
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(client.sock)
        client.sock.close()
        if clients is not None and client in clients:
            clients.remove(client)
        with self._cond:
            client.record.closed = True
            self._cond.notify_all()
