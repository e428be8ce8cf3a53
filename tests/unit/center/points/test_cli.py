"""``center members`` and ``center points``: cards whose QR code a kiosk accepts, imports,
fulfilment and cancellation by staff, the daily report, expiry, stock and corrections."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from center.cli import main
from center.points.store import open_center_ledger
from kiosk.platform.points_config import PointsConfig
from kiosk.points.errors import CardRevoked
from kiosk.points.model import CartLine, VoucherStatus
from kiosk.points.tokens import verify_member_token


def run(data: Path, *args: str) -> int:
    return main(["--data-dir", str(data), *args])


def read_qr(path: Path) -> str:
    image = np.asarray(Image.open(path).convert("L"))
    (code,) = zxingcpp.read_barcodes(image)
    return str(code.text)


def test_a_card_carries_a_token_the_kiosk_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "members", "keygen") == 0
    public_key = capsys.readouterr().out.strip()
    assert len(public_key) == 44
    assert (tmp_path / "points" / "member-token-key.pem").stat().st_mode & 0o777 == 0o600
    card = tmp_path / "cards" / "card.png"
    assert run(tmp_path, "members", "card", "M20230517", "--out", str(card)) == 0
    out = capsys.readouterr().out
    assert public_key in out and "M2*****17" in out and "M20230517" not in out
    token = read_qr(card)
    config = PointsConfig(token_public_key=public_key)
    verified = verify_member_token(token, config, now=time.time())
    assert (verified.member_id, verified.kind, verified.card_no) == ("M20230517", "card", 1)
    assert Image.open(card).size == (1012, 638)

    new = tmp_path / "new.png"
    assert run(tmp_path, "members", "card", "M20230517", "--out", str(new), "--new") == 0
    assert verify_member_token(read_qr(new), config, now=time.time()).card_no == 2
    ledger = open_center_ledger(tmp_path)
    try:
        with pytest.raises(CardRevoked):
            ledger.member_summary("M20230517", card_no=1)
    finally:
        ledger.close()
    assert run(tmp_path, "members", "card", "M99999999", "--out", str(new)) == 1
    assert (
        run(tmp_path, "members", "card", "M20230517", "--out", str(new), "--valid-days", "9999")
        == 2
    )


def test_members_add_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "members", "add", "M20261124", "赵晓燕") == 0
    assert run(tmp_path, "members", "list") == 0
    out = capsys.readouterr().out
    assert "M2*****24\t赵*燕\tcard 1\t0 available\t0 held" in out
    assert "M2*****09\t张*\tcard 1\t34 available\t11 held" in out
    assert "赵晓燕" not in out
    assert run(tmp_path, "members", "add", "bad id", "x") == 2


def test_import_reports_rejected_rows_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "hours.csv"
    csv.write_text(
        "member_id,date,hours,activity\n"
        "M20220815,2026-01-10,3,社区巡逻\n"
        "M99999999,2026-01-10,1,社区巡逻\n"
        "M20220815,2026-01-11,two,社区巡逻\n"
        "M20220815,2026-01-10,3,社区巡逻\n",
        encoding="utf-8",
    )
    assert run(tmp_path, "points", "import", str(csv), "--staff", "小李") == 1
    out = capsys.readouterr().out
    assert "imported 1 rows: 3 points, 3 hours" in out
    assert "rejected line 3: unknown_member" in out
    assert "rejected line 4: bad_number" in out
    assert "rejected line 5: duplicate_row" in out
    assert run(tmp_path, "points", "import", str(csv), "--staff", "小李") == 1
    assert "already imported (nothing written): lines 2" in capsys.readouterr().out
    ledger = open_center_ledger(tmp_path)
    try:
        assert ledger.balance("M20220815").available == 3
    finally:
        ledger.close()
    assert run(tmp_path, "points", "import", str(tmp_path / "missing.csv"), "--staff", "x") == 2


def test_fulfil_cancel_report_expire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = open_center_ledger(tmp_path)
    try:
        towel = [CartLine(item_id="towel", quantity=1)]
        a = ledger.redeem("M20230517", towel, "cli-test-a", "kiosk-1").value
        b = ledger.redeem("M20230517", towel, "cli-test-b", "kiosk-1").value
    finally:
        ledger.close()
    typed = a.code.replace("-", "").lower()  # as staff type it
    assert run(tmp_path, "points", "fulfil", typed, "--staff", "小李") == 0
    assert "fulfilled" in capsys.readouterr().out
    assert run(tmp_path, "points", "fulfil", a.code, "--staff", "小李") == 1
    assert "voucher_fulfilled" in capsys.readouterr().err
    assert run(tmp_path, "points", "cancel", b.code, "--staff", "小王") == 0
    assert run(tmp_path, "points", "fulfil", "not-a-code", "--staff", "小李") == 2
    report = tmp_path / "report.csv"
    day = a.issued_at.date().isoformat()
    assert run(tmp_path, "points", "report", "--date", day, "--out", str(report)) == 0
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("time,event,voucher,member") and len(lines) >= 5
    assert run(tmp_path, "points", "expire") == 0
    assert "expired 0 vouchers" in capsys.readouterr().out
    assert run(tmp_path, "points", "restock", "umbrella", "5") == 0
    assert "umbrella: 5 in stock" in capsys.readouterr().out
    assert (
        run(
            tmp_path,
            "points",
            "adjust",
            "M20240102",
            "-3",
            "--staff",
            "小李",
            "--reason",
            "correction",
        )
        == 0
    )
    assert "5 available" in capsys.readouterr().out
    assert (
        run(
            tmp_path,
            "points",
            "adjust",
            "M20240102",
            "-30",
            "--staff",
            "小李",
            "--reason",
            "correction",
        )
        == 1
    )
    ledger = open_center_ledger(tmp_path)
    try:
        assert ledger.voucher(a.code).status is VoucherStatus.FULFILLED
        assert ledger.voucher(a.code).closed_by == "小李"
        assert ledger.voucher(b.code).status is VoucherStatus.CANCELLED
        assert ledger.verify() == []
    finally:
        ledger.close()
