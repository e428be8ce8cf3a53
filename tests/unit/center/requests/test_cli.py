"""``center requests``: the list with nothing personal and its filters (status, overdue), the
detail masked, an unmasked read and the photo written out only with an account (both
audited), every staff action with ``--as`` and the audit trail that records it, refused
actions (exit 1) and bad input (exit 2), the daily report and the purge."""

from __future__ import annotations

import stat
from datetime import datetime
from pathlib import Path

import pytest

from center.cli import main
from center.requests.store import open_center_requests
from kiosk.framework.clock import FakeClock
from kiosk.requests.model import RequestSubmission
from tests.unit.center.requests.conftest import NOW, bare, submission

LONG_AGO = datetime(2020, 5, 1, 8, 0)


def run(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), "requests", *args])


def seed(data: Path, *requests: RequestSubmission, at: datetime = NOW) -> list[str]:
    store = open_center_requests(data, FakeClock(at))
    codes = [
        store.submit(
            r.fields(),
            r.photo_jpeg,
            terminal="kiosk-01",
            idempotency_key=f"key-{i:05d}",
            submitted_at=r.submitted_at,
        ).code
        for i, r in enumerate(requests)
    ]
    store.close()
    return codes


def test_list_and_show_are_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = submission(300)
    (code,) = seed(tmp_path, request)
    assert run(tmp_path, "list") == 0
    out = capsys.readouterr().out
    assert code in out and "已受理(received)" in out and "设施维修" in out
    assert "阳光花园 1号楼2单元" in out and "有照片" in out and "需回电" in out
    assert request.mobile not in out and "电梯" not in out  # no description in the list
    assert run(tmp_path, "show", code) == 0
    out = capsys.readouterr().out
    assert request.mobile not in out and request.description not in out
    assert "139****0300" in out and "137****0300" in out and "号楼电梯停运两天了" in out
    assert run(tmp_path, "list", "--status", "done") == 0
    assert code not in capsys.readouterr().out


def test_unmasked_reads_and_the_photo_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = submission(301)
    (code,) = seed(tmp_path, request)
    photo = tmp_path / "out" / "photo.jpg"
    photo.parent.mkdir()
    assert run(tmp_path, "show", code, "--unmasked", "--photo-out", str(photo), "--as", "zhao") == 0
    out = capsys.readouterr().out
    assert request.mobile in out and request.description in out
    assert photo.read_bytes() == request.photo_jpeg
    assert stat.S_IMODE(photo.stat().st_mode) == 0o600
    assert run(tmp_path, "audit", code) == 0
    actions = [line.split("\t")[1:3] for line in capsys.readouterr().out.splitlines()]
    assert actions == [["zhao", "view_unmasked"], ["zhao", "view_photo"]]


def test_staff_actions_are_audited_with_their_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (code,) = seed(tmp_path, submission(302))
    assert run(tmp_path, "assign", code, "--department", "物业维修班", "--as", "wang") == 0
    assert "已派单(assigned)\t物业维修班" in capsys.readouterr().out
    assert run(tmp_path, "update", code, "--note", "已到场查看", "--as", "wang") == 0
    assert "办理中(in_progress)" in capsys.readouterr().out
    assert run(tmp_path, "close", code, "--result", "已修复", "--as", "li") == 0
    assert "已办结(done)" in capsys.readouterr().out
    assert run(tmp_path, "close", code, "--reason", "重复", "--as", "li") == 1
    assert "invalid_transition" in capsys.readouterr().err
    assert run(tmp_path, "audit", code) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(f[1], f[2], f[4]) for f in lines] == [
        ("wang", "assign", "物业维修班"),
        ("wang", "update", "已到场查看"),
        ("li", "done", "已修复"),
    ]
    assert run(tmp_path, "show", code) == 0
    out = capsys.readouterr().out
    assert "result\t已修复" in out and "step\t" in out and "first_response\t" in out


def test_a_request_can_be_closed_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (code,) = seed(tmp_path, bare(submission(303, category="neighbours")))
    assert run(tmp_path, "close", code, "--reason", "双方已和解", "--as", "li") == 0
    assert "已关闭(closed)\t人民调解委员会" in capsys.readouterr().out


def test_overdue_requests_are_listed_and_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, answered = seed(
        tmp_path,
        submission(304, category="safety", at=LONG_AGO),  # answered by no one since 2020
        submission(305, category="safety", at=LONG_AGO),
        at=LONG_AGO,
    )
    assert run(tmp_path, "assign", answered, "--department", "网格员", "--as", "wang") == 0
    capsys.readouterr()
    assert run(tmp_path, "list", "--overdue") == 0
    out = capsys.readouterr().out
    assert old in out and "超时" in out and answered not in out
    assert run(tmp_path, "report", "--day", LONG_AGO.date().isoformat()) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "category\tstatus\tcount\toverdue"
    rows = [line.split("\t") for line in lines[1:] if line.startswith("安全隐患")]
    assert sorted(rows) == [
        ["安全隐患", "已受理(received)", "1", "1"],
        ["安全隐患", "已派单(assigned)", "1", "1"],  # answered, but years late
    ]
    totals = dict(line.split("\t") for line in lines if line.count("\t") == 1)
    assert (totals["received"], totals["done"], totals["overdue_open"]) == ("2", "0", "1")


def test_refusals_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = seed(tmp_path, submission(306))
    assert run(tmp_path, "show", "RQ20261202-AAAAAA") == 1
    assert "request_not_found" in capsys.readouterr().err
    assert run(tmp_path, "update", code, "--note", " ", "--as", "wang") == 1
    assert run(tmp_path, "show", code, "--unmasked", "--as", "") == 2
    with pytest.raises(SystemExit) as exited:
        run(tmp_path, "close", code, "--as", "wang")  # neither --result nor --reason
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        run(tmp_path, "close", code, "--result", "a", "--reason", "b")
    capsys.readouterr()


def test_purge_deletes_what_is_past_its_retention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requests.toml").write_text("[requests]\nretention_days = 1\n")
    (code,) = seed(tmp_path, submission(307, at=LONG_AGO), at=LONG_AGO)
    store = open_center_requests(tmp_path, FakeClock(LONG_AGO))
    store.resolve(code, result="已修复", account="li")  # done in 2020: long past a day
    store.close()
    assert run(tmp_path, "purge") == 0  # the store purges as it opens, so nothing is left
    assert capsys.readouterr().out == "purged 0 request(s)\n"
    assert run(tmp_path, "show", code) == 0
    assert "(deleted after the retention)" in capsys.readouterr().out
    assert run(tmp_path, "audit", code) == 0
    assert "\tsystem\tpurge\t" in capsys.readouterr().out
