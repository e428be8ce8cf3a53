"""The ``kiosk`` console script: the core commands plus those that need Qt."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from kiosk import cli as core_cli


def _add_ui_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the kiosk (fullscreen)")
    run.add_argument("--windowed", action="store_true", help="a normal window (development)")
    run.add_argument("--size", default="", help="window size WxH, e.g. 1080x1920")
    run.add_argument("--quit-after", type=float, default=0.0, help=argparse.SUPPRESS)
    run.add_argument("--screenshot", default="", help=argparse.SUPPRESS)
    run.add_argument("--report-first-paint", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=_cmd_run)
    tour = sub.add_parser(
        "tour", help="save a PNG of every screen (offscreen unless a display is set)"
    )
    tour.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    tour.add_argument("--landscape", action="store_true", help="1920x1080 instead of 1080x1920")
    tour.set_defaults(func=_cmd_tour)
    audit = sub.add_parser(
        "audit", help="accessibility audit of every tour screen; 1 on a violation"
    )
    audit.add_argument("--json", action="store_true", help="a JSON summary as the last line")
    audit.add_argument(
        "--known",
        type=Path,
        help="violations already known (one key a line): only others give exit 1",
    )
    audit.add_argument("--portrait-only", action="store_true", help=argparse.SUPPRESS)
    audit.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    audit.set_defaults(func=_cmd_audit)


def _cmd_run(args: argparse.Namespace) -> int:
    from ui.shell.app import run_app

    return run_app(args)


def _cmd_tour(args: argparse.Namespace) -> int:
    from ui.tour import cmd_tour  # the tour's imports are not the kiosk's start-up's

    return cmd_tour(args)


def _cmd_audit(args: argparse.Namespace) -> int:
    from ui.audit import cmd_audit  # Qt is imported only when the audit runs

    return cmd_audit(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kiosk`` command."""
    return core_cli.main(argv, extra=_add_ui_commands)


if __name__ == "__main__":
    raise SystemExit(main())
