"""``center applications``: the list and a detail masked, an unmasked read and the photo
written out only with an account (both audited), every staff action with ``--as`` and the
audit trail that records it, refused transitions (exit 1) and bad input (exit 2), purge."""

from __future__ import annotations

from pathlib import Path

import pytest

from center.applications.store import open_center_applications
from center.cli import main
from kiosk.application.model import ApplicationSubmission
from kiosk.framework.clock import FakeClock
from kiosk.framework.masking import mask_id_number
from tests.unit.center.applications.conftest import NOW, by_post, submission


def run(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), "applications", *args])


def seed(data: Path, *apps: ApplicationSubmission) -> list[str]:
    store = open_center_applications(data, FakeClock(NOW))
    numbers = [
        store.submit(
            app.fields(),
            app.photo_jpeg,
            terminal="kiosk-01",
            idempotency_key=f"key-{i:05d}",
            submitted_at=app.submitted_at,
        ).application_no
        for i, app in enumerate(apps)
    ]
    store.close()
    return numbers


def test_list_and_show_are_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = by_post(submission(200))
    (number,) = seed(tmp_path, app)
    assert run(tmp_path, "list") == 0
    out = capsys.readouterr().out
    assert number in out and "已提交(submitted)" in out and "有效期满换领" in out
    assert mask_id_number(app.id_number) in out
    assert app.id_number not in out and app.name not in out
    assert run(tmp_path, "show", number) == 0
    out = capsys.readouterr().out
    for secret in (app.id_number, app.name, app.mobile, app.post_address):
        assert secret not in out
    assert "138****0200" in out and "邮寄" in out
    assert run(tmp_path, "list", "--status", "accepted") == 0
    assert number not in capsys.readouterr().out


def test_unmasked_reads_and_the_photo_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = submission(201)
    (number,) = seed(tmp_path, app)
    photo = tmp_path / "out" / "photo.jpg"
    assert (
        run(tmp_path, "show", number, "--unmasked", "--photo-out", str(photo), "--as", "li.si") == 0
    )
    out = capsys.readouterr().out
    assert app.id_number in out and app.name in out
    assert photo.read_bytes() == app.photo_jpeg and photo.stat().st_mode & 0o077 == 0
    assert run(tmp_path, "audit", number) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1:3] for line in lines] == [
        ["li.si", "view_unmasked"],
        ["li.si", "view_photo"],
    ]


def test_staff_actions_with_their_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "wang.wu")
    first, second = seed(tmp_path, submission(202), submission(203))
    assert run(tmp_path, "collected", first) == 1  # not ready yet
    assert "invalid_transition" in capsys.readouterr().err
    assert run(tmp_path, "accept", first, "--as", "zhang.san") == 0
    assert run(tmp_path, "produce", first) == 0  # $USER
    assert run(tmp_path, "ready", first, "--place", "3号窗口") == 0
    assert run(tmp_path, "collected", first, "--as", "zhang.san") == 0
    assert "已领取 (collected)" in capsys.readouterr().out
    assert run(tmp_path, "return", second, "--reason", "照片不合格，请重新拍照") == 0
    assert run(tmp_path, "accept", second) == 1  # returned is final
    assert run(tmp_path, "accept", "SQ20261202-AAAAAA") == 1
    assert "application_not_found" in capsys.readouterr().err
    capsys.readouterr()
    assert run(tmp_path, "audit") == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("zhang.san", "accept", first),
        ("wang.wu", "produce", first),
        ("wang.wu", "ready", first),
        ("zhang.san", "collected", first),
        ("wang.wu", "return", second),
    ]
    assert rows[2][4] == "3号窗口" and rows[4][4] == "照片不合格，请重新拍照"
    assert run(tmp_path, "show", second) == 0
    assert "照片不合格，请重新拍照" in capsys.readouterr().out


def test_bad_input_and_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (number,) = seed(tmp_path, submission(204))
    with pytest.raises(SystemExit):
        run(tmp_path, "return", number)  # --reason is required
    assert run(tmp_path, "accept", number, "--as", "") == 2
    assert run(tmp_path, "purge") == 0
    assert "purged 0" in capsys.readouterr().out
