"""``kiosk idcard read``: reads the card on the configured ID-card reader once and prints it.

    kiosk idcard read [--json] [--unmasked] [--timeout S] [--wait S] [--scenario NAME]

The name, the address, the birth date and the ID number are masked unless ``--unmasked``
(personal data: use it only with the card's holder present). The card's photo is never read
into anything. ``--scenario`` picks the simulated reader's demo card (ignored by a real one).

Exit codes: 0 a card was read; 1 the card could not be read (no card, unreadable, pulled
away, another card type); 2 the reader failed (offline, garbage on the line, a reader fault)
or the configuration is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from kiosk.framework.masking import mask_id_number
from kiosk.platform.paths import config_paths

if TYPE_CHECKING:
    from devices.idcard.reader import ReadResult

EXIT_OK = 0
EXIT_CARD = 1
EXIT_READER = 2

_LABELS = (
    ("name", "姓名 / name"),
    ("sex", "性别 / sex"),
    ("nation", "民族 / nation"),
    ("birth_date", "出生 / birth date"),
    ("address", "住址 / address"),
    ("id_number", "公民身份号码 / ID number"),
    ("issuer", "签发机关 / issuer"),
    ("valid_from", "有效期起 / valid from"),
    ("valid_until", "有效期至 / valid until"),
    ("validity", "状态 / validity"),
)
_VALIDITY_TEXT = {
    "valid": "有效 / valid",
    "expiring": "即将到期 / expiring",
    "expired": "已过期 / expired",
    "not_yet_valid": "尚未生效 / not yet valid",
}


def add_idcard_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``idcard read`` to the ``kiosk`` command line."""
    from devices.idcard.simulated import Scenario

    idcard = sub.add_parser("idcard", help="the ID-card reader")
    actions = idcard.add_subparsers(dest="idcard_action", required=True, metavar="ACTION")
    read = actions.add_parser("read", help="read the card on the reader once and print it")
    read.add_argument("--json", action="store_true", help="one JSON object instead of text")
    read.add_argument(
        "--unmasked",
        action="store_true",
        help="show name, address, birth date and ID number in full (personal data)",
    )
    read.add_argument(
        "--timeout", type=float, default=None, help="seconds for the read (default: config)"
    )
    read.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait for a card to be placed"
    )
    read.add_argument(
        "--scenario",
        choices=[s.value for s in Scenario],
        help="simulated reader only: which demo card or outcome",
    )
    read.set_defaults(func=cmd_idcard_read)


def result_report(result: ReadResult, today: date, *, unmasked: bool = False) -> dict[str, Any]:
    """The read as a JSON-ready dict: outcome, reason, detail and the (masked) card."""
    report: dict[str, Any] = {
        "outcome": str(result.outcome),
        "reason": result.reason,
        "detail": result.detail,
        "card": None,
    }
    card = result.card
    if card is not None:
        fields = card.to_dict(masked=not unmasked)
        if not unmasked:
            fields["id_number"] = mask_id_number(card.id_number)
        fields["validity"] = str(card.validity(today))
        fields["days_left"] = card.days_left(today)
        report["card"] = fields
    return report


def cmd_idcard_read(args: argparse.Namespace) -> int:
    """``kiosk idcard read``: one read; the fields, masked unless ``--unmasked``."""
    from dataclasses import replace

    from devices.idcard.build import build_idcard_reader
    from devices.idcard.reader import ReadOutcome
    from kiosk.platform.config_loader import load_config
    from kiosk.platform.device_set import idcard_settings

    config = load_config(config_paths(args.data_dir, args.site)).config
    settings = idcard_settings(config)
    if args.scenario:
        settings = replace(settings, scenario=args.scenario)
    if args.timeout is not None:
        settings = replace(settings, read_timeout_s=args.timeout)
    try:
        reader = build_idcard_reader(settings)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return EXIT_READER
    reader.start()
    try:
        result = reader.read(args.timeout, wait_s=max(0.0, args.wait))
    finally:
        reader.stop()
    report = result_report(result, date.today(), unmasked=args.unmasked)
    report["reader"] = reader.describe()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_text(report)
    if result.outcome is ReadOutcome.OK:
        return EXIT_OK
    return EXIT_CARD if result.outcome.card_problem else EXIT_READER


def _print_text(report: dict[str, Any]) -> None:
    print(f"读卡器 / reader: {report['reader']}")
    line = f"结果 / outcome: {report['outcome']} ({report['reason']})"
    if report["detail"]:
        line += f" - {report['detail']}"
    print(line)
    card = report["card"]
    if card is None:
        return
    for key, label in _LABELS:
        value = card[key]
        if key == "validity":
            value = _VALIDITY_TEXT.get(value, value)
            if card["days_left"] is not None:
                value += f" ({card['days_left']} 天 / days)"
        print(f"  {label}: {value}")
