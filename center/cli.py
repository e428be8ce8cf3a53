"""The ``center`` command line: serve the API, manage terminals.

    python -m center.cli serve [--host 127.0.0.1] [--port 8443] [--tls-cert F --tls-key F]
                               [--data-dir D] [--terminals F] [--workers N]
    python -m center.cli terminal add ID      # prints the new token once
    python -m center.cli terminal list | remove ID | disable ID | enable ID

The data directory (``--data-dir``, ``$CENTER_DATA_DIR``, else ``var/center``) holds the
settings, the TUF repository and, by default, the SQLite stores (seeded with the demo data on
first start); ``database.toml`` may put the stores on PostgreSQL instead, shared by several
``center serve`` processes (:mod:`center.database`). Terminals' token hashes are in the
database (``--terminals F``: a JSON registry instead). Serving on anything but a loopback
address needs TLS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from center.app import build_app
from center.applications.cli import add_applications_commands
from center.data_dir import data_dir_of
from center.fleet.cli import add_fleet_commands
from center.points.cli import add_points_commands
from center.registry_cli import add_registry_commands, callers_of
from center.report.cli import add_report_commands
from center.requests.cli import add_requests_commands
from center.staff.cli import add_staff_commands
from kiosk.platform.urls import is_loopback


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(prog="center", description="融治理中心 center server")
    parser.add_argument("--data-dir", type=Path, help="state directory ($CENTER_DATA_DIR)")
    parser.add_argument("--terminals", type=Path, help="terminal registry (default in data dir)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the HTTP API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain")
    serve.add_argument("--tls-key", type=Path, help="PEM private key")
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    term = sub.add_parser("terminal", help="register and manage terminals")
    add_registry_commands(term, "terminal", callers_of("terminal"), dest="action")
    add_points_commands(sub)
    add_fleet_commands(sub)
    add_applications_commands(sub)
    add_requests_commands(sub)
    add_report_commands(sub)
    add_staff_commands(sub)
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    """Runs uvicorn until interrupted."""
    import uvicorn

    if bool(args.tls_cert) != bool(args.tls_key):
        print("--tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if not args.tls_cert and not is_loopback(args.host):
        print("serving beyond loopback needs --tls-cert and --tls-key", file=sys.stderr)
        return 2
    data_dir, terminals = data_dir_of(args), args.terminals
    data_dir.mkdir(parents=True, exist_ok=True)
    # Built (and seeded) here even with workers, so they never race to create the store.
    app = build_app(data_dir, terminals)
    tls = {
        "ssl_certfile": str(args.tls_cert) if args.tls_cert else None,
        "ssl_keyfile": str(args.tls_key) if args.tls_key else None,
    }
    common = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": args.access_log,
        "timeout_graceful_shutdown": 5,
        **tls,
    }
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        os.environ["CENTER_DATA_DIR"] = str(data_dir)
        if terminals:
            os.environ["CENTER_TERMINALS"] = str(terminals)
        asyncio.run(_shut_down(app))  # the workers build their own; this one's stores close
        config = uvicorn.Config(
            "center.app:app_from_env", factory=True, workers=args.workers, **common
        )
        # Our own listening socket, not uvicorn's bind_socket(): that one is made with
        # proto 0, and asyncio then leaves Nagle on for accepted connections, so every
        # keep-alive answer waits ~40 ms for a delayed ACK.
        Multiprocess(config, sockets=[listening_socket(args.host, args.port)]).run()
    else:
        uvicorn.run(app, **common)
    return 0


async def _shut_down(app: Any) -> None:
    """Runs the app's lifespan to its end: every store and the database pool closed."""
    async with app.router.lifespan_context(app):
        pass


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket (IPPROTO_TCP named, inheritable) for worker processes to share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``center`` command."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
