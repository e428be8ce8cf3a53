"""Drives the real application in a real X window under Xvfb and saves what the screen shows.

Screenshots go to ``out/e2e/`` in the project for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

PROJECT = Path(__file__).resolve().parents[2]
OUT = PROJECT / "out" / "e2e"

pytestmark = pytest.mark.e2e


def _free_display() -> str:
    for n in range(140, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return f":{n}"
    raise RuntimeError("no free X display number")


@pytest.fixture
def xvfb_display(request: pytest.FixtureRequest) -> Iterator[str]:
    """An Xvfb screen (1080x1920 unless the test is parametrised with another size) and a
    window manager."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed: scripts/bootstrap installs it (Debian package xvfb)")
    size = getattr(request, "param", "1080x1920")
    display = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.05)
    wm = subprocess.Popen(
        ["matchbox-window-manager", "-use_titlebar", "no"],
        env={**os.environ, "DISPLAY": display},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield display
    finally:
        wm.terminate()
        xvfb.terminate()
        wm.wait(5)
        xvfb.wait(5)


def test_kiosk_runs_fullscreen_in_a_real_window(xvfb_display: str, tmp_path: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shot = OUT / "attract-portrait.png"
    shot.unlink(missing_ok=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "run", "--quit-after", "3", "--screenshot", str(shot)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1080, 1920)
    # Fullscreen took effect: the attract stage's colour (theme.PRIMARY_DARK) reaches every
    # corner of the screen.
    stage = (0x08, 0x3B, 0x75)
    for xy in [(2, 2), (1077, 2), (2, 1917), (1077, 1917)]:
        assert image.getpixel(xy) == stage, xy
    # The header was drawn in the CJK font: many near-white title pixels on the dark band
    # above the slide card.
    top = np.asarray(image.crop((0, 0, 1080, 190))).astype(int)
    title_pixels = int((top.min(axis=2) > 200).sum())
    assert title_pixels > 2000
    assert "Traceback" not in result.stderr


EXPECTED_TOUR = [
    "attract",
    "attract-next-slide",
    "home",
    "home-elder",
    "home-elder-english",
    "home-english",
    "help",
    "idle-warning",
    "failsafe",
    "maintenance-pin-pad",
    "maintenance-pin-wrong",
    "maintenance-devices",
    "maintenance-logs",
    "maintenance-config",
    "maintenance-counters",
    "maintenance-network",
    "maintenance-actions",
    "maintenance-vouchers",
    "violations-mode",
    "violations-plate-keyboard",
    "violations-secret",
    "violations-results",
    "violations-ineligible-record",
    "violations-payment-handoff",
    "violations-pending",
    "violations-owner-name-pinyin",
    "violations-owner-name-handwriting",
    "violations-owner-name-handwriting-elder",
    "violations-owner-name-pinyin-elder",
    "idphoto-consent",
    "idphoto-preset",
    "idphoto-live",
    "idphoto-result",
    "idphoto-receipt",
    "antifraud-menu",
    "antifraud-card",
    "antifraud-mirror-step",
    "antifraud-mirror-outcome",
    "antifraud-quiz-question",
    "antifraud-quiz-explanation",
    "points-member",
    "points-catalogue",
    "points-cart",
    "points-voucher",
    "points-card-refused",
    "points-refused-not-enough",
    "application-guide",
    "application-card",
    "application-business",
    "application-contact",
    "application-pickup",
    "application-photo-consent",
    "application-review",
    "application-fee-handoff",
    "application-receipt",
    "application-status",
    "application-card-pulled",
    "requests-category",
    "requests-compound",
    "requests-building",
    "requests-unit",
    "requests-description-too-long",
    "requests-photo-consent",
    "requests-photo-live",
    "requests-photo-face",
    "requests-photo-check",
    "requests-contact",
    "requests-callback",
    "requests-review",
    "requests-receipt",
    "requests-status",
    "requests-status-rated",
    "requests-status-not-found",
    "safe-mode",
]


@pytest.mark.parametrize(
    ("xvfb_display", "landscape"),
    [("1080x1920", False), ("1920x1080", True)],
    ids=["portrait", "landscape"],
    indirect=["xvfb_display"],
)
@pytest.mark.timeout(660)
def test_tour_walks_every_screen_in_a_real_window(
    xvfb_display: str, tmp_path: Path, landscape: bool
) -> None:
    out = OUT / ("tour-landscape" if landscape else "tour")
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    args = [sys.executable, "-m", "ui.cli", "tour", "--out", str(out)]
    result = subprocess.run(
        [*args, "--landscape"] if landscape else args,
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a bound for a hang only (65 screens; minutes on a busy 2-core CI)
    )
    assert result.returncode == 0, result.stderr[-3000:]
    files = sorted(out.glob("*.png"))
    suffix = "-landscape" if landscape else ""
    assert [f.name for f in files] == [
        f"{i + 1:02d}-{name}{suffix}.png" for i, name in enumerate(EXPECTED_TOUR)
    ]
    size = (1920, 1080) if landscape else (1080, 1920)
    for f in files:
        image = Image.open(f)
        assert image.size == size, f.name
        # not a blank frame: a rendered screen has many distinct colours
        assert len(set(np.asarray(image.convert("L")).ravel().tolist())) > 20, f.name
