"""The row of large candidate buttons shared by the pinyin keyboard and the handwriting pad.

A page shows ``per_page`` candidates (10: one row of ten, or two rows of five in elder mode
on a portrait screen) with ◀ ▶ to page through the rest: beside two rows of five, and on a
line of their own under a row of ten, so that each of the ten keeps a full-size target.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from kiosk.framework.i18n import tr

PER_PAGE = 10


class CandidateRow(QWidget):
    """Candidates, best first; a touch picks one.

    Signals:
        chosen(int): the index (in the whole list) of the candidate touched.
    """

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("text_entry_candidates")
        self.items: list[str] = []
        self.page = 0
        self.columns = PER_PAGE
        self.language = "zh_CN"
        self.outer = QGridLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        # narrow gaps: in elder landscape, half the screen holds ◀, five 120 px candidates
        # and ▶ (and the page's scroll bar, when the page scrolls)
        self.outer.setSpacing(4)
        self.prev = self._button("text_entry_candidates_prev", "candidatePage")
        self.prev.clicked.connect(self._previous_page)
        self.next = self._button("text_entry_candidates_next", "candidatePage")
        self.next.clicked.connect(self._next_page)
        self.grid_box = QWidget()  # moved as one between the two arrangements
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.buttons: list[QPushButton] = []
        for i in range(PER_PAGE):
            b = self._button(f"text_entry_candidate_{i}", "candidate")
            b.clicked.connect(self._clicked)  # no lambda holding self: see plate_keyboard
            self.buttons.append(b)
        self._place()
        self.set_candidates([])

    @staticmethod
    def _button(name: str, role: str) -> QPushButton:
        b = QPushButton()
        b.setObjectName(name)
        b.setProperty("role", role)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus (and the pinyin)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return b

    def set_columns(self, columns: int) -> None:
        """Candidates per row: 10, or 5 for the large ones of elder mode."""
        if columns != self.columns:
            self.columns = columns
            self._place()

    def _place(self) -> None:
        for b in self.buttons:
            self.grid.removeWidget(b)
        for i, b in enumerate(self.buttons):
            self.grid.addWidget(b, i // self.columns, i % self.columns)
        for w in (self.prev, self.next, self.grid_box):
            self.outer.removeWidget(w)
        self.outer.setColumnStretch(1, 1)
        if self.columns >= PER_PAGE:  # one row of ten: the page buttons on a line below
            self.outer.addWidget(self.grid_box, 0, 0, 1, 3)
            self.outer.addWidget(self.prev, 1, 0)
            self.outer.addWidget(self.next, 1, 2)
        else:
            self.outer.addWidget(self.prev, 0, 0)
            self.outer.addWidget(self.grid_box, 0, 1)
            self.outer.addWidget(self.next, 0, 2)

    def set_candidates(self, items: list[str]) -> None:
        """Shows ``items`` from their first page."""
        self.items = list(items)
        self.page = 0
        self._show()

    def visible_candidates(self) -> list[str]:
        """The candidates on show, in order."""
        return [b.text() for b in self.buttons if b.isEnabled() and b.text()]

    def retranslate(self, language: str) -> None:
        """Texts of the paging buttons."""
        self.language = language
        self.prev.setText(tr("text_entry.candidates.prev", language))
        self.next.setText(tr("text_entry.candidates.next", language))
        self.prev.setAccessibleName(tr("text_entry.candidates.prev_name", language))
        self.next.setAccessibleName(tr("text_entry.candidates.next_name", language))

    def _show(self) -> None:
        start = self.page * PER_PAGE
        page = self.items[start : start + PER_PAGE]
        for i, b in enumerate(self.buttons):
            text = page[i] if i < len(page) else ""
            b.setText(text)
            b.setEnabled(bool(text))
            if b.property("long") != (len(text) > 1):  # a pinyin phrase: smaller type
                b.setProperty("long", len(text) > 1)
                b.style().unpolish(b)
                b.style().polish(b)
        pages = (len(self.items) + PER_PAGE - 1) // PER_PAGE
        # always in place (the candidates do not jump sideways), usable when there is a page
        self.prev.setEnabled(self.page > 0)
        self.next.setEnabled(self.page + 1 < pages)

    def _previous_page(self) -> None:
        self._turn(-1)

    def _next_page(self) -> None:
        self._turn(1)

    def _turn(self, step: int) -> None:
        pages = (len(self.items) + PER_PAGE - 1) // PER_PAGE
        self.page = max(0, min(pages - 1, self.page + step))
        self._show()

    def _clicked(self) -> None:
        button = self.sender()
        if button in self.buttons:
            self._pick(self.buttons.index(button))

    def _pick(self, slot: int) -> None:
        index = self.page * PER_PAGE + slot
        if index < len(self.items):
            self.chosen.emit(index)
