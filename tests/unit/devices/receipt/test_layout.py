"""Text measurement and wrapping shared by the ESC/POS and PNG receipt renderers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.receipt.document import PaperProfile, Rule, Text
from devices.receipt.layout import (
    align_line,
    char_width,
    columns_for_size,
    display_width,
    printable_text,
    rule_line,
    text_block_lines,
    wrap,
    wrap_line,
)


@pytest.mark.parametrize(
    ("ch", "width"),
    [
        ("a", 1),
        ("1", 1),
        (" ", 1),
        ("中", 2),
        ("，", 2),
        ("【", 2),
        ("Ａ", 2),  # full-width Latin (F)
        ("ｱ", 1),  # half-width katakana (H)
        ("\u0301", 0),  # combining acute
    ],
)
def test_char_width(ch: str, width: int) -> None:
    assert char_width(ch) == width


def test_ambiguous_width_is_wide_only_in_chinese_mode() -> None:
    # A Chinese-mode printer prints every GB18030 double-byte character full width.
    assert char_width("·") == 2
    assert char_width("·", east_asian=False) == 1
    assert display_width("“好”", east_asian=False) == 4
    assert display_width("“好”") == 6


def test_columns_per_size() -> None:
    assert columns_for_size(32, 1) == 32
    assert columns_for_size(32, 2) == 16
    assert columns_for_size(48, 2) == 24
    with pytest.raises(ValueError, match="at least 1"):
        columns_for_size(32, 0)


def test_wraps_cjk_at_the_column_budget() -> None:
    lines = wrap("社区融治理中心欢迎您请按顺序取号", 16)
    assert lines == ["社区融治理中心欢", "迎您请按顺序取号"]


def test_wraps_latin_at_spaces_and_drops_them() -> None:
    assert wrap("The quick brown fox jumps over the lazy dog", 10) == [
        "The quick",
        "brown fox",
        "jumps over",
        "the lazy",
        "dog",
    ]


def test_splits_a_word_longer_than_a_line() -> None:
    assert wrap("abcdefghijklmnopqrstuvwxyz", 8) == ["abcdefgh", "ijklmnop", "qrstuvwx", "yz"]


def test_odd_budget_never_splits_a_wide_character() -> None:
    assert wrap("中文字", 5) == ["中文", "字"]


def test_closing_punctuation_does_not_start_a_line() -> None:
    # "欢迎，" would put the comma first on the second line; "迎" moves down with it.
    assert wrap("社区欢迎，谢谢", 8) == ["社区欢", "迎，谢谢"]


def test_newlines_are_hard_breaks_and_empty_text_is_one_blank_line() -> None:
    assert wrap("第一行\n\nsecond", 32) == ["第一行", "", "second"]
    assert wrap("", 32) == [""]


def test_align_line_pads_on_the_left() -> None:
    assert align_line("中文", 10, "center") == "   中文"
    assert align_line("ab", 10, "right") == "        ab"
    assert align_line("ab", 10, "left") == "ab"


def test_printable_text_drops_control_characters() -> None:
    # An ESC in a resident's name must not reach the printer as a command.
    assert printable_text("张\x1b@三\t先生", chinese_mode=True) == "张@三 先生"


def test_printable_text_without_chinese_mode_is_what_cp437_prints() -> None:
    assert printable_text("Café 中文，", chinese_mode=False) == "Café ???"


def test_text_block_uses_columns_over_size() -> None:
    profile = PaperProfile.for_width(58)
    lines = text_block_lines(Text("一二三四五六七八九十", size=2), profile)
    assert lines == ["一二三四五六七八", "九十"]
    lines80 = text_block_lines(
        Text("一二三四五六七八九十一二三", size=2), PaperProfile.for_width(80)
    )
    assert lines80 == ["一二三四五六七八九十一二", "三"]


def test_rule_fills_the_columns() -> None:
    assert rule_line(Rule("-"), PaperProfile.for_width(58)) == "-" * 32
    assert rule_line(Rule("="), PaperProfile.for_width(80)) == "=" * 48
    assert rule_line(Rule("—"), PaperProfile.for_width(58)) == "—" * 16


# -- properties -------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("abcdefgXYZ0123 ")
    + list("中文社区融治理")
    + list("，。！？：；（）【】、“”·")
    + ["\u0301", "Ａ", "ｱ", "-"]
)
_TEXT = st.text(alphabet=_ALPHABET, max_size=120) | st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n"), max_size=80
)


def _consumed_spaces_only(text: str, lines: list[str]) -> bool:
    """Whether ``lines`` is ``text`` cut into pieces with only spaces removed at the cuts."""
    pos = 0
    for line in lines:
        # Spaces may be dropped only at a break (or before the first line when the leading
        # indentation does not fit next to the first word).
        while pos < len(text) and text[pos] == " " and not text.startswith(line, pos):
            pos += 1
        if not text.startswith(line, pos):
            return False
        pos += len(line)
    return text[pos:].strip(" ") == ""


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, width=st.integers(min_value=2, max_value=48), east_asian=st.booleans())
def test_wrap_properties(text: str, width: int, east_asian: bool) -> None:
    lines = wrap_line(text, width, east_asian=east_asian)
    assert lines, "always at least one line"
    for line in lines:
        assert display_width(line, east_asian=east_asian) <= width, (line, width)
    # Concatenating the lines (minus the spaces dropped at breaks) gives back the text.
    assert _consumed_spaces_only(text, lines), (text, lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("中文，。【】ab ")), max_size=60),
    width=st.integers(min_value=2, max_value=33),
)
def test_wide_characters_are_never_split_across_the_budget(text: str, width: int) -> None:
    # Every character of every line lies wholly inside the budget: the column where it ends
    # is never past ``width``, so a two-column character never straddles the edge.
    for line in wrap_line(text, width):
        end = 0
        for ch in line:
            end += char_width(ch)
            assert end <= width


def test_width_one_gives_a_wide_character_its_own_line() -> None:
    assert wrap_line("a中b", 1) == ["a", "中", "b"]
