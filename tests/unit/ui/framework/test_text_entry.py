"""The text-entry component on its own: pinyin through Qt Virtual Keyboard's real keys,
handwriting on the pad with synthesised strokes, switching methods, checks and the wipe.

Touches go through the window (as real input does), on the keys the keyboard shows. The
recogniser is a stand-in with the product recogniser's signature; the pause before
recognition is fired by the test (``pad.fire_pause()``), never waited for.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.framework.i18n import tr
from kiosk.textinput import rules
from tests.unit.ui.helpers import settle, touch
from ui.framework.text_entry import entry as entry_module
from ui.framework.text_entry.entry import FieldKind, Method, TextEntry, methods_for
from ui.framework.theme import stylesheet

Strokes = list[list[tuple[float, float]]]


class FakeRecogniser:
    """Answers every character with ``answer``; remembers what it was asked."""

    def __init__(self, answer: str = "张章长涨帐掌账杖仗胀丈障") -> None:
        self.answer = answer
        self.calls: list[tuple[Strokes, float, float, str, int]] = []
        self.closed = False

    def candidates(
        self, strokes: Strokes, width: float, height: float, *, context: str = "any", n: int = 10
    ) -> list[str]:
        self.calls.append(([list(s) for s in strokes], width, height, context, n))
        return list(self.answer)[:n]

    def close(self) -> None:
        self.closed = True


class Host(QWidget):
    """A page-sized window holding one entry, styled as the kiosk is."""

    def __init__(self, entry: TextEntry, size: tuple[int, int] = (1000, 1700)) -> None:
        super().__init__()
        self.entry = entry
        QVBoxLayout(self).addWidget(entry)
        self.setStyleSheet(stylesheet(entry.elder))
        self.resize(*size)


HOSTS: list[Host] = []


@pytest.fixture(autouse=True)
def _hosts_live_for_the_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # no real engine here (kiosk/textinput's tests measure it): None means "no handwriting"
    monkeypatch.setattr(entry_module, "default_recogniser", lambda: None)
    yield
    HOSTS.clear()


@pytest.fixture
def recogniser() -> FakeRecogniser:
    return FakeRecogniser()


def make(
    qtbot: QtBot,
    kind: FieldKind,
    recogniser: FakeRecogniser | None,
    *,
    elder: bool = False,
    size: tuple[int, int] = (1000, 1700),
    **kwargs: object,
) -> TextEntry:
    entry = TextEntry(kind, elder_mode=elder, recogniser=recogniser, **kwargs)  # type: ignore[arg-type]
    host = Host(entry, size)
    HOSTS.append(host)  # qtbot keeps only a weak reference
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    entry.open()
    settle()
    return entry


def press(qtbot: QtBot, entry: TextEntry, letters: str) -> None:
    """Touches the pinyin keyboard's keys, one by one, where they are drawn."""
    keyboard = entry.keyboard
    assert keyboard is not None and keyboard.isVisible()
    for letter in letters:
        at = keyboard.key_position(letter)
        assert at is not None, f"no key {letter!r} on show"
        touch(qtbot, keyboard, at)


def write(entry: TextEntry, strokes: Strokes) -> None:
    """Draws ``strokes`` (fractions of the pad) with a finger: press, moves, release."""
    pad = entry.pad
    window = pad.window()
    handle = window.windowHandle()
    assert handle is not None
    w, h = pad.width(), pad.height()

    def at(x: float, y: float) -> QPoint:
        return pad.mapTo(window, QPoint(round(x * w), round(y * h)))

    for stroke in strokes:
        first = at(*stroke[0])
        QTest.mousePress(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
        for x, y in stroke[1:]:
            QTest.mouseMove(handle, at(x, y))
        last = at(*stroke[-1])
        QTest.mouseRelease(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, last)
    settle()


def line(x0: float, y0: float, x1: float, y1: float, steps: int = 10) -> list[tuple[float, float]]:
    return [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps + 1)]


# 十 then 口: two strokes, then three more (a character written in two goes)
CROSS = [line(0.2, 0.45, 0.8, 0.45), line(0.5, 0.15, 0.5, 0.85)]


def candidate_button(entry: TextEntry, text: str) -> QWidget:
    for b in entry.candidates.buttons:
        if b.text() == text and b.isVisible() and b.isEnabled():
            return b
    raise AssertionError(f"{text!r} is not among {entry.candidates.visible_candidates()}")


# -- pinyin ---------------------------------------------------------------------------------------


def test_zhang_typed_with_pinyin_into_a_name_field(qtbot: QtBot) -> None:
    done: list[str] = []
    entry = make(qtbot, FieldKind.NAME, None, on_done=done.append)
    assert entry.method is Method.PINYIN and entry.keyboard is not None
    assert entry.keyboard.keyboard_locale() == "zh_CN"
    press(qtbot, entry, "zhang")
    qtbot.waitUntil(lambda: "张" in entry.candidates.visible_candidates())
    assert entry.keyboard.preedit() == "zhang"  # spelt, not yet typed
    assert entry.field.text() == ""
    assert len(entry.candidates.visible_candidates()) == 10  # a full row, more behind ▶
    assert entry.candidates.next.isEnabled()
    touch(qtbot, candidate_button(entry, "张"))
    assert entry.field.text() == "张"
    assert entry.keyboard.preedit() == ""
    touch(qtbot, entry.ok)
    assert done == ["张"]


def test_the_pinyin_engine_state_is_dropped_by_the_wipe(qtbot: QtBot) -> None:
    entry = make(qtbot, FieldKind.NAME, None)
    press(qtbot, entry, "zhang")
    touch(qtbot, candidate_button(entry, "张"))
    press(qtbot, entry, "san")
    qtbot.waitUntil(lambda: bool(entry.candidates.visible_candidates()))
    keyboard = entry.keyboard
    assert keyboard is not None and keyboard.preedit() == "san"
    entry.wipe()
    settle()
    assert entry.field.text() == ""
    assert keyboard.preedit() == ""
    assert keyboard.candidates == [] and entry.candidates.visible_candidates() == []
    # the next resident starts from nothing: typing again spells afresh
    press(qtbot, entry, "li")
    qtbot.waitUntil(lambda: "李" in entry.candidates.visible_candidates())
    assert keyboard.preedit() == "li"


def test_every_field_keeps_the_pinyin_engine_from_learning(qtbot: QtBot) -> None:
    for kind in (FieldKind.NAME, FieldKind.ADDRESS, FieldKind.DESCRIPTION):
        entry = make(qtbot, kind, None)
        hints = entry.field.inputMethodHints()
        assert hints & Qt.InputMethodHint.ImhSensitiveData  # the engine turns learning off


def test_the_keyboard_types_into_the_field_that_has_the_focus(qtbot: QtBot) -> None:
    entry = make(qtbot, FieldKind.ADDRESS, None)
    assert QGuiApplication.focusObject() is entry.field
    press(qtbot, entry, "bei")
    touch(qtbot, candidate_button(entry, "北"))
    touch(qtbot, entry.switch)  # to handwriting and back: the field keeps the focus
    assert QGuiApplication.focusObject() is entry.field
    assert entry.field.text() == "北"


# -- handwriting ----------------------------------------------------------------------------------


def test_a_character_written_on_the_pad_is_picked_from_the_candidates(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    done: list[str] = []
    entry = make(qtbot, FieldKind.NAME, recogniser, on_done=done.append)
    touch(qtbot, entry.switch)
    assert entry.method is Method.HANDWRITING and entry.pad.isVisible()
    write(entry, CROSS)
    assert len(entry.pad.strokes) == 2
    assert all(len(s) > 5 for s in entry.pad.strokes)  # drawn as the finger moved
    # nothing is recognised while the resident may still be writing
    assert recogniser.calls == []
    assert entry.pad.pause_timer.isActive()
    assert entry.pad.fire_pause()  # the pause has passed
    strokes, width, height, context, n = recogniser.calls[-1]
    assert (width, height) == (entry.pad.width(), entry.pad.height())
    assert context == "surname" and n >= 10  # the first character of a name
    assert len(strokes) == 2
    x0, y0 = strokes[0][0]
    assert abs(x0 - 0.2 * width) <= 2 and abs(y0 - 0.45 * height) <= 2  # pad pixels
    shown = entry.candidates.visible_candidates()
    assert len(shown) >= 10 and shown[0] == "张"
    touch(qtbot, candidate_button(entry, "章"))
    assert entry.field.text() == "章"
    assert entry.pad.strokes == [] and entry.candidates.visible_candidates() == []
    # the next character of a name is a given name's
    write(entry, CROSS)
    entry.pad.fire_pause()
    assert recogniser.calls[-1][3] == "name"
    touch(qtbot, candidate_button(entry, "长"))
    touch(qtbot, entry.ok)
    assert done == ["章长"]


def test_writing_again_before_the_pause_adds_to_the_same_character(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    entry = make(qtbot, FieldKind.NAME, recogniser, elder=True)
    assert entry.method is Method.HANDWRITING
    write(entry, CROSS[:1])
    assert entry.pad.pause_timer.isActive()
    write(entry, CROSS[1:])  # the next stroke restarts the wait
    assert entry.pad.fire_pause()
    assert len(recogniser.calls) == 1 and len(recogniser.calls[0][0]) == 2
    assert not entry.pad.fire_pause()  # nothing pending any more


def test_undo_takes_back_one_stroke_and_clear_them_all(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    entry = make(qtbot, FieldKind.NAME, recogniser, elder=True)
    write(entry, [*CROSS, line(0.3, 0.6, 0.7, 0.6)])
    entry.pad.fire_pause()
    touch(qtbot, entry.undo)
    assert len(entry.pad.strokes) == 2
    assert len(recogniser.calls[-1][0]) == 2  # what is left is recognised at once
    touch(qtbot, entry.clear)
    assert entry.pad.strokes == []
    assert entry.candidates.visible_candidates() == []


def test_delete_and_the_name_dot(qtbot: QtBot, recogniser: FakeRecogniser) -> None:
    done: list[str] = []
    entry = make(qtbot, FieldKind.NAME, recogniser, elder=True, on_done=done.append)
    for pick in ("张", "章"):
        write(entry, CROSS)
        entry.pad.fire_pause()
        touch(qtbot, candidate_button(entry, pick))
    touch(qtbot, entry.backspace)
    assert entry.field.text() == "张"
    touch(qtbot, entry.dot)
    write(entry, CROSS)
    entry.pad.fire_pause()
    assert recogniser.calls[-1][3] == "surname"  # after the ·, a new part of the name
    touch(qtbot, candidate_button(entry, "长"))
    touch(qtbot, entry.ok)
    assert done == ["张\u00b7长"]  # a minority name with its middle dot


def test_nothing_recognised_says_what_to_do(qtbot: QtBot) -> None:
    entry = make(qtbot, FieldKind.NAME, FakeRecogniser(answer=""), elder=True)
    write(entry, CROSS)
    entry.pad.fire_pause()
    assert entry.message.text() == tr("text_entry.not_recognised")


# -- methods --------------------------------------------------------------------------------------


def test_one_large_button_switches_methods(qtbot: QtBot, recogniser: FakeRecogniser) -> None:
    said: list[str] = []
    entry = make(qtbot, FieldKind.ADDRESS, recogniser, speak=said.append)
    assert entry.methods == [Method.PINYIN, Method.HANDWRITING, Method.DIGITS]
    assert entry.switch.text() == "换成手写输入"
    assert entry.switch.height() >= 100
    seen = []
    for _ in range(3):
        touch(qtbot, entry.switch)
        seen.append(entry.method)
    assert seen == [Method.HANDWRITING, Method.DIGITS, Method.PINYIN]
    assert said[-3:] == [tr(f"text_entry.how.{m.value}") for m in seen]  # each method said
    touch(qtbot, entry.switch)
    touch(qtbot, entry.switch)
    assert entry.keys is not None and entry.keys.isVisible()
    touch(qtbot, entry.keys.buttons["1"])
    touch(qtbot, entry.keys.buttons["2"])
    assert entry.field.text() == "12"


def test_a_spelling_left_unchosen_is_dropped_when_switching(qtbot: QtBot) -> None:
    entry = make(qtbot, FieldKind.NAME, FakeRecogniser())
    press(qtbot, entry, "wang")
    touch(qtbot, entry.switch)
    assert entry.field.text() == "" and entry.candidates.visible_candidates() == []
    assert entry.keyboard is not None and entry.keyboard.preedit() == ""


def test_elder_mode_opens_handwriting_with_big_keys_and_candidates(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    said: list[str] = []
    entry = make(
        qtbot,
        FieldKind.NAME,
        recogniser,
        elder=True,
        speak=said.append,
        prompt_key="text_entry.dot",
    )
    assert entry.method is Method.HANDWRITING
    assert said == [f"{tr('text_entry.dot')} {tr('text_entry.how.handwriting')}"]
    write(entry, CROSS)
    entry.pad.fire_pause()
    big = candidate_button(entry, "张")
    assert big.height() >= 140 and big.width() >= 120
    assert entry.undo.height() >= 120  # the theme's elder targets
    touch(qtbot, entry.switch)
    assert entry.method is Method.PINYIN
    assert entry.keyboard is not None and entry.keyboard.height() >= 420


def test_standard_candidates_are_one_row_of_ten(qtbot: QtBot, recogniser: FakeRecogniser) -> None:
    entry = make(qtbot, FieldKind.NAME, recogniser)
    touch(qtbot, entry.switch)
    write(entry, CROSS)
    entry.pad.fire_pause()
    tops = {b.geometry().top() for b in entry.candidates.buttons}
    assert len(tops) == 1
    assert all(b.height() >= 96 for b in entry.candidates.buttons)


def test_no_handwriting_engine_means_no_pad_offered(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert methods_for(FieldKind.NAME, elder=True, handwriting=False) == [Method.PINYIN]
    monkeypatch.setattr(entry_module, "default_recogniser", lambda: None)
    entry = make(qtbot, FieldKind.NAME, None, elder=True)
    assert entry.method is Method.PINYIN and not entry.switch.isVisible()


def test_digits_and_plates_get_their_own_keys(qtbot: QtBot) -> None:
    entry = make(qtbot, FieldKind.PLATE, None)
    assert entry.methods == [Method.PLATE] and not entry.switch.isVisible()
    assert entry.keys is not None
    touch(qtbot, entry.keys.buttons["浙"])
    touch(qtbot, entry.keys.buttons["A"])  # after the province, letters and digits
    assert entry.field.text() == "浙A"
    digits = make(qtbot, FieldKind.DIGITS, None)
    assert digits.keys is not None and "X" not in digits.keys.buttons
    ident = make(qtbot, FieldKind.ID_NUMBER, None)
    assert ident.keys is not None and "X" in ident.keys.buttons


def test_landscape_puts_the_method_beside_the_field(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    entry = make(qtbot, FieldKind.NAME, recogniser, elder=True, size=(1920, 900))
    assert entry.landscape
    assert entry.stack.geometry().left() > entry.field.geometry().right()
    assert entry.pad.height() >= 500 and entry.pad.width() >= 600
    shown = entry.window()
    shown.resize(1000, 1700)
    settle()
    assert not entry.landscape
    assert entry.stack.geometry().top() > entry.field.geometry().bottom()


# -- checks ---------------------------------------------------------------------------------------


def test_a_refused_name_is_said_and_not_passed_on(qtbot: QtBot, recogniser: FakeRecogniser) -> None:
    done: list[str] = []
    said: list[str] = []
    entry = make(qtbot, FieldKind.NAME, recogniser, on_done=done.append, speak=said.append)
    entry.field.setText("张3")
    touch(qtbot, entry.ok)
    expected = tr(rules.validate_name("张3").key)
    assert done == [] and entry.message.text() == expected and said[-1] == expected
    assert entry.message.property("level") == "problem"
    assert entry.field.text() == "张3"  # nothing changed behind the resident's back


def test_a_look_alike_is_never_swapped_in(qtbot: QtBot, recogniser: FakeRecogniser) -> None:
    done: list[str] = []
    entry = make(qtbot, FieldKind.NAME, recogniser, on_done=done.append)
    entry.field.setText("\u2f26子")  # a Kangxi radical that looks like 金
    touch(qtbot, entry.ok)
    assert done == []
    assert entry.field.text() == "\u2f26子"
    assert tr(rules.counter_referral()) in entry.message.text()


def test_a_character_that_cannot_be_found_sends_to_the_counter(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    said: list[str] = []
    entry = make(qtbot, FieldKind.NAME, recogniser, speak=said.append)
    entry.field.setText("张")
    touch(qtbot, entry.cannot_find)
    assert entry.message.text() == tr(rules.counter_referral()) == said[-1]
    assert entry.field.text() == "张"


def test_cancel_goes_back(qtbot: QtBot) -> None:
    cancelled: list[bool] = []
    entry = make(qtbot, FieldKind.NAME, None, on_cancel=lambda: cancelled.append(True))
    press(qtbot, entry, "li")
    touch(qtbot, entry.cancel)
    assert cancelled == [True]
    assert entry.keyboard is not None and entry.keyboard.preedit() == ""


def test_the_wipe_forgets_strokes_candidates_and_text(
    qtbot: QtBot, recogniser: FakeRecogniser
) -> None:
    entry = make(qtbot, FieldKind.NAME, recogniser, elder=True)
    write(entry, CROSS)
    entry.pad.fire_pause()
    touch(qtbot, candidate_button(entry, "张"))
    write(entry, CROSS)
    entry.pad.fire_pause()
    entry.wipe()
    assert entry.field.text() == ""
    assert entry.pad.strokes == [] and not entry.pad.pause_timer.isActive()
    assert entry.candidates.items == [] and entry.candidates.visible_candidates() == []
    assert entry.message.text() == ""
