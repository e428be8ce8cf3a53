"""The commands that manage a registry of callers (:class:`~center.auth.TerminalRegistry`):
``center terminal ...`` for kiosks, ``center fleet operator ...`` for operators::

    add ID        register (or re-key); prints the new token once
    list          ids, enabled or disabled, when added
    remove ID | disable ID | enable ID

An unknown id exits 1, a malformed one 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from center.auth import TerminalRegistry

RegistryPath = Callable[[argparse.Namespace], Path]
"""Where a command line's registry file is."""


def add_registry_commands(
    parser: argparse.ArgumentParser, noun: str, registry_path: RegistryPath, *, dest: str
) -> None:
    """Adds ``add``, ``list``, ``remove``, ``disable`` and ``enable`` under ``parser`` for
    the registry at ``registry_path(args)``; ``noun`` names its entries in help and errors;
    ``dest`` is the attribute the chosen action goes to."""

    def registry(args: argparse.Namespace) -> TerminalRegistry:
        return TerminalRegistry(registry_path(args))

    def add(args: argparse.Namespace) -> int:
        """Registers the caller; prints its token once (it is kept nowhere)."""
        print(registry(args).add(args.caller_id))
        return 0

    def entries(args: argparse.Namespace) -> int:
        """Prints the registered callers."""
        for e in registry(args).entries():
            print(f"{e.terminal_id}\t{'enabled' if e.enabled else 'disabled'}\t{e.added}")
        return 0

    def change(action: Callable[[TerminalRegistry, str], None]) -> Callable[..., int]:
        def run(args: argparse.Namespace) -> int:
            try:
                action(registry(args), args.caller_id)
            except KeyError as e:
                print(f"no such {noun}: {e}", file=sys.stderr)
                return 1
            return 0

        return run

    sub = parser.add_subparsers(dest=dest, required=True, metavar="ACTION")
    p = sub.add_parser("add", help=f"register a {noun} and print its new token (once)")
    p.add_argument("caller_id", metavar="ID")
    p.set_defaults(func=add)
    sub.add_parser("list", help=f"registered {noun}s").set_defaults(func=entries)
    for name, action in (
        ("remove", TerminalRegistry.remove),
        ("disable", lambda r, caller: r.set_enabled(caller, False)),
        ("enable", lambda r, caller: r.set_enabled(caller, True)),
    ):
        p = sub.add_parser(name, help=f"{name} a {noun}")
        p.add_argument("caller_id", metavar="ID")
        p.set_defaults(func=change(action))
