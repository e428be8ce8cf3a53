"""``kiosk handwriting FILE...``: one JSON line per file, errors as lines, exit 2 at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.textinput.cli import StrokeFileError, read_stroke_file
from tests.conftest import PROJECT_ROOT
from tests.unit.kiosk.textinput.conftest import fixed_samples, needs_zinnia


def write_samples(folder: Path, count: int) -> list[tuple[Path, str]]:
    files = []
    for i, s in enumerate(fixed_samples()[:count]):
        path = folder / f"char{i}.json"
        body = {"width": s["width"], "height": s["height"], "strokes": s["strokes"]}
        path.write_text(json.dumps(body), encoding="utf-8")
        files.append((path, s["char"]))
    return files


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"height": 10, "strokes": []}', "'width' must be a number"),
        ('{"width": 0, "height": 10, "strokes": []}', "'width' must be positive"),
        ('{"width": 10, "height": true, "strokes": []}', "'height' must be a number"),
        ('{"width": 10, "height": 10}', "'strokes' must be a list"),
        ('{"width": 10, "height": 10, "strokes": [[1, 2]]}', "stroke 0 has a point"),
        ('{"width": 10, "height": 10, "strokes": [[[1, 2, 3]]]}', "stroke 0 has a point"),
        ('{"width": 10, "height": 10, "strokes": [[[1, 2]], 5]}', "stroke 1 must be a list"),
        ('{"width": 10, "height": 10, "strokes": [[[1, "x"]]]}', "stroke 0 has a point"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(StrokeFileError, match=message):
        read_stroke_file(path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StrokeFileError, match="cannot read"):
        read_stroke_file(tmp_path / "absent.json")


@needs_zinnia
def test_one_line_per_file_and_exit_2_after_a_bad_one(
    tmp_path: Path,
    shared_cache: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    good = write_samples(tmp_path, 3)
    bad = tmp_path / "bad.json"
    bad.write_text('{"width": 300}', encoding="utf-8")
    files = [str(good[0][0]), str(bad), str(good[1][0]), str(good[2][0])]
    status = main(["handwriting", *files])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 2
    assert [line["file"] for line in lines] == files
    assert "error" in lines[1] and "candidates" not in lines[1]
    found = [lines[0], lines[2], lines[3]]
    for line in found:
        assert set(line) == {"file", "candidates", "ms"}
        assert 1 <= len(line["candidates"]) <= 10
        assert line["ms"] > 0
    hits = sum(line["candidates"][0] == char for line, (_, char) in zip(found, good, strict=True))
    assert hits >= 2


@needs_zinnia
def test_all_good_files_exit_0_and_context_and_n_apply(
    tmp_path: Path,
    shared_cache: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    good = write_samples(tmp_path, 2)
    assert main(["handwriting", "--n", "4", "--context", "name", *(str(p) for p, _ in good)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [len(line["candidates"]) for line in lines] == [4, 4]
    assert main(["handwriting", "--raw", str(good[0][0])]) == 0
    raw = json.loads(capsys.readouterr().out)
    assert len(raw["candidates"]) == 10


@needs_zinnia
def test_the_real_command(tmp_path: Path, shared_cache: Path) -> None:
    ((path, char),) = write_samples(tmp_path, 1)
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "handwriting", str(path)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(shared_cache)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["file"] == str(path)
    assert line["candidates"][0] == char
