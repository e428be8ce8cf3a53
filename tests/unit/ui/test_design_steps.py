"""Every flow screen has the same frame: the header says "第 n 步 / 共 m 步" where the flow has
steps, and shows no step where it has none (an error, the ID photo inside the application)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from kiosk.application.model import PHOTO_PRESET
from tests.unit.ui.helpers import settle, touch
from ui.framework.flow_screen import FlowScreen
from ui.shell.window import Shell


def start(qtbot: QtBot, shell: Shell, service_id: str) -> FlowScreen:
    touch(qtbot, shell.attract)
    shell.features[service_id].start()
    settle()
    screen = shell.current
    assert isinstance(screen, FlowScreen)
    return screen


def step_shown(screen: FlowScreen) -> str:
    return screen.step_label.text() if screen.step_label.isVisible() else ""


def send(screen: FlowScreen, event: str, **data: object) -> None:
    screen.send(event, **data)
    settle()


def test_the_id_photo_flow_shows_its_steps(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "id_photo")
    assert screen.flow is not None and screen.flow.state == "consent"
    assert step_shown(screen) == "第 1 步 / 共 4 步"
    send(screen, "agree", under_14=False, guardian=False)
    assert screen.flow.state == "preset"
    assert step_shown(screen) == "第 2 步 / 共 4 步"
    shell.set_language("en")
    assert step_shown(screen) == "Step 2 of 4"


def test_no_consent_shows_no_step(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "id_photo")
    send(screen, "disagree")
    assert screen.flow is not None and screen.flow.state == "staffed"
    assert step_shown(screen) == ""


def test_the_photo_inside_the_application_counts_no_steps_of_its_own(
    qtbot: QtBot, shell: Shell
) -> None:
    touch(qtbot, shell.attract)
    photo = shell.features["id_photo"]
    photo.take_photo(PHOTO_PRESET, lambda _jpeg: None)  # type: ignore[attr-defined]
    settle()
    screen = shell.current
    assert isinstance(screen, FlowScreen) and screen.name == "id_photo"
    assert screen.flow is not None and screen.flow.state == "consent"
    assert step_shown(screen) == ""


def test_the_points_flow_shows_its_steps(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "points")
    assert screen.flow is not None and screen.flow.state == "scan"
    assert step_shown(screen) == "第 1 步 / 共 5 步"


def test_a_refused_points_card_stays_on_the_first_step(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "points")
    points = shell.features["points"]
    points.card_scanned("not-a-points-card")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: screen.flow is not None and screen.flow.state == "token_refused")
    settle()
    assert step_shown(screen) == "第 1 步 / 共 5 步"


def test_the_violations_flow_shows_its_steps(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "violations")
    assert screen.flow is not None and screen.flow.state == "choose_mode"
    assert step_shown(screen) == "第 1 步 / 共 3 步"
    send(screen, "vehicle")
    assert screen.flow.state == "plate_type"
    assert step_shown(screen) == "第 2 步 / 共 3 步"


def test_every_flow_screen_counts_its_steps_from_one_without_gaps(shell: Shell) -> None:
    shell.build_features()
    flow_screens = [s for s in shell.screens.values() if isinstance(s, FlowScreen) and s.steps]
    assert {s.name for s in flow_screens} >= {"id_photo", "points", "violations"}
    for screen in flow_screens:
        numbers = set(screen.steps.values())
        assert numbers == set(range(1, max(numbers) + 1)), screen.name
        assert set(screen.steps) <= set(screen.pages), screen.name  # no misspelt state
