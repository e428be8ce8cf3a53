"""Pages of the anti-fraud screen: browsing content, the mirror, the quiz."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.antifraud.mirror import MirrorFlow
from kiosk.antifraud.quiz_flow import QuizFlow
from kiosk.content.library import ContentLibrary
from kiosk.framework.i18n import tr
from ui.framework import theme
from ui.framework.screen import button, clear_layout, label
from ui.framework.widgets.camera_view import CameraView
from ui.framework.widgets.card_button import CardButton
from ui.framework.widgets.scroll_area import scrolling_column


class Page(QWidget):
    """A page; ``refresh()`` redraws it in ``language``."""

    key = ""

    def __init__(self) -> None:
        super().__init__()
        self.language = "zh_CN"
        self.setObjectName(f"antifraud_{self.key}")
        _, self.box, self.content_area = scrolling_column(self, f"antifraud_{self.key}_scroll", 20)

    def t(self, key: str, **fields: object) -> str:
        """Translates into the page's language."""
        return tr(key, self.language, **fields)

    def refresh(self) -> None:
        """Redraws the page."""


def fill_actions(
    box: QVBoxLayout, labels: list[tuple[str, Callable[[], None]]], prefix: str, answers: bool
) -> list[QWidget]:
    """Replaces what ``box`` holds with one control per (text, action), named
    ``<prefix>_<i>``. Answers (the content's own words, of any length) are cards whose text
    wraps, at least as tall as an elder-mode target; the page's own actions are buttons, a
    lone one primary."""
    clear_layout(box)
    made: list[QWidget] = []
    for i, (text, action) in enumerate(labels):
        name = f"{prefix}_{i}"
        if answers:
            card = CardButton(text, name)
            card.setMinimumHeight(theme.metrics(True).target)
            card.clicked.connect(action)
            control: QWidget = card
        else:
            b = button(text, role="primary" if len(labels) == 1 else "", name=name)
            b.clicked.connect(lambda _=False, act=action: act())
            control = b
        box.addWidget(control)
        made.append(control)
    return made


class MenuPage(Page):
    """The ten most common frauds, the mirror and the quiz."""

    key = "menu"

    def __init__(self, library: ContentLibrary, open_card: Callable[[str], None]) -> None:
        super().__init__()
        self.library = library
        self.prompt = label("", "title", center=True)
        actions = QHBoxLayout()
        self.mirror = button(role="primary", name="antifraud_open_mirror")
        self.quiz = button(role="primary", name="antifraud_open_quiz")
        actions.addWidget(self.mirror)
        actions.addWidget(self.quiz)
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        # the content's names, of any length in any language: cards whose text wraps
        self.cards: dict[str, CardButton] = {}
        for i, fraud in enumerate(library.fraud_types.values()):
            b = CardButton(name=f"antifraud_card_{fraud.id}")
            b.setMinimumHeight(theme.metrics(True).target)
            b.label.setProperty("role", "card_title")
            b.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            b.clicked.connect(lambda fid=fraud.id: open_card(fid))
            self.cards[fraud.id] = b
            self.grid.addWidget(b, i // 2, i % 2)
        self.box.addWidget(self.prompt)
        self.box.addLayout(actions)
        self.box.addLayout(self.grid)
        self.box.addStretch(1)

    def refresh(self) -> None:
        self.prompt.setText(self.t("antifraud.cards.prompt"))
        self.mirror.setText(self.t("antifraud.menu.mirror"))
        self.quiz.setText(self.t("antifraud.menu.quiz"))
        for fid, b in self.cards.items():
            b.setText(self.library.fraud_types[fid].name.get(self.language))


class CardPage(Page):
    """One fraud type: how it starts, the warning signs, what to do; the hotlines."""

    key = "card"

    def __init__(self, library: ContentLibrary, back: Callable[[], None]) -> None:
        super().__init__()
        self.library = library
        self.fraud_id = ""
        self.title = label("", "hero")
        self.title.setObjectName("antifraud_card_title")
        self.body = label("")
        self.body.setObjectName("antifraud_card_body")
        self.hotlines = label("", "caption")
        self.back = button(name="antifraud_card_back")
        self.back.clicked.connect(back)
        for w in (self.title, self.body, self.hotlines):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.box.addWidget(self.back)

    def show_card(self, fraud_id: str) -> None:
        """Shows one fraud type."""
        self.fraud_id = fraud_id
        self.refresh()

    def speech(self) -> str:
        """What the voice reads: the card itself."""
        return f"{self.title.text()}。{self.body.text()}"

    def refresh(self) -> None:
        self.back.setText(self.t("idphoto.back"))
        fraud = self.library.fraud_types.get(self.fraud_id)
        if fraud is None:
            return
        lang = self.language
        self.title.setText(fraud.name.get(lang))
        sections = [
            f"{self.t('antifraud.card.how_it_starts')}\n{fraud.how_it_starts.get(lang)}",
            self.t("antifraud.card.warning_signs")
            + "\n"
            + "\n".join(f"· {s.get(lang)}" for s in fraud.warning_signs),
            self.t("antifraud.card.what_to_do")
            + "\n"
            + "\n".join(f"{i + 1}. {s.get(lang)}" for i, s in enumerate(fraud.what_to_do)),
        ]
        self.body.setText("\n\n".join(sections))
        lines = [self.t("antifraud.hotline.title")]
        for h in self.library.hotlines.values():
            note = "" if h.verified else f"（{self.t('antifraud.hotline.unverified')}）"
            lines.append(f"{h.number} {h.name.get(lang)}{note}")
        self.hotlines.setText("\n".join(lines))


class ScenariosPage(Page):
    """Which fraud attempt to live through in the mirror."""

    key = "scenarios"

    def __init__(self, library: ContentLibrary, start: Callable[[str], None]) -> None:
        super().__init__()
        self.library = library
        self.prompt = label("", "title", center=True)
        self.box.addWidget(self.prompt)
        self.buttons: dict[str, QPushButton] = {}
        for sid in library.scenarios:
            b = button(name=f"antifraud_scenario_{sid}")
            b.setMinimumHeight(160)
            b.clicked.connect(lambda _=False, s=sid: start(s))
            self.buttons[sid] = b
            self.box.addWidget(b)
        self.box.addStretch(1)

    def refresh(self) -> None:
        self.prompt.setText(self.t("antifraud.mirror.title"))
        for sid, b in self.buttons.items():
            s = self.library.scenarios[sid]
            b.setText(f"{s.title.get(self.language)}\n{s.caller.get(self.language)}")


class MirrorPage(Page):
    """The mirror: the resident sees themself; the scenario plays over the picture.

    With no camera the picture area is a plain panel and the scenario works the same.
    """

    key = "mirror"

    def __init__(self) -> None:
        super().__init__()
        self.flow: MirrorFlow | None = None
        self.view = CameraView()
        self.view.setObjectName("antifraud_mirror_view")
        self.view.setMinimumHeight(560)
        self.panel = QFrame()
        self.panel.setProperty("role", "card")
        panel_box = QVBoxLayout(self.panel)
        panel_box.setContentsMargins(32, 24, 32, 24)
        self.heading = label("", "caption")
        self.heading.setObjectName("mirror_heading")
        self.text = label("")
        self.text.setObjectName("mirror_text")
        self.choices_box = QVBoxLayout()
        panel_box.addWidget(self.heading)
        panel_box.addWidget(self.text)
        panel_box.addLayout(self.choices_box)
        self.box.addWidget(self.view, 1)
        self.box.addWidget(self.panel)
        self.choice_buttons: list[QWidget] = []

    def _buttons(self, labels: list[tuple[str, Callable[[], None]]], answers: bool = False) -> None:
        self.choice_buttons = fill_actions(self.choices_box, labels, "mirror_choice", answers)

    def refresh(self) -> None:
        flow = self.flow
        if flow is None:
            return
        lang = self.language
        s = flow.scenario
        if flow.state == "intro":
            self.heading.setText(s.title.get(lang))
            self.text.setText(s.intro.get(lang))
            self._buttons([(self.t("antifraud.mirror.start"), lambda: self._send("start"))])
        elif flow.state == "step" and flow.step is not None:
            step = flow.step
            channel = self.t(f"antifraud.mirror.channel.{step.channel}")
            self.heading.setText(f"{channel} · {s.caller.get(lang)}")
            self.text.setText(f"“{step.says.get(lang)}”")
            self._buttons(
                [
                    (c.text.get(lang), partial(self._send, "choose", index=i))
                    for i, c in enumerate(step.choices)
                ],
                answers=True,
            )
        elif flow.state == "outcome" and flow.last is not None:
            choice = flow.last.choice
            verdict = (
                "antifraud.mirror.outcome.safe"
                if choice.safe
                else "antifraud.mirror.outcome.unsafe"
            )
            self.heading.setText(self.t(verdict))
            text = choice.feedback.get(lang)
            if not choice.safe and choice.why is not None:
                text += f"\n\n{self.t('antifraud.mirror.outcome.why')}{choice.why.get(lang)}"
            self.text.setText(text)
            self._buttons([(self.t("antifraud.mirror.next"), lambda: self._send("next"))])
        elif flow.state == "summary":
            self.heading.setText(self.t("antifraud.mirror.summary.title"))
            score = self.t(
                "antifraud.mirror.summary.score", total=flow.choice_count, safe=flow.safe_count
            )
            signs = "\n".join(f"· {w.get(lang)}" for w in flow.warning_signs_met)
            self.text.setText(f"{score}\n\n{self.t('antifraud.mirror.summary.remember')}\n{signs}")
            self._buttons(
                [
                    (self.t("antifraud.mirror.again"), lambda: self._send("again")),
                    (self.t("antifraud.done"), lambda: self._send("done")),
                ]
            )

    def _send(self, name: str, **data: object) -> None:
        if self.flow is not None:
            self.flow.send(name, **data)
            self.refresh()


class QuizPage(Page):
    """One question at a time, the explanation, the score, the points."""

    key = "quiz"

    def __init__(self) -> None:
        super().__init__()
        self.flow: QuizFlow | None = None
        self.heading = label("", "caption", center=True)
        self.heading.setObjectName("quiz_heading")
        self.text = label("", "title")
        self.text.setObjectName("quiz_text")
        self.detail = label("")
        self.detail.setObjectName("quiz_detail")
        self.action_box = QVBoxLayout()
        for w in (self.heading, self.text, self.detail):
            self.box.addWidget(w)
        self.box.addLayout(self.action_box)
        self.box.addStretch(1)
        self.action_buttons: list[QWidget] = []

    def _buttons(self, labels: list[tuple[str, Callable[[], None]]], answers: bool = False) -> None:
        self.action_buttons = fill_actions(self.action_box, labels, "quiz_action", answers)

    def refresh(self) -> None:
        flow = self.flow
        if flow is None:
            return
        lang = self.language
        state = flow.state
        self.detail.setText("")
        if state == "intro":
            self.heading.setText(self.t("antifraud.quiz.title"))
            self.text.setText(self.t("antifraud.quiz.intro.prompt", count=flow.total))
            if flow.member_identified:
                self.detail.setText(self.t("antifraud.quiz.member_identified"))
            elif flow.reward_points_offered:
                self.detail.setText(
                    self.t("antifraud.quiz.intro.scan_to_earn", points=flow.reward_points_offered)
                )
            self._buttons([(self.t("antifraud.quiz.start"), lambda: self._send("start"))])
        elif state == "question" and flow.question is not None:
            q = flow.question
            self.heading.setText(
                self.t(
                    "antifraud.quiz.question.number", number=flow.session.number, total=flow.total
                )
            )
            self.text.setText(q.question.get(lang))
            options: list[tuple[str, Callable[[], None]]] = [
                (f"{'ABCD'[i]}. {o.get(lang)}", partial(self._send, "answer", choice=i))
                for i, o in enumerate(q.options)
            ]
            self._buttons(options, answers=True)
        elif state == "explanation" and flow.last_answer is not None:
            a = flow.last_answer
            q = a.question
            self.heading.setText(
                self.t("antifraud.quiz.correct" if a.correct else "antifraud.quiz.incorrect")
            )
            self.text.setText(q.question.get(lang))
            answer = f"{'ABCD'[q.answer]}. {q.options[q.answer].get(lang)}"
            right = f"{self.t('antifraud.quiz.right_answer')}：{answer}"
            self.detail.setText(f"{right}\n\n{q.explanation.get(lang)}")
            last = flow.session.number >= flow.total
            key = "antifraud.quiz.see_score" if last else "antifraud.quiz.next"
            self._buttons([(self.t(key), lambda: self._send("next"))])
        elif state == "score":
            self.heading.setText(self.t("antifraud.quiz.title"))
            self.text.setText(
                self.t("antifraud.quiz.score.text", score=flow.score, total=flow.total)
            )
            if flow.reward_earnable and not flow.member_identified:
                self.detail.setText(
                    self.t("antifraud.quiz.score.scan_to_earn", points=flow.reward_points_offered)
                )
            actions: list[tuple[str, Callable[[], None]]] = []
            if flow.reward_due:  # a member scanned their card: collect the day's points
                actions.append((self.t("antifraud.quiz.get_points"), lambda: self._send("next")))
            actions.append((self.t("antifraud.quiz.again"), lambda: self._send("again")))
            actions.append((self.t("antifraud.done"), lambda: self._send("done")))
            self._buttons(actions)
        elif state == "rewarding":
            self.text.setText(self.t("antifraud.quiz.reward.pending"))
            self._buttons([])
        elif state == "reward":
            self.text.setText(self.t(flow.reward_message_key, points=flow.reward_points_earned))
            buttons = [(self.t("antifraud.done"), lambda: self._send("done"))]
            if flow.reward_result is not None and flow.reward_result.status == "unreachable":
                buttons.insert(
                    0, (self.t("antifraud.quiz.reward.retry"), lambda: self._send("retry"))
                )
            self._buttons(buttons)

    def _send(self, name: str, **data: object) -> None:
        if self.flow is not None:
            self.flow.send(name, **data)
            self.refresh()
