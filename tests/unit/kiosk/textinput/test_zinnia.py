"""The ctypes wrapper around Debian's libzinnia0 and its Simplified Chinese model."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.textinput.zinnia import DEFAULT_MODEL, ZinniaError, ZinniaRecognizer, load_library
from tests.unit.kiosk.textinput.conftest import needs_zinnia

pytestmark = needs_zinnia

ONE = [[(40.0, 150.0), (150.0, 148.0), (260.0, 150.0)]]  # 一
TEN = [ONE[0], [(150.0, 40.0), (150.0, 150.0), (150.0, 260.0)]]  # 十


def test_the_library_declares_its_functions() -> None:
    lib = load_library()
    assert load_library() is lib  # loaded once
    assert lib.zinnia_recognizer_classify.argtypes is not None


def test_the_model_knows_gb2312() -> None:
    engine = ZinniaRecognizer(DEFAULT_MODEL)
    try:
        labels = engine.labels()
        assert len(labels) == 6763
        assert {"张", "王", "京", "粤", "一"} <= set(labels)
    finally:
        engine.close()


def test_classify_returns_the_n_best_with_falling_scores() -> None:
    engine = ZinniaRecognizer()
    try:
        result = engine.classify(TEN, 300, 300, 10)
        assert result[0][0] == "十"
        assert len(result) == 10
        scores = [s for _, s in result]
        assert scores == sorted(scores, reverse=True)
        assert engine.classify(ONE, 300, 300, 3)[0][0] == "一"
    finally:
        engine.close()


def test_no_ink_gives_nothing() -> None:
    engine = ZinniaRecognizer()
    try:
        assert engine.classify([], 300, 300, 10) == []
        assert engine.classify([[]], 300, 300, 10) == []
    finally:
        engine.close()


def test_a_closed_recogniser_refuses_and_closing_twice_is_harmless() -> None:
    engine = ZinniaRecognizer()
    engine.close()
    engine.close()
    with pytest.raises(ZinniaError, match="closed"):
        engine.classify(TEN, 300, 300, 1)


def test_a_missing_or_broken_model_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ZinniaError, match="not found"):
        ZinniaRecognizer(tmp_path / "absent.model")
    broken = tmp_path / "broken.model"
    broken.write_bytes(b"not a zinnia model" * 10)
    with pytest.raises(ZinniaError, match="cannot open"):
        ZinniaRecognizer(broken)
