"""The ``center applications`` commands: staff work on resident-ID applications.

    center applications list [--status S] [--limit N]      newest first, masked
    center applications show NO [--unmasked] [--photo-out F.jpg]
    center applications accept NO
    center applications return NO --reason TEXT          the resident sees the reason
    center applications produce NO
    center applications ready NO [--place TEXT]          where to collect it
    center applications collected NO
    center applications audit [NO]                       who did what, when
    center applications purge                            delete what is past its retention

Every command takes ``--as ACCOUNT`` (default ``$USER``): the account the audit records for
each action, each unmasked read and each photo written out. They work on the center's data
directory (``--data-dir``, ``$CENTER_DATA_DIR``, else ``var/center``). Exit codes: 0 done,
1 refused (unknown number, an action that does not follow from the status), 2 bad input.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from center.applications.store import ACTIONS, ApplicationStore, open_center_applications
from center.data_dir import data_dir_of
from kiosk.application.model import BUSINESS, PICKUP, STATUSES
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.service_errors import ServiceError

StoreCommand = Callable[[argparse.Namespace, ApplicationStore], int]


def default_account() -> str:
    """``$USER``, else the login name, else ``unknown``."""
    try:
        return os.environ.get("USER") or getpass.getuser() or "unknown"
    except OSError:
        return "unknown"


def add_applications_commands(sub: Any) -> None:
    """Adds ``applications`` to the center's subcommands (``sub`` is the ``argparse``
    subparsers object of ``center``)."""
    apps = sub.add_parser("applications", help="resident-ID applications (户籍自助办理)")
    asub = apps.add_subparsers(dest="action", required=True, metavar="ACTION")

    def parser(name: str, help_text: str, command: StoreCommand) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = asub.add_parser(name, help=help_text)
        p.add_argument(
            "--as",
            dest="account",
            default=default_account(),
            help="the account the audit records (default $USER)",
        )
        p.set_defaults(func=_store_command(command))
        return p

    p = parser("list", "applications, newest first (masked)", cmd_list)
    p.add_argument("--status", choices=list(STATUSES))
    p.add_argument("--limit", type=int, default=200)
    p = parser("show", "one application (masked unless --unmasked)", cmd_show)
    p.add_argument("application_no")
    p.add_argument("--unmasked", action="store_true", help="personal fields in clear (audited)")
    p.add_argument("--photo-out", type=Path, help="write the photo here (audited)")
    for action, help_text in (
        ("accept", "accept a submitted application (受理)"),
        ("produce", "the card goes into production (制证)"),
        ("collected", "the resident collected the card (领取)"),
    ):
        p = parser(action, help_text, cmd_action)
        p.add_argument("application_no")
    p = parser("return", "return an application with the reason the resident sees", cmd_action)
    p.add_argument("application_no")
    p.add_argument("--reason", required=True)
    p = parser("ready", "the card is ready for pickup", cmd_action)
    p.add_argument("application_no")
    p.add_argument("--place", default="", help="where to collect it (shown to the resident)")
    p = parser("audit", "the audited actions (of one application, or all)", cmd_audit)
    p.add_argument("application_no", nargs="?")
    parser("purge", "delete personal data past its retention", cmd_purge)


def _store_command(command: StoreCommand) -> Callable[[argparse.Namespace], int]:
    """Opens the store, runs the command, maps refusals to exit codes, closes."""

    def run(args: argparse.Namespace) -> int:
        if not str(args.account).strip():
            print("--as needs an account", file=sys.stderr)
            return 2
        data_dir = data_dir_of(args)
        data_dir.mkdir(parents=True, exist_ok=True)
        store = open_center_applications(data_dir)
        try:
            return command(args, store)
        except ServiceError as e:
            print(f"refused: {e.code}: {e}", file=sys.stderr)
            return 1
        finally:
            store.close()

    run.__doc__ = command.__doc__
    return run


def cmd_list(args: argparse.Namespace, store: ApplicationStore) -> int:
    """Number, status, business, pickup, received, masked name and ID number."""
    rows = store.list_applications(args.status, limit=args.limit)
    for r in rows:
        business = BUSINESS.get(r.business, r.business)
        print(
            f"{r.application_no}\t{STATUSES[r.status]}({r.status})\t{business}"
            f"\t{PICKUP.get(r.pickup, r.pickup)}\t{r.received_at:%Y-%m-%d %H:%M}Z"
            f"\t{r.name_masked}\t{r.id_masked}"
        )
    print(f"{len(rows)} application(s)", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, store: ApplicationStore) -> int:
    """Every field (masked unless ``--unmasked``), the audit trail, the photo if asked."""
    d = store.show(args.application_no, unmasked=args.unmasked, account=args.account)
    print(f"application_no\t{d.application_no}")
    print(f"status\t{STATUSES.get(d.status, d.status)} ({d.status})")
    if d.reason:
        print(f"reason\t{d.reason}")
    print(f"business\t{BUSINESS.get(d.business, d.business)} ({d.business})")
    place = f" {d.pickup_place}" if d.pickup_place else ""
    print(f"pickup\t{PICKUP.get(d.pickup, d.pickup)}{place}")
    print(f"fee_yuan\t{d.fee_yuan}")
    print(f"terminal\t{d.terminal}")
    print(f"submitted_at\t{d.submitted_at}")
    print(f"received_at\t{d.received_at.isoformat()}")
    print(f"updated_at\t{d.updated_at.isoformat()}")
    if d.final_at is not None:
        print(f"final_at\t{d.final_at.isoformat()}")
    print(f"photo\t{d.photo_size} bytes, sha256 {d.photo_sha256}")
    if d.purged:
        print("personal\t(deleted after the retention)")
    for name, value in d.personal.items():
        print(f"{name}\t{value}")
    if args.photo_out is not None:
        jpeg = store.photo(args.application_no, account=args.account)
        if jpeg is None:
            print("the photo has been deleted", file=sys.stderr)
            return 1
        write_atomic(args.photo_out, jpeg)
        args.photo_out.chmod(0o600)
        print(f"photo written to {args.photo_out}", file=sys.stderr)
    return 0


def cmd_action(args: argparse.Namespace, store: ApplicationStore) -> int:
    """One staff action (``args.action``), audited as ``--as``."""
    assert args.action in ACTIONS
    status = store.act(
        args.application_no,
        args.action,
        account=args.account,
        reason=getattr(args, "reason", ""),
        place=getattr(args, "place", ""),
    )
    print(f"{status.application_no}\t{STATUSES[status.status]} ({status.status})")
    return 0


def cmd_audit(args: argparse.Namespace, store: ApplicationStore) -> int:
    """When, who, what, which application, and the reason or place."""
    for e in store.audit_trail(args.application_no):
        print(f"{e.at.isoformat()}\t{e.account}\t{e.action}\t{e.application_no}\t{e.detail}")
    return 0


def cmd_purge(args: argparse.Namespace, store: ApplicationStore) -> int:
    """Deletes the personal data of applications final for longer than the retention."""
    print(f"purged {store.purge()} application(s)")
    return 0
