"""The product's handwriting recogniser against raw Zinnia, on our own held-out strokes.

    .venv/bin/python bench/handwriting.py [--json] [--set heldout|dev] [--file F.json.gz]
                                          [--limit N]

The strokes are finger-like strokes generated from fonts by ``bench/handwriting_synth.py``
(no public stroke-order data): ``bench/data/handwriting_heldout.json.gz`` holds 694
characters never used to choose the recogniser's settings (600 common characters, 60
surnames, the 34 province abbreviations; WenQuanYi Micro Hei glyphs, seed 22; no template
font of the recogniser is a WenQuanYi design); ``handwriting_dev.json.gz`` is the
development set the settings were chosen on (AR PL UMing glyphs, other common characters).
The dev figures flatter the recogniser: its Song templates (AR PL SungtiL GB) are an Arphic
design close to UMing.

Each sample goes through :class:`HandwritingRecogniser` (context "any") and :class:`RawZinnia`
(Zinnia alone on the pad's box), 10 candidates each. Counted: top-1 (first candidate right),
top-10 (right one among the 10), and the time of ``candidates()`` alone per character
(``time.perf_counter``; the tables are loaded before), as median and p95 — per kind of
character and overall. The product is also run with each sample's own field context
(surname, province) as ``product_in_context``.

With ``--json`` the last line is one JSON object::

    {"samples": N, "set": ..., "product": {"top1": ..., "top10": ..., "median_ms": ...,
     "p95_ms": ..., "by_kind": {...}}, "product_in_context": {...}, "raw": {...},
     "ratio_top1": product/raw, "ratio_top10": ..., "ratio_median_ms": ...}
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.textinput.handwriting import HandwritingRecogniser, RawZinnia, Stroke  # noqa: E402

DATA = ROOT / "bench" / "data"
CONTEXT_OF_KIND = {"surname": "surname", "province": "province"}


class Recogniser(Protocol):
    def candidates(
        self,
        strokes: list[Stroke],
        width: float,
        height: float,
        *,
        context: str = "any",
        n: int = 10,
    ) -> list[str]: ...


def load_samples(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    raw = path.read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    samples: list[dict[str, Any]] = data.pop("samples")
    return data, samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(
    recogniser: Recogniser, samples: list[dict[str, Any]], use_context: bool
) -> dict[str, Any]:
    rows = []
    for s in samples:
        strokes = [[(float(x), float(y)) for x, y in stroke] for stroke in s["strokes"]]
        context = CONTEXT_OF_KIND.get(s.get("kind", ""), "any") if use_context else "any"
        start = time.perf_counter()
        found = recogniser.candidates(strokes, s["width"], s["height"], context=context, n=10)
        ms = (time.perf_counter() - start) * 1000
        rows.append((s.get("kind", "any"), found[:1] == [s["char"]], s["char"] in found[:10], ms))

    def summary(selected: list[tuple[str, bool, bool, float]]) -> dict[str, Any]:
        n = len(selected)
        times = [r[3] for r in selected]
        return {
            "n": n,
            "top1": round(sum(r[1] for r in selected) / n, 4),
            "top10": round(sum(r[2] for r in selected) / n, 4),
            "median_ms": round(statistics.median(times), 3),
            "p95_ms": round(percentile(times, 0.95), 3),
        }

    result = summary(rows)
    kinds = sorted({r[0] for r in rows})
    result["by_kind"] = {k: summary([r for r in rows if r[0] == k]) for k in kinds}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--set", choices=["heldout", "dev"], default="heldout")
    parser.add_argument("--file", type=Path, help="another stroke file of the same form")
    parser.add_argument("--limit", type=int, default=0, help="only the first N samples")
    args = parser.parse_args()
    path = args.file or DATA / f"handwriting_{args.set}.json.gz"
    meta, samples = load_samples(path)
    if args.limit:
        samples = samples[: args.limit]

    product = HandwritingRecogniser()
    start = time.perf_counter()
    product.warm_up()
    warm_ms = (time.perf_counter() - start) * 1000
    raw = RawZinnia()
    results = {
        "product": measure(product, samples, use_context=False),
        "product_in_context": measure(product, samples, use_context=True),
        "raw": measure(raw, samples, use_context=False),
    }
    product.close()
    raw.close()

    print(f"{path.name}: {len(samples)} characters ({meta.get('font')}, seed {meta.get('seed')})")
    print(f"tables loaded in {warm_ms:.0f} ms")
    for name, r in results.items():
        print(
            f"{name:<19} top-1 {r['top1']:.3f}  top-10 {r['top10']:.3f}  "
            f"median {r['median_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms"
        )
        for kind, k in r["by_kind"].items():
            print(f"    {kind:<10} n={k['n']:<4} top-1 {k['top1']:.3f}  top-10 {k['top10']:.3f}")

    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 3) if b else None

    p, z = results["product"], results["raw"]
    summary = {
        "samples": len(samples),
        "set": meta.get("set", path.name),
        "warm_up_ms": round(warm_ms, 1),
        **results,
        "ratio_top1": ratio(p["top1"], z["top1"]),
        "ratio_top10": ratio(p["top10"], z["top10"]),
        "ratio_median_ms": ratio(p["median_ms"], z["median_ms"]),
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
