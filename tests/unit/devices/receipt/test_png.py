"""The PNG preview: the paper as the printer will print it, checked with a barcode decoder
and by measuring ink."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import zxingcpp
from PIL import Image as PILImage

from devices.receipt import png
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
from devices.receipt.png import FontNotFoundError, find_cjk_font, line_height, render_png

PAYLOAD = "https://gov.example.cn/r?t=A0042&c=融治理"


def sample_receipt() -> Receipt:
    return Receipt("回执").add(
        Text("社区融治理中心 办事回执", size=2, bold=True, align=Align.CENTER),
        Text("，。！？：；（）【】", align=Align.CENTER),
        Rule("-"),
        Text("Ticket A-0042: please keep this receipt until your business is done."),
        QRCode(PAYLOAD),
        Feed(2),
        Cut(),
    )


def dark(img: PILImage.Image) -> npt.NDArray[np.bool_]:
    """Dark pixels of the picture as a boolean array (rows, columns)."""
    return np.asarray(img.convert("L")) < 128


def ink_columns(img: PILImage.Image) -> list[int]:
    """x of every column with a dark pixel."""
    return [int(x) for x in np.flatnonzero(dark(img).any(axis=0))]


def dark_pixels(img: PILImage.Image) -> int:
    return int(dark(img).sum())


def decoded(img: PILImage.Image, fmt: zxingcpp.BarcodeFormat) -> list[str]:
    return [str(c.text) for c in zxingcpp.read_barcodes(img) if c.format == fmt]


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("native_qr", [True, False])
def test_paper_width_and_qr_reads_back(width_mm: int, native_qr: bool) -> None:
    profile = PaperProfile.for_width(width_mm, native_qr=native_qr)
    img = render_png(sample_receipt(), profile)
    assert img.mode == "L"
    assert img.width == profile.dots
    assert img.getpixel((0, 0)) == 255  # white paper
    assert decoded(img, zxingcpp.BarcodeFormat.QRCode) == [PAYLOAD]


def test_barcode_reads_back() -> None:
    profile = PaperProfile.for_width(58)
    for data in ("A-0042", "20240611000123"):
        img = render_png(Receipt("t").add(Barcode(data)), profile)
        assert decoded(img, zxingcpp.BarcodeFormat.Code128) == [data]


def test_wraps_exactly_where_the_paper_does() -> None:
    profile = PaperProfile.for_width(58)
    sixteen = render_png(Receipt("t").add(Text("中" * 16)), profile)
    seventeen = render_png(Receipt("t").add(Text("中" * 17)), profile)
    assert seventeen.height - sixteen.height == line_height(1)
    big = render_png(Receipt("t").add(Text("中" * 9, size=2)), profile)  # 16 columns at size 2
    assert big.height - sixteen.height == 2 * line_height(2) - line_height(1)


@pytest.mark.parametrize("width_mm", [58, 80])
def test_a_full_line_spans_the_paper(width_mm: int) -> None:
    profile = PaperProfile.for_width(width_mm)
    cjk = render_png(Receipt("t").add(Text("国" * (profile.columns // 2))), profile)
    cols = ink_columns(cjk)
    assert cols[0] < 6
    assert cols[-1] > profile.dots - 6
    latin = render_png(Receipt("t").add(Text("H" * profile.columns)), profile)
    cols = ink_columns(latin)
    assert cols[0] < 6
    assert cols[-1] > profile.dots - 8


def test_alignment() -> None:
    profile = PaperProfile.for_width(58)
    left = ink_columns(render_png(Receipt("t").add(Text("中文")), profile))
    right = ink_columns(render_png(Receipt("t").add(Text("中文", align=Align.RIGHT)), profile))
    center = ink_columns(render_png(Receipt("t").add(Text("中文", align=Align.CENTER)), profile))
    assert left[0] < 4 and left[-1] < 60
    assert right[-1] > profile.dots - 4 and right[0] > profile.dots - 60
    assert abs((center[0] + center[-1]) / 2 - profile.dots / 2) < 4


def test_bold_draws_more_ink() -> None:
    profile = PaperProfile.for_width(58)
    plain = render_png(Receipt("t").add(Text("办事回执 Receipt")), profile)
    bold = render_png(Receipt("t").add(Text("办事回执 Receipt", bold=True)), profile)
    assert dark_pixels(bold) > dark_pixels(plain) * 1.2


def test_cut_is_a_dashed_line() -> None:
    profile = PaperProfile.for_width(58)
    img = render_png(Receipt("t").add(Cut()), profile)
    ink = dark(img)
    share = ink.mean(axis=1)
    dashed_rows = [int(y) for y in np.flatnonzero((share > 0.3) & (share < 0.7))]
    assert len(dashed_rows) == 1
    row = ink[dashed_rows[0]]
    runs = int((row[1:] & ~row[:-1]).sum())  # dashes: a dark pixel after a light one
    assert runs > 20


def test_image_block_is_drawn_scaled_to_the_paper() -> None:
    profile = PaperProfile.for_width(58)
    buf = io.BytesIO()
    PILImage.new("RGB", (768, 100), "black").save(buf, "PNG")
    img = render_png(Receipt("t").add(Image(buf.getvalue())), profile)
    cols = ink_columns(img)
    assert cols[0] == 0 and cols[-1] == profile.dots - 1
    assert dark_pixels(img) == profile.dots * 50  # 768x100 scaled to 384x50, all black


def test_rule_and_feed_take_space() -> None:
    profile = PaperProfile.for_width(80)
    empty = render_png(Receipt("t"), profile)
    fed = render_png(Receipt("t").add(Feed(3)), profile)
    assert fed.height - empty.height == 3 * line_height(1)
    rule = render_png(Receipt("t").add(Rule("-")), profile)
    cols = ink_columns(rule)
    assert cols[0] < 12 and cols[-1] > profile.dots - 12


def test_find_cjk_font() -> None:
    path = find_cjk_font()
    assert path.is_file()


def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png, "_FONT_CANDIDATES", (Path("/nonexistent/wqy.ttc"),))
    monkeypatch.setattr("shutil.which", lambda _name: None)
    with pytest.raises(FontNotFoundError, match="fonts-wqy-microhei"):
        find_cjk_font()
    with pytest.raises(FileNotFoundError, match="fonts-wqy-microhei"):
        render_png(Receipt("t").add(Text("x")), PaperProfile.for_width(58))
