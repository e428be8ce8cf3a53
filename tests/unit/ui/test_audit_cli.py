"""``kiosk audit --json``: a short walk (the tour's first screens) in a child process, as CI
runs it; the last line is the JSON summary and the exit code follows the violations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ui.audit import violation_key

ROOT = Path(__file__).resolve().parents[3]
KEYS = {
    "min_contrast",
    "min_text_px",
    "elder_min_text_px",
    "min_target_px",
    "elder_min_target_px",
    "screens_without_prompt",
    "screens",
    "violations",
}


def test_the_audit_prints_its_figures_as_json_and_exits_by_its_violations(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "ui.cli", "audit", "--json", "--portrait-only"]
    done = subprocess.run(
        [*command, "--limit", "3"],  # attract, its next slide, home
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) >= KEYS
    assert figures["screens"] == 3
    # home was measured as it is, in elder mode and in English: both modes have figures
    assert figures["measurements"] == 5
    assert figures["min_text_px"] is not None and figures["elder_min_text_px"] is not None
    assert figures["min_contrast"] > 1.0
    assert isinstance(figures["violations"], list)
    assert done.returncode == (1 if figures["violations"] else 0)
    assert f"{len(figures['violations'])} violations" in done.stdout
    # every violation listed as known: the same walk passes, and says what it already knew
    known = tmp_path / "known.txt"
    known.write_text(
        "# known\n" + "".join(f"{violation_key(v)}\n" for v in figures["violations"]),
        encoding="utf-8",
    )
    again = subprocess.run(
        [*command, "--limit", "3", "--known", str(known)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stdout[-2000:]
    assert json.loads(again.stdout.strip().splitlines()[-1])["new_violations"] == 0


def test_a_violation_reads_the_same_without_its_figures_or_a_named_widgets_text() -> None:
    assert (
        violation_key(
            "pin [portrait, zh_CN, standard]: QPushButton text_entry_candidate_0: target 60x104 px"
        )
        == "pin [portrait, zh_CN, standard]: QPushButton text_entry_candidate_0: target"
    )
    assert (
        violation_key(
            "status [landscape, en, standard]: QLabel status_body 'Kind: Repairs': cut off"
            " (100 of 120 px high)"
        )
        == "status [landscape, en, standard]: QLabel status_body: cut off"
    )
    unnamed = "home [landscape, en, elder]: QLabel 'Resident ID card': cut off (300x40 for 320x40)"
    assert (
        violation_key(unnamed) == "home [landscape, en, elder]: QLabel 'Resident ID card': cut off"
    )
    assert violation_key(
        "live [landscape, en, standard]: QLabel countdown '3': contrast 2.03 (#fff on #aaa)"
    ) == ("live [landscape, en, standard]: QLabel countdown: contrast")
