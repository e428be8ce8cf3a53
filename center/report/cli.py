"""The ``center report`` command: the usage report for a range of days, as CSV.

    center report --from 2026-12-01 --to 2026-12-07 --out usage.csv

One row per day (see :mod:`center.report.figures` for the columns and where each comes
from), written atomically as UTF-8 with a BOM. It works on the center's data directory
(``--data-dir``, ``$CENTER_DATA_DIR``, else ``var/center``) and its database
(``database.toml``). Exit codes: 0 written, 2 bad input (dates, a range over a year).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

from center.data_dir import data_dir_of
from center.database import open_engine
from center.photo.store import open_center_photos
from center.points.store import open_center_ledger
from center.report.figures import usage_report, write_report_csv
from center.report.usage import open_usage_log
from center.requests.store import open_center_requests


def add_report_commands(sub: Any) -> None:
    """Adds ``report`` to the center's subcommands (``sub`` is the ``argparse`` subparsers
    object of ``center``)."""
    p = sub.add_parser("report", help="usage report: residents served, requests, vouchers...")
    p.add_argument("--from", dest="first", type=date.fromisoformat, required=True, metavar="D")
    p.add_argument("--to", dest="last", type=date.fromisoformat, required=True, metavar="D")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Writes the usage report of ``--from`` to ``--to`` (both included) to ``--out``."""
    if args.last < args.first:
        print("--to is before --from", file=sys.stderr)
        return 2
    data_dir = data_dir_of(args)
    data_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        engine = open_engine(data_dir)
        stack.callback(engine.close)
        usage = open_usage_log(engine)
        stack.callback(usage.close)
        requests = open_center_requests(data_dir, engine=engine)
        stack.callback(requests.close)
        ledger = open_center_ledger(data_dir, engine=engine)
        stack.callback(ledger.close)
        photos = open_center_photos(data_dir, engine=engine)
        stack.callback(photos.close)
        report = usage_report(
            args.first, args.last, usage=usage, requests=requests, ledger=ledger, photos=photos
        )
    days = write_report_csv(report, args.out)
    print(
        f"{days} day(s) written to {args.out}: {report.total('residents_served')} resident(s)"
        f" served, {report.total('requests_filed')} request(s) filed,"
        f" {report.total('requests_resolved')} resolved,"
        f" {report.total('vouchers_redeemed')} voucher(s) redeemed,"
        f" {report.total('photos_taken')} photo(s), {report.total('quiz_completions')} quiz(zes)",
        file=sys.stderr,
    )
    return 0
