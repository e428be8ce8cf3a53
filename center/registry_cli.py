"""The commands that manage a registry of callers (:class:`~center.auth.TerminalRegistry`):
``center terminal ...`` for kiosks, ``center fleet operator ...`` for operators, in the
center's database (``--terminals FILE`` names a JSON registry instead, for terminals)::

    add ID        register (or re-key); prints the new token once
    list          ids, enabled or disabled, when added
    remove ID | disable ID | enable ID

An unknown id exits 1, a malformed one 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from center.auth import TerminalRegistry, open_callers
from center.data_dir import data_dir_of
from center.database import open_engine

RegistryOpener = Callable[[argparse.Namespace], AbstractContextManager[TerminalRegistry]]
"""Opens a command line's registry for the time of a command."""


def callers_of(kind: str) -> RegistryOpener:
    """The registry of ``kind`` (``terminal``, ``operator``) in the center's database, or
    for terminals the JSON file ``--terminals`` names."""

    @contextmanager
    def opened(args: argparse.Namespace) -> Iterator[TerminalRegistry]:
        if kind == "terminal" and getattr(args, "terminals", None):
            yield TerminalRegistry(args.terminals)
            return
        data_dir = data_dir_of(args)
        engine = open_engine(data_dir)
        try:
            registry = open_callers(engine, data_dir, kind)
            try:
                yield registry
            finally:
                registry.close()
        finally:
            engine.close()

    return opened


def add_registry_commands(
    parser: argparse.ArgumentParser, noun: str, registry: RegistryOpener, *, dest: str
) -> None:
    """Adds ``add``, ``list``, ``remove``, ``disable`` and ``enable`` under ``parser`` for
    the registry ``registry(args)`` opens (:func:`callers_of`); ``noun`` names its entries
    in help and errors; ``dest`` is the attribute the chosen action goes to."""

    def add(args: argparse.Namespace) -> int:
        """Registers the caller; prints its token once (it is kept nowhere)."""
        with registry(args) as callers:
            print(callers.add(args.caller_id))
        return 0

    def entries(args: argparse.Namespace) -> int:
        """Prints the registered callers."""
        with registry(args) as callers:
            for e in callers.entries():
                print(f"{e.terminal_id}\t{'enabled' if e.enabled else 'disabled'}\t{e.added}")
        return 0

    def change(action: Callable[[TerminalRegistry, str], None]) -> Callable[..., int]:
        def run(args: argparse.Namespace) -> int:
            try:
                with registry(args) as callers:
                    action(callers, args.caller_id)
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
