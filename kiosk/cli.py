"""The ``kiosk`` command line (no Qt): diagnostics, QR decoding and the test receipt.

``ui.cli`` adds the commands that need Qt (``run``) on top of these.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from kiosk import __version__
from kiosk.platform.paths import config_paths

CommandAdder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def build_parser(extra: CommandAdder | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``extra`` adds more subcommands (the UI layer's)."""
    parser = argparse.ArgumentParser(prog="kiosk", description="融治理中心自助终端")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, help="state directory (default $KIOSK_DATA_DIR or ./var)"
    )
    parser.add_argument("--site", type=Path, help="site configuration file (TOML or JSON)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    diag = sub.add_parser("diag", help="every configured device with its back end and status")
    diag.add_argument("--json", action="store_true", help="one JSON object instead of text")
    diag.add_argument("--wait", type=float, default=3.0, help="seconds to let devices come up")
    diag.add_argument(
        "--report",
        type=Path,
        help="write a full report (devices, config, recent errors, versions) to this file",
    )
    diag.set_defaults(func=cmd_diag)

    decode = sub.add_parser("decode", help="decode QR codes in image files (one JSON line each)")
    decode.add_argument("--decoder", default=None, help="zxing (default), zxing-fast or pyzbar")
    decode.add_argument("files", nargs="+", type=Path)
    decode.set_defaults(func=cmd_decode)

    test = sub.add_parser("print-test", help="print the technician's test receipt")
    test.add_argument("--escpos", type=Path, help="write the ESC/POS bytes to this file instead")
    test.add_argument("--png", type=Path, help="write a PNG rendering to this file instead")
    test.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the printer")
    test.set_defaults(func=cmd_print_test)

    pin = sub.add_parser("set-pin", help="set the maintenance PIN (asks for it twice)")
    pin.set_defaults(func=cmd_set_pin)

    from kiosk.photo.cli import add_idphoto_command

    add_idphoto_command(sub)
    from kiosk.textinput.cli import add_handwriting_command

    add_handwriting_command(sub)
    from kiosk.platform.idcard_cli import add_idcard_command

    add_idcard_command(sub)
    if extra is not None:
        extra(sub)
    return parser


def main(argv: Sequence[str] | None = None, extra: CommandAdder | None = None) -> int:
    """Runs one command; returns the process exit code."""
    args = build_parser(extra).parse_args(argv)
    result: int = args.func(args)
    return result


def cmd_decode(args: argparse.Namespace) -> int:
    """``kiosk decode``: one JSON line per file; exit 2 if any file could not be read."""
    import cv2

    from devices.decoders import make_decoder
    from kiosk.platform.config_loader import load_config

    name = (
        args.decoder
        or load_config(config_paths(args.data_dir, args.site)).config.devices.scanner.decoder
    )
    try:
        decoder = make_decoder(name)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    status = 0
    for path in args.files:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            print(json.dumps({"file": str(path), "error": "cannot read image"}, ensure_ascii=False))
            status = 2
            continue
        start = time.perf_counter()
        results = decoder.decode(image.astype("uint8", copy=False))
        ms = (time.perf_counter() - start) * 1000
        line = {"file": str(path), "texts": [r.text for r in results], "ms": round(ms, 3)}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return status


def cmd_diag(args: argparse.Namespace) -> int:
    """``kiosk diag``: configuration problems, then each device's back end and status."""
    from kiosk.platform.device_set import diagnose

    paths = config_paths(args.data_dir, args.site)
    if args.report:
        from kiosk.platform.diag_report import write_report

        report = write_report(paths, args.report, wait_s=args.wait)
        print(f"report written to {args.report}")
    else:
        report = diagnose(paths, wait_s=args.wait)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"kiosk {report['app_version']}  config {report['config_version']}")
        for problem in report["config_problems"]:
            print(f"  config problem: {problem}")
        for damaged in report["damaged_state_files"]:
            print(f"  damaged state file moved aside: {damaged}")
        for name, dev in report["devices"].items():
            line = f"  {name:<8} {dev['backend']:<10} {dev['level']:<9} {dev['reason']}"
            if dev.get("status"):
                line += f" ({dev['status']})"
            if dev.get("detail"):
                line += f" - {dev['detail']}"
            print(line)
    return 0 if all(d["level"] != "offline" for d in report["devices"].values()) else 1


def cmd_print_test(args: argparse.Namespace) -> int:
    """``kiosk print-test``: to files if given, else to the configured printer."""
    from devices.receipt.escpos import render_escpos
    from devices.receipt.png import render_png
    from kiosk.framework.receipts import technician_test_receipt
    from kiosk.platform.config_loader import load_config
    from kiosk.platform.device_set import paper_profile

    config = load_config(config_paths(args.data_dir, args.site)).config
    receipt = technician_test_receipt(config.terminal.id, config.config_version, datetime.now())
    profile = paper_profile(config.devices.printer)
    if args.escpos or args.png:
        if args.escpos:
            args.escpos.write_bytes(render_escpos(receipt, profile))
        if args.png:
            render_png(receipt, profile).save(args.png)
        return 0
    from kiosk.platform.device_set import build_printer_from

    printer = build_printer_from(config, config_paths(args.data_dir, args.site).data_dir)
    printer.start()
    try:
        job = printer.submit(receipt)
        state = printer.wait(job, args.timeout)
        print(f"job {job}: {state} (printer {printer.health.level}: {printer.health.reason})")
        return 0 if str(state) == "done" else 1
    finally:
        printer.stop()


if __name__ == "__main__":
    raise SystemExit(main())


def cmd_set_pin(args: argparse.Namespace) -> int:
    """``kiosk set-pin``: stores a new technician PIN as a salted scrypt hash."""
    import getpass

    from kiosk.maintenance.mode import maintenance_files

    files = maintenance_files(config_paths(args.data_dir, args.site).data_dir)
    first = getpass.getpass("新 PIN / new PIN (6-12 digits): ")
    if first != getpass.getpass("再输入一次 / again: "):
        print("两次输入不一致 / the two PINs differ", file=sys.stderr)
        return 2
    try:
        files.pin_guard().set_pin(first, by="set-pin")
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    print("PIN 已更新 / PIN updated")
    return 0
