"""``kiosk idcard read``: the fields, masked unless --unmasked, from the simulated or a real
reader (a pty pair), with exit codes a technician's script can use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import PROJECT_ROOT
from tests.unit.devices.idcard.fake_reader import CardText, FakeReader, answer

NUMBER = "999999199003071234"


@pytest.fixture
def fake() -> Iterator[FakeReader]:
    far = FakeReader()
    yield far
    far.close()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def serial_site(tmp_path: Path, port: str) -> str:
    path = tmp_path / "site.toml"
    path.write_text(
        f'[devices.idcard]\nbackend = "serial"\nport = "{port}"\nanswer_timeout_s = 0.5\n',
        encoding="utf-8",
    )
    return str(path)


def test_json_is_masked_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "idcard", "read", "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["outcome"], report["reason"]) == ("ok", "idcard.ok")
    card = report["card"]
    assert card["id_number"] == "999***********1234"
    assert card["name"] == "样***" and card["birth_date"] == "1990-**-**"
    assert card["validity"] == "valid" and card["sex"] == "男" and card["nation"] == "汉"
    for secret in (NUMBER, "样例张三", "示范路"):
        assert secret not in out


def test_unmasked_shows_the_number(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "idcard", "read", "--json", "--unmasked")
    card = json.loads(out)["card"]
    assert code == 0 and card["id_number"] == NUMBER and card["name"] == "样例张三"


def test_text_output_names_each_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "idcard", "read", "--scenario", "expired")
    assert code == 0
    assert "公民身份号码 / ID number: 999***********1287" in out
    assert "已过期 / expired" in out and "签发机关 / issuer: 样例市公安局演示分局" in out
    assert "200108151287" not in out


@pytest.mark.parametrize(
    ("scenario", "code", "reason"),
    [
        ("no_card", 1, "idcard.no_card"),
        ("card_removed", 1, "idcard.card_removed"),
        ("unreadable", 1, "idcard.unreadable"),
        ("offline", 2, "idcard.offline"),
    ],
)
def test_outcomes_and_exit_codes(
    capsys: pytest.CaptureFixture[str], scenario: str, code: int, reason: str
) -> None:
    got, out = run(capsys, "idcard", "read", "--json", "--scenario", scenario)
    report = json.loads(out)
    assert got == code and report["reason"] == reason and report["card"] is None


def test_a_real_reader_on_a_serial_port(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake: FakeReader
) -> None:
    fake.card = CardText(valid_until="长期", name="样例李四", sex="2")
    site = serial_site(tmp_path, fake.port)
    code, out = run(capsys, "--site", site, "idcard", "read", "--json")
    report = json.loads(out)
    assert code == 0, report
    assert report["reader"] == f"serial {fake.port} @115200"
    assert report["card"]["valid_until"] == "长期" and report["card"]["days_left"] is None
    assert report["card"]["sex"] == "女" and report["card"]["name"] == "样***"


def test_garbage_from_a_real_reader_is_a_reader_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fake: FakeReader
) -> None:
    fake.then((0x20, 0x01), answer(0x9F, bytes(4))[:-1] + b"\x00")
    code, out = run(capsys, "--site", serial_site(tmp_path, fake.port), "idcard", "read")
    assert code == 2
    assert "bad_checksum (idcard.bad_checksum)" in out


def test_no_reader_at_the_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run(
        capsys, "--site", serial_site(tmp_path, "/dev/ttyNOPE"), "idcard", "read", "--json"
    )
    assert code == 2 and json.loads(out)["outcome"] == "offline"


def test_the_installed_command_reads_a_card() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "idcard", "read", "--scenario", "expiring", "--json"],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["card"]["validity"] == "expiring" and 0 < report["card"]["days_left"] <= 90
