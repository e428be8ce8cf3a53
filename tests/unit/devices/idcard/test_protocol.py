"""SAM frames and the card's text layout, against the bytes public documentation shows."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from devices.idcard.protocol import (
    FIND_CARD,
    READ_BASE,
    SAM_STATUS,
    SELECT_CARD,
    AnswerParser,
    CardDataError,
    FrameError,
    FrameProblem,
    checksum,
    encode_request,
    parse_base_info,
)
from tests.unit.devices.idcard.fake_reader import PHOTO, CardText, answer, base_info

# Requests and answers as published (see devices.idcard.protocol for where).
DOC_FIND = "AA AA AA 96 69 00 03 20 01 22"
DOC_SELECT = "AA AA AA 96 69 00 03 20 02 21"
DOC_READ = "AA AA AA 96 69 00 03 30 01 32"
DOC_FOUND = "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
DOC_SELECTED = "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"
DOC_READ_FAILED = "AA AA AA 96 69 00 04 00 00 41 45"
DOC_AUTH_FAILED = "AA AA AA 96 69 00 04 00 00 32 36"


def parse(*chunks: bytes) -> AnswerParser:
    parser = AnswerParser()
    for chunk in chunks:
        parser.feed(chunk)
    return parser


def test_requests_are_the_documented_bytes() -> None:
    assert encode_request(FIND_CARD) == bytes.fromhex(DOC_FIND)
    assert encode_request(SELECT_CARD) == bytes.fromhex(DOC_SELECT)
    assert encode_request(READ_BASE) == bytes.fromhex(DOC_READ)
    status = encode_request(SAM_STATUS)
    assert status[:7] == bytes.fromhex("AAAAAA96690003") and status[-1] == 0x00 ^ 0x03 ^ 0x11 ^ 0xFF


def test_documented_answers_parse_with_their_checksums() -> None:
    found = parse(bytes.fromhex(DOC_FOUND)).take()
    assert found is not None and (found.sw1, found.sw2, found.sw3) == (0, 0, 0x9F)
    assert found.data == bytes(4)
    selected = parse(bytes.fromhex(DOC_SELECTED)).take()
    assert selected is not None and selected.sw3 == 0x90 and len(selected.data) == 8
    for text, sw3 in ((DOC_READ_FAILED, 0x41), (DOC_AUTH_FAILED, 0x32)):
        failed = parse(bytes.fromhex(text)).take()
        assert failed is not None and failed.sw3 == sw3 and failed.data == b""


def test_checksum_is_the_xor_after_the_preamble() -> None:
    assert checksum(bytes.fromhex("0004000041")) == 0x45
    assert checksum(b"") == 0


def test_an_answer_fed_byte_by_byte_after_junk_is_found() -> None:
    frame = answer(0x90, base_info(CardText()))
    parser = AnswerParser()
    parser.feed(b"\x00\xaa\x13\xaa\xaa")  # junk, then a tail that looks like a preamble start
    for i, byte in enumerate(frame):
        assert parser.take() is None, f"complete after {i} bytes"
        parser.feed(bytes((byte,)))
    got = parser.take()
    assert got is not None and got.sw3 == 0x90 and len(got.data) == 4 + 256 + 1024
    assert parser.junk == 5
    assert "样例" not in repr(got) and "bytes" in repr(got)


def test_a_wrong_checksum_is_named() -> None:
    frame = bytearray(answer(0x9F, bytes(4)))
    frame[-1] ^= 0x01
    with pytest.raises(FrameError) as caught:
        parse(bytes(frame)).take()
    assert caught.value.problem is FrameProblem.BAD_CHECKSUM


@pytest.mark.parametrize("length", [b"\x00\x00", b"\x00\x03", b"\xff\xff"])
def test_an_impossible_length_is_garbage(length: bytes) -> None:
    with pytest.raises(FrameError) as caught:
        parse(bytes.fromhex("AAAAAA9669") + length + bytes(8)).take()
    assert caught.value.problem is FrameProblem.GARBAGE


def test_giving_up_tells_truncated_from_garbage_from_silence() -> None:
    frame = answer(0x90, base_info(CardText()))
    cut = parse(frame[:700])
    assert cut.take() is None
    problem = cut.give_up()
    assert problem is not None and problem.problem is FrameProblem.TRUNCATED
    noise = parse(b"\x13\x37" * 40)
    assert noise.take() is None
    problem = noise.give_up()
    assert problem is not None and problem.problem is FrameProblem.GARBAGE
    assert AnswerParser().give_up() is None


def test_base_info_gives_the_fields_and_drops_the_photo() -> None:
    card = parse_base_info(base_info(CardText()))
    assert (card.name, card.sex, card.sex_code, card.nation, card.nation_code) == (
        "样例张三",
        "男",
        "1",
        "汉",
        "01",
    )
    assert card.birth_date == date(1990, 3, 7)
    assert card.address == "演示省样例市测试区示范路1号（演示数据）"
    assert card.id_number == "999999199003071234"
    assert card.issuer == "样例市公安局演示分局"
    assert (card.valid_from, card.valid_until) == (date(2023, 1, 5), date(2043, 1, 5))
    # nothing of the photo is kept: no field holds bytes, and its bytes are nowhere in it
    assert not any(isinstance(getattr(card, f.name), bytes) for f in dataclasses.fields(card))
    assert all(PHOTO[:16].hex() not in str(getattr(card, f.name)) for f in dataclasses.fields(card))


def test_long_term_cards_and_codes_outside_the_tables() -> None:
    text = CardText(valid_until="长期", nation="98", sex="2", name="样例李四")
    card = parse_base_info(base_info(text))
    assert card.valid_until is None and card.long_term and card.valid_until_text == "长期"
    assert (card.nation, card.sex) == ("外国血统中国籍人士", "女")
    odd = parse_base_info(base_info(CardText(nation="77")))
    assert odd.nation == "77" and odd.nation_code == "77"  # shown as read, not refused


def test_a_lower_case_x_check_character_is_accepted_upper_case() -> None:
    card = parse_base_info(base_info(CardText(id_number="99999919780910135x", birth="19780910")))
    assert card.id_number == "99999919780910135X"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (base_info(CardText(), photo=b"")[:-1], "garbage"),  # lengths do not add up
        (bytes(3), "garbage"),
        (base_info(CardText(id_number="999999199003071235")), "garbage"),  # MOD 11-2 fails
        (base_info(CardText(birth="19901332")), "garbage"),
        (base_info(CardText(valid_until="2043013")), "garbage"),
        (base_info(CardText(name="")), "garbage"),
        (base_info(CardText(type_mark="I")), "unsupported"),  # a foreigner's residence card
    ],
)
def test_card_data_that_cannot_be_a_resident_card_is_refused(data: bytes, kind: str) -> None:
    with pytest.raises(CardDataError) as caught:
        parse_base_info(data)
    assert caught.value.kind == kind
    assert "999999" not in str(caught.value) and "样例" not in str(caught.value)


def test_text_that_is_not_ucs2_is_garbage() -> None:
    data = bytearray(base_info(CardText()))
    data[4:6] = b"\x00\xd8"  # a lone high surrogate as the name's first character
    with pytest.raises(CardDataError) as caught:
        parse_base_info(bytes(data))
    assert caught.value.kind == "garbage"
