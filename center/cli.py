"""The ``center`` command line: serve the API, manage terminals.

    python -m center.cli serve [--host 127.0.0.1] [--port 8443] [--tls-cert F --tls-key F]
                               [--data-dir D] [--terminals F] [--workers N]
    python -m center.cli terminal add ID      # prints the new token once
    python -m center.cli terminal list | remove ID | disable ID | enable ID

The data directory (``--data-dir``, ``$CENTER_DATA_DIR``, else ``var/center``) holds the
SQLite store (seeded with the demo data on first start) and ``terminals.json`` (token
hashes). Serving on anything but a loopback address needs TLS.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from center.app import build_app, default_data_dir
from center.auth import TerminalRegistry
from center.fleet.cli import add_fleet_commands
from center.points.cli import add_points_commands


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    tsub = term.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = tsub.add_parser("add", help="register a terminal and print its new token")
    add.add_argument("terminal_id")
    add.set_defaults(func=cmd_terminal_add)
    lst = tsub.add_parser("list", help="registered terminals")
    lst.set_defaults(func=cmd_terminal_list)
    for name, func in (
        ("remove", cmd_terminal_remove),
        ("disable", cmd_terminal_disable),
        ("enable", cmd_terminal_enable),
    ):
        p = tsub.add_parser(name, help=f"{name} a terminal")
        p.add_argument("terminal_id")
        p.set_defaults(func=func)
    add_points_commands(sub)
    add_fleet_commands(sub)
    return parser


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    data_dir: Path = args.data_dir or default_data_dir()
    terminals: Path = args.terminals or data_dir / "terminals.json"
    return data_dir, terminals


def cmd_serve(args: argparse.Namespace) -> int:
    """Runs uvicorn until interrupted."""
    import uvicorn

    if bool(args.tls_cert) != bool(args.tls_key):
        print("--tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    if not args.tls_cert and not _loopback(args.host):
        print("serving beyond loopback needs --tls-cert and --tls-key", file=sys.stderr)
        return 2
    data_dir, terminals = _paths(args)
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
        os.environ["CENTER_TERMINALS"] = str(terminals)
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


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket (IPPROTO_TCP named, inheritable) for worker processes to share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def cmd_terminal_add(args: argparse.Namespace) -> int:
    """Registers a terminal; prints its token once (put it in the kiosk's site file)."""
    _, terminals = _paths(args)
    token = TerminalRegistry(terminals).add(args.terminal_id)
    print(token)
    return 0


def cmd_terminal_list(args: argparse.Namespace) -> int:
    """Prints the registered terminals."""
    _, terminals = _paths(args)
    for e in TerminalRegistry(terminals).entries():
        print(f"{e.terminal_id}\t{'enabled' if e.enabled else 'disabled'}\t{e.added}")
    return 0


def cmd_terminal_remove(args: argparse.Namespace) -> int:
    """Forgets a terminal."""
    _, terminals = _paths(args)
    TerminalRegistry(terminals).remove(args.terminal_id)
    return 0


def cmd_terminal_disable(args: argparse.Namespace) -> int:
    """Disables a terminal."""
    _, terminals = _paths(args)
    TerminalRegistry(terminals).set_enabled(args.terminal_id, False)
    return 0


def cmd_terminal_enable(args: argparse.Namespace) -> int:
    """Enables a terminal."""
    _, terminals = _paths(args)
    TerminalRegistry(terminals).set_enabled(args.terminal_id, True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``center`` command."""
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except KeyError as e:
        print(f"no such terminal: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
