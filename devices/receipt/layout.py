"""Text measurement and wrapping shared by the ESC/POS and PNG renderers.

A thermal printer prints on a grid: at size 1 a half-width character takes one column and a
CJK (full-width) character two. Both renderers wrap through this module, so the preview breaks
lines exactly where the paper does.

Width rules (:func:`char_width`):

* East Asian Width ``W`` (wide) and ``F`` (full-width) count two columns;
* ``A`` (ambiguous: ``·`` ``“`` ``—`` ``…`` ``×`` ``°`` ``①`` ...) counts two when
  ``east_asian`` is true, because a printer in Chinese mode prints every GB18030 double-byte
  character in a full-width cell, and one otherwise;
* combining marks, format characters and control characters count zero;
* everything else counts one.

Wrapping (:func:`wrap`) is greedy. A line may break between two wide characters, between a
wide and a narrow character, and at runs of spaces (the run is dropped); a run of narrow
non-space characters (a Latin word, a number) is split only when it is longer than a whole
line. Closing punctuation is kept off the start of a line and opening punctuation off the
end where a single wide character can be moved to make that so.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from devices.receipt.document import PaperProfile, Rule, Text

__all__ = [
    "align_line",
    "align_offset",
    "char_width",
    "clamp_size",
    "columns_for_size",
    "display_width",
    "printable_text",
    "rule_line",
    "text_block_lines",
    "wrap",
    "wrap_line",
]

# Characters that should not start a line (closing punctuation), and that should not end one.
_NO_START = frozenset("，。、；：！？）】》」』〕〉”’…—・·％‰℃,.;:!?)]}%")
_NO_END = frozenset("（【《「『〔〈“‘([{")


def char_width(ch: str, *, east_asian: bool = True) -> int:
    """Columns a single character takes on the printer grid (0, 1 or 2).

    Args:
        ch: one character.
        east_asian: count ambiguous-width characters as two columns (Chinese mode).
    """
    if ch == "\t":
        return 1
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf", "Cc", "Cs") or unicodedata.combining(ch):
        return 0
    eaw = unicodedata.east_asian_width(ch)
    if eaw in ("W", "F"):
        return 2
    if eaw == "A" and east_asian:
        return 2
    return 1


def display_width(text: str, *, east_asian: bool = True) -> int:
    """Columns ``text`` takes on one line (see :func:`char_width`)."""
    return sum(char_width(ch, east_asian=east_asian) for ch in text)


def columns_for_size(columns: int, size: int) -> int:
    """Columns available at character ``size`` (1 = normal, 2 = double width...)."""
    if size < 1:
        raise ValueError(f"text size must be at least 1, got {size}")
    return max(1, columns // size)


def printable_text(text: str, *, chinese_mode: bool) -> str:
    """The characters the printer will actually print for ``text``.

    Normalises to NFC, turns tabs into a space and drops other control characters (they would
    reach the printer as commands). Without Chinese mode, characters that CP437 cannot encode
    become ``?``, exactly as the ESC/POS renderer sends them, so that width and wrapping are
    computed on what the paper shows. Newlines are kept (they are hard line breaks).
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\t", " ")
    kept = "".join(
        ch
        for ch in text
        if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")
    )
    if chinese_mode:
        return kept
    return kept.encode("cp437", errors="replace").decode("cp437")


class _Kind(StrEnum):
    SPACE = "space"
    WORD = "word"
    WIDE = "wide"


def _segments(text: str, east_asian: bool) -> list[tuple[_Kind, str]]:
    """Splits a line into space runs, narrow non-space runs and single wide characters.

    Zero-width characters stay attached to the character before them (never to a space run,
    which may be dropped at a break).
    """
    segs: list[tuple[_Kind, str]] = []
    for ch in text:
        w = char_width(ch, east_asian=east_asian)
        if w == 0 and segs and segs[-1][0] != _Kind.SPACE:
            kind, s = segs[-1]
            segs[-1] = (kind, s + ch)
            continue
        if ch == " ":
            kind = _Kind.SPACE
        elif w == 2:
            kind = _Kind.WIDE
        else:
            kind = _Kind.WORD
        if segs and kind != _Kind.WIDE and segs[-1][0] == kind:
            segs[-1] = (kind, segs[-1][1] + ch)
        else:
            segs.append((kind, ch))
    return segs


def _split_to_width(word: str, width: int, east_asian: bool) -> list[str]:
    """Hard-splits ``word`` into pieces no wider than ``width`` (one character at least)."""
    pieces: list[str] = []
    cur = ""
    cur_w = 0
    for ch in word:
        w = char_width(ch, east_asian=east_asian)
        if cur and cur_w + w > width:
            pieces.append(cur)
            cur, cur_w = "", 0
        cur += ch
        cur_w += w
    pieces.append(cur)
    return pieces


def wrap_line(text: str, width: int, *, east_asian: bool = True) -> list[str]:
    """Wraps one paragraph without newlines into lines of at most ``width`` columns.

    Spaces at a break are dropped; nothing else is added or removed, so joining the lines
    with the dropped spaces gives back ``text``. A wide character is never split; when
    ``width`` is 1 it gets a line of its own (the only case a line exceeds ``width``).
    Always returns at least one line (``[""]`` for empty text).
    """
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    lines: list[str] = []
    cur = ""
    cur_w = 0
    pending = ""  # spaces seen after the current line's last word
    for kind, seg in _segments(text, east_asian):
        seg_w = display_width(seg, east_asian=east_asian)
        if kind == _Kind.SPACE:
            if lines and not cur:
                continue  # spaces right after a break are dropped
            pending += seg
            continue
        pending_w = len(pending)
        if cur_w + pending_w + seg_w <= width:
            cur += pending + seg
            cur_w += pending_w + seg_w
            pending = ""
            continue
        # The segment does not fit: break (the pending spaces are dropped).
        carried = ""
        if not pending and cur:
            cur, cur_w, carried = _kinsoku(cur, cur_w, seg, seg_w, width, east_asian)
        pending = ""
        if cur:
            lines.append(cur)
        cur, cur_w = carried, display_width(carried, east_asian=east_asian)
        if cur_w + seg_w <= width:
            cur += seg
            cur_w += seg_w
            continue
        # Longer than a whole line: split it.
        if cur:
            lines.append(cur)
        pieces = _split_to_width(seg, width, east_asian)
        lines.extend(pieces[:-1])
        cur = pieces[-1]
        cur_w = display_width(cur, east_asian=east_asian)
    if pending and cur_w + len(pending) <= width and not lines and not cur:
        cur = pending  # a paragraph of spaces only
    lines.append(cur)
    return lines


def _kinsoku(
    cur: str, cur_w: int, seg: str, seg_w: int, width: int, east_asian: bool
) -> tuple[str, int, str]:
    """Moves the last wide character of ``cur`` to the next line when that line would start
    with closing punctuation, or when ``cur`` ends with opening punctuation.

    Returns the shortened line, its width and the carried-over text (possibly empty).
    """
    last = cur[-1]
    last_w = char_width(last, east_asian=east_asian)
    if len(cur) < 2 or last_w != 2 or last_w + seg_w > width:
        return cur, cur_w, ""
    if seg[0] in _NO_START or last in _NO_END:
        return cur[:-1], cur_w - last_w, last
    return cur, cur_w, ""


def wrap(text: str, width: int, *, east_asian: bool = True) -> list[str]:
    """Wraps text that may contain newlines (hard breaks); see :func:`wrap_line`."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(wrap_line(paragraph, width, east_asian=east_asian))
    return out


def align_offset(used: int, available: int, align: str) -> int:
    """Leading space (in columns or dots) that places ``used`` within ``available``."""
    free = max(0, available - used)
    if align == "center":
        return free // 2
    if align == "right":
        return free
    return 0


def align_line(line: str, width: int, align: str, *, east_asian: bool = True) -> str:
    """Pads ``line`` with leading spaces to align it within ``width`` columns.

    Only leading spaces are added (trailing ones would be invisible on paper).
    """
    used = display_width(line, east_asian=east_asian)
    return " " * align_offset(used, width, align) + line


def clamp_size(size: int) -> int:
    """Character size as sent to the printer: 1..8 (``GS !``).

    Raises:
        ValueError: for a size below 1.
    """
    if size < 1:
        raise ValueError(f"text size must be at least 1, got {size}")
    return min(size, 8)


def text_block_lines(block: Text, profile: PaperProfile) -> list[str]:
    """The printed lines of a text block: cleaned for the printer and wrapped to
    ``columns // size`` columns (the one wrapping both renderers use)."""
    text = printable_text(block.text, chinese_mode=profile.chinese_mode)
    width = columns_for_size(profile.columns, clamp_size(block.size))
    return wrap(text, width, east_asian=profile.chinese_mode)


def rule_line(block: Rule, profile: PaperProfile) -> str:
    """The text of a rule: ``char`` repeated across the paper's columns."""
    char = printable_text(block.char.replace("\n", ""), chinese_mode=profile.chinese_mode)
    unit = display_width(char, east_asian=profile.chinese_mode)
    if not char or unit == 0:
        char, unit = "-", 1
    return char * (profile.columns // unit)
