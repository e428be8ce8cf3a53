"""The ``center staff`` commands: console accounts.

    center staff add NAME --role operator|staff|auditor [--password-stdin]
    center staff password NAME [--password-stdin]   # a new password; lifts a lockout
    center staff disable NAME                       # no sign-in; open sessions end
    center staff enable NAME
    center staff list

Without ``--password-stdin`` the password is asked for twice (not echoed); with it, the first
line of standard input is the password (for scripts: ``printf '%s\\n' "$PW" | ...``). Each
command is recorded in the audit log as ``cli:<user>``. Exit codes: 0 done, 1 refused (the
account exists, or does not), 2 bad input.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from center.data_dir import data_dir_of
from center.staff.audit import open_audit_log
from center.staff.model import Role, check_password
from center.staff.store import AccountExists, StaffStore, UnknownAccount, open_staff_store


def add_staff_commands(sub: Any) -> None:
    """Adds ``staff`` to the center's subcommands (``sub`` is ``add_subparsers()``)."""
    staff = sub.add_parser("staff", help="console accounts: add, disable, list")
    ssub = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = ssub.add_parser("add", help="add an account")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_add)
    p = ssub.add_parser("password", help="set a new password (lifts a lockout)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_password)
    p = ssub.add_parser("disable", help="stop an account signing in; end its sessions")
    p.add_argument("name")
    p.set_defaults(func=cmd_disable)
    p = ssub.add_parser("enable", help="let a disabled account sign in again")
    p.add_argument("name")
    p.set_defaults(func=cmd_enable)
    p = ssub.add_parser("list", help="every account: role, state, last sign-in")
    p.set_defaults(func=cmd_list)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ValueError("the two passwords differ")
    return check_password(password)


def _cli_account() -> str:
    """``cli:<who ran it>`` (the sudo caller, else the login name)."""
    try:
        user = os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no name for this uid
        user = f"uid{os.getuid()}"
    return f"cli:{user}"


def _audit(args: argparse.Namespace, action: str, subject: str, detail: str = "") -> None:
    log = open_audit_log(data_dir_of(args))
    try:
        log.record(
            _cli_account(), action, role="cli", client="local", subject=subject, detail=detail
        )
    finally:
        log.close()


def _store(args: argparse.Namespace) -> StaffStore:
    data_dir = data_dir_of(args)
    data_dir.mkdir(parents=True, exist_ok=True)
    return open_staff_store(data_dir)


def cmd_add(args: argparse.Namespace) -> int:
    """Adds an account."""
    password = _read_password(args)
    store = _store(args)
    try:
        account = store.add(args.name, Role(args.role), password)
    except AccountExists as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    _audit(args, "staff.add", account.name, f"role {account.role.value}")
    print(f"added {account.name} ({account.role.value})")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    """Sets a new password."""
    password = _read_password(args)
    return _change(args, "staff.password", lambda s: s.set_password(args.name, password))


def cmd_disable(args: argparse.Namespace) -> int:
    """Disables an account."""
    return _change(args, "staff.disable", lambda s: s.set_enabled(args.name, False))


def cmd_enable(args: argparse.Namespace) -> int:
    """Enables an account."""
    return _change(args, "staff.enable", lambda s: s.set_enabled(args.name, True))


def _change(args: argparse.Namespace, action: str, change: Any) -> int:
    store = _store(args)
    try:
        account = change(store)
    except UnknownAccount as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    _audit(args, action, account.name)
    state = "enabled" if account.enabled else "disabled"
    print(f"{account.name} ({account.role.value}): {state}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Prints every account."""
    store = _store(args)
    try:
        now = store.now()
        for a in store.accounts():
            state = "enabled" if a.enabled else "disabled"
            if a.locked_at(now):
                assert a.locked_until is not None
                state += f", locked until {a.locked_until.isoformat(timespec='seconds')}"
            last = a.last_signin_at.isoformat(timespec="seconds") if a.last_signin_at else "never"
            print(f"{a.name}\t{a.role.value}\t{state}\tlast sign-in {last}")
    finally:
        store.close()
    return 0
