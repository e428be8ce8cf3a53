"""The ``kiosk`` console script: the core commands plus those that need Qt."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from kiosk import cli as core_cli


def _add_ui_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the kiosk (fullscreen)")
    run.add_argument("--windowed", action="store_true", help="a normal window (development)")
    run.add_argument("--size", default="", help="window size WxH, e.g. 1080x1920")
    run.add_argument("--quit-after", type=float, default=0.0, help=argparse.SUPPRESS)
    run.add_argument("--screenshot", default="", help=argparse.SUPPRESS)
    run.add_argument("--report-first-paint", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=_cmd_run)
    from ui.tour import add_tour_command

    add_tour_command(sub)


def _cmd_run(args: argparse.Namespace) -> int:
    from ui.shell.app import run_app

    return run_app(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` command."""
    return core_cli.main(argv, extra=_add_ui_commands)


if __name__ == "__main__":
    raise SystemExit(main())
