"""The anti-fraud screen: the ten frauds to browse, the mirror and the quiz."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QWidget

from kiosk.content.library import ContentLibrary
from ui.antifraud.pages import CardPage, MenuPage, MirrorPage, Page, QuizPage, ScenariosPage
from ui.framework import icons, theme
from ui.framework.flow_screen import FlowHeader
from ui.framework.screen import Screen, button, column


class AntifraudScreen(Screen):
    """Hosts the pages; the controller decides which one shows."""

    name = "antifraud"
    prompt_key = "antifraud.menu.prompt"

    def __init__(self, library: ContentLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = column(self, (48, 40), 20)
        # the header every service screen has (no steps: the pages are browsed, not a flow)
        self.header = FlowHeader(self.name)
        self.heading = self.header.heading
        self.countdown = self.header.countdown
        self.home_button = self.header.home_button
        self.back_button = button(name="antifraud_menu_button")
        self.header.add_button(self.back_button)
        outer.addWidget(self.header)
        self.stack = QStackedWidget()
        self.menu = MenuPage(library, self.open_card)
        self.card = CardPage(library, lambda: self.show_page("menu"))
        self.scenarios = ScenariosPage(library, lambda sid: self.scenario_chosen(sid))
        self.mirror = MirrorPage()
        self.quiz = QuizPage()
        self.pages: dict[str, Page] = {
            p.key: p for p in (self.menu, self.card, self.scenarios, self.mirror, self.quiz)
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
        outer.addWidget(self.stack, 1)
        self.back_button.clicked.connect(lambda: self.show_page("menu"))
        self.set_elder(False)
        self.scenario_chosen = lambda _sid: None
        self._apply_texts()

    @property
    def page(self) -> Page:
        """The page on show."""
        widget = self.stack.currentWidget()
        assert isinstance(widget, Page)
        return widget

    def show_page(self, key: str) -> None:
        """Shows a page in the current language."""
        page = self.pages[key]
        page.language = self.language
        page.refresh()
        self.stack.setCurrentWidget(page)
        self.back_button.setVisible(key != "menu")

    def open_card(self, fraud_id: str) -> None:
        """Shows one fraud type's card."""
        self.card.language = self.language
        self.card.show_card(fraud_id)
        self.show_page("card")

    def prompt_text(self) -> str:
        page = self.page
        if page is self.card:
            return self.card.speech()
        if page is self.quiz and self.quiz.flow is not None:
            return self.quiz.flow.speech(self.language)
        if page is self.mirror and self.mirror.flow is not None:
            return self.mirror.flow.speech(self.language)
        return self.tr_(self.prompt_key)

    def set_elder(self, elder: bool) -> None:
        self.header.set_elder(elder)
        icons.set_icon(self.back_button, "back", theme.metrics(elder).icon)

    def show_idle_countdown(self, seconds: float | None) -> None:
        self.countdown.show_left(seconds, self.language)

    def _apply_texts(self) -> None:
        self.heading.setText(self.tr_("antifraud.title"))
        self.countdown.retranslate(self.language)
        self.back_button.setText(self.tr_("antifraud.menu.cards"))
        self.home_button.setText(self.tr_("antifraud.back_home"))
        for page in self.pages.values():
            page.language = self.language
            page.refresh()
