"""The ESC/POS renderer, read back through our interpreter (and cross-checked with
python-escpos and a QR decoder)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image as PILImage

from devices.receipt.document import (
    Align,
    Barcode,
    Cut,
    Feed,
    Image,
    PaperProfile,
    QRCode,
    Receipt,
    Rule,
    Text,
)
from devices.receipt.escpos import qr_native_commands, render_escpos
from devices.receipt.escpos_text import Raster, escpos_to_text, parse_escpos, qr_payloads
from devices.receipt.layout import rule_line, text_block_lines
from devices.receipt.png import qr_module_size

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
PAYLOAD = "https://gov.example.cn/r?t=A0042&c=融治理"
PUNCT = "，。！？：；（）【】"
HEADING = "社区融治理中心 办事回执"
LATIN = "Ticket A-0042: please keep this receipt until your business is done."
CHINESE = "事项：居住证明开具（加急），预计等待约15分钟。"


def sample_receipt() -> Receipt:
    return Receipt("回执").add(
        Text(HEADING, size=2, bold=True, align=Align.CENTER),
        Text(PUNCT, align=Align.CENTER),
        Rule("-"),
        Text(LATIN),
        Text(CHINESE),
        QRCode(PAYLOAD),
        Feed(2),
        Cut(),
    )


# The wrapped lines, spelled out: a change in wrapping must show up here.
EXPECTED_LINES = {
    58: [
        "社区融治理中心",
        "办事回执",
        PUNCT,
        "-" * 32,
        "Ticket A-0042: please keep this",
        "receipt until your business is",
        "done.",
        "事项：居住证明开具（加急），预计",
        "等待约15分钟。",
        "",
        "",
    ],
    80: [
        HEADING,
        PUNCT,
        "-" * 48,
        "Ticket A-0042: please keep this receipt until",
        "your business is done.",
        "事项：居住证明开具（加急），预计等待约15分钟。",
        "",
        "",
    ],
}


def expected_lines(receipt: Receipt, profile: PaperProfile) -> list[str]:
    """The receipt's text lines as the layout module wraps them (QR and cut print no text)."""
    lines: list[str] = []
    for block in receipt.blocks:
        if isinstance(block, Text):
            lines += text_block_lines(block, profile)
        elif isinstance(block, Rule):
            lines.append(rule_line(block, profile))
        elif isinstance(block, Feed):
            lines += [""] * block.lines
    return lines


@pytest.fixture(params=[58, 80], ids=["58mm", "80mm"])
def profile(request: pytest.FixtureRequest) -> PaperProfile:
    return PaperProfile.for_width(request.param)


def test_starts_with_reset_and_enters_chinese_mode(profile: PaperProfile) -> None:
    data = render_escpos(sample_receipt(), profile)
    assert data.startswith(ESC + b"@")
    assert FS + b"&" in data
    assert data.index(FS + b"&") < data.index(HEADING[:2].encode("gb18030"))


def test_text_reads_back_line_by_line(profile: PaperProfile) -> None:
    receipt = sample_receipt()
    data = render_escpos(receipt, profile)
    printed = escpos_to_text(data).split("\n")
    assert printed[-1] == ""  # every line is LF-terminated
    assert printed[:-1] == expected_lines(receipt, profile)
    assert printed[:-1] == EXPECTED_LINES[profile.width_mm]


def test_full_width_punctuation_is_gb18030(profile: PaperProfile) -> None:
    data = render_escpos(sample_receipt(), profile)
    assert PUNCT.encode("gb18030") in data
    # "，" is A3 AC and "。" is A1 A3 in GB 2312 / GB18030.
    assert b"\xa3\xac\xa1\xa3" in data
    assert b"??" not in data


def test_print_modes(profile: PaperProfile) -> None:
    lines = parse_escpos(render_escpos(sample_receipt(), profile)).lines
    by_text = {line.text: line for line in lines}
    heading = by_text[EXPECTED_LINES[profile.width_mm][0]]
    assert (heading.align, heading.bold, heading.width, heading.height) == (1, True, 2, 2)
    punct = by_text[PUNCT]
    assert (punct.align, punct.bold, punct.width) == (1, False, 1)
    rule = by_text["-" * profile.columns]
    assert (rule.align, rule.bold, rule.width) == (0, False, 1)


def test_native_qr_payload_and_commands(profile: PaperProfile) -> None:
    data = render_escpos(sample_receipt(), profile)
    assert qr_payloads(data) == [PAYLOAD]
    # Model 2, error correction M, module size: byte for byte what python-escpos sends.
    module = qr_module_size(PAYLOAD, 6, profile.dots)
    reference = Dummy()
    reference.qr(PAYLOAD, ec=QR_ECLEVEL_M, size=module, native=True)
    assert qr_native_commands(PAYLOAD, module) == reference.output
    assert reference.output in data


def test_cut_and_feed(profile: PaperProfile) -> None:
    data = render_escpos(sample_receipt(), profile)
    assert ESC + b"d\x02" in data
    assert data.endswith(GS + b"VA\x03")
    assert parse_escpos(data).cuts == 1


def _stitch(rasters: list[Raster]) -> PILImage.Image:
    """Stacks GS v 0 bands into one picture (black dots black)."""
    width = max(r.width for r in rasters)
    img = PILImage.new("L", (width, sum(r.height for r in rasters)), 255)
    top = 0
    for r in rasters:
        for y in range(r.height):
            for x in range(r.width):
                if r.pixel(x, y):
                    img.putpixel((x, top + y), 0)
        top += r.height
    return img


@pytest.mark.parametrize("width_mm", [58, 80])
def test_qr_as_raster_when_the_printer_has_no_native_qr(width_mm: int) -> None:
    profile = PaperProfile.for_width(width_mm, native_qr=False)
    data = render_escpos(sample_receipt(), profile)
    parsed = parse_escpos(data)
    assert parsed.qr_data == []
    assert GS + b"(k" not in data
    assert all(r.width == profile.dots for r in parsed.rasters)
    decoded = zxingcpp.read_barcodes(_stitch(parsed.rasters))
    assert [(d.format, d.text) for d in decoded] == [(zxingcpp.BarcodeFormat.QRCode, PAYLOAD)]
    # The text is unchanged.
    assert escpos_to_text(data).split("\n")[:-1] == EXPECTED_LINES[width_mm]


def test_without_chinese_mode_prints_cp437_and_question_marks() -> None:
    profile = PaperProfile(58, 32, 384, native_qr=True, chinese_mode=False)
    receipt = Receipt("t").add(Text("Café 中心 Ticket"), Text(PUNCT), Rule("═"))
    data = render_escpos(receipt, profile)
    assert FS + b"&" not in data
    assert ESC + b"t\x00" in data
    assert escpos_to_text(data).split("\n")[:-1] == ["Café ?? Ticket", "?" * 10, "═" * 32]
    assert "Café".encode("cp437") in data


def test_control_characters_in_text_are_not_sent() -> None:
    data = render_escpos(Receipt("t").add(Text("张\x1bd\x09三")), PaperProfile.for_width(58))
    assert escpos_to_text(data).split("\n")[:-1] == ["张d 三"]
    assert b"\x1bd\x09" not in data


def test_size_is_clamped_and_must_be_positive() -> None:
    profile = PaperProfile.for_width(80)
    data = render_escpos(Receipt("t").add(Text("大", size=12)), profile)
    assert GS + b"!\x77" in data
    with pytest.raises(ValueError, match="at least 1"):
        render_escpos(Receipt("t").add(Text("x", size=0)), profile)


def test_barcode_code128_with_hri_below() -> None:
    profile = PaperProfile.for_width(58)
    data = render_escpos(Receipt("t").add(Barcode("A-0042{x}")), profile)
    assert GS + b"H\x02" in data
    assert [(b.m, b.data) for b in parse_escpos(data).barcodes] == [(73, b"{BA-0042{{x}")]
    digits = render_escpos(Receipt("t").add(Barcode("20240611")), profile)
    assert [(b.m, b.data) for b in parse_escpos(digits).barcodes] == [
        (73, b"{C" + bytes((20, 24, 6, 11)))
    ]
    assert escpos_to_text(data) == ""  # the HRI is drawn by the printer, not sent as text


@pytest.mark.parametrize(
    "block",
    [Barcode("中文"), Barcode(""), Barcode("A\x01"), Barcode("123", symbology="EAN13")],
)
def test_bad_barcodes_are_refused(block: Barcode) -> None:
    with pytest.raises(ValueError):
        render_escpos(Receipt("t").add(block), PaperProfile.for_width(58))


def _png(img: PILImage.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_image_is_scaled_to_the_paper_and_dithered() -> None:
    profile = PaperProfile.for_width(58)
    gray = PILImage.new("L", (800, 200), 128)
    data = render_escpos(Receipt("t").add(Image(_png(gray))), profile)
    rasters = parse_escpos(data).rasters
    assert [(r.width, r.height) for r in rasters] == [(384, 96)]
    black = sum(rasters[0].pixel(x, y) for y in range(96) for x in range(384))
    assert 0.3 < black / (384 * 96) < 0.7  # mid-gray dithers to about half the dots


def test_small_image_keeps_its_size_and_is_aligned_in_the_bitmap() -> None:
    profile = PaperProfile.for_width(80)
    square = PILImage.new("RGBA", (100, 300), (0, 0, 0, 255))
    data = render_escpos(Receipt("t").add(Image(_png(square), align=Align.RIGHT)), profile)
    rasters = parse_escpos(data).rasters
    assert [(r.width, r.height) for r in rasters] == [(576, 256), (576, 44)]  # two bands
    row = [rasters[0].pixel(x, 0) for x in range(576)]
    assert row.index(True) == 576 - 100
    assert all(row[476:])


def test_oversized_qr_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        render_escpos(Receipt("t").add(QRCode("x" * 3000)), PaperProfile.for_width(58))
    narrow = PaperProfile(58, 32, 64, native_qr=True, chinese_mode=True)
    with pytest.raises(ValueError, match="does not fit"):
        render_escpos(Receipt("t").add(QRCode("x" * 200)), narrow)  # 65 modules


def test_qr_module_shrinks_to_fit_the_paper() -> None:
    # 200 characters need version 10 (57 modules + 8 quiet): 6 dots would be 390 > 384.
    data = "x" * 200
    assert qr_module_size(data, 6, 384) == 5
    assert qr_module_size(data, 6, 576) == 6
    assert qr_module_size("short", 40, 576) == 16  # the printer's maximum


def test_characters_beyond_gb2312_use_gb18030() -> None:
    # Names may hold GBK-only characters (喆) and even Extension B ones (𠀀, four bytes).
    data = render_escpos(Receipt("t").add(Text("张喆𠀀 €")), PaperProfile.for_width(58))
    assert "喆".encode("gb18030") == b"\x86\xb4"
    assert b"\x86\xb4" in data
    assert b"\x95\x32\x82\x36" in data
    assert escpos_to_text(data).split("\n")[:-1] == ["张喆𠀀 €"]
