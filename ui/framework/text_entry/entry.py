"""The text-entry component: one field, the input methods that fit it, and the way out.

Any flow page opens it for a field::

    entry = TextEntry(FieldKind.NAME, prompt_key="violations.secret.owner_name",
                      on_done=lambda text: send("submit", text=text),
                      on_cancel=lambda: send("back"))
    entry.open()            # empty field, first method, prompt spoken

Input methods (:class:`Method`), offered where they fit (:func:`methods_for`):

- ``pinyin``: Qt Virtual Keyboard's pinyin keyboard with the candidates in a large row;
- ``handwriting``: a pad that recognises one character after a short pause, with a row of
  candidates, undo stroke, clear and delete;
- ``digits`` and ``plate``: the digit pad and the plate keyboard.

One large button switches methods. Elder mode opens handwriting first, with large keys and
candidates. The field's text is checked with :mod:`kiosk.textinput.rules` before ``on_done``
gets it (normalised); a refusal is shown and spoken, and a character that cannot be entered
sends the resident to the counter rather than to a look-alike.

What was typed belongs to the session: :meth:`TextEntry.wipe` (the screen's wipe) clears the
field, the strokes, the candidates and the pinyin engine's spelling. The pinyin engine learns
nothing: the field carries ``Qt.ImhSensitiveData`` (see :mod:`.input_method`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.framework.i18n import tr
from kiosk.textinput import rules
from ui.framework import theme
from ui.framework.text_entry.candidates import CandidateRow
from ui.framework.text_entry.handwriting_pad import PAUSE_MS, HandwritingPad, Stroke
from ui.framework.text_entry.pinyin import PinyinKeyboard, shared_pinyin_keyboard
from ui.framework.text_entry.plate_keyboard import PlateKeyboard

log = logging.getLogger(__name__)

QWIDGETSIZE_MAX = 16_777_215  # Qt's "no maximum"

PINYIN_KEY_SCALE = {False: 1.4, True: 1.6}  # keys and letters, x Qt's own size (measured)
HANDWRITING_CANDIDATES = 20  # two pages: the recogniser's 11th guess is still one touch away


class FieldKind(StrEnum):
    """What the field holds (decides the methods, the checks and the recogniser's context)."""

    NAME = "name"
    ADDRESS = "address"
    DESCRIPTION = "description"
    DIGITS = "digits"  # digits only: a phone number, a house number
    ID_NUMBER = "id_number"  # digits and X
    PLATE = "plate"


class Method(StrEnum):
    """An input method."""

    PINYIN = "pinyin"
    HANDWRITING = "handwriting"
    DIGITS = "digits"
    PLATE = "plate"


class Recogniser(Protocol):
    """What the pad needs of a handwriting recogniser (kiosk.textinput.handwriting's)."""

    def candidates(
        self,
        strokes: list[list[tuple[float, float]]],
        width: float,
        height: float,
        *,
        context: str = "any",
        n: int = 10,
    ) -> list[str]:
        """Characters, best first."""
        ...

    def close(self) -> None:
        """Releases the engine."""
        ...


Check = Callable[[str], "rules.TextCheck"]
CHECKS: dict[FieldKind, Check] = {
    FieldKind.NAME: rules.validate_name,
    FieldKind.ADDRESS: rules.validate_address,
    FieldKind.DESCRIPTION: rules.validate_description,
}
MAX_LEN: dict[FieldKind, int] = {
    # one more than the rule allows: the rule, not a silent stop, says what to do
    FieldKind.NAME: rules.NAME_MAX_CHARS + 6,  # the · of a minority name are not counted
    FieldKind.ADDRESS: rules.ADDRESS_MAX_CHARS + 1,
    FieldKind.DESCRIPTION: rules.DESCRIPTION_MAX_CHARS + 1,
    FieldKind.DIGITS: 20,
    FieldKind.ID_NUMBER: 18,
    FieldKind.PLATE: 8,
}


def methods_for(kind: FieldKind, *, elder: bool, handwriting: bool) -> list[Method]:
    """The methods offered for ``kind``, the first one opening; handwriting only when a
    recogniser is there."""
    if kind in (FieldKind.DIGITS, FieldKind.ID_NUMBER):
        return [Method.DIGITS]
    if kind is FieldKind.PLATE:
        return [Method.PLATE]
    order = [Method.HANDWRITING, Method.PINYIN] if elder else [Method.PINYIN, Method.HANDWRITING]
    if kind is not FieldKind.NAME:
        order.append(Method.DIGITS)
    return [m for m in order if handwriting or m is not Method.HANDWRITING]


def recogniser_context(kind: FieldKind, before: str) -> str:
    """The recogniser's context for the next character, given the text before the cursor."""
    if kind is FieldKind.NAME:
        return "surname" if not before or before.endswith(rules.NAME_DOT) else "name"
    if kind is FieldKind.ADDRESS:
        return "address"
    return "any"


_recogniser: Recogniser | None = None
_recogniser_tried = False


def default_recogniser() -> Recogniser | None:
    """The product's handwriting recogniser, shared and made on first use; None when this
    terminal has no handwriting engine (the pad is then not offered)."""
    global _recogniser, _recogniser_tried
    if _recogniser_tried:
        return _recogniser
    _recogniser_tried = True
    try:
        from kiosk.textinput import handwriting

        if handwriting.available():
            recogniser = handwriting.HandwritingRecogniser()
            _recogniser = recogniser
            # its tables take seconds to load the first time: not on the resident's first stroke
            threading.Thread(
                target=_warm_up, args=(recogniser,), name="handwriting-warm-up", daemon=True
            ).start()
        else:
            log.warning("no handwriting engine on this terminal: the pad is not offered")
    except Exception:  # an engine that fails to load must not take text entry with it
        log.exception("the handwriting recogniser could not be made")
    return _recogniser


def _warm_up(recogniser: Recogniser) -> None:
    try:
        warm_up = getattr(recogniser, "warm_up", None)
        if warm_up is not None:
            warm_up()
    except Exception:
        log.exception("the handwriting recogniser could not load its tables")


def close_default_recogniser() -> None:
    """Releases the shared recogniser (at exit)."""
    global _recogniser, _recogniser_tried
    if _recogniser is not None:
        _recogniser.close()
    _recogniser, _recogniser_tried = None, False


def _stylesheet(elder: bool) -> str:
    m = theme.metrics(elder)
    cand_font = 80 if elder else 56
    cand_height = 136 if elder else 100
    return f"""
    QLineEdit#text_entry_field {{
        font-size: {m.hero}px; min-height: {m.target + 20}px; padding: 4px 20px;
        border: 3px solid {theme.PRIMARY}; border-radius: 16px; background: {theme.SURFACE};
        color: {theme.TEXT};
    }}
    QPushButton[role="candidate"] {{
        font-size: {cand_font}px; min-height: {cand_height}px; max-height: {cand_height}px;
        min-width: 40px; padding: 0px; border-width: 2px; border-radius: 12px;
    }}
    QPushButton[role="candidate"][long="true"] {{ font-size: {round(cand_font * 0.55)}px; }}
    QPushButton[role="candidate"]:disabled {{
        background: {theme.BACKGROUND}; border-color: {theme.DISABLED_BG};
    }}
    QPushButton[role="candidatePage"] {{
        font-size: {m.body}px; min-height: {cand_height}px; max-height: {cand_height}px;
        min-width: {m.target}px; max-width: {m.target}px; padding: 0px; border-width: 2px;
    }}
    QPushButton[role="switch"] {{
        font-size: {m.title}px; font-weight: bold; min-height: {round(m.target * 1.3)}px;
        border-width: 4px;
    }}
    QLabel#text_entry_message {{ font-size: {m.body}px; color: {theme.MUTED}; }}
    QLabel#text_entry_message[level="problem"] {{ color: {theme.DANGER}; font-weight: bold; }}
    """


class TextEntry(QWidget):
    """A field with its input methods. See the module docstring.

    Signals:
        done(str): the checked, normalised text (``on_done`` gets it too).
        cancelled(): the resident went back (``on_cancel`` is called too).

    Attributes:
        kind: what the field holds.
        methods: the methods offered, in switching order.
        method: the method on show.
        field: the line edit (the pinyin keyboard types into it; it keeps the focus).
        candidates: the candidate row (pinyin and handwriting).
        pad: the handwriting pad.
        keys: the digit pad or plate keyboard, if the field has one.
    """

    done = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        field_kind: FieldKind | str,
        *,
        max_len: int | None = None,
        elder_mode: bool = False,
        on_done: Callable[[str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        prompt_key: str = "",
        language: str = "zh_CN",
        speak: Callable[[str], None] | None = None,
        recogniser: Recogniser | None = None,
        pause_ms: int = PAUSE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = FieldKind(field_kind)
        self.setObjectName(f"text_entry_{self.kind.value}")
        self.elder = elder_mode
        self.language = language
        self.prompt_key = prompt_key
        self.speak = speak
        self.recogniser = recogniser if recogniser is not None else default_recogniser()
        self.landscape = False
        self.check = CHECKS.get(self.kind)
        self.methods = methods_for(
            self.kind, elder=elder_mode, handwriting=self.recogniser is not None
        )
        self.method = self.methods[0]
        self.recognition_ms: list[float] = []  # how long each recognition took (figures)
        if on_done is not None:
            self.done.connect(on_done)
        if on_cancel is not None:
            self.cancelled.connect(on_cancel)

        self.field = QLineEdit()
        self.field.setObjectName("text_entry_field")
        self.field.setMaxLength(max_len or MAX_LEN[self.kind])
        hints = Qt.InputMethodHint.ImhSensitiveData  # the pinyin engine learns nothing
        if self.kind is FieldKind.NAME:
            hints |= Qt.InputMethodHint.ImhNoPredictiveText  # a name is no phrase to guess
        self.field.setInputMethodHints(hints)
        self.field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        self.field.returnPressed.connect(self.finish)
        self.field.textChanged.connect(self._text_changed)
        self.message = QLabel()
        self.message.setObjectName("text_entry_message")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.candidates = CandidateRow()
        self.candidates.chosen.connect(self._candidate_chosen)
        self.stack = QStackedWidget()
        self.stack.setObjectName("text_entry_methods")

        self.pinyin_page = QWidget()
        self.pinyin_page.setObjectName("text_entry_pinyin_page")
        self._pinyin_box = QVBoxLayout(self.pinyin_page)
        self._pinyin_box.setContentsMargins(0, 0, 0, 0)
        self._pinyin_box.addStretch(1)
        self.keyboard: PinyinKeyboard | None = None

        self.handwriting_page = QWidget()
        self.handwriting_page.setObjectName("text_entry_handwriting_page")
        self.pad = HandwritingPad(pause_ms=pause_ms)
        self.pad.paused.connect(self.recognise)
        self.pad.strokes_changed.connect(self._strokes_changed)
        tools = QHBoxLayout()
        tools.setSpacing(12)
        self.undo = self._button("text_entry_undo")
        self.undo.clicked.connect(self._undo)
        self.clear = self._button("text_entry_clear")
        self.clear.clicked.connect(self._clear_pad)
        self.backspace = self._button("text_entry_backspace")
        self.backspace.clicked.connect(self.field.backspace)
        self.dot = self._button("text_entry_dot")
        self.dot.clicked.connect(self._insert_dot)
        self.dot.setVisible(self.kind is FieldKind.NAME)
        for b in (self.undo, self.clear, self.dot, self.backspace):
            tools.addWidget(b)
        hw_box = QVBoxLayout(self.handwriting_page)
        hw_box.setContentsMargins(0, 0, 0, 0)
        hw_box.setSpacing(12)
        hw_box.addWidget(self.pad, 1)
        hw_box.addLayout(tools)

        self.keys: PlateKeyboard | None = None
        self.keys_page = QWidget()
        self.keys_page.setObjectName("text_entry_keys_page")
        keys_box = QVBoxLayout(self.keys_page)
        keys_box.setContentsMargins(0, 0, 0, 0)
        if Method.DIGITS in self.methods or Method.PLATE in self.methods:
            mode = {
                FieldKind.PLATE: "plate",
                FieldKind.ID_NUMBER: "digits",
            }.get(self.kind, "numbers")
            self.keys = PlateKeyboard(mode=mode)
            self.keys.set_elder(self.elder)
            self.keys.key_pressed.connect(self._insert)
            self.keys.backspace.connect(self.field.backspace)
            keys_box.addWidget(self.keys)
        keys_box.addStretch(1)
        for page in (self.pinyin_page, self.handwriting_page, self.keys_page):
            self.stack.addWidget(page)

        self.switch = self._button("text_entry_switch", role="switch")
        self.switch.clicked.connect(self.switch_method)
        self.switch.setVisible(len(self.methods) > 1)
        self.cannot_find = self._button("text_entry_cannot_find")
        self.cannot_find.clicked.connect(self.send_to_counter)
        self.cannot_find.setVisible(self.kind in CHECKS)
        self.cancel = self._button("text_entry_cancel")
        self.cancel.clicked.connect(self._cancel)
        self.ok = self._button("text_entry_done", role="primary")
        self.ok.clicked.connect(self.finish)
        self.action_row = QWidget()
        actions = QHBoxLayout(self.action_row)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(16)
        actions.addWidget(self.cancel)
        actions.addWidget(self.cannot_find)
        actions.addWidget(self.ok, 1)

        # Portrait: the field and its candidates, the method, then the buttons. Landscape: the
        # field, candidates and buttons on the left, the method on the right (_arrange).
        self.top = QWidget()
        top = QVBoxLayout(self.top)
        top.setContentsMargins(0, 0, 0, 0)
        top.setSpacing(16)
        for w in (self.field, self.message, self.candidates):
            top.addWidget(w)
        self.body = QGridLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(16)
        self.spare = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        self.setStyleSheet(_stylesheet(self.elder))
        self._apply_texts()
        self._show_method()

    @staticmethod
    def _button(name: str, role: str = "") -> QPushButton:
        b = QPushButton()
        b.setObjectName(name)
        if role:
            b.setProperty("role", role)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus
        return b

    # -- what a page does ----------------------------------------------------------------------

    def open(self, text: str = "", *, prompt_key: str | None = None, announce: bool = True) -> None:
        """Starts an entry: ``text`` in the field, the first method; the prompt is spoken
        unless ``announce`` is false (a flow screen whose prompt the shell speaks anyway
        returns :meth:`prompt_text` as its own)."""
        if prompt_key is not None:
            self.prompt_key = prompt_key
        self._reset_inputs()
        self.field.setText(text)
        self.field.end(False)
        self._set_message("", problem=False)
        self.method = self.methods[0]
        self._show_method()
        if announce:
            self.say(self.prompt_text())

    def text(self) -> str:
        """What the field holds (not yet checked)."""
        return self.field.text()

    def prompt_text(self) -> str:
        """The spoken prompt: the field's question, then how to use the method on show."""
        parts = [tr(self.prompt_key, self.language)] if self.prompt_key else []
        parts.append(tr(f"text_entry.how.{self.method.value}", self.language))
        return " ".join(parts)

    def say(self, text: str) -> None:
        """Speaks ``text`` through the page's voice, if it gave one."""
        if self.speak is not None and text:
            self.speak(text)

    def switch_method(self) -> None:
        """The large button: the next method."""
        if len(self.methods) < 2:
            return
        i = self.methods.index(self.method)
        self.set_method(self.methods[(i + 1) % len(self.methods)])

    def set_method(self, method: Method) -> None:
        """Shows ``method`` (one of ``methods``) and says how to use it."""
        if method not in self.methods or method is self.method:
            return
        self._leave_method()
        self.method = method
        self._show_method()
        self.say(tr(f"text_entry.how.{method.value}", self.language))

    def finish(self) -> None:
        """确定: checks the text; ``done`` with the normalised text, or the reason shown."""
        if self.method is Method.PINYIN and self.keyboard is not None:
            self.keyboard.reset()  # a spelling never chosen is not part of the text
        text = self.field.text()
        if self.check is None:
            self.done.emit(text.strip())
            return
        verdict = self.check(text)
        if verdict.ok:
            self._set_message("", problem=False)
            self.done.emit(verdict.text)
            return
        message = tr(verdict.key, self.language)
        if verdict.sends_to_counter:
            message += " " + tr(rules.counter_referral(), self.language)
        self._set_message(message, problem=True)
        self.say(message)

    def send_to_counter(self) -> None:
        """找不到这个字: the character cannot be entered here; never a look-alike instead."""
        message = tr(rules.counter_referral(), self.language)
        self._set_message(message, problem=True)
        self.say(message)

    def recognise(self) -> None:
        """Asks the recogniser about the strokes on the pad and shows its candidates."""
        strokes: list[Stroke] = [list(s) for s in self.pad.strokes]
        if self.recogniser is None or not strokes:
            self.candidates.set_candidates([])
            return
        before = self.field.text()[: self.field.cursorPosition()]
        context = recogniser_context(self.kind, before)
        start = time.perf_counter()
        try:
            found = self.recogniser.candidates(
                strokes,
                float(self.pad.width()),
                float(self.pad.height()),
                context=context,
                n=HANDWRITING_CANDIDATES,
            )
        except Exception:
            log.exception("handwriting recognition failed")
            found = []
        self.recognition_ms.append((time.perf_counter() - start) * 1000)
        self.candidates.set_candidates(list(found))
        if not found:
            self._set_message(tr("text_entry.not_recognised", self.language), problem=False)

    # -- screen duties ---------------------------------------------------------------------------

    def wipe(self) -> None:
        """Forgets everything typed or written (the session ended)."""
        self._reset_inputs()
        forget = getattr(self.recogniser, "forget", None)
        if forget is not None:
            forget()  # the recogniser keeps nothing between characters; it says so again
        self.field.clear()
        self._set_message("", problem=False)
        self.method = self.methods[0]
        self._show_method()

    def set_elder(self, elder: bool) -> None:
        """Elder mode: large keys and candidates; an entry opened now starts with handwriting."""
        if elder == self.elder:
            return
        self.elder = elder
        self.methods = methods_for(self.kind, elder=elder, handwriting=self.recogniser is not None)
        if self.keys is not None:
            self.keys.set_elder(elder)
        self.setStyleSheet(_stylesheet(elder))
        self._arrange()

    def retranslate(self, language: str) -> None:
        """Redraws every text in ``language``."""
        self.language = language
        self._apply_texts()

    def set_landscape(self, landscape: bool) -> None:
        """Side by side (field and candidates left, the method right) on a wide screen."""
        if landscape != self.landscape:
            self.landscape = landscape
            self._arrange()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.take_focus()  # the page was built while hidden

    def take_focus(self) -> None:
        """Gives the field the focus: the pinyin keyboard types into the focus object of the
        active window, and a kiosk window (no window manager, or none that activated it) may
        not be the active one."""
        window = self.window()
        if self.isVisible() and not window.isActiveWindow():
            window.activateWindow()
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        size = event.size()
        self.set_landscape(size.width() > size.height() * 1.2)

    # -- inside ----------------------------------------------------------------------------------

    def _arrange(self) -> None:
        """Portrait, one column: the field and candidates, the method, the switch, the
        buttons. Landscape: the field, candidates and buttons on the left; the method and
        the switch on the right."""
        for w in (self.top, self.stack, self.switch, self.action_row):
            self.body.removeWidget(w)
        self.body.removeItem(self.spare)
        self.body.addWidget(self.top, 0, 0)
        if self.landscape:
            self.body.addItem(self.spare, 1, 0)
            self.body.addWidget(self.action_row, 2, 0)
            self.body.addWidget(self.stack, 0, 1, 2, 1)
            self.body.addWidget(self.switch, 2, 1)
        else:
            self.body.addWidget(self.stack, 1, 0)
            self.body.addWidget(self.switch, 2, 0)
            self.body.addWidget(self.action_row, 3, 0)
            self.body.addItem(self.spare, 4, 0)
        self.body.setColumnStretch(0, 1)
        self.body.setColumnStretch(1, 1 if self.landscape else 0)
        self.candidates.set_columns(5 if self.elder or self.landscape else 10)
        self.pad.ink_width = 16.0 if self.elder else 12.0
        if self.keyboard is not None and self._holds_keyboard():
            self.keyboard.set_key_scale(PINYIN_KEY_SCALE[self.elder])
        self._fit_stack()

    def _fit_stack(self, *_: object) -> None:
        """The pad takes the room there is; a keyboard keeps its own height, with the buttons
        right under it (portrait)."""
        pad = self.method is Method.HANDWRITING or self.landscape
        height = QWIDGETSIZE_MAX
        if not pad:
            if self.method is Method.PINYIN and self.keyboard is not None:
                height = self.keyboard.height() if self._holds_keyboard() else height
            elif self.keys is not None:
                height = self.keys.sizeHint().height()
        self.stack.setMaximumHeight(height)
        stretches = [0, 1, 0, 0, 0] if self.landscape else [0, int(pad), 0, 0, int(not pad)]
        for row, stretch in enumerate(stretches):
            self.body.setRowStretch(row, stretch)

    def _apply_texts(self) -> None:
        t = lambda key, **f: tr(key, self.language, **f)  # noqa: E731
        self.undo.setText(t("text_entry.undo"))
        self.clear.setText(t("text_entry.clear"))
        self.backspace.setText(t("text_entry.backspace"))
        self.dot.setText(t("text_entry.dot"))
        self.cannot_find.setText(t("text_entry.cannot_find"))
        self.cancel.setText(t("text_entry.cancel"))
        self.ok.setText(t("text_entry.done"))
        self.pad.hint = t("text_entry.pad_hint")
        self.candidates.retranslate(self.language)
        self._switch_text()
        self.pad.update()

    def _switch_text(self) -> None:
        if len(self.methods) > 1 and self.method in self.methods:
            following = self.methods[(self.methods.index(self.method) + 1) % len(self.methods)]
            name = tr(f"text_entry.method.{following.value}", self.language)
            self.switch.setText(tr("text_entry.switch", self.language, method=name))

    def _show_method(self) -> None:
        m = self.method
        if m is Method.PINYIN:
            self._take_keyboard()
            self.stack.setCurrentWidget(self.pinyin_page)
        elif m is Method.HANDWRITING:
            self.stack.setCurrentWidget(self.handwriting_page)
        else:
            self.stack.setCurrentWidget(self.keys_page)
            if self.keys is not None:
                self.keys.show_for(self.field.text())
        self.candidates.setVisible(m in (Method.PINYIN, Method.HANDWRITING))
        self.candidates.set_candidates([])
        self.switch.setVisible(len(self.methods) > 1)
        self._switch_text()
        self._arrange()
        self.take_focus()

    def _leave_method(self) -> None:
        if self.method is Method.PINYIN and self._holds_keyboard():
            assert self.keyboard is not None
            self.keyboard.reset()
        elif self.method is Method.HANDWRITING:
            self.pad.clear()
        self.candidates.set_candidates([])

    def _holds_keyboard(self) -> bool:
        kb = self.keyboard
        return kb is not None and shiboken6.isValid(kb) and kb.parentWidget() is self.pinyin_page

    def _take_keyboard(self) -> None:
        """Brings the application's one pinyin keyboard into this entry."""
        if self._holds_keyboard():
            return
        kb = shared_pinyin_keyboard(self.window())
        if self.keyboard is not kb:
            if self.keyboard is not None and shiboken6.isValid(self.keyboard):
                self.keyboard.candidates_changed.disconnect(self._pinyin_candidates)
                self.keyboard.height_changed.disconnect(self._fit_stack)
            kb.candidates_changed.connect(self._pinyin_candidates)
            kb.height_changed.connect(self._fit_stack)
        self.keyboard = kb
        self._pinyin_box.insertWidget(0, kb)  # from wherever it was (a layout lets go of it)
        kb.show()
        kb.reset()

    def _pinyin_candidates(self, items: list[str]) -> None:
        if self.method is Method.PINYIN and self._holds_keyboard():
            self.candidates.set_candidates(items)

    def _candidate_chosen(self, index: int) -> None:
        if self.method is Method.PINYIN and self.keyboard is not None:
            self.take_focus()
            self.keyboard.select(index)
            return
        if index < len(self.candidates.items):
            self._insert(self.candidates.items[index])
            self.pad.clear()
            self.candidates.set_candidates([])

    def _insert(self, text: str) -> None:
        self.field.insert(text)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _insert_dot(self) -> None:
        self._insert(rules.NAME_DOT)

    def _undo(self) -> None:
        self.pad.undo()
        self.recognise()  # what is left, at once: undoing is no moment to wait

    def _clear_pad(self) -> None:
        self.pad.clear()
        self.candidates.set_candidates([])

    def _strokes_changed(self) -> None:
        if self.message.property("level") != "problem":
            self._set_message("", problem=False)

    def _text_changed(self, text: str) -> None:
        if self.keys is not None and self.method is not Method.PINYIN:
            self.keys.show_for(text)
        if len(text) >= self.field.maxLength():
            self._set_message(
                tr("text_entry.full", self.language, max=self.field.maxLength()), problem=False
            )
        elif self.message.property("level") == "problem":
            self._set_message("", problem=False)  # the resident is correcting it

    def _set_message(self, text: str, *, problem: bool) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setProperty("level", "problem" if problem else "")
        style = self.message.style()
        style.unpolish(self.message)
        style.polish(self.message)

    def _cancel(self) -> None:
        self._leave_method()
        self.cancelled.emit()

    def _reset_inputs(self) -> None:
        self.pad.clear()
        self.candidates.set_candidates([])
        if self._holds_keyboard():
            assert self.keyboard is not None
            self.keyboard.reset()
