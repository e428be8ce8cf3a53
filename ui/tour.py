"""``kiosk tour``: drives the real shell through every screen and saves one PNG per screen.

Simulated devices, demo data, a fake clock (so idle warnings and slides appear on cue) and a
recording voice. Works offscreen; the end-to-end test runs it under Xvfb in a real window.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.framework.clock import FakeClock
from kiosk.platform.voice import RecordingVoice

PIN = "246810"  # the demo terminal's initial PIN (config/defaults.toml)
PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)


def cmd_tour(args: argparse.Namespace) -> int:
    """``kiosk tour``: saves every screen and prints the files."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    saved = run_tour(args.out, landscape=args.landscape, data_dir=args.data_dir, site=args.site)
    for path in saved:
        print(path)
    return 0


def run_tour(
    out: Path | None,
    *,
    landscape: bool = False,
    data_dir: Path | None = None,
    site: Path | None = None,
    on_screen: Callable[[str, Any], None] | None = None,
) -> list[Path]:
    """Walks every screen and returns the PNG files written, in order.

    ``out`` None saves no PNG; ``on_screen(name, shell)`` is called at every screen (the
    accessibility audit measures there)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from kiosk.app import build_context
    from kiosk.framework.session import EndReason
    from ui.framework.text_entry.input_method import prepare_input_method
    from ui.shell.window import Shell

    prepare_input_method()  # the pinyin keyboard's input context, before the QApplication
    app = QApplication.instance() or QApplication(["kiosk-tour"])
    assert isinstance(app, QApplication)
    clock = FakeClock()
    # A throwaway data directory unless one is given: the tour types PINs and prints.
    scratch = tempfile.TemporaryDirectory(prefix="kiosk-tour-") if data_dir is None else None
    if scratch is not None:
        data_dir = Path(scratch.name) / "data"
    # Demo points cards need a signing key: a throwaway one, its public half in a site file.
    from kiosk.points.demo import demo_tokens
    from kiosk.points.tokens import TokenSigner

    signer = TokenSigner.generate()
    settings = None if site else {"points": {"token_public_key": signer.public_key_b64}}
    ctx = build_context(data_dir, site, settings=settings, clock=clock, voice=RecordingVoice())
    ctx.devices.start()
    shell = Shell(ctx, tick_ms=0)
    size = LANDSCAPE if landscape else PORTRAIT
    shell.setFixedSize(*size)  # the terminal's screen: what needs more is cut off, as there
    shell.show()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    faces = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "faces" / "frontal"
    face_source = str(faces / "002_03.jpg") if (faces / "002_03.jpg").exists() else ""
    suffix = "-landscape" if landscape else ""

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def snap(name: str) -> None:
        settle()
        if out is not None:
            path = out / f"{len(saved) + 1:02d}-{name}{suffix}.png"
            shell.grab().save(str(path))
            saved.append(path)
        if on_screen is not None:
            on_screen(name, shell)

    def visible(widget_name: str) -> QWidget | None:
        found = [w for w in shell.findChildren(QWidget, widget_name) if w.isVisible()]
        return found[0] if found else None

    def bring_into_view(target: QWidget) -> None:
        """A resident swipes a page that scrolls until what they want is in view."""
        from PySide6.QtWidgets import QScrollArea

        parent = target.parentWidget()
        while parent is not None:
            area = parent.parentWidget()
            if isinstance(area, QScrollArea) and parent is area.viewport():
                area.ensureWidgetVisible(target, 0, 0)
                settle()
            parent = parent.parentWidget()

    def touch(widget_name: str | None = None) -> None:
        if widget_name:
            # the screen may still be building (a worker's answer, a queued signal): wait for
            # the control to be there and visible, never for a fixed time
            wait_for(lambda: visible(widget_name) is not None, what=f"control {widget_name}")
        target = visible(widget_name) if widget_name else shell.current
        assert isinstance(target, QWidget), widget_name
        bring_into_view(target)
        at = target.mapTo(shell, QPoint(10, 10) if widget_name is None else target.rect().center())
        handle = shell.windowHandle()
        assert handle is not None
        # through the window, as real input arrives
        QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
        settle()

    def next_slide() -> None:
        clock.advance(8.5)
        shell.tick()

    def help_in_chinese() -> None:
        touch("language")
        touch("help")

    def idle() -> None:
        touch("help_close")
        _idle(shell, clock)

    def failsafe() -> None:
        touch("idle_continue")
        shell.show_failsafe()

    def pin_pad() -> None:
        touch("failsafe_home")
        for _ in range(5):  # the hidden gesture: five taps in the configured corner
            corner = QPoint(shell.width() - 20, 20)
            handle = shell.windowHandle()
            assert handle is not None
            QTest.mouseClick(
                handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corner
            )
            clock.advance(0.3)
        settle()

    def pin(digits: str) -> None:
        for d in digits:
            touch(f"pin_{d}")
        touch("pin_ok")

    def page(key: str) -> Callable[[], None]:
        def show() -> None:
            touch(f"maint_tab_{key}")
            if key == "network":
                touch("maint_network_check")
                shell.maintenance.network.wait()
            shell.tick()

        return show

    def enter() -> None:
        pin(PIN)
        shell.tick()

    def wait_for(
        predicate: Callable[[], bool],
        advance_s: float = 0.0,
        limit_s: float = 180,
        what: str = "a condition",
    ) -> None:
        """Processes events until ``predicate`` holds; a generous limit, then a clear error."""
        import time

        end = time.monotonic() + limit_s
        while not predicate():
            if time.monotonic() > end:
                where = ""
                if out is not None:  # what the screen showed when the tour gave up
                    shell.grab().save(str(out / "stuck.png"))
                    where = f" (the screen then: {out / 'stuck.png'})"
                raise TimeoutError(f"tour: {what} not reached within {limit_s:.0f} s{where}")
            QTest.qWait(10)  # runs the event loop while it waits: queued answers arrive
            if advance_s:
                clock.advance(advance_s)
        settle()

    def feature(service: str) -> Any:
        return shell.features[service]

    def flow_state(service: str) -> str:
        flow = feature(service).flow
        return "" if flow is None else str(flow.state)

    def keys(text: str) -> None:
        for key in text:
            visible = [w for w in shell.findChildren(QWidget, f"key_{key}") if w.isVisible()]
            assert visible, key
            bring_into_view(visible[0])
            at = visible[0].mapTo(shell, visible[0].rect().center())
            handle = shell.windowHandle()
            assert handle is not None
            QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
        settle()

    def violations_start() -> None:
        touch("maint_exit")
        touch()  # wake the kiosk
        touch("tile_violations")

    def plate_typing() -> None:
        touch("viol_mode_vehicle")
        touch("viol_type_02")
        keys("苏E8D2")

    def secret() -> None:
        keys("K7")
        touch("viol_plate_entry_next")

    def results() -> None:
        keys("4G15B08327")
        touch("viol_secret_next")
        wait_for(lambda: flow_state("violations") == "results")

    def open_record(kind: str) -> Callable[[], None]:
        def show() -> None:
            if flow_state("violations") == "record_detail":
                touch("viol_detail_back")
            flow = feature("violations").flow
            views = flow.data.views
            if kind == "ineligible":
                index = next(i for i, v in enumerate(views) if v.eligibility.failed)
            else:
                index = next(i for i, v in enumerate(views) if v.payment_url)
            touch(f"viol_record_{index}")

        return show

    def pending() -> None:
        touch("viol_home")
        touch("tile_violations")
        touch("viol_mode_vehicle")
        touch("viol_type_02")
        keys("粤B4H7N2")
        touch("viol_plate_entry_next")
        wait_for(lambda: flow_state("violations") in ("pending", "secret"))
        if flow_state("violations") == "secret":
            touch("viol_secret_next")
            wait_for(lambda: flow_state("violations") == "pending")

    # -- the owner's name (a 浙 plate): the text-entry component's pinyin keyboard and pad --
    def name_entry() -> Any:
        from ui.framework.text_entry.entry import TextEntry

        wait_for(lambda: visible("viol_owner_name") is not None, what="the name entry")
        entry = visible("viol_owner_name")
        assert isinstance(entry, TextEntry)
        return entry

    def to_owner_name() -> None:
        touch("tile_violations")
        touch("viol_mode_vehicle")
        touch("viol_type_15")
        keys("浙A8K23挂")
        touch("viol_plate_entry_next")

    def tap_at(widget: QWidget, at: QPoint) -> None:
        bring_into_view(widget)
        handle = shell.windowHandle()
        assert handle is not None
        point = widget.mapTo(shell, at)
        QTest.mouseClick(handle, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        settle()

    def pinyin(letters: str) -> None:
        entry = name_entry()
        for letter in letters:
            at = entry.keyboard.key_position(letter)
            assert at is not None, letter
            tap_at(entry.keyboard, at)
        wait_for(lambda: bool(entry.candidates.visible_candidates()), what="pinyin candidates")

    def pick(text: str) -> None:
        entry = name_entry()
        button = next(b for b in entry.candidates.buttons if b.text() == text)
        tap_at(button, button.rect().center())

    def write(strokes: list[list[tuple[float, float]]]) -> None:
        """A finger writing on the pad (fractions of its size), then the pause."""
        entry = name_entry()
        pad, handle = entry.pad, shell.windowHandle()
        assert handle is not None
        w, h = pad.width(), pad.height()
        for stroke in strokes:
            points = [pad.mapTo(shell, QPoint(round(x * w), round(y * h))) for x, y in stroke]
            left = Qt.MouseButton.LeftButton
            QTest.mousePress(handle, left, Qt.KeyboardModifier.NoModifier, points[0])
            for p in points[1:]:
                QTest.mouseMove(handle, p)
            QTest.mouseRelease(handle, left, Qt.KeyboardModifier.NoModifier, points[-1])
        settle()
        entry.pad.fire_pause()  # the pause, without waiting for it
        settle()

    def line(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
        return [(x0 + (x1 - x0) * i / 12, y0 + (y1 - y0) * i / 12) for i in range(13)]

    # 王 and 三, written stroke by stroke in the order taught
    wang = [
        line(0.25, 0.25, 0.75, 0.25),
        line(0.28, 0.5, 0.72, 0.5),
        line(0.5, 0.25, 0.5, 0.78),
        line(0.2, 0.78, 0.8, 0.78),
    ]
    san = [line(0.3, 0.27, 0.7, 0.27), line(0.33, 0.5, 0.67, 0.5), line(0.22, 0.76, 0.78, 0.76)]

    def owner_name_pinyin() -> None:
        touch("viol_home")
        to_owner_name()
        pinyin("li")

    def owner_name_handwriting() -> None:
        pick("李")
        touch("text_entry_switch")
        write(san)

    def owner_name_elder_handwriting() -> None:
        touch("viol_home")
        touch("elder")
        to_owner_name()
        write(wang)

    def owner_name_elder_pinyin() -> None:
        pick(name_entry().candidates.visible_candidates()[0])
        touch("text_entry_switch")
        pinyin("xiuying")

    def owner_name_done() -> None:
        touch("viol_home")
        touch("elder")  # elder mode off again
        touch("tile_violations")
        photo_consent()  # the tour goes on from the violations screen

    def photo_consent() -> None:
        touch("viol_home")
        if face_source:
            camera = shell.ctx.devices.camera
            camera.set_source(face_source)  # type: ignore[attr-defined]
        touch("tile_id_photo")

    def photo_live() -> None:
        touch("idphoto_preset_resident-id")
        wait_for(lambda: feature("id_photo").flow.data.guidance is not None)

    def photo_result() -> None:
        wait_for(lambda: flow_state("id_photo") not in ("live",), advance_s=0.4)
        wait_for(lambda: flow_state("id_photo") in ("result", "refused"))

    def photo_done() -> None:
        if flow_state("id_photo") == "result":
            touch("idphoto_confirm")
            wait_for(lambda: flow_state("id_photo") == "done")

    tokens = demo_tokens(signer, clock.now().timestamp())

    def scan(text: str) -> None:
        source = shell.ctx.devices.scanner.source("simulated")
        assert source is not None
        source.inject(text)  # type: ignore[attr-defined]
        settle()

    def enter_text(widget_name: str, text: str) -> None:
        from PySide6.QtWidgets import QLineEdit

        wait_for(lambda: visible(widget_name) is not None, what=f"field {widget_name}")
        found = visible(widget_name)
        # a text-entry component types into its own field; a plain field takes the text
        inner = found.findChild(QLineEdit, "text_entry_field") if found is not None else None
        field = inner if inner is not None else found
        assert isinstance(field, QLineEdit), widget_name
        field.setText(text)
        settle()

    def antifraud_menu() -> None:
        touch("idphoto_finish")
        touch()  # wake
        touch("tile_antifraud")

    def antifraud_card() -> None:
        first = next(iter(shell.ctx.content.fraud_types))
        touch(f"antifraud_card_{first}")

    def mirror_step() -> None:
        touch("antifraud_card_back")
        touch("antifraud_open_mirror")
        touch(f"antifraud_scenario_{next(iter(shell.ctx.content.scenarios))}")
        touch("mirror_choice_0")  # start
        wait_for(lambda: feature("antifraud").screen.mirror.view.latest() is not None)

    def mirror_outcome() -> None:
        flow = feature("antifraud").flow
        unsafe = next(i for i, c in enumerate(flow.step.choices) if not c.safe)
        touch(f"mirror_choice_{unsafe}")

    def quiz_question() -> None:
        touch("antifraud_home")
        touch("tile_antifraud")
        touch("antifraud_open_quiz")
        touch("quiz_action_0")

    def quiz_explanation() -> None:
        touch("quiz_action_1")

    def points_member() -> None:
        touch("antifraud_home")
        shell.end_session(EndReason.COMPLETED)
        settle()
        scan(tokens["unprinted_voucher"])
        wait_for(lambda: flow_state("points") == "member")

    def points_catalogue() -> None:
        touch("points_browse")

    def points_cart() -> None:
        flow = feature("points").flow
        item = next(i for i in flow.items if flow.add_problem(i.id) is None)
        touch(f"points_item_{item.id}")
        touch("points_to_cart")

    def points_voucher() -> None:
        touch("points_cart_confirm")
        touch("points_confirm_ok")
        wait_for(lambda: flow_state("points") == "voucher")

    def points_refused_card() -> None:
        touch("points_voucher_done")
        touch("tile_points")
        scan(tokens["expired"])

    def points_refused_not_enough() -> None:
        touch("points_token_refused_done")
        touch("tile_points")
        scan(tokens["few_points"])
        wait_for(lambda: flow_state("points") == "member")
        touch("points_browse")
        touch("points_item_towel")
        touch("points_to_cart")
        touch("points_cart_confirm")
        from kiosk.points.model import CartLine

        other = shell.ctx.backends.points()  # meanwhile, at another kiosk
        other.redeem("M20240102", [CartLine(item_id="toothpaste", quantity=1)], "tour-elsewhere-1")
        touch("points_confirm_ok")
        wait_for(lambda: flow_state("points") == "refused")

    def application_guide() -> None:
        touch("points_refused_done")
        touch()  # wake
        reader = shell.ctx.devices.idcard
        reader.set_scenario("expired")  # type: ignore[attr-defined]
        feature("application").card_wait_s = 0.0
        touch("tile_application")

    def application_card() -> None:
        touch("application_renew")
        wait_for(lambda: flow_state("application") == "card")

    def application_business() -> None:
        touch("application_choose_renew_expired")

    def application_contact() -> None:
        touch("application_confirm")
        enter_text("application_contact_entry", "13812345678")

    def application_pickup() -> None:
        touch("text_entry_done")

    def application_photo() -> None:
        if face_source:
            shell.ctx.devices.camera.set_source(face_source)  # type: ignore[attr-defined]
        touch("application_window")

    def application_review() -> None:
        touch("idphoto_agree")
        photo = feature("id_photo")
        wait_for(lambda: photo.flow is None or photo.flow.state != "live", advance_s=0.4)
        wait_for(lambda: photo.flow is None or photo.flow.state in ("result", "refused"))
        if photo.flow is not None and photo.flow.state == "result":
            touch("idphoto_confirm")
        wait_for(lambda: flow_state("application") == "review")

    def application_fee() -> None:
        touch("application_submit")
        wait_for(lambda: flow_state("application") == "fee")

    def application_receipt() -> None:
        touch("application_fee_next")

    def application_status() -> None:
        printer = shell.ctx.devices.printer
        job = printer.recent_jobs(1)[0]
        printer.wait(job.id, 60)
        from devices.receipt.escpos_text import qr_payloads

        stored = printer.store.get(job.id)
        payloads = qr_payloads(stored.escpos) if stored is not None else []
        touch("application_receipt_done")
        if payloads:
            scan(payloads[0])
            wait_for(lambda: flow_state("application") == "status")

    def application_card_problem() -> None:
        if flow_state("application") == "status":
            touch("application_status_done")
        touch()  # wake
        shell.ctx.devices.idcard.set_scenario("card_removed")  # type: ignore[attr-defined]
        touch("tile_application")
        touch("application_renew")
        wait_for(lambda: flow_state("application") == "card_problem")

    # -- 我要反映 / 您来点单: a request, its receipt, then its progress at the attract screen --
    problem_photo = faces.parent / "negatives" / "no_face" / "skimage_coffee.png"

    def camera_shows(source: str) -> None:
        """Puts ``source`` before the simulated camera and waits until its frames are newest."""
        camera = shell.ctx.devices.camera

        def seq() -> int:
            frame = camera.latest()
            return -1 if frame is None else frame.seq

        wait_for(lambda: seq() >= 0, what="a camera frame")
        before = seq()
        camera.set_source(source)  # type: ignore[attr-defined]
        wait_for(lambda: seq() >= before + 2, what="the new camera source")

    def requests_category() -> None:
        touch("application_home")
        touch()  # wake
        touch("tile_requests")

    def requests_unit() -> None:
        enter_text("requests_building_entry", "3")
        touch("text_entry_done")

    def requests_description_too_long() -> None:
        touch("requests_unit_none")
        enter_text("requests_description_entry", "电梯坏了" * 100)
        touch("text_entry_done")

    def requests_photo_consent() -> None:
        enter_text("requests_description_entry", "3号楼电梯坏了三天，老人上下楼很困难。")
        touch("text_entry_done")

    def requests_photo() -> None:
        if face_source:
            camera_shows(face_source)  # a face first: the check says so
        touch("requests_photo_consent_agree")

    def requests_photo_check(face: bool) -> Callable[[], None]:
        def show() -> None:
            if not face and problem_photo.exists():
                camera_shows(str(problem_photo))
            touch("requests_photo_check_retake" if not face else "requests_photo_shoot")
            if not face:
                touch("requests_photo_shoot")
            wait_for(lambda: flow_state("requests") == "photo_check", what="the photo")

        return show

    def requests_callback() -> None:
        enter_text("requests_contact_entry", "13812345678")
        touch("text_entry_done")

    def requests_receipt() -> None:
        touch("requests_review_submit")
        wait_for(lambda: flow_state("requests") == "receipt", what="the request receipt")

    def requests_status() -> None:
        from devices.receipt.escpos_text import qr_payloads
        from kiosk.requests.model import parse_status_payload

        printer = shell.ctx.devices.printer
        job = printer.recent_jobs(1)[0]
        printer.wait(job.id, 60)
        stored = printer.store.get(job.id)
        payloads = qr_payloads(stored.escpos) if stored is not None else []
        touch("requests_receipt_done")
        code = parse_status_payload(payloads[0]) if payloads else None
        if code is not None:  # meanwhile, at the center, staff take it in hand
            intake = shell.ctx.backends.requests()
            intake.act(code[0], "assign", department="物业服务中心")  # type: ignore[attr-defined]
            intake.act(code[0], "done", text="已更换电梯控制板，恢复运行")  # type: ignore[attr-defined]
            scan(payloads[0])
            wait_for(lambda: flow_state("requests") == "status", what="the request's status")

    def requests_status_rated() -> None:
        if flow_state("requests") == "status":
            touch("requests_status_satisfied")
            wait_for(lambda: flow_state("requests") == "status", what="the rating")

    def requests_status_not_found() -> None:
        touch("requests_status_done")
        scan("RQ1.RQ20261123-ABCDEF." + "x" * 22)  # a code the center does not know
        wait_for(lambda: flow_state("requests") == "not_found", what="the unknown code")

    def safe_mode() -> None:
        home = ("requests_status_home", "requests_home", "application_home")
        touch(next((name for name in home if visible(name) is not None), "application_home"))
        shell.ctx.safe_mode = True
        shell.back_to_start()

    steps: list[tuple[str, Callable[[], None]]] = [
        ("attract", lambda: None),
        ("attract-next-slide", next_slide),
        ("home", touch),
        ("home-elder", lambda: touch("elder")),
        ("home-elder-english", lambda: touch("language")),
        ("home-english", lambda: touch("elder")),
        ("help", help_in_chinese),
        ("idle-warning", idle),
        ("failsafe", failsafe),
        ("maintenance-pin-pad", pin_pad),
        ("maintenance-pin-wrong", lambda: pin("000000")),
        ("maintenance-devices", enter),
        ("maintenance-logs", page("logs")),
        ("maintenance-config", page("config")),
        ("maintenance-counters", page("counters")),
        ("maintenance-network", page("network")),
        ("maintenance-actions", page("actions")),
        ("maintenance-vouchers", page("vouchers")),
        ("violations-mode", violations_start),
        ("violations-plate-keyboard", plate_typing),
        ("violations-secret", secret),
        ("violations-results", results),
        ("violations-ineligible-record", open_record("ineligible")),
        ("violations-payment-handoff", open_record("payable")),
        ("violations-pending", pending),
        ("violations-owner-name-pinyin", owner_name_pinyin),
        ("violations-owner-name-handwriting", owner_name_handwriting),
        ("violations-owner-name-handwriting-elder", owner_name_elder_handwriting),
        ("violations-owner-name-pinyin-elder", owner_name_elder_pinyin),
        ("idphoto-consent", owner_name_done),
        ("idphoto-preset", lambda: touch("idphoto_agree")),
        ("idphoto-live", photo_live),
        ("idphoto-result", photo_result),
        ("idphoto-receipt", photo_done),
        ("antifraud-menu", antifraud_menu),
        ("antifraud-card", antifraud_card),
        ("antifraud-mirror-step", mirror_step),
        ("antifraud-mirror-outcome", mirror_outcome),
        ("antifraud-quiz-question", quiz_question),
        ("antifraud-quiz-explanation", quiz_explanation),
        ("points-member", points_member),
        ("points-catalogue", points_catalogue),
        ("points-cart", points_cart),
        ("points-voucher", points_voucher),
        ("points-card-refused", points_refused_card),
        ("points-refused-not-enough", points_refused_not_enough),
        ("application-guide", application_guide),
        ("application-card", application_card),
        ("application-business", application_business),
        ("application-contact", application_contact),
        ("application-pickup", application_pickup),
        ("application-photo-consent", application_photo),
        ("application-review", application_review),
        ("application-fee-handoff", application_fee),
        ("application-receipt", application_receipt),
        ("application-status", application_status),
        ("application-card-pulled", application_card_problem),
        ("requests-category", requests_category),
        ("requests-compound", lambda: touch("requests_category_repairs")),
        ("requests-building", lambda: touch("requests_compound_heping-li")),
        ("requests-unit", requests_unit),
        ("requests-description-too-long", requests_description_too_long),
        ("requests-photo-consent", requests_photo_consent),
        ("requests-photo-live", requests_photo),
        ("requests-photo-face", requests_photo_check(face=True)),
        ("requests-photo-check", requests_photo_check(face=False)),
        ("requests-contact", lambda: touch("requests_photo_check_use")),
        ("requests-callback", requests_callback),
        ("requests-review", lambda: touch("requests_callback_yes")),
        ("requests-receipt", requests_receipt),
        ("requests-status", requests_status),
        ("requests-status-rated", requests_status_rated),
        ("requests-status-not-found", requests_status_not_found),
        ("safe-mode", safe_mode),
    ]
    try:
        for name, action in steps:
            action()
            snap(name)
        shell.end_session(EndReason.COMPLETED)
        settle()
    finally:
        shell.shutdown()
        shell.close()
        ctx.close()
        settle()
        if scratch is not None:
            scratch.cleanup()
    return saved


def _idle(shell: object, clock: FakeClock) -> None:
    from ui.shell.window import Shell

    assert isinstance(shell, Shell)
    timeout = shell.ctx.config.ui.idle_timeout_s
    clock.advance(timeout.get("home", timeout["default"]) + 1)
    shell.tick()
    clock.advance(3.2)
    shell.tick()
