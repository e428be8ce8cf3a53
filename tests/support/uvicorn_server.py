"""Run a real uvicorn server on 127.0.0.1 for tests, optionally with TLS, and stop it cleanly.

:class:`UvicornThread` serves any ASGI app (the real center, or a small fault app) from a
thread on a socket bound here to a free port, so there is no race for the port. Leaving the
``with`` block asks uvicorn to exit and joins the thread.

:func:`make_tls_material` creates, at test time, a CA and a server certificate for
127.0.0.1/localhost with ``cryptography`` (never committed), and :class:`SilentServer` is a
socket that accepts connections and never answers (for timeout tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"


def free_socket() -> socket.socket:
    """A listening-ready TCP socket bound to a free port on 127.0.0.1.

    The protocol must be named: asyncio sets TCP_NODELAY on accepted connections only when
    the listening socket's ``proto`` is IPPROTO_TCP; with 0, every keep-alive answer waits
    about 40 ms for a delayed ACK (Nagle).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    return sock


class UvicornThread:
    """A uvicorn server in a thread of this process.

    Attributes:
        port: the bound port.
        url: ``http(s)://127.0.0.1:<port>``.
    """

    def __init__(
        self,
        app: Any,
        *,
        ssl_certfile: Path | None = None,
        ssl_keyfile: Path | None = None,
        name: str = "uvicorn-test",
        start_timeout_s: float = 10.0,
    ) -> None:
        self._sock = free_socket()
        self.port: int = self._sock.getsockname()[1]
        scheme = "https" if ssl_certfile else "http"
        self.url = f"{scheme}://{HOST}:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=5,
            ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
            ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        )
        self.server = uvicorn.Server(config)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._start_timeout_s = start_timeout_s

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self._sock])
        except BaseException as e:  # SystemExit on a failed lifespan start, too
            self._error = e

    def start(self) -> UvicornThread:
        """Starts serving; returns once uvicorn accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"uvicorn did not start: {self._error!r}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Asks uvicorn to exit and joins its thread (forcing the exit if it lingers)."""
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        if self._thread.is_alive():
            self.server.force_exit = True
            self._thread.join(timeout=5.0)
        with contextlib.suppress(OSError):
            self._sock.close()
        if self._thread.is_alive():
            raise RuntimeError("uvicorn did not stop")

    def __enter__(self) -> UvicornThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class SilentServer:
    """Accepts TCP connections and never sends a byte: a center that hangs.

    Connections are kept open until :meth:`stop`, so a client sees a read timeout, not a
    reset. Bounded: the accept loop polls and ends on stop.
    """

    def __init__(self) -> None:
        self._sock = free_socket()
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="silent-server", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stops accepting and closes every held connection."""
        self._stop.set()
        self._thread.join(timeout=5.0)
        for conn in self._held:
            conn.close()
        self._sock.close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connections are refused)."""
    sock = free_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


@dataclass(frozen=True)
class TlsMaterial:
    """PEM files made for one test run.

    Attributes:
        ca_cert: the CA the client pins.
        server_cert, server_key: for 127.0.0.1 and localhost, signed by ``ca_cert``.
    """

    ca_cert: Path
    server_cert: Path
    server_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kiosk test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_tls_material(folder: Path, label: str = "center") -> TlsMaterial:
    """A fresh CA and a server certificate it signs, written as PEM files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{label} test CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} server"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = TlsMaterial(
        folder / f"{label}-ca.pem", folder / f"{label}-server.pem", folder / f"{label}-key.pem"
    )
    paths.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.server_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths.server_key.chmod(0o600)
    return paths


@dataclass
class RunningCenter:
    """The real center app served by uvicorn on 127.0.0.1, with one registered terminal.

    Attributes:
        url: base URL.
        terminal_id, token: the registered terminal's credentials.
        service: the center's local service (its ``store`` can change records).
        registry: the terminal registry (add or disable terminals).
        ca_file: the CA to pin when served with TLS.
    """

    url: str
    terminal_id: str
    token: str
    service: Any
    registry: Any
    ca_file: Path | None

    def config(self, **overrides: Any) -> Any:
        """A kiosk ``ServiceConfig`` for this center (``http`` back end)."""
        from kiosk.platform.backend_config import ServiceConfig

        values: dict[str, Any] = {
            "backend": "http",
            "base_url": self.url,
            "terminal_id": self.terminal_id,
            "token": self.token,
            "ca_file": str(self.ca_file) if self.ca_file else "",
            "connect_timeout_s": 2.0,
            "read_timeout_s": 5.0,
        }
        values.update(overrides)
        return ServiceConfig(**values)


@contextlib.contextmanager
def running_center(
    data_dir: Path,
    *,
    clock: Any = None,
    tls: TlsMaterial | None = None,
    terminal_id: str = "kiosk-test",
) -> Any:
    """Serves the center over ``data_dir/violations.sqlite3`` (seeded with the demo data if
    new) and yields a :class:`RunningCenter`; stops uvicorn on exit.
    """
    from center.app import create_app
    from center.auth import TerminalRegistry
    from kiosk.violations.local import LocalViolationService

    service = LocalViolationService.open_demo(data_dir / "violations.sqlite3", clock=clock)
    registry = TerminalRegistry(data_dir / "terminals.json")
    token = registry.add(terminal_id)
    app = create_app(service, registry)
    with UvicornThread(
        app,
        ssl_certfile=tls.server_cert if tls else None,
        ssl_keyfile=tls.server_key if tls else None,
        name="uvicorn-center",
    ) as server:
        yield RunningCenter(
            server.url, terminal_id, token, service, registry, tls.ca_cert if tls else None
        )
