"""``kiosk handwriting FILE...``: the product's handwriting recogniser on stroke files (no Qt).

Each FILE is JSON ``{"width": W, "height": H, "strokes": [[[x, y], ...], ...]}``: the pad's
size in pixels, then the strokes in the order written, y growing downward. One JSON line is
printed per file, in order::

    {"file": "a.json", "candidates": ["张", "弦", ...], "ms": 7.1}

with at most ``--n`` (10) candidates, best first, and ``ms`` the recognition alone (the
tables are loaded before the first file). A file that cannot be read or is not of that form
gives ``{"file": ..., "error": "..."}`` instead, and the command then exits with 2 after the
other files. Exit 1: handwriting is not available on this machine (library or model
missing).

``--context`` (any, surname, name, province, address) is the field's kind; ``--raw`` runs
Zinnia alone, for comparison.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_UNAVAILABLE = 1
EXIT_BAD_FILE = 2


class StrokeFileError(ValueError):
    """A stroke file that is not of the documented form."""


def read_stroke_file(path: Path) -> tuple[list[list[tuple[float, float]]], float, float]:
    """(strokes, width, height) from one file, or StrokeFileError saying what is wrong."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise StrokeFileError(f"cannot read: {e.strerror or e}") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise StrokeFileError(f"not JSON: {e}") from e
    if not isinstance(data, dict):
        raise StrokeFileError("not a JSON object")
    size = []
    for key in ("width", "height"):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StrokeFileError(f"{key!r} must be a number")
        if not math.isfinite(value) or value <= 0:
            raise StrokeFileError(f"{key!r} must be positive")
        size.append(float(value))
    raw = data.get("strokes")
    if not isinstance(raw, list):
        raise StrokeFileError("'strokes' must be a list of strokes")
    strokes: list[list[tuple[float, float]]] = []
    for i, stroke in enumerate(raw):
        if not isinstance(stroke, list):
            raise StrokeFileError(f"stroke {i} must be a list of [x, y] points")
        points = []
        for point in stroke:
            if (
                not isinstance(point, list | tuple)
                or len(point) != 2
                or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                    for v in point
                )
            ):
                raise StrokeFileError(f"stroke {i} has a point that is not [x, y]")
            points.append((float(point[0]), float(point[1])))
        strokes.append(points)
    return strokes, size[0], size[1]


def add_handwriting_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Registers ``handwriting`` on the ``kiosk`` command line."""
    from kiosk.textinput import CONTEXTS

    parser = subparsers.add_parser(
        "handwriting", help="recognise handwritten characters in stroke files (one JSON line each)"
    )
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--context", choices=CONTEXTS, default="any", help="the field's kind")
    parser.add_argument("--n", type=int, default=10, help="candidates per character (10)")
    parser.add_argument("--raw", action="store_true", help="Zinnia alone, without re-ranking")
    parser.set_defaults(func=cmd_handwriting)


def cmd_handwriting(args: argparse.Namespace) -> int:
    """``kiosk handwriting``: one JSON line per file; exit 2 if any file was bad."""
    from kiosk.textinput.handwriting import HandwritingRecogniser, RawZinnia, available
    from kiosk.textinput.zinnia import ZinniaError

    if not available():
        print(
            "handwriting is not available: install libzinnia0 and "
            "tegaki-zinnia-simplified-chinese (scripts/bootstrap)",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
    try:
        recogniser: HandwritingRecogniser | RawZinnia
        if args.raw:
            recogniser = RawZinnia()
        else:
            recogniser = HandwritingRecogniser()
            recogniser.warm_up()
    except ZinniaError as e:
        print(f"handwriting is not available: {e}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    status = EXIT_OK
    try:
        for path in args.files:
            line: dict[str, object] = {"file": str(path)}
            try:
                strokes, width, height = read_stroke_file(path)
                start = time.perf_counter()
                found = recogniser.candidates(
                    strokes, width, height, context=args.context, n=max(args.n, 0)
                )
                ms = (time.perf_counter() - start) * 1000
                line.update(candidates=found, ms=round(ms, 3))
            except (StrokeFileError, ValueError) as e:
                line["error"] = str(e)
                status = EXIT_BAD_FILE
            print(json.dumps(line, ensure_ascii=False), flush=True)
    finally:
        recogniser.close()
    return status
