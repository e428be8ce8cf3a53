"""The serial back end through a pty pair whose far end answers like a GA 450 reader."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from devices.health import HealthLevel
from devices.idcard.reader import ReadOutcome
from devices.idcard.serial import SerialIdCardReader
from tests.unit.devices.idcard.fake_reader import CardText, FakeReader, answer, base_info
from tests.unit.devices.idcard.support import HealthLog

FIND, SELECT, READ, STATUS = (0x20, 0x01), (0x20, 0x02), (0x30, 0x01), (0x11, 0xFF)
#: the time one missing answer costs; a test that needs silence waits this long, once
ANSWER_S = 0.4


@pytest.fixture
def fake() -> Iterator[FakeReader]:
    far = FakeReader()
    yield far
    far.close()


Make = Callable[..., tuple[SerialIdCardReader, HealthLog]]


@pytest.fixture
def make() -> Iterator[Make]:
    made: list[SerialIdCardReader] = []

    def factory(port: str, **kw: float) -> tuple[SerialIdCardReader, HealthLog]:
        options: dict[str, Any] = {
            "answer_timeout_s": ANSWER_S,
            "reconnect_s": 0.05,
            "poll_interval_s": 600.0,
        }
        options.update(kw)
        reader = SerialIdCardReader(port, 115200, **options)
        health = HealthLog()
        reader.subscribe_health(health)
        made.append(reader)
        return reader, health

    yield factory
    for reader in made:
        reader.stop()


def test_a_card_is_read_with_find_select_read(
    fake: FakeReader, make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    reader, health = make(fake.port)
    reader.start()
    health.wait_for("idcard.ready", HealthLevel.READY)  # the watcher asked the SAM's status
    with caplog.at_level(logging.DEBUG):
        result = reader.read()
    assert result.ok and result.outcome is ReadOutcome.OK, result
    card = result.card
    assert card is not None
    assert (card.name, card.id_number, card.sex, card.nation) == (
        "样例张三",
        "999999199003071234",
        "男",
        "汉",
    )
    assert (card.birth_date, card.valid_until) == (date(1990, 3, 7), date(2043, 1, 5))
    assert fake.wait_for_requests(4) == [STATUS, FIND, SELECT, READ]
    assert fake.bad_requests == 0  # every request's checksum was right
    assert reader.health.level is HealthLevel.READY
    for secret in ("样例张三", "999999199003071234", "示范路", "19900307"):
        assert secret not in caplog.text
    assert "read ok" in caplog.text


def test_no_card_is_an_outcome_not_a_fault(fake: FakeReader, make: Make) -> None:
    fake.card = None
    reader, _ = make(fake.port)
    result = reader.read()
    assert result.outcome is ReadOutcome.NO_CARD and result.card is None
    assert result.reason == "idcard.no_card"
    assert reader.health.level is HealthLevel.READY and reader.health.reason == "idcard.ready"
    assert fake.requests_of(SELECT) == 0


def test_waiting_for_a_card_ends_when_one_is_placed(fake: FakeReader, make: Make) -> None:
    fake.card = None

    def place(reader: FakeReader) -> bytes:
        reader.card = CardText(name="样例王五")
        return answer(0x80)  # not found on this look; found on the next

    fake.then(FIND, answer(0x80), place)
    reader, _ = make(fake.port)
    result = reader.read(wait_s=30)
    assert result.ok and result.card is not None and result.card.name == "样例王五"
    assert fake.requests_of(FIND) == 3


def test_a_card_pulled_away_mid_read(fake: FakeReader, make: Make) -> None:
    def pull(reader: FakeReader) -> bytes:
        reader.card = None
        return answer(0x41)  # read failed

    fake.then(READ, pull)
    reader, _ = make(fake.port)
    result = reader.read()
    assert result.outcome is ReadOutcome.CARD_REMOVED, result
    assert result.reason == "idcard.card_removed" and "41" in result.detail
    assert fake.wait_for_requests(4)[-1] == FIND  # it looked again, and found nothing
    assert reader.health.reason == "idcard.ready"


def test_a_card_pulled_away_before_select(fake: FakeReader, make: Make) -> None:
    def pull(reader: FakeReader) -> bytes:
        reader.card = None
        return answer(0x81)

    fake.then(SELECT, pull)
    reader, _ = make(fake.port)
    assert reader.read().outcome is ReadOutcome.CARD_REMOVED


def test_a_card_that_stays_but_cannot_be_read_is_unreadable(fake: FakeReader, make: Make) -> None:
    fake.then(READ, answer(0x41))  # read failed, and the card is still found afterwards
    reader, _ = make(fake.port)
    first = reader.read()
    assert first.outcome is ReadOutcome.UNREADABLE, first
    fake.then(SELECT, answer(0x32))  # the reader's authentication of the card failed
    second = reader.read()
    assert second.outcome is ReadOutcome.UNREADABLE and "32" in second.detail
    assert reader.health.level is HealthLevel.READY


def test_a_foreigners_card_is_named_unsupported(fake: FakeReader, make: Make) -> None:
    fake.card = CardText(type_mark="I")
    reader, _ = make(fake.port)
    result = reader.read()
    assert result.outcome is ReadOutcome.UNSUPPORTED_CARD and result.card is None


@pytest.mark.parametrize(
    ("command", "reply", "outcome"),
    [
        (FIND, b"\x13\x37\x00\xff" * 20, ReadOutcome.GARBAGE),
        (FIND, bytes.fromhex("AAAAAA9669FFFF") + bytes(20), ReadOutcome.GARBAGE),
        (SELECT, answer(0x90, bytes(8))[:-1] + b"\x00", ReadOutcome.BAD_CHECKSUM),
        (READ, answer(0x90, base_info(CardText()))[:-2] + b"\x00\x00", ReadOutcome.BAD_CHECKSUM),
        (READ, answer(0x90, base_info(CardText()))[:600], ReadOutcome.TRUNCATED),
        (READ, answer(0x90, b"\x01\x00\x04\x00" + bytes(10)), ReadOutcome.GARBAGE),
        (FIND, answer(0x21), ReadOutcome.READER_ERROR),
    ],
    ids=[
        "noise",
        "impossible-length",
        "select-checksum",
        "read-checksum",
        "truncated",
        "short-card-data",
        "command-error",
    ],
)
def test_bad_answers_give_a_clear_outcome_and_the_next_read_works(
    fake: FakeReader, make: Make, command: tuple[int, int], reply: bytes, outcome: ReadOutcome
) -> None:
    fake.then(command, reply)
    reader, health = make(fake.port)
    result = reader.read()
    assert result.outcome is outcome, result
    assert result.card is None and result.reason == f"idcard.{outcome.value}"
    health.wait_for("idcard.protocol_error", HealthLevel.DEGRADED)
    again = reader.read()
    assert again.ok, again
    assert reader.health.level is HealthLevel.READY


def test_a_truncated_answer_from_a_card_that_went_away_is_a_pulled_card(
    fake: FakeReader, make: Make
) -> None:
    def cut_and_pull(reader: FakeReader) -> bytes:
        reader.card = None
        return answer(0x90, base_info(CardText()))[:300]

    fake.then(READ, cut_and_pull)
    reader, _ = make(fake.port)
    assert reader.read().outcome is ReadOutcome.CARD_REMOVED


def test_junk_before_an_answer_is_skipped(fake: FakeReader, make: Make) -> None:
    fake.then(FIND, b"\x00\xff\xaa\xaa" + answer(0x9F, bytes(4)))
    reader, _ = make(fake.port)
    assert reader.read().ok


def test_a_silent_reader_is_offline_and_recovers(fake: FakeReader, make: Make) -> None:
    fake.then(FIND, b"")
    reader, health = make(fake.port)
    result = reader.read()
    assert result.outcome is ReadOutcome.OFFLINE and "no answer" in result.detail
    health.wait_for("idcard.offline", HealthLevel.OFFLINE)
    assert reader.read().ok  # the port is reopened
    health.wait_for("idcard.ready", HealthLevel.READY)


def test_a_reader_whose_sam_failed_reports_a_fault(fake: FakeReader, make: Make) -> None:
    fake.then(STATUS, answer(0x60))
    reader, health = make(fake.port)
    reader.start()
    health.wait_for("idcard.reader_fault", HealthLevel.OFFLINE)


def test_the_reader_unplugged_and_plugged_back_in(tmp_path: Path, make: Make) -> None:
    link = tmp_path / "ttyIDCARD"
    first = FakeReader(link)
    reader, health = make(str(link), poll_interval_s=0.05)
    reader.start()
    try:
        health.wait_for("idcard.ready", HealthLevel.READY)
        first.unplug()
        health.wait_for("idcard.not_found", HealthLevel.OFFLINE)
        result = reader.read()
        assert result.outcome is ReadOutcome.OFFLINE and result.card is None
        unplugged = health.mark()
        second = FakeReader(link)
        try:
            second.wait_for_requests(1)  # the watcher found the new port and asked its status
            health.wait_for("idcard.ready", HealthLevel.READY, since=unplugged)
            assert reader.read().ok
        finally:
            reader.stop()
            second.close()
    finally:
        if not first._stop.is_set():
            first.close()


def test_a_port_that_does_not_exist_is_not_found(make: Make) -> None:
    reader, health = make("/dev/ttyDOESNOTEXIST")
    reader.start()
    health.wait_for("idcard.not_found", HealthLevel.OFFLINE)
    result = reader.read()
    assert result.outcome is ReadOutcome.OFFLINE and result.reason == "idcard.offline"
    reader.stop()
    assert reader.health.reason == "idcard.stopped"
