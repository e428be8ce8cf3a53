"""``kiosk idphoto INPUT``: one picture to an ID photo and a JSON report (no Qt).

    python -m kiosk.photo.cli INPUT [--preset resident-id] [--out OUT.jpg] [--report R.json]
                              [--plain] [--background white]

Exit codes: 0 the photo is compliant (written to ``--out``); 3 refused (reasons in the
report, nothing written to ``--out``); 2 the input cannot be read (or bad usage); 4 unknown
preset or background; 1 any other failure. Only the input's base name appears in the report
and messages. The report (``--report``, else standard output) holds ``ok``, ``reasons``, every
check as ``{"name", "passed", "value", "limit"}``, ``warnings``, ``size``, ``bytes`` and
``transform`` (the 2x3 affine from input pixels to output pixels).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_UNREADABLE = 2
EXIT_REFUSED = 3
EXIT_BAD_PRESET = 4


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="picture to turn into an ID photo")
    parser.add_argument("--preset", default=None, help="preset id (default: resident-id)")
    parser.add_argument("--out", type=Path, help="where to write the JPEG (only if compliant)")
    parser.add_argument("--report", type=Path, help="where to write the JSON report")
    parser.add_argument(
        "--plain", action="store_true", help="plain-backdrop mode: crop only, keep the background"
    )
    parser.add_argument("--background", default=None, help="background colour name")


def add_idphoto_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Registers ``idphoto`` on the ``kiosk`` command line."""
    parser = subparsers.add_parser(
        "idphoto", help="make an ID photo from a picture, with a compliance report"
    )
    _add_arguments(parser)
    parser.set_defaults(func=cmd_idphoto)


def _write_report(args: argparse.Namespace, report: dict[str, object]) -> None:
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.report:
        from kiosk.platform.atomic_file import write_atomic

        write_atomic(args.report, (text + "\n").encode("utf-8"))
    else:
        print(text)


def cmd_idphoto(args: argparse.Namespace) -> int:
    """Runs the still pipeline on one file; returns the exit code (see the module docstring).

    Unexpected failures are reported by exception type only (no paths, no picture data).
    """
    try:
        return _idphoto(args)
    except Exception as e:
        print(f"idphoto: failed: {type(e).__name__}", file=sys.stderr)
        return EXIT_FAILURE


def _idphoto(args: argparse.Namespace) -> int:
    import cv2
    import numpy as np

    from kiosk.photo.pipeline import IdPhotoMaker
    from kiosk.photo.presets import load_presets

    name = args.input.name
    try:
        data = np.fromfile(args.input, dtype=np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    except OSError:
        image = None
    if image is None:
        print(f"idphoto: cannot read image {name}", file=sys.stderr)
        _write_report(args, {"ok": False, "input": name, "error": "unreadable_input"})
        return EXIT_UNREADABLE
    presets = load_presets()
    try:
        preset = presets.preset(args.preset)
        background = args.background or preset.background
        if background not in preset.backgrounds_allowed:
            raise KeyError(f"background {background!r} is not allowed for {preset.id}")
    except KeyError as e:
        print(f"idphoto: {e.args[0]}", file=sys.stderr)
        return EXIT_BAD_PRESET
    with IdPhotoMaker(presets) as maker:
        result = maker.make(
            image,
            preset,
            replace_background=False if args.plain else None,
            background=background,
        )
    report = {"input": name, **result.report()}
    if result.ok and result.jpeg is not None and args.out:
        from kiosk.platform.atomic_file import write_atomic

        write_atomic(args.out, result.jpeg)
    _write_report(args, report)
    verdict = "compliant" if result.ok else "refused: " + ", ".join(result.reasons)
    print(f"idphoto {name}: {verdict}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_REFUSED


def build_parser() -> argparse.ArgumentParser:
    """The standalone parser (``python -m kiosk.photo.cli``)."""
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.photo.cli", description="证件照：从一张照片生成符合规格的证件照"
    )
    _add_arguments(parser)
    parser.set_defaults(func=cmd_idphoto)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``idphoto`` standalone; returns the exit code."""
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
