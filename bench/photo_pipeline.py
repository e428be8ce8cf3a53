"""ID-photo speed and compliance on the face corpus; live-guidance frames per second.

    .venv/bin/python bench/photo_pipeline.py [--runs 3] [--repeat 2] [--frames 30] [--edges]
                                             [--json]

Still pipeline: every picture in ``../shared/corpora/faces/frontal`` and
``selfie_variations`` (refused pictures included: they cost time too), ``--repeat`` passes
after one warm-up call; median and p95 milliseconds per stage and in total. The machine is
shared (2 cores, other jobs come and go), so the passes are made ``--runs`` times and the
quietest run (lowest median) is reported, together with a *floor*: a fixed OpenCV workload
(blur, resize, colour conversion of one synthetic picture) timed just before every photo in
the same run. ``still_floor_ratio`` = still median / floor median stays put when the machine
is busy while the milliseconds do not; compare ratios between versions measured on
different days.

Compliance: how many frontal portraits give a compliant resident-ID photo, and the smallest
margin on each geometry rule, measured on the output (and, for the eye line, also with the
hand-placed pupils of the ``.tem`` files mapped through the transform); on how many of them
``clothing_blends_background`` fires.

Pose: mean and standard deviation of the head-pose estimate (yaw, pitch, roll) over the
frontal portraits (all taken straight on) and over the selfie variations.

Live guidance: each selfie letterboxed onto a 1280x720 frame, shown for ``--frames`` frames
with a little camera shake; frames per second of ``Guidance.analyse`` over the sequence.

``--edges`` compares the background replacement with and without edge refinement and colour
decontamination: the width of the hair-top edge (10 %-90 % rows) and how many pixels of the
old wall colour survive around the head (the halo).

Human-readable lines first; the LAST line is one JSON object:
{"still_median_ms", "still_p95_ms", "floor_median_ms", "still_floor_ratio", "runs": [...],
"stages": {...}, "guidance_fps", "guidance_median_ms", "preview_fps", "pose": {...}, ...}

Corpus credit (frontal portraits): DeBruine, L. & Jones, B. (2017) Face Research Lab London
Set, doi:10.6084/m9.figshare.5047666.v5, CC-BY 4.0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.photo.face_analysis import FaceAnalyzer  # noqa: E402
from kiosk.photo.guidance import Guidance  # noqa: E402
from kiosk.photo.pipeline import IdPhotoMaker, PhotoResult  # noqa: E402
from kiosk.photo.presets import load_presets  # noqa: E402

FACES = ROOT.parent / "shared" / "corpora" / "faces"
Image = npt.NDArray[np.uint8]
STAGES = ("analyse", "segment", "layout", "render", "encode", "measure", "total")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def pictures(folder: str) -> list[tuple[str, Image]]:
    out = []
    for path in sorted((FACES / folder).glob("*.jpg")):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            out.append((path.name, image))
    return out


def pupils(tem: Path) -> npt.NDArray[np.float64]:
    lines = tem.read_text().splitlines()
    return np.array([[float(v) for v in line.split()] for line in lines[1:3]], np.float64)


_FLOOR_IMAGE = np.random.default_rng(14).integers(0, 256, (900, 900, 3), dtype=np.uint8)


def floor_ms() -> float:
    """Milliseconds of a fixed OpenCV workload (the same on every call): the machine's pace now."""
    t0 = time.perf_counter()
    blurred = cv2.GaussianBlur(_FLOOR_IMAGE, (0, 0), 2.0)
    small = cv2.resize(blurred, (417, 417), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    float(np.median(lab[..., 0]))
    return (time.perf_counter() - t0) * 1000


def still(
    maker: IdPhotoMaker, images: list[tuple[str, Image]], repeat: int
) -> tuple[dict[str, list[float]], list[float]]:
    """Stage timings of every photo, and the floor timed just before each one."""
    maker.make(images[0][1])  # warm-up: graphs, caches
    floor_ms()
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    floors: list[float] = []
    for _ in range(repeat):
        for _, image in images:
            floors.append(floor_ms())
            result = maker.make(image)
            for stage in STAGES:
                if stage in result.timings_ms:
                    times[stage].append(result.timings_ms[stage])
    return times, floors


def pose_table() -> dict[str, dict[str, float]]:
    """Mean and standard deviation of yaw, pitch, roll on the frontal portraits and selfies."""
    out: dict[str, dict[str, float]] = {}
    with FaceAnalyzer("still") as faces:
        for folder in ("frontal", "selfie_variations"):
            angles = []
            for _, image in pictures(folder):
                face = faces.analyse(image).primary
                if face is not None:
                    angles.append((face.pose.yaw, face.pose.pitch, face.pose.roll))
            a = np.array(angles)
            row: dict[str, float] = {"faces": float(len(a))}
            for i, name in enumerate(("yaw", "pitch", "roll")):
                row[f"{name}_mean"] = round(float(a[:, i].mean()), 2)
                row[f"{name}_std"] = round(float(a[:, i].std()), 2)
                row[f"{name}_max_abs"] = round(float(np.abs(a[:, i]).max()), 2)
            out[folder] = row
    return out


def value(result: PhotoResult, name: str) -> float:
    check = result.check(name)
    assert check is not None and check.value is not None
    return float(check.value)


def compliance(maker: IdPhotoMaker) -> dict[str, object]:
    preset = load_presets().preset("resident-id")
    g = preset.geometry
    assert g.face_width_px and g.hair_top_px and g.eyes_min_above_bottom_px
    rows = []
    clothing = 0
    for name, image in pictures("frontal"):
        result = maker.make(image, preset)
        clothing += "clothing_blends_background" in result.warnings
        if not result.ok:
            rows.append((name, False, ", ".join(result.reasons), None))
            continue
        fw, hair, eye = (
            value(result, "face_width"),
            value(result, "hair_top"),
            value(result, "eye_height"),
        )
        a = np.array(result.transform)
        mapped = pupils(FACES / "frontal" / name.replace(".jpg", ".tem")) @ a[:, :2].T + a[:, 2]
        tem_eye = preset.height_px - 0.5 - float(mapped[:, 1].mean())
        margins = {
            "face_width": min(fw - g.face_width_px[0], g.face_width_px[1] - fw),
            "hair_top": min(hair - g.hair_top_px[0], g.hair_top_px[1] - hair),
            "eye_height": eye - g.eyes_min_above_bottom_px,
            "eye_height_tem": tem_eye - g.eyes_min_above_bottom_px,
        }
        rows.append((name, True, f"fw {fw:.1f} hair {hair:.0f} eyes {eye:.1f}", margins))
    ok = [r for r in rows if r[1]]
    worst = (
        {
            key: round(min(r[3][key] for r in ok if r[3] is not None), 2)
            for key in ("face_width", "hair_top", "eye_height", "eye_height_tem")
        }
        if ok
        else {}
    )
    for name, passed, detail, _ in rows:
        print(f"  {name}: {'compliant' if passed else 'refused'} ({detail})")
    return {
        "compliant": len(ok),
        "of": len(rows),
        "worst_margin_px": worst,
        "clothing_warnings": clothing,
    }


def edge_metrics(maker: IdPhotoMaker) -> dict[str, float]:
    """Width of the hair-top edge and old-wall pixels left around the head (the halo).

    Edge: rows with 0.1 < alpha < 0.9 at the top of the head, centre columns, median.
    Halo: the studio portraits on a blue 一寸 background; pixels above the eye line within
    Lab distance 10 of the old grey wall (hair and skin are never that grey), median count.
    """
    widths, halos = [], []
    for name, image in pictures("frontal") + pictures("selfie_variations"):
        result = maker.make(image)
        if result.ok and result.alpha is not None:
            w = result.size[0]
            for column in result.alpha[:, w // 2 - 20 : w // 2 + 20].T:
                top = int(np.argmax(column >= 0.9))
                widths.append(int(((column[:top] > 0.1) & (column[:top] < 0.9)).sum()))
        if not name.endswith("_03.jpg"):
            continue
        blue = maker.make(image, "one-inch", background="blue")
        if not blue.ok or blue.image_bgr is None:
            continue
        corners = np.concatenate([image[:40, :40], image[:40, -40:]]).reshape(-1, 3)
        wall = np.median(corners, axis=0).astype(np.uint8).reshape(1, 1, 3)
        eye_row = round(blue.size[1] * 0.45)
        lab = cv2.cvtColor(blue.image_bgr[:eye_row], cv2.COLOR_BGR2LAB).astype(np.float32)
        ref = cv2.cvtColor(wall, cv2.COLOR_BGR2LAB).astype(np.float32)[0, 0]
        halos.append(float((np.linalg.norm(lab - ref, axis=2) < 10).sum()))
    return {
        "edge_rows": statistics.median(widths) if widths else float("nan"),
        "wall_pixels": statistics.median(halos) if halos else float("nan"),
    }


def letterbox(image: Image) -> Image:
    h, w = image.shape[:2]
    scale = 720 / h
    small = cv2.resize(image, (round(w * scale), 720), interpolation=cv2.INTER_AREA)
    frame = np.full((720, 1280, 3), 128, np.uint8)
    x0 = (1280 - small.shape[1]) // 2
    frame[:, x0 : x0 + small.shape[1]] = small
    return frame


def guidance_fps(frames_per_picture: int) -> tuple[float, float, float, dict[str, int]]:
    rng = np.random.default_rng(7)
    frames = []
    for _, image in pictures("selfie_variations"):
        base = letterbox(image)
        for _ in range(frames_per_picture):
            dx, dy = rng.normal(0, 3, 2)
            shake = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
            frames.append(cv2.warpAffine(base, shake, (1280, 720), borderMode=cv2.BORDER_REPLICATE))
    keys: dict[str, int] = {}
    with Guidance() as guidance:
        guidance.analyse(frames[0])  # warm-up
        per_frame = []
        floors = []
        elapsed = 0.0
        for i, frame in enumerate(frames):
            if i % 10 == 0:
                floors.append(floor_ms())  # outside the timed frames
            t0 = time.perf_counter()
            result = guidance.analyse(frame)
            per_frame.append((time.perf_counter() - t0) * 1000)
            elapsed += per_frame[-1] / 1000
            keys[result.message_key] = keys.get(result.message_key, 0) + 1
    return len(frames) / elapsed, statistics.median(per_frame), statistics.median(floors), keys


def preview_fps() -> dict[str, float]:
    """The Qt preview's painted frames per second while guidance runs, measured in its own
    process (bench/photo_preview.py) so Qt does not share this one."""
    import subprocess

    script = Path(__file__).resolve().parent / "photo_preview.py"
    result = subprocess.run(
        [sys.executable, str(script), "--json", "--seconds", "6"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    figures: dict[str, float] = json.loads(lines[-1]) if lines else {}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the quietest counts")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the pictures a run")
    parser.add_argument("--frames", type=int, default=30, help="camera frames per selfie")
    parser.add_argument("--edges", action="store_true", help="also measure edge refinement")
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    args = parser.parse_args(argv)
    if not FACES.exists():
        print(f"face corpus not found at {FACES}", file=sys.stderr)
        return 2

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    images = pictures("frontal") + pictures("selfie_variations")
    runs = []
    with IdPhotoMaker() as maker:
        for _ in range(max(1, args.runs)):
            times, floors = still(maker, images, args.repeat)
            total = statistics.median(times["total"])
            floor = statistics.median(floors)
            runs.append((total, floor, times))
            say(
                f"  run: still median {total:.1f} ms, floor {floor:.2f} ms, "
                f"ratio {total / floor:.1f}"
            )
        total, floor, times = min(runs, key=lambda run: run[0])
        stages = {
            s: {
                "median_ms": round(statistics.median(v), 1),
                "p95_ms": round(percentile(v, 0.95), 1),
            }
            for s, v in times.items()
            if v
        }
        say(
            f"still pipeline, {len(images)} pictures x {args.repeat}, quietest of {len(runs)} "
            f"runs (ms, median / p95):"
        )
        for stage, row in stages.items():
            say(f"  {stage:<8} {row['median_ms']:7.1f} / {row['p95_ms']:7.1f}")
        say(f"  floor    {floor:7.2f}   (still / floor = {total / floor:.1f})")
        say("frontal portraits as resident-ID photos:")
        if args.json:
            with contextlib.redirect_stdout(io.StringIO()):
                comp = compliance(maker)
        else:
            comp = compliance(maker)
        worst = comp["worst_margin_px"]
        say(f"  {comp['compliant']}/{comp['of']} compliant; worst margins (px) {worst}")
        say(f"  clothing_blends_background on {comp['clothing_warnings']}/{comp['of']}")
    pose = pose_table()
    for folder, row in pose.items():
        say(
            f"pose on {folder} ({row['faces']:.0f} faces): "
            + ", ".join(
                f"{a} {row[a + '_mean']:+.2f} ± {row[a + '_std']:.2f} (max |{row[a + '_max_abs']}|)"
                for a in ("yaw", "pitch", "roll")
            )
        )
    edges: dict[str, dict[str, float]] = {}
    if args.edges:
        for label, refine, decon in (
            ("coarse mask", False, False),
            ("guided filter", True, False),
            ("guided + decontaminate", True, True),
        ):
            with IdPhotoMaker(refine_edges=refine, decontaminate=decon) as maker:
                edges[label] = edge_metrics(maker)
            say(f"  edges, {label}: {edges[label]}")
    fps, frame_ms, guidance_floor, keys = guidance_fps(args.frames)
    say(
        f"live guidance at 1280x720: {fps:.1f} frames/s (median {frame_ms:.1f} ms/frame, "
        f"floor {guidance_floor:.2f} ms); {keys}"
    )
    preview = preview_fps()
    say(
        f"preview widget while guidance runs: {preview.get('preview_fps')} fps painted, "
        f"guidance {preview.get('guidance_fps')} fps (bench/photo_preview.py, offscreen Qt)"
    )
    line: dict[str, object] = {
        "still_median_ms": stages["total"]["median_ms"],
        "still_p95_ms": stages["total"]["p95_ms"],
        "floor_median_ms": round(floor, 2),
        "still_floor_ratio": round(total / floor, 2),
        "runs": [
            {"still_median_ms": round(t, 1), "floor_median_ms": round(f, 2)} for t, f, _ in runs
        ],
        "guidance_fps": round(fps, 1),
        "guidance_median_ms": round(frame_ms, 2),
        "guidance_floor_ratio": round(frame_ms / guidance_floor, 2),
        "preview_fps": preview.get("preview_fps"),
        "guidance_fps_with_preview": preview.get("guidance_fps"),
        "stages": {s: v for s, v in stages.items() if s != "total"},
        "frontal_compliant": f"{comp['compliant']}/{comp['of']}",
        "worst_margin_px": comp["worst_margin_px"],
        "clothing_warnings": f"{comp['clothing_warnings']}/{comp['of']}",
        "pose": pose,
    }
    if edges:
        line["edges"] = edges
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
