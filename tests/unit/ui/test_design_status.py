"""Error and refusal screens are status screens: an icon, a headline, one sentence and the
next step, with the way on below, never a lone line in empty space."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from tests.unit.ui.helpers import settle, touch
from ui.framework.flow_screen import FlowScreen
from ui.framework.widgets.status_view import StatusView
from ui.shell.window import Shell


def status_on_screen(shell: Shell) -> StatusView:
    views = [v for v in shell.current.findChildren(StatusView) if v.isVisible()]
    assert len(views) == 1, f"{len(views)} status views on {shell.current.name}"
    return views[0]


def assert_complete(view: StatusView, tone: str) -> None:
    assert view.tone == tone
    pixmap = view.icon_label.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    for part in (view.title, view.body, view.next_step):
        assert part.isVisible() and part.text().strip(), part.objectName()
    assert view.title.text() != view.body.text()


def a_way_on(shell: Shell) -> list[QAbstractButton]:
    page = shell.current
    if isinstance(page, FlowScreen):
        page = page.stack.currentWidget()  # type: ignore[assignment]
    buttons = [b for b in page.findChildren(QAbstractButton) if b.isVisible()]
    assert buttons, "no action under the status"
    return buttons


def jump(screen: FlowScreen, state: str) -> None:
    """Puts the flow in ``state`` directly: the flows' own tests cover how each gets there
    (a refused photo, a lost camera, a failed lookup); here only how the screen looks."""
    assert screen.flow is not None
    screen.flow._go(state)
    screen.show_flow()
    settle()


def start(qtbot: QtBot, shell: Shell, service_id: str) -> FlowScreen:
    touch(qtbot, shell.attract)
    shell.features[service_id].start()
    settle()
    screen = shell.current
    assert isinstance(screen, FlowScreen)
    return screen


def test_the_apology_is_a_status_screen_with_the_staff_hint_next(
    qtbot: QtBot, shell: Shell
) -> None:
    touch(qtbot, shell.attract)
    shell.show_failsafe()
    settle()
    view = status_on_screen(shell)
    assert_complete(view, "warning")
    assert view.title.text() == "抱歉，出了点问题"
    assert view.next_step.text() == shell.ctx.config.ui.staff_hint["zh_CN"]
    home = a_way_on(shell)
    assert [b.objectName() for b in home] == ["failsafe_home"]
    assert not home[0].icon().isNull()


def test_a_refused_points_card_says_why_and_what_next(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "points")
    shell.features["points"].card_scanned("not-a-points-card")  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: screen.flow is not None and screen.flow.state == "token_refused")
    settle()
    view = status_on_screen(shell)
    assert_complete(view, "refusal")
    assert view.next_step.text().startswith("下一步")
    assert len(a_way_on(shell)) == 2
    standard = view.icon_label.width()
    shell.set_elder(True)
    assert view.icon_label.width() > standard  # elder mode: a larger icon


def test_a_refused_photo_says_why_and_offers_a_retake(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "id_photo")
    jump(screen, "refused")
    view = status_on_screen(shell)
    assert_complete(view, "refusal")
    assert view.title.text() == "这张照片不能使用"
    names = {b.objectName() for b in a_way_on(shell)}
    assert names == {"idphoto_refused_home", "idphoto_refused_retake"}


def test_a_lost_camera_and_no_consent_point_to_the_counter(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "id_photo")
    hint = shell.ctx.config.ui.staff_hint["zh_CN"]
    screen.send("disagree")  # no consent: the staffed counter
    settle()
    for state, tone in (("staffed", "info"), ("camera_lost", "warning")):
        if state != "staffed":
            jump(screen, state)
        assert screen.flow is not None and screen.flow.state == state
        view = status_on_screen(shell)
        assert_complete(view, tone)
        assert view.next_step.text() == hint
        assert a_way_on(shell)


def test_a_failed_lookup_says_what_next(qtbot: QtBot, shell: Shell) -> None:
    screen = start(qtbot, shell, "violations")
    jump(screen, "error")
    view = status_on_screen(shell)
    assert_complete(view, "refusal")
    assert view.title.text() == "这次没有查询成功"
    assert "back" in {b.objectName().rsplit("_", 1)[-1] for b in a_way_on(shell)}
    assert screen.step_label.isHidden()  # an error belongs to no step
