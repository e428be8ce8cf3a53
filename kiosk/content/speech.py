"""Joins sentences for the voice: Chinese with full-width stops, English with ". "."""

from __future__ import annotations

from collections.abc import Iterable

_ZH_END = "。！？；：…”」）"
_EN_END = ".!?;:\"')"


def join_sentences(parts: Iterable[str], language: str) -> str:
    """One text from ``parts`` (blank parts dropped), each ended so the voice pauses."""
    chinese = language != "en"
    out: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and not out[-1].endswith(tuple(_ZH_END + _EN_END)):
            out[-1] += "。" if chinese else "."
        out.append(part)
    return ("" if chinese else " ").join(out)
