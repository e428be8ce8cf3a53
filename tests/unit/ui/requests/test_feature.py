"""我要反映 / 您来点单 on screen, through the real shell on simulated devices: a request
written by hand in elder mode with a photo, to a printed receipt whose QR then shows the
progress staff made (and takes the resident's rating); a request with no photo and no
contact; the center unreachable (the request waits encrypted in the outbox, and the receipt
says so); an over-long description refused; a face filling the photo said plainly.

Pictures: scikit-image's coffee cup (public domain) and the Face Research Lab London Set,
DeBruine, L. & Jones, B. (2017), doi:10.6084/m9.figshare.5047666.v5 (CC-BY 4.0), read
from ../shared/corpora.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from devices.camera import SimulatedCamera
from devices.health import HealthLevel
from devices.receipt.escpos_text import escpos_to_text, qr_payloads
from kiosk.app import build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.voice import RecordingVoice
from kiosk.requests.local import LocalRequestService
from kiosk.requests.model import parse_status_payload
from tests.conftest import CORPORA, corpus
from tests.unit.ui.helpers import all_texts, find, text_of, touch
from ui.framework.text_entry.entry import Method, TextEntry
from ui.framework.widgets.status_view import StatusView
from ui.shell.window import Shell

JPEG_START = b"\xff\xd8\xff"
MOBILE = "13812345678"
REST = "号楼电梯坏了三天，老人上下楼很困难。"


def state(shell: Shell, feature: str = "requests") -> str:
    flow = shell.features[feature].flow
    return "" if flow is None else str(flow.state)


def wait_state(qtbot: QtBot, shell: Shell, *states: str) -> None:
    def there() -> bool:
        shell.tick()
        return state(shell) in states

    qtbot.waitUntil(there, timeout=60_000)


def start(qtbot: QtBot, shell: Shell, *, elder: bool = False) -> None:
    touch(qtbot, shell.attract)
    qtbot.waitUntil(lambda: shell.home.tiles["requests"].isEnabled(), timeout=60_000)
    if elder:
        touch(qtbot, find(shell, "elder"))
    touch(qtbot, shell.home.tiles["requests"])
    assert shell.current.name == "requests" and state(shell) == "category"


def entry(shell: Shell, step: str) -> TextEntry:
    widget = find(shell, f"requests_{step}_entry")
    assert isinstance(widget, TextEntry)
    return widget


def press(qtbot: QtBot, shell: Shell, step: str, digits: str) -> None:
    """Types on the entry's digit pad, as a resident would, then touches 确定."""
    field = entry(shell, step)
    assert field.keys is not None and field.keys.isVisible()
    for key in digits:
        touch(qtbot, field.keys.buttons[key])
    assert field.field.text() == digits
    touch(qtbot, field.ok)


def to_description(qtbot: QtBot, shell: Shell) -> None:
    step = find(shell, "requests_step")
    assert isinstance(step, QLabel) and step.text() == "第 1 步 / 共 7 步"
    touch(qtbot, find(shell, "requests_category_repairs"))
    assert state(shell) == "compound" and step.text() == "第 2 步 / 共 7 步"
    touch(qtbot, find(shell, "requests_compound_heping-li"))
    press(qtbot, shell, "building", "3")
    assert state(shell) == "unit"
    press(qtbot, shell, "unit", "2")
    assert state(shell) == "description" and step.text() == "第 3 步 / 共 7 步"


def a_problem(qtbot: QtBot, shell: Shell) -> None:
    """A picture of a thing before the camera (the coffee cup; without the corpora, the
    simulated camera's own drawing, which has no face either)."""
    cup = CORPORA / "faces" / "negatives" / "no_face" / "skimage_coffee.png"
    if cup.exists():
        show(qtbot, shell, cup)


def show(qtbot: QtBot, shell: Shell, picture: Path) -> None:
    """Puts ``picture`` before the camera and waits until its frames are the newest."""
    camera = shell.ctx.devices.camera
    assert isinstance(camera, SimulatedCamera)
    qtbot.waitUntil(lambda: camera.latest() is not None, timeout=60_000)
    before = camera.latest()
    assert before is not None
    camera.set_source(str(picture))

    def switched() -> bool:
        frame = camera.latest()
        return frame is not None and frame.seq >= before.seq + 2

    qtbot.waitUntil(switched, timeout=60_000)
    assert camera.health.level is HealthLevel.READY


def write(qtbot: QtBot, field: TextEntry, strokes: list[list[tuple[float, float]]]) -> None:
    """A finger writing on the pad (fractions of its size), then the pause."""
    pad = field.pad
    window = pad.window()
    handle = window.windowHandle()
    assert handle is not None
    w, h = pad.width(), pad.height()

    def at(x: float, y: float) -> QPoint:
        return pad.mapTo(window, QPoint(round(x * w), round(y * h)))

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for stroke in strokes:
        QTest.mousePress(handle, left, none, at(*stroke[0]))
        for x, y in stroke[1:]:
            QTest.mouseMove(handle, at(x, y))
        QTest.mouseRelease(handle, left, none, at(*stroke[-1]))
    assert field.pad.fire_pause()  # the pause, without waiting for it


def line(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0 + (x1 - x0) * i / 12, y0 + (y1 - y0) * i / 12) for i in range(13)]


THREE = [line(0.3, 0.27, 0.7, 0.27), line(0.33, 0.5, 0.67, 0.5), line(0.22, 0.76, 0.78, 0.76)]
"""三, stroke by stroke in the order taught."""


def printed(shell: Shell) -> tuple[str, list[str]]:
    printer = shell.ctx.devices.printer
    job = printer.recent_jobs(1)[0]
    assert printer.wait(job.id, 60) == "done"
    stored = printer.store.get(job.id)
    assert stored is not None
    return escpos_to_text(stored.escpos), qr_payloads(stored.escpos)


def scan(qtbot: QtBot, shell: Shell, text: str) -> None:
    source = shell.ctx.devices.scanner.source("simulated")
    assert source is not None
    source.inject(text)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: shell.current.name != "attract", timeout=60_000)


def nothing_left(shell: Shell, *secrets: str) -> None:
    on_screen = " ".join(all_texts(shell))
    for secret in secrets:
        assert secret not in on_screen, f"{secret!r} left on screen"
    for path in shell.ctx.data_dir.rglob("*"):
        if path.is_file() and "request_outbox" not in path.parts:
            content = path.read_bytes()
            assert JPEG_START not in content, f"a photo was left at {path}"
            for secret in secrets:
                assert secret.encode() not in content, f"{secret!r} was left at {path}"


def test_a_handwritten_request_with_a_photo_to_a_receipt_whose_qr_shows_the_staffs_progress(
    qtbot: QtBot, shell: Shell
) -> None:
    a_problem(qtbot, shell)
    start(qtbot, shell, elder=True)
    to_description(qtbot, shell)
    # elder mode: the description opens on the handwriting pad
    description = entry(shell, "description")
    assert description.method is Method.HANDWRITING and description.pad.isVisible()
    write(qtbot, description, THREE)
    candidates = description.candidates.visible_candidates()
    assert "三" in candidates, candidates
    (three,) = [b for b in description.candidates.buttons if b.text() == "三" and b.isVisible()]
    touch(qtbot, three)
    assert description.field.text() == "三"
    description.field.setText(description.field.text() + REST)  # the rest, as typed
    touch(qtbot, description.ok)
    assert state(shell) == "photo_consent"
    touch(qtbot, find(shell, "requests_photo_consent_agree"))
    assert state(shell) == "photo"
    touch(qtbot, find(shell, "requests_photo_shoot"))
    wait_state(qtbot, shell, "photo_check")
    picture = find(shell, "requests_photo_check_picture")
    assert isinstance(picture, QLabel) and not picture.pixmap().isNull()
    assert "能看清问题" in text_of(shell, "requests_photo_check_verdict")
    touch(qtbot, find(shell, "requests_photo_check_use"))
    assert state(shell) == "contact"
    press(qtbot, shell, "contact", MOBILE)
    assert state(shell) == "callback" and "138****5678" in text_of(
        shell, "requests_callback_number"
    )
    touch(qtbot, find(shell, "requests_callback_yes"))
    assert state(shell) == "review"
    flow = shell.features["requests"].flow
    assert flow is not None
    words = flow.data.description  # as the text input normalised it (full-width punctuation)
    assert words.startswith("三号楼电梯坏了三天") and len(words) == 1 + len(REST)
    assert text_of(shell, "requests_review_description") == f"内容：{words}"
    assert "和平里小区 3号楼2单元" in text_of(shell, "requests_review_place")
    assert "已拍 1 张" in text_of(shell, "requests_review_photo")
    contact = text_of(shell, "requests_review_contact")
    assert "138****5678" in contact and MOBILE not in contact and "需要回电" in contact
    touch(qtbot, find(shell, "requests_review_submit"))
    wait_state(qtbot, shell, "receipt")

    text, payloads = printed(shell)
    (payload,) = payloads
    code = parse_status_payload(payload)
    assert code is not None and code[0] in text
    assert "48 小时内响应" in text and "物业服务中心" in text and "138****5678" in text
    assert MOBILE not in text and words not in text
    view = find(shell, "requests_receipt_view")
    assert isinstance(view, StatusView) and code[0] in view.body.text()
    touch(qtbot, find(shell, "requests_receipt_done"))
    assert not shell.ctx.sessions.active and shell.current is shell.attract
    nothing_left(shell, MOBILE, words)

    # staff take it in hand at the center (here: the embedded intake)
    intake = shell.ctx.backends.requests()
    assert isinstance(intake, LocalRequestService)
    intake.act(code[0], "assign", department="物业服务中心")
    intake.act(code[0], "done", text="已更换电梯控制板，恢复运行")

    scan(qtbot, shell, payload)  # later, at the attract screen of any kiosk
    assert shell.current.name == "requests_status"
    wait_state(qtbot, shell, "status")
    status = find(shell, "requests_status_view")
    assert isinstance(status, StatusView)
    assert code[0] in status.title.text() and "已办结" in status.title.text()
    assert "已更换电梯控制板，恢复运行" in status.body.text()
    assert "138****5678" in status.body.text() and MOBILE not in status.body.text()
    assert "● 已办结" in text_of(shell, "requests_status_progress")
    assert "已派单" in text_of(shell, "requests_status_history")
    touch(qtbot, find(shell, "requests_status_satisfied"))
    wait_state(qtbot, shell, "status")
    assert "满意。谢谢" in text_of(shell, "requests_status_rating")
    assert not find(shell, "requests_status_done").isHidden()
    assert intake.status(*code).satisfied is True
    touch(qtbot, find(shell, "requests_status_done"))
    assert shell.current.name != "requests_status"
    assert "已更换电梯控制板" not in " ".join(all_texts(shell))


def test_a_request_with_no_photo_and_no_contact(qtbot: QtBot, shell: Shell) -> None:
    start(qtbot, shell)
    to_description(qtbot, shell)
    description = entry(shell, "description")
    assert description.method is Method.PINYIN  # not elder: the keyboard first
    description.field.setText("小区北门路灯不亮")
    touch(qtbot, description.ok)
    touch(qtbot, find(shell, "requests_photo_consent_skip"))
    assert state(shell) == "contact"
    step = find(shell, "requests_step")
    assert isinstance(step, QLabel) and step.text() == "第 5 步 / 共 7 步"
    touch(qtbot, find(shell, "requests_contact_skip"))
    assert state(shell) == "review"
    assert text_of(shell, "requests_review_photo") == "照片：无"
    assert text_of(shell, "requests_review_contact") == "联系电话：不留"
    touch(qtbot, find(shell, "requests_review_submit"))
    wait_state(qtbot, shell, "receipt")
    text, payloads = printed(shell)
    assert len(payloads) == 1 and "联系电话" not in text
    code = parse_status_payload(payloads[0])
    assert code is not None
    intake = shell.ctx.backends.requests()
    status = intake.status(*code)
    assert status.mobile_masked == "" and not status.callback and status.status == "received"
    touch(qtbot, find(shell, "requests_receipt_done"))
    assert not shell.ctx.sessions.active


def test_the_center_unreachable_the_request_waits_encrypted_and_the_receipt_says_so(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        '[backend]\nbackend = "http"\nbase_url = "http://127.0.0.1:9"\ntoken = "t"\n'
        "connect_timeout_s = 1\nretries = 0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KIOSK_SITE_CONFIG", str(site))
    ctx = build_context(clock=FakeClock(), voice=RecordingVoice())
    ctx.devices.start()
    shell = Shell(ctx, tick_ms=0)
    qtbot.addWidget(shell)
    shell.resize(1080, 1920)
    shell.show()
    words = "楼道里堆满杂物，挡住了消防通道。"
    try:
        a_problem(qtbot, shell)
        start(qtbot, shell)
        to_description(qtbot, shell)
        entry(shell, "description").field.setText(words)
        touch(qtbot, entry(shell, "description").ok)
        touch(qtbot, find(shell, "requests_photo_consent_agree"))
        touch(qtbot, find(shell, "requests_photo_shoot"))
        wait_state(qtbot, shell, "photo_check")
        touch(qtbot, find(shell, "requests_photo_check_use"))
        press(qtbot, shell, "contact", MOBILE)
        touch(qtbot, find(shell, "requests_callback_no"))
        touch(qtbot, find(shell, "requests_review_submit"))
        assert state(shell) in ("submitting", "receipt")  # the tap returned: nothing blocked
        wait_state(qtbot, shell, "receipt")

        outbox = shell.features["requests"].outbox  # type: ignore[attr-defined]
        (waiting,) = outbox.pending()
        files = list(outbox.folder.iterdir())
        assert len(files) == 1 and files[0].suffix == ".request"
        sealed = files[0].read_bytes()
        assert JPEG_START not in sealed and MOBILE.encode() not in sealed
        assert words.encode() not in sealed and b"heping-li" not in sealed  # encrypted

        view = find(shell, "requests_receipt_view")
        assert isinstance(view, StatusView) and view.tone == "warning"
        assert "联网后" in view.title.text() and "加密保存" in view.body.text()
        text, payloads = printed(shell)
        assert payloads == []  # no code yet: nothing to scan
        assert "联网后自动提交" in text and f"Q-{waiting.upper()}" in text
        assert MOBILE not in text and words not in text
        touch(qtbot, find(shell, "requests_receipt_done"))
        assert not ctx.sessions.active
        assert outbox.pending() == [waiting]  # still waiting for the center
    finally:
        shell.shutdown()
        ctx.close()


def test_an_over_long_description_is_refused_with_what_to_do(qtbot: QtBot, shell: Shell) -> None:
    start(qtbot, shell)
    to_description(qtbot, shell)
    limit = shell.ctx.config.requests.description_max_chars
    description = entry(shell, "description")
    description.field.setText("电梯坏了" * 100)
    assert len(description.field.text()) == limit + 1  # the field stops one past the limit
    touch(qtbot, description.ok)
    assert state(shell) == "description"
    problem = find(shell, "requests_description_problem")
    assert isinstance(problem, QLabel) and problem.isVisible()
    assert problem.text() == f"内容太长了，请精简到{limit}个字以内。"
    assert f"最多{limit}个字" in text_of(shell, "requests_description_hint")
    description.field.setText("电梯坏了" * 10)
    touch(qtbot, description.ok)
    assert state(shell) == "photo_consent"


def test_a_face_filling_the_photo_is_said_and_it_cannot_be_sent(qtbot: QtBot, shell: Shell) -> None:
    show(qtbot, shell, corpus("faces", "frontal") / "002_03.jpg")
    start(qtbot, shell)
    to_description(qtbot, shell)
    entry(shell, "description").field.setText("楼下垃圾桶满了没人清理")
    touch(qtbot, entry(shell, "description").ok)
    touch(qtbot, find(shell, "requests_photo_consent_agree"))
    touch(qtbot, find(shell, "requests_photo_shoot"))
    wait_state(qtbot, shell, "photo_check")
    assert "主要是人脸" in text_of(shell, "requests_photo_check_verdict")
    assert not any(
        b.objectName() == "requests_photo_check_use" and b.isVisible()
        for b in shell.findChildren(type(find(shell, "requests_photo_check_retake")))
    )
    touch(qtbot, find(shell, "requests_photo_check_skip"))
    assert state(shell) == "contact"
    flow = shell.features["requests"].flow
    assert flow is not None and flow.data.photo_jpeg == b""


def test_an_unknown_receipt_code_says_so_and_keeps_nothing(qtbot: QtBot, shell: Shell) -> None:
    scan(qtbot, shell, "RQ1.RQ20261123-ABCDEF." + "x" * 22)
    assert shell.current.name == "requests_status"
    wait_state(qtbot, shell, "not_found")
    view = find(shell, "requests_status_not_found_view")
    assert isinstance(view, StatusView) and "没有查到" in view.body.text()
    touch(qtbot, find(shell, "requests_status_done"))
    assert shell.current.name != "requests_status"
