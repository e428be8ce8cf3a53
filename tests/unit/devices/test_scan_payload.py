from __future__ import annotations

import pytest

from devices.scan_payload import PayloadError, PayloadKind, check_payload, classify


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("MT1.eyJtIjoiMSJ9.c2ln", PayloadKind.MEMBER_TOKEN),
        ("VC1.K7Q2M9X4", PayloadKind.VOUCHER),
        ("TB1.eyJ0IjoiMSJ9.c2ln", PayloadKind.TECHNICIAN_BADGE),
        ("https://gov.example.cn/pay?d=123", PayloadKind.URL),
        ("HTTP://EXAMPLE.CN", PayloadKind.URL),
        ("随手拍", PayloadKind.UNKNOWN),
        ("mt1.lowercase-is-not-a-token", PayloadKind.UNKNOWN),
    ],
)
def test_classify(text: str, kind: PayloadKind) -> None:
    assert classify(text) is kind


def test_trims_terminators_and_decodes_utf8_then_gb18030() -> None:
    assert check_payload(b"MT1.a.b\r\n") == "MT1.a.b"
    assert check_payload("积分".encode()) == "积分"
    assert check_payload("积分".encode("gb18030")) == "积分"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"A" * 10_240, "scan.too_long"),
        (b"\x01\x02\x03\x04\r\n", "scan.empty"),
        (b"   \r\n", "scan.empty"),
        (b"\xff\xfe\xfd\x80\x81", "scan.not_text"),
        (b"MT1.a\x07b", "scan.control_chars"),
    ],
)
def test_bad_payloads_are_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        check_payload(raw, max_bytes=2048)
    assert info.value.reason == reason


def test_gs1_separator_is_allowed() -> None:
    assert check_payload(b"0100012345678905\x1d10ABC") == "0100012345678905\x1d10ABC"


@pytest.mark.parametrize(
    "text",
    [
        "VC1.K7Q2\u202eM9X4",  # right-to-left override
        "https://gov.example.cn/\u202egnp.exe",
        "MT1.a\u200bb.c2ln",  # zero-width space
        "RQ20261202-K7Q2M9\u2066.tok",  # left-to-right isolate
        "\ufeffVC1.K7Q2M9X4",  # BOM
        "VC1.K7Q2\u200dM9X4",  # zero-width joiner
        "VC1.K7Q2\u2028M9X4",  # line separator
        "积分\u200e兑换",  # left-to-right mark
    ],
)
def test_bidi_and_zero_width_characters_are_refused(text: str) -> None:
    for raw, decoded in ((text.encode("utf-8"), None), (text.encode("utf-8"), text)):
        with pytest.raises(PayloadError) as err:
            check_payload(raw, text=decoded)
        assert err.value.reason == "scan.control_chars"
        assert "U+" in err.value.detail
