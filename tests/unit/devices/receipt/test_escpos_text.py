"""The ESC/POS interpreter the receipt tests rely on, checked on hand-made streams, on streams
from python-escpos, and against a public corpus of streams with reference transcripts.

Corpus: ``../shared/corpora/escpos`` next to the project (see its README.md): escpos-php's
example streams (``escpos-php/output/*.bin``), the text escpos-tools' ``esc2text`` printed for
each (``escpos-tools-renders/*.esc2text.txt``), and escpos-tools' own golden transcript of
``receipt-with-logo.bin`` (``escpos-tools/doc/esc2text.md``). The files are read in place.

How our output is compared with ``esc2text`` (differences that are about whitespace or where
``esc2text`` is wrong, not about content):

* lines are compared right-stripped and with blank lines left out: ``esc2text`` prints one
  line end for ``ESC d n`` whatever ``n`` is (we print ``n``, as the paper feeds ``n``
  lines), a blank line at every ``GS V`` cut (paper feed, no text) and trailing blank lines;
* ``esc2text`` ignores ``ESC t`` and reads every byte as CP437: with ``force_codec="cp437"``
  we must match it exactly; with code pages honoured only non-ASCII lines may differ, and
  they must then be the real text (pangrams of the languages the stream selects);
* ``esc2text`` does not know ``GS L`` / ``GS W`` (margins-and-spacing.bin) and prints their
  two parameter bytes as text: its line must be ours with exactly those two characters first;
* unifont-print-buffer.bin prints with user-defined glyphs (``ESC &`` + ``ESC %``): the
  characters sent are not the text shown, so there is nothing meaningful to compare; we
  only check it parses cleanly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image as PILImage

from devices.receipt.escpos_text import escpos_to_text, parse_escpos, qr_payloads

ROOT = Path(__file__).resolve().parents[4]
CORPUS = ROOT.parent / "shared" / "corpora" / "escpos"
STREAMS = CORPUS / "escpos-php" / "output"
RENDERS = CORPUS / "escpos-tools-renders"

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"


# -- hand-made streams ------------------------------------------------------------------------


def test_lines_end_at_lf_and_a_trailing_partial_line_is_kept() -> None:
    assert escpos_to_text(ESC + b"@Hello\nworld\n\nend") == "Hello\nworld\n\nend\n"


def test_reset_discards_the_unprinted_line_and_chinese_mode() -> None:
    data = FS + b"&" + "中".encode("gb18030") + ESC + b"@" + "é".encode("cp437") + b"\n"
    assert escpos_to_text(data) == "é\n"


def test_chinese_mode_decodes_gb18030_including_full_width_punctuation() -> None:
    text = "社区，。！？：；（）【】"
    data = ESC + b"@" + FS + b"&" + text.encode("gb18030") + b"\n"
    assert escpos_to_text(data) == text + "\n"
    # Without FS & the same bytes are CP437 characters, not Chinese.
    assert escpos_to_text(text.encode("gb18030") + b"\n") != text + "\n"


def test_chinese_mode_off_returns_to_the_code_page() -> None:
    data = FS + b"&" + "中".encode("gb18030") + FS + b"." + b"\x82\n"
    assert escpos_to_text(data) == "中é\n"


def test_esc_t_selects_the_code_page() -> None:
    assert escpos_to_text(ESC + b"t\x10" + b"\x80\n") == "€\n"  # WPC1252
    assert escpos_to_text(ESC + b"t\x11" + b"\x80\n") == "А\n"  # PC866 Cyrillic
    assert escpos_to_text(b"\x80\n") == "Ç\n"  # PC437 at start


def test_esc_d_feeds_n_lines() -> None:
    assert escpos_to_text(b"a" + ESC + b"d\x03" + b"b\n") == "a\n\n\nb\n"
    assert escpos_to_text(ESC + b"d\x02") == "\n\n"


def test_dot_feeds_end_a_line_but_add_no_blank_line() -> None:
    assert escpos_to_text(b"a" + ESC + b"J\x0a" + ESC + b"J\x0a" + b"b\n") == "a\nb\n"


def test_print_modes_are_recorded_per_line() -> None:
    data = (
        ESC + b"a\x01" + ESC + b"E\x01" + GS + b"!\x11" + b"Title\n"
        + ESC + b"a0" + ESC + b"E\x00" + GS + b"!\x00" + b"body\n"
        + ESC + b"!\x38" + b"big\n"
    )  # fmt: skip
    lines = parse_escpos(data).lines
    assert [(x.text, x.align, x.bold, x.width, x.height) for x in lines] == [
        ("Title", 1, True, 2, 2),
        ("body", 0, False, 1, 1),
        ("big", 0, True, 2, 2),
    ]


def test_commands_are_skipped_by_their_length_fields() -> None:
    # Every payload below contains 0x0A bytes that would be line ends if read as text.
    qr_store = GS + b"(k" + bytes((3 + 3, 0)) + b"1P0" + b"a\nb"
    raster = GS + b"v0\x00" + b"\x01\x00" + b"\x02\x00" + b"\x0a\x0a"
    bit_image = ESC + b"*\x00" + b"\x02\x00" + b"\x0a\x0a"
    barcode_b = GS + b"kI\x04{B\n\n"
    barcode_a = GS + b"k\x04" + b"A\n\nB\x00"
    graphics = GS + b"(L" + b"\x03\x00" + b"0\n\n"
    cut = GS + b"VA\x0a"
    stream = b"x" + qr_store + raster + bit_image + barcode_b + barcode_a + graphics + b"y\n" + cut
    parsed = parse_escpos(stream)
    assert parsed.text == "xy\n"
    assert parsed.qr_data == [b"a\nb"]
    assert [(r.width_bytes, r.height, r.data) for r in parsed.rasters] == [(1, 2, b"\n\n")]
    assert [(b.m, b.data) for b in parsed.barcodes] == [(73, b"{B\n\n"), (4, b"A\n\nB")]
    assert parsed.cuts == 1
    assert parsed.unknown == []


def test_cuts_are_counted_and_end_the_line() -> None:
    parsed = parse_escpos(b"a" + GS + b"V\x00" + b"b" + ESC + b"i" + b"c" + GS + b"VB\x00")
    assert parsed.text == "a\nb\nc\n"
    assert parsed.cuts == 3


def test_a_stream_cut_short_does_not_raise() -> None:
    assert escpos_to_text(b"ok\n" + GS + b"(k\xff\x00" + b"1P0abc") == "ok\n"
    assert escpos_to_text(b"ok\n" + ESC) == "ok\n"


def test_qr_payloads_in_order_with_utf8_and_binary() -> None:
    def store(data: bytes) -> bytes:
        return GS + b"(k" + bytes((len(data) + 3, 0)) + b"1P0" + data

    pdf417 = GS + b"(k" + bytes((3 + 2, 0)) + b"0P0" + b"no"
    stream = store("回执 A-1".encode()) + pdf417 + store(b"\x00\xff")
    assert qr_payloads(stream) == ["回执 A-1", "\x00\xff"]


# -- streams from python-escpos (an independent producer) ---------------------------------------


def test_reads_python_escpos_output() -> None:
    printer = Dummy()
    printer.set(bold=True, align="center", double_height=True, double_width=True)
    printer.text("Hello\n")
    printer.qr("payload 1", ec=QR_ECLEVEL_M, size=6, native=True)
    printer.image(PILImage.new("1", (40, 10), 0))  # height 10 = 0x0A inside the header
    printer.set(normal_textsize=True, bold=False, align="left")
    printer.text("after\n")
    printer.cut()
    parsed = parse_escpos(printer.output)
    assert [(x.text, x.align, x.bold, x.width) for x in parsed.lines if x.text] == [
        ("Hello", 1, True, 2),
        ("after", 0, False, 1),
    ]
    assert qr_payloads(printer.output) == ["payload 1"]
    assert [(r.width, r.height) for r in parsed.rasters] == [(40, 10)]
    assert all(r.pixel(x, 5) for r in parsed.rasters for x in range(40))
    assert parsed.cuts == 1
    assert parsed.unknown == []


# -- the public corpus ------------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(
    not STREAMS.is_dir() or not RENDERS.is_dir(),
    reason=f"ESC/POS corpus not found at {CORPUS} (see the project's test data notes)",
)


def _content_lines(lines: list[str]) -> list[str]:
    """Right-stripped, blank lines left out (see the module docstring for why)."""
    return [line.rstrip() for line in lines if line.strip()]


def _reference(name: str) -> list[str]:
    return _content_lines((RENDERS / f"{name}.esc2text.txt").read_text("utf-8").split("\n"))


def _ours(name: str, force_codec: str | None = None) -> list[str]:
    parsed = parse_escpos((STREAMS / f"{name}.bin").read_bytes(), force_codec=force_codec)
    return _content_lines([line.text for line in parsed.lines])


ALL_STREAMS = [
    "barcode",
    "bit-image",
    "character-encodings",
    "character-tables",
    "demo",
    "graphics",
    "margins-and-spacing",
    "pdf417-code",
    "qr-code",
    "receipt-with-logo",
    "text-size",
    "unifont-print-buffer",
]
EXACT = [
    "barcode",
    "bit-image",
    "demo",
    "graphics",
    "pdf417-code",
    "qr-code",
    "receipt-with-logo",
    "text-size",
]


@needs_corpus
def test_golden_transcript_of_receipt_with_logo() -> None:
    doc = (CORPUS / "escpos-tools" / "doc" / "esc2text.md").read_text("utf-8")
    after = doc.split("$ php esc2text.php receipt-with-logo.bin\n", 1)[1]
    transcript = after.split("```", 1)[0]
    expected = _content_lines(transcript.split("\n"))
    ours = _content_lines(
        escpos_to_text((CORPUS / "escpos-tools" / "receipt-with-logo.bin").read_bytes()).split("\n")
    )
    assert len(expected) == 14
    assert ours == expected


@needs_corpus
@pytest.mark.parametrize("name", ALL_STREAMS)
def test_every_corpus_stream_parses_without_unknown_commands(name: str) -> None:
    parsed = parse_escpos((STREAMS / f"{name}.bin").read_bytes())
    assert parsed.unknown == []
    assert parsed.cuts >= 1  # every example ends with a cut


@needs_corpus
@pytest.mark.parametrize("name", EXACT)
def test_text_matches_esc2text(name: str) -> None:
    assert _ours(name) == _reference(name)


@needs_corpus
@pytest.mark.parametrize("name", ["character-encodings", "character-tables"])
def test_code_pages(name: str) -> None:
    reference = _reference(name)
    # Read like esc2text (CP437 throughout), we print exactly what it printed.
    assert _ours(name, force_codec="cp437") == reference
    # Honouring ESC t, only lines with non-ASCII characters may differ.
    ours = _ours(name)
    assert len(ours) == len(reference)
    for mine, theirs in zip(ours, reference, strict=True):
        if mine.isascii() and theirs.isascii():
            assert mine == theirs


@needs_corpus
def test_code_pages_give_the_real_text() -> None:
    ours = _ours("character-encodings")
    for pangram in [
        "Quizdeltagerne spiste jordbær med fløde, mens cirkusklovnen Wolther spillede på xylofon.",
        "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία",
        "В чащах юга жил бы цитрус? Да, но фальшивый экземпляр!",
        "Pchnąć w tę łódź jeża lub ośm skrzyń fig.",
        "Pijamalı hasta, yağız şoföre çabucak güvendi.",
    ]:
        assert pangram in ours


@needs_corpus
def test_margins_and_spacing_apart_from_esc2text_leaking_parameters() -> None:
    ours, reference = _ours("margins-and-spacing"), _reference("margins-and-spacing")
    assert len(ours) == len(reference) == 18
    leaked = 0
    for mine, theirs in zip(ours, reference, strict=True):
        if mine != theirs:
            assert len(theirs) == len(mine) + 2 and theirs.endswith(mine), (mine, theirs)
            leaked += 1
    assert leaked == 14  # GS L / GS W lines (the 16 one's parameters happen to be DLE NUL)


@needs_corpus
def test_qr_payloads_of_qr_code_bin() -> None:
    # What escpos-php's example/qr-code.php stores: "Testing 123" twice (plain, centred), the
    # numeric / alphanumeric / binary data-encoding demos, then "Testing 123" for 4 error
    # correction levels, 7 pixel sizes and 3 models.
    testing = "Testing 123"
    expected = [
        testing,
        testing,
        "0123456789" * 4,
        "abcdefghijklmnopqrstuvwxyz" + "abcdefghijklmn",
        "\x00" * 40,
        *[testing] * (4 + 7 + 3),
    ]
    found = qr_payloads((STREAMS / "qr-code.bin").read_bytes())
    assert len(found) == 19
    assert found == expected
    assert found.count(testing) == 16
