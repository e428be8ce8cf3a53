"""The ``center requests`` commands: staff work on resident requests (您来点单 我来办).

    center requests list [--status S] [--overdue] [--category C] [--department D] [--limit N]
    center requests show CODE [--unmasked] [--photo-out F.jpg]
    center requests assign CODE --department D       (re)assign to a department
    center requests update CODE --note TEXT          a progress note the resident reads
    center requests close CODE --result TEXT         done: what was done
    center requests close CODE --reason TEXT         closed: why (nothing was done)
    center requests audit [CODE]                     who did what, when
    center requests report [--day YYYY-MM-DD]        one day's counts (default today)
    center requests purge                            delete what is past its retention

Every command takes ``--as ACCOUNT`` (default ``$USER``): the account the audit records for
each action, each unmasked read and each photo written out. They work on the center's data
directory (``--data-dir``, ``$CENTER_DATA_DIR``, else ``var/center``) and its database
(``database.toml``). Exit codes: 0 done, 1 refused (unknown code, an action after the
request is finished, a missing text), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from center.applications.cli import default_account
from center.data_dir import data_dir_of
from center.database import open_engine
from center.requests.store import RequestStore, open_center_requests
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.service_errors import ServiceError
from kiosk.requests.model import STATUSES

StoreCommand = Callable[[argparse.Namespace, RequestStore], int]


def add_requests_commands(sub: Any) -> None:
    """Adds ``requests`` to the center's subcommands (``sub`` is the ``argparse``
    subparsers object of ``center``)."""
    reqs = sub.add_parser("requests", help="resident requests (您来点单 我来办)")
    rsub = reqs.add_subparsers(dest="action", required=True, metavar="ACTION")

    def parser(name: str, help_text: str, command: StoreCommand) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = rsub.add_parser(name, help=help_text)
        p.add_argument(
            "--as",
            dest="account",
            default=default_account(),
            help="the account the audit records (default $USER)",
        )
        p.set_defaults(func=_store_command(command))
        return p

    p = parser("list", "requests, newest first (nothing personal)", cmd_list)
    p.add_argument("--status", choices=list(STATUSES))
    p.add_argument("--overdue", action="store_true", help="no response and past the promise")
    p.add_argument("--category")
    p.add_argument("--department")
    p.add_argument("--limit", type=int, default=200)
    p = parser("show", "one request (masked unless --unmasked)", cmd_show)
    p.add_argument("code")
    p.add_argument("--unmasked", action="store_true", help="description and mobile in clear")
    p.add_argument("--photo-out", type=Path, help="write the photo here (audited)")
    p = parser("assign", "assign (or reassign) a request to a department (派单)", cmd_assign)
    p.add_argument("code")
    p.add_argument("--department", required=True)
    p = parser("update", "a progress note the resident reads (办理中)", cmd_update)
    p.add_argument("code")
    p.add_argument("--note", required=True)
    p = parser("close", "finish a request: --result (办结) or --reason (关闭)", cmd_close)
    p.add_argument("code")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--result", help="what was done (the request is done)")
    how.add_argument("--reason", help="why it is closed without being done")
    p = parser("audit", "the audited actions (of one request, or all)", cmd_audit)
    p.add_argument("code", nargs="?")
    p = parser("report", "one day's counts by category, status and overdue", cmd_report)
    p.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    parser("purge", "delete personal data past its retention", cmd_purge)


def _store_command(command: StoreCommand) -> Callable[[argparse.Namespace], int]:
    """Opens the store, runs the command, maps refusals to exit codes, closes."""

    def run(args: argparse.Namespace) -> int:
        if not str(args.account).strip():
            print("--as needs an account", file=sys.stderr)
            return 2
        data_dir = data_dir_of(args)
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = open_engine(data_dir)
        try:
            store = open_center_requests(data_dir, engine=engine)
            try:
                return command(args, store)
            except ServiceError as e:
                print(f"refused: {e.code}: {e}", file=sys.stderr)
                return 1
            finally:
                store.close()
        finally:
            engine.close()

    run.__doc__ = command.__doc__
    return run


def _status(status: str) -> str:
    return f"{STATUSES.get(status, status)}({status})"


def _place(compound: str, building: str, unit: str) -> str:
    return f"{compound} {building}号楼" + (f"{unit}单元" if unit else "")


def _local(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def cmd_list(args: argparse.Namespace, store: RequestStore) -> int:
    """Code, status, category, department, place, received, due, flags."""
    rows = store.list_requests(
        args.status,
        overdue=args.overdue,
        category=args.category,
        department=args.department,
        limit=args.limit,
    )
    names = {c.id: c.name_zh for c in store.config.categories}
    compounds = {c.id: c.name for c in store.config.compounds}
    for r in rows:
        flags = [f for f, on in (("超时", r.overdue), ("有照片", r.has_photo)) if on]
        if r.callback:
            flags.append("需回电")
        place = _place(compounds.get(r.compound_id, r.compound_id), r.building, r.unit)
        print(
            f"{r.code}\t{_status(r.status)}\t{names.get(r.category, r.category)}"
            f"\t{r.department}\t{place}"
            f"\t{_local(r.received_at)}\t{_local(r.respond_by)}\t{','.join(flags)}"
        )
    print(f"{len(rows)} request(s)", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, store: RequestStore) -> int:
    """Every field (masked unless ``--unmasked``), the progress, the photo if asked."""
    d = store.show(args.code, unmasked=args.unmasked, account=args.account)
    category = next((c.name_zh for c in store.config.categories if c.id == d.category), "")
    print(f"code\t{d.code}")
    print(f"status\t{_status(d.status)}")
    print(f"category\t{category} ({d.category})")
    print(f"department\t{d.department}")
    print(f"place\t{_place(d.compound_name or d.compound_id, d.building, d.unit)}")
    print(f"terminal\t{d.terminal}")
    print(f"submitted_at\t{d.submitted_at.isoformat()}")
    print(f"received_at\t{d.received_at.isoformat()}")
    print(f"respond_by\t{d.respond_by.isoformat()} ({d.promised_hours} h)")
    if d.response_hours is not None:
        late = " (late)" if d.late else ""
        print(f"first_response\t{d.response_hours:.1f} h{late}")
    elif d.overdue:
        print("first_response\tnone yet: OVERDUE")
    if d.result:
        print(f"result\t{d.result}")
    if d.satisfied is not None:
        print(f"satisfied\t{'yes' if d.satisfied else 'no'}")
    print(f"callback\t{'yes' if d.callback else 'no'}")
    if d.purged:
        print("personal\t(deleted after the retention)")
    else:
        print(f"mobile\t{d.mobile}")
        print(f"description\t{d.description}")
    if d.photo_sha256:
        print(f"photo\t{d.photo_size} bytes, sha256 {d.photo_sha256}")
    for step in d.steps:
        print(f"step\t{step.at}\t{_status(step.status)}\t{step.text}")
    if args.photo_out is not None:
        jpeg = store.photo(args.code, account=args.account)
        if jpeg is None:
            print("the request has no photo (or it has been deleted)", file=sys.stderr)
            return 1
        write_atomic(args.photo_out, jpeg)
        args.photo_out.chmod(0o600)
        print(f"photo written to {args.photo_out}", file=sys.stderr)
    return 0


def _print_status(code: str, status: str, department: str) -> int:
    print(f"{code}\t{_status(status)}\t{department}")
    return 0


def cmd_assign(args: argparse.Namespace, store: RequestStore) -> int:
    """Assigns the request to ``--department``."""
    s = store.assign(args.code, department=args.department, account=args.account)
    return _print_status(s.code, s.status, s.department)


def cmd_update(args: argparse.Namespace, store: RequestStore) -> int:
    """Notes progress (``--note``)."""
    s = store.update(args.code, note=args.note, account=args.account)
    return _print_status(s.code, s.status, s.department)


def cmd_close(args: argparse.Namespace, store: RequestStore) -> int:
    """Done with ``--result``, or closed with ``--reason``."""
    if args.result is not None:
        s = store.resolve(args.code, result=args.result, account=args.account)
    else:
        s = store.close_request(args.code, reason=args.reason, account=args.account)
    return _print_status(s.code, s.status, s.department)


def cmd_audit(args: argparse.Namespace, store: RequestStore) -> int:
    """When, who, what, which request, and the text."""
    for e in store.audit_trail(args.code):
        print(f"{e.at.isoformat()}\t{e.account}\t{e.action}\t{e.code}\t{e.detail}")
    return 0


def cmd_report(args: argparse.Namespace, store: RequestStore) -> int:
    """Received by category and status (with overdue), finished, rated, overdue now."""
    day = args.day or datetime.now().date()
    report = store.daily_report(day)
    names = {c.id: c.name_zh for c in store.config.categories}
    print("category\tstatus\tcount\toverdue")
    for row in report.rows:
        print(
            f"{names.get(row.category, row.category)}\t{_status(row.status)}\t{row.count}"
            f"\t{row.overdue}"
        )
    print(f"received\t{report.received}")
    print(f"done\t{report.done}")
    print(f"closed\t{report.closed}")
    print(f"satisfied\t{report.satisfied}")
    print(f"unsatisfied\t{report.unsatisfied}")
    print(f"overdue_open\t{report.overdue_open}")
    return 0


def cmd_purge(args: argparse.Namespace, store: RequestStore) -> int:
    """Deletes the personal data of requests finished for longer than the retention."""
    print(f"purged {store.purge()} request(s)")
    return 0
