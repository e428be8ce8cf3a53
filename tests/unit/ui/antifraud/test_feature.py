"""Anti-fraud on screen: the ten cards, the mirror over the simulated camera, the quiz."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.framework.i18n import tr as shell_tr
from tests.unit.ui.helpers import find, touch
from ui.shell.window import Shell


def open_antifraud(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    assert shell.home.tiles["antifraud"].isEnabled()
    touch(qtbot, shell.home.tiles["antifraud"])
    assert shell.current.name == "antifraud"


def text(shell: Shell, name: str) -> str:
    w = find(shell, name)
    assert isinstance(w, QLabel)
    return w.text()


def test_browse_every_common_fraud(qtbot: QtBot, shell: Shell) -> None:
    open_antifraud(qtbot, shell)
    cards = shell.ctx.content.fraud_types
    assert len(cards) == 10
    for fraud_id, fraud in cards.items():
        touch(qtbot, find(shell, f"antifraud_card_{fraud_id}"))
        assert text(shell, "antifraud_card_title") == fraud.name.zh_CN
        body = text(shell, "antifraud_card_body")
        assert fraud.how_it_starts.zh_CN in body
        assert all(sign.zh_CN in body for sign in fraud.warning_signs)
        assert all(step.zh_CN in body for step in fraud.what_to_do)
        touch(qtbot, find(shell, "antifraud_card_back"))


def test_a_card_is_read_aloud_in_elder_mode(qtbot: QtBot, shell: Shell) -> None:
    touch(qtbot, shell.attract)
    touch(qtbot, find(shell, "elder"))
    touch(qtbot, shell.home.tiles["antifraud"])
    first = next(iter(shell.ctx.content.fraud_types.values()))
    touch(qtbot, find(shell, f"antifraud_card_{first.id}"))
    touch(qtbot, find(shell, "replay")) if False else shell.speak_prompt()
    spoken = shell.ctx.voice.spoken  # type: ignore[attr-defined]
    assert first.how_it_starts.zh_CN in spoken[-1][0]


def test_mirror_scenario_walked_with_the_simulated_camera(qtbot: QtBot, shell: Shell) -> None:
    open_antifraud(qtbot, shell)
    touch(qtbot, find(shell, "antifraud_open_mirror"))
    scenario_id = next(iter(shell.ctx.content.scenarios))
    scenario = shell.ctx.content.scenarios[scenario_id]
    touch(qtbot, find(shell, f"antifraud_scenario_{scenario_id}"))
    assert text(shell, "mirror_heading") == scenario.title.zh_CN
    view = shell.features["antifraud"].screen.mirror.view
    qtbot.waitUntil(
        lambda: view.latest() is not None, timeout=60_000
    )  # the mirror shows the camera
    touch(qtbot, find(shell, "mirror_choice_0"))  # start
    step = scenario.steps[0]
    assert step.says.zh_CN in text(shell, "mirror_text")
    unsafe = next(i for i, c in enumerate(step.choices) if not c.safe)
    touch(qtbot, find(shell, f"mirror_choice_{unsafe}"))
    assert "为什么危险" in text(shell, "mirror_text")
    flow = shell.features["antifraud"].flow
    while flow is not None and flow.state != "summary":
        if flow.state == "step":
            safe = next(i for i, c in enumerate(flow.step.choices) if c.safe)  # type: ignore[attr-defined]
            touch(qtbot, find(shell, f"mirror_choice_{safe}"))
        else:
            touch(qtbot, find(shell, "mirror_choice_0"))
    summary = text(shell, "mirror_text")
    assert "次是安全的" in summary and step.warning_signs[0].zh_CN in summary
    touch(qtbot, find(shell, "mirror_choice_1"))  # done
    assert shell.features["antifraud"].screen.page.key == "menu"


def test_quiz_one_question_at_a_time_with_explanations(qtbot: QtBot, shell: Shell) -> None:
    open_antifraud(qtbot, shell)
    touch(qtbot, find(shell, "antifraud_open_quiz"))
    touch(qtbot, find(shell, "quiz_action_0"))  # start
    flow = shell.features["antifraud"].flow
    total = flow.total  # type: ignore[attr-defined]
    for n in range(1, total + 1):
        assert text(shell, "quiz_heading") == f"第 {n} 题，共 {total} 题"
        q = flow.question  # type: ignore[attr-defined]
        touch(qtbot, find(shell, f"quiz_action_{q.answer}"))
        assert text(shell, "quiz_heading") == shell_tr("antifraud.quiz.correct")
        assert q.explanation.zh_CN in text(shell, "quiz_detail")
        touch(qtbot, find(shell, "quiz_action_0"))
    assert text(shell, "quiz_text") == f"您答对了 {total} 题，共 {total} 题"
    # counted for the usage report, card or not (the heartbeat sends it to the center)
    assert shell.ctx.counters.all().get("quiz.completed") == 1
