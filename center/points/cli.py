"""The ``center members`` and ``center points`` commands (staff tools over the ledger).

    center members add ID NAME             register a member
    center members list                    ids, masked names, card numbers, balances
    center members keygen                  create the member-token key; print the public key
    center members card ID --out F.png [--new] [--valid-days N]
                                           a printable card with the member's QR token
    center points import FILE.csv --staff S [--dry-run]
    center points fulfil CODE --staff S    hand the goods over (核销)
    center points cancel CODE --staff S    return the points and the stock
    center points report --date D --out F.csv
    center points expire                   expire vouchers and points past their dates
    center points restock ITEM N
    center points adjust MEMBER N --staff S --reason R

They work on the center's data directory (``--data-dir``, ``$CENTER_DATA_DIR``, else
``var/center``) and its database (``database.toml``): ``points.sqlite3`` (the ledger, or
the ``points`` schema on PostgreSQL), ``points.toml`` (policy, optional),
``points/member-token-key.pem`` (the token signing key, 0600). Exit codes: 0 done, 1 refused
(unknown member, voucher already fulfilled, rejected import rows, ...), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from center.data_dir import data_dir_of
from center.database import open_engine
from center.points.store import open_center_ledger
from kiosk.framework.masking import mask_member_id
from kiosk.platform.service_errors import InvalidQuery, ServiceError
from kiosk.points.hours_import import import_hours, read_text
from kiosk.points.ledger import Ledger
from kiosk.points.model import Voucher, mask_name
from kiosk.points.report import write_report
from kiosk.points.tokens import TokenSigner
from kiosk.points.vouchers import normalize_code

TERMINAL = "center-cli"
KEY_FILE = Path("points") / "member-token-key.pem"


def signing_key_path(data_dir: Path) -> Path:
    """Where the center keeps the member-token signing key."""
    return data_dir / KEY_FILE


def add_points_commands(sub: Any) -> None:
    """Adds ``members`` and ``points`` to the center's subcommands (``sub`` is the
    ``argparse`` subparsers object of ``center``)."""
    members = sub.add_parser("members", help="volunteer-points members and their cards")
    msub = members.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = msub.add_parser("add", help="register a member")
    p.add_argument("member_id")
    p.add_argument("name")
    p.set_defaults(func=_ledger_command(cmd_members_add))
    p = msub.add_parser("list", help="members with masked names and balances")
    p.set_defaults(func=_ledger_command(cmd_members_list))
    p = msub.add_parser("keygen", help="create the token signing key; print its public key")
    p.set_defaults(func=cmd_members_keygen)
    p = msub.add_parser("card", help="make a printable card (PNG) with the member's QR token")
    p.add_argument("member_id")
    p.add_argument("--out", type=Path, required=True, help="PNG file to write")
    p.add_argument("--new", action="store_true", help="issue a new card; older cards stop")
    p.add_argument("--valid-days", type=int, default=365, help="card token lifetime")
    p.set_defaults(func=_ledger_command(cmd_members_card))

    points = sub.add_parser("points", help="volunteer points: import, fulfil, report")
    psub = points.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = psub.add_parser("import", help="import service hours from a CSV file")
    p.add_argument("file", type=Path)
    p.add_argument("--staff", required=True, help="who imports (recorded in the ledger)")
    p.add_argument("--dry-run", action="store_true", help="check the rows, write nothing")
    p.set_defaults(func=_ledger_command(cmd_points_import))
    for name, help_text, command in (
        ("fulfil", "hand the goods over for a voucher (核销)", cmd_points_fulfil),
        ("cancel", "cancel an open voucher (points and stock return)", cmd_points_cancel),
    ):
        p = psub.add_parser(name, help=help_text)
        p.add_argument("code")
        p.add_argument("--staff", required=True)
        p.set_defaults(func=_ledger_command(command))
    p = psub.add_parser("report", help="the day's redemption report as CSV")
    p.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (today)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_ledger_command(cmd_points_report))
    p = psub.add_parser("expire", help="expire vouchers and points past their dates")
    p.set_defaults(func=_ledger_command(cmd_points_expire))
    p = psub.add_parser("restock", help="add stock to an item")
    p.add_argument("item_id")
    p.add_argument("quantity", type=int)
    p.set_defaults(func=_ledger_command(cmd_points_restock))
    p = psub.add_parser("adjust", help="a staff correction of a member's points (+/-)")
    p.add_argument("member_id")
    p.add_argument("points", type=int)
    p.add_argument("--staff", required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(func=_ledger_command(cmd_points_adjust))


LedgerCommand = Callable[[argparse.Namespace, Ledger], int]


def _ledger_command(command: LedgerCommand) -> Callable[[argparse.Namespace], int]:
    """Opens the ledger, runs the command, maps service errors to exit codes, closes."""

    def run(args: argparse.Namespace) -> int:
        data_dir = data_dir_of(args)
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = open_engine(data_dir)
        try:
            ledger = open_center_ledger(data_dir, engine=engine)
            try:
                return command(args, ledger)
            except InvalidQuery as e:
                print(f"invalid: {e} ({e.field})", file=sys.stderr)
                return 2
            except ServiceError as e:
                print(f"refused: {e.code}: {e}", file=sys.stderr)
                return 1
            finally:
                ledger.close()
        finally:
            engine.close()

    run.__doc__ = command.__doc__
    return run


def _key() -> str:
    return f"cli-{uuid.uuid4().hex}"


def _voucher_line(v: Voucher) -> str:
    items = ", ".join(f"{line.name_zh} x{line.quantity}" for line in v.lines)
    return f"{v.code}\t{v.status.value}\t{mask_member_id(v.member_id)}\t{v.points}\t{items}"


def _code(text: str) -> str:
    code = normalize_code(text)
    if code is None:
        raise InvalidQuery("not a pickup code", field="code")
    return code


def cmd_members_add(args: argparse.Namespace, ledger: Ledger) -> int:
    """Registers a member."""
    ledger.add_member(args.member_id, args.name)
    print(f"added {mask_member_id(args.member_id)}")
    return 0


def cmd_members_list(args: argparse.Namespace, ledger: Ledger) -> int:
    """Prints the members (masked), their card numbers and balances."""
    for member_id, name, card_no, balance in ledger.members():
        print(
            f"{mask_member_id(member_id)}\t{mask_name(name)}\tcard {card_no}\t"
            f"{balance.available} available\t{balance.held} held"
        )
    return 0


def cmd_members_keygen(args: argparse.Namespace) -> int:
    """Creates the signing key if absent and prints the public key for kiosks."""
    path = signing_key_path(data_dir_of(args))
    existed = path.exists()
    signer = TokenSigner.load_or_create(path)
    print(signer.public_key_b64)
    print(
        f"{'kept the existing' if existed else 'created a new'} key in {path}; put the line "
        "above in the kiosks' configuration as points.token_public_key",
        file=sys.stderr,
    )
    return 0


def cmd_members_card(args: argparse.Namespace, ledger: Ledger) -> int:
    """Writes a printable card PNG with a signed ``card`` token for the member."""
    from kiosk.points.card import render_card

    if not 1 <= args.valid_days <= ledger.config.card_token_max_days:
        raise InvalidQuery(
            f"--valid-days must be 1-{ledger.config.card_token_max_days}", field="valid_days"
        )
    name, card_no = ledger.member_card(args.member_id)
    if args.new:
        card_no = ledger.new_card(args.member_id)
    signer = TokenSigner.load_or_create(signing_key_path(data_dir_of(args)))
    now = time.time()
    valid_s = args.valid_days * 86400
    token = signer.issue(args.member_id, now=now, kind="card", valid_s=valid_s, card_no=card_no)
    image = render_card(
        token,
        member_id=args.member_id,
        name=name,
        card_no=card_no,
        valid_until=datetime.fromtimestamp(now + valid_s),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.out)
    print(f"card {card_no} for {mask_member_id(args.member_id)} written to {args.out}")
    print(f"kiosks verify it with points.token_public_key = {signer.public_key_b64}")
    return 0


def cmd_points_import(args: argparse.Namespace, ledger: Ledger) -> int:
    """Imports service hours; prints what was imported and every rejected row."""
    try:
        text = read_text(args.file)
    except OSError as e:
        print(f"cannot read {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    report = import_hours(ledger, text, staff=args.staff, terminal=TERMINAL, dry_run=args.dry_run)
    verb = "would import" if args.dry_run else "imported"
    print(
        f"{verb} {report.imported} rows: {report.points} points, {report.hours_centi / 100:g} hours"
    )
    if report.already_imported:
        lines = ", ".join(map(str, report.already_imported))
        print(f"already imported (nothing written): lines {lines}")
    for row in report.rejected:
        detail = f" ({row.detail})" if row.detail else ""
        print(f"rejected line {row.line}: {row.reason}{detail}")
    return 0 if report.ok else 1


def cmd_points_fulfil(args: argparse.Namespace, ledger: Ledger) -> int:
    """Posts a voucher's held points; the goods are handed over."""
    voucher = ledger.fulfil(_code(args.code), args.staff, _key(), TERMINAL).value
    print(_voucher_line(voucher))
    return 0


def cmd_points_cancel(args: argparse.Namespace, ledger: Ledger) -> int:
    """Cancels an open voucher by staff."""
    voucher = ledger.cancel(_code(args.code), _key(), TERMINAL, staff=args.staff).value
    print(_voucher_line(voucher))
    return 0


def cmd_points_report(args: argparse.Namespace, ledger: Ledger) -> int:
    """Writes the day's redemption report."""
    day = args.date or ledger.clock.now().date()
    count = write_report(ledger, day, args.out)
    print(f"{count} voucher events on {day.isoformat()} written to {args.out}")
    return 0


def cmd_points_expire(args: argparse.Namespace, ledger: Ledger) -> int:
    """Runs expiry (also run when the center starts)."""
    report = ledger.run_expiry(TERMINAL)
    print(
        f"expired {len(report.vouchers)} vouchers and {sum(report.points.values())} points "
        f"of {len(report.points)} members"
    )
    return 0


def cmd_points_restock(args: argparse.Namespace, ledger: Ledger) -> int:
    """Adds stock to an item."""
    print(f"{args.item_id}: {ledger.restock(args.item_id, args.quantity)} in stock")
    return 0


def cmd_points_adjust(args: argparse.Namespace, ledger: Ledger) -> int:
    """A staff correction of a member's points."""
    entry = ledger.adjust(
        args.member_id,
        args.points,
        _key(),
        staff=args.staff,
        reason=args.reason,
        terminal=TERMINAL,
    ).value
    balance = ledger.balance(args.member_id)
    print(f"entry {entry.id}: {entry.available:+d}; {balance.available} available")
    return 0
