"""Character priors from jieba's corpus counts and Unihan's stroke counts, and their cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.textinput.priors import PROVINCES, UNIHAN_STROKES, build_priors, load_priors

CHARS = "的张王李京粤沪路街区璩夔一十"


@pytest.fixture(scope="module")
def priors():  # type: ignore[no-untyped-def]
    return build_priors(CHARS)


def test_frequency_from_the_corpus(priors) -> None:  # type: ignore[no-untyped-def]
    assert priors.frequency["的"] > priors.frequency["张"] > priors.frequency["璩"]
    assert set(priors.frequency) <= set(CHARS)


def test_field_priors(priors) -> None:  # type: ignore[no-untyped-def]
    # a surname field lifts surnames over a more frequent character
    assert priors.log_prior("王", "surname") > priors.log_prior("的", "surname")
    assert priors.log_prior("的", "any") > priors.log_prior("王", "any")
    # an address field lifts place characters
    gain_road = priors.log_prior("路", "address") - priors.log_prior("路", "any")
    gain_de = priors.log_prior("的", "address") - priors.log_prior("的", "any")
    assert gain_road > gain_de
    # a province field: the abbreviations first, others far behind
    assert priors.log_prior("粤", "province") > priors.log_prior("的", "province") + 1
    assert len(PROVINCES) == 34 and len(set(PROVINCES)) == 34


@pytest.mark.skipif(not UNIHAN_STROKES.exists(), reason="unicode-data is not installed")
def test_stroke_counts_from_unihan(priors) -> None:  # type: ignore[no-untyped-def]
    assert priors.strokes["一"] == 1
    assert priors.strokes["十"] == 2
    assert priors.strokes["张"] == 7
    assert priors.strokes["夔"] == 21


def test_the_table_is_cached_in_the_given_folder(tmp_path: Path) -> None:
    first = load_priors(CHARS, tmp_path)
    files = list(tmp_path.glob("handwriting-priors-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert set(data) == {"frequency", "surname", "given", "place", "strokes", "floor"}
    assert load_priors(CHARS, tmp_path) is first  # kept in memory too
    # a damaged cache file is rebuilt, not trusted
    files[0].write_text("{broken", encoding="utf-8")
    from kiosk.textinput import priors as module

    module._cache.clear()
    again = load_priors(CHARS, tmp_path)
    assert again.frequency.keys() == first.frequency.keys()
    assert json.loads(files[0].read_text(encoding="utf-8"))["strokes"] == data["strokes"]
