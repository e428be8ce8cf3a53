"""One page per state of the ID photo flow."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton

from kiosk.framework.i18n import has_translation
from kiosk.photo.flow import IdPhotoFlow
from ui.framework import icons, theme
from ui.framework.flow_screen import ChoiceGridPage, FlowPage, Send
from ui.framework.screen import button, label
from ui.framework.widgets.camera_view import CameraView
from ui.framework.widgets.status_view import StatusView


class Page(FlowPage):
    """A page of this screen."""

    prefix = "idphoto"

    def show_flow(self, flow: IdPhotoFlow) -> None:
        """Shows the flow's current data."""

    def wipe(self) -> None:
        """Forgets any picture shown."""


class ConsentPage(Page):
    """PIPL: separate, explicit consent; a guardian for children under 14."""

    state = "consent"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.heading = label("", "title")
        self.body = label("")
        self.child = button(name="idphoto_child")
        self.child.setCheckable(True)
        self.guardian = button(name="idphoto_guardian")
        self.guardian.setCheckable(True)
        self.warning = label("")
        self.warning.setObjectName("idphoto_consent_warning")
        self.warning.setProperty("role", "problem")
        row = QHBoxLayout()
        self.disagree = button(name="idphoto_disagree")
        self.agree = button(role="primary", name="idphoto_agree")
        row.addWidget(self.disagree)
        row.addWidget(self.agree)
        for w in (self.heading, self.body, self.child, self.guardian, self.warning):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.footer.addLayout(row)
        self.child.toggled.connect(lambda on: self.guardian.setVisible(on))
        self.agree.clicked.connect(
            lambda: self.send(
                "agree", under_14=self.child.isChecked(), guardian=self.guardian.isChecked()
            )
        )
        self.disagree.clicked.connect(lambda: self.send("disagree"))

    def show_flow(self, flow: IdPhotoFlow) -> None:
        self.heading.setText(self.t("idphoto.consent.heading"))
        parts = ("purpose", "recipient", "retention", "deletion", "optional")
        self.body.setText("\n\n".join(self.t(f"idphoto.consent.{p}") for p in parts))
        mark = "☑ " if self.child.isChecked() else "☐ "
        self.child.setText(mark + self.t("idphoto.consent.child"))
        mark = "☑ " if self.guardian.isChecked() else "☐ "
        self.guardian.setText(mark + self.t("idphoto.consent.guardian"))
        self.guardian.setVisible(self.child.isChecked())
        self.warning.setText(
            self.t("idphoto.consent.needs_guardian") if flow.needs_guardian else ""
        )
        self.agree.setText(self.t("idphoto.consent.agree"))
        self.disagree.setText(self.t("idphoto.consent.disagree"))

    def wipe(self) -> None:
        self.child.setChecked(False)
        self.guardian.setChecked(False)


def home_button(name: str) -> QPushButton:
    """返回首页, primary, with the home icon."""
    b = button(role="primary", name=name)
    icons.set_icon(b, "home", theme.metrics(False).icon, theme.ON_PRIMARY)
    return b


class StaffedPage(Page):
    """No consent: where a person takes the photo."""

    state = "staffed"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.status = StatusView("info", name="idphoto_staffed")
        self.body = self.status.body
        self.home = home_button("idphoto_staffed_home")
        self.home.clicked.connect(lambda: self.send("home"))
        self.box.addStretch(1)
        self.box.addWidget(self.status)
        self.box.addWidget(self.home)
        self.box.addStretch(1)

    def show_flow(self, flow: IdPhotoFlow) -> None:
        self.status.show_status(
            self.t("idphoto.staffed.title"),
            self.t("idphoto.staffed.body"),
            flow.staff_hint.get(self.language, ""),
        )
        self.home.setText(self.t("home.back"))


class PresetPage(ChoiceGridPage):
    """Which photo: resident ID first, then the other presets."""

    state = "preset"
    prefix = "idphoto"
    title_key = "idphoto.preset.prompt"

    def choices(self, flow: IdPhotoFlow) -> list[tuple[str, str, str, dict[str, Any]]]:
        out = []
        for preset in flow.presets.presets:
            # residents know "26×32 mm", not pixels: the print size from pixels and dpi
            width_mm = round(preset.width_px / preset.dpi * 25.4)
            height_mm = round(preset.height_px / preset.dpi * 25.4)
            size = self.t("idphoto.preset.size", width=width_mm, height=height_mm)
            text = f"{self.t(preset.name_key)}\n{size}"
            out.append((text, f"idphoto_preset_{preset.id}", "choose", {"preset": preset.id}))
        return out


class LivePage(Page):
    """The mirrored camera, the outline, one hint at a time, the countdown."""

    state = "live"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.hint = label("", "hero", center=True)
        self.hint.setObjectName("idphoto_hint")
        self.view = CameraView()
        self.view.setObjectName("idphoto_camera")
        self.view.setMinimumHeight(360)  # it takes the room there is; 600 overflowed landscape
        self.countdown = label("", "hero", center=True)
        self.countdown.setObjectName("idphoto_countdown")
        self.help = label("", "caption", center=True)
        self.help.setObjectName("idphoto_nobody_help")
        row = QHBoxLayout()
        self.back = button(name="idphoto_live_back")
        self.manual = button(role="primary", name="idphoto_manual")
        row.addWidget(self.back)
        row.addWidget(self.manual)
        for w in (self.hint, self.view):
            self.box.addWidget(w, 1 if w is self.view else 0)
        self.box.addWidget(self.countdown)
        self.box.addWidget(self.help)
        self.footer.addLayout(row)
        self.back.clicked.connect(lambda: self.send("back"))
        self.manual.clicked.connect(lambda: self.send("capture", frame=self._frame()))

    def _frame(self) -> object:
        frame = self.view.latest()
        return None if frame is None else frame.image

    def show_flow(self, flow: IdPhotoFlow) -> None:
        g = flow.data.guidance
        self.hint.setText(self.t(g.message_key) if g is not None else self.t("idphoto.live.prompt"))
        capture = flow.data.capture
        self.countdown.setText(str(capture.countdown) if capture and capture.countdown else "")
        staff = flow.staff_hint.get(self.language, "")
        self.help.setText(
            f"{self.t('idphoto.live.nobody')}\n{staff}" if flow.nobody_too_long else ""
        )
        # the countdown keeps its room (the picture does not jump as it starts); the help,
        # rare, gives its room to the picture until it is needed
        self.help.setVisible(flow.nobody_too_long)
        if g is not None:
            c, a = g.outline.center, g.outline.axes
            self.view.outline = (c[0] - a[0], c[1] - a[1], 2 * a[0], 2 * a[1])
            self.view.outline_ok = g.all_ok
        self.back.setText(self.t("idphoto.back"))
        self.manual.setText(self.t("idphoto.live.manual"))

    def wipe(self) -> None:
        self.view.detach()
        self.view.outline = None


class MessagePage(Page):
    """A message (processing, submitting, camera lost) and optional actions; with a
    ``tone``, a status screen (icon, headline, the message, the next step)."""

    tone: theme.Tone | None = None
    headline_key = ""
    next_key = ""  # the next step; the staff hint if empty

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.status: StatusView | None = None
        if self.tone is not None:
            self.status = StatusView(self.tone, name=f"idphoto_{self.state}")
            self.message = self.status.body
        else:
            self.message = label("", "title", center=True)
        self.message.setObjectName(f"idphoto_{self.state}_message")
        self.home = home_button(f"idphoto_{self.state}_home")
        self.home.clicked.connect(lambda: self.send("home"))
        self.box.addStretch(1)
        self.box.addWidget(self.status if self.status is not None else self.message)
        self.box.addWidget(self.home)
        self.box.addStretch(1)

    def show_flow(self, flow: IdPhotoFlow) -> None:
        if self.status is not None:
            self.status.show_status(
                self.t(self.headline_key),
                self.t(flow.current.prompt),
                self.t(self.next_key) if self.next_key else flow.staff_hint.get(self.language, ""),
            )
        else:
            self.message.setText(self.t(flow.current.prompt))
        self.home.setText(self.t("home.back"))
        self.home.setVisible(self.state == "camera_lost")


class ProcessingPage(MessagePage):
    """The still pipeline is running."""

    state = "processing"
    tone = "waiting"
    headline_key = "idphoto.waiting.title"
    next_key = "idphoto.waiting.next"


class SubmittingPage(MessagePage):
    """The photo is being handed over."""

    state = "submitting"
    tone = "waiting"
    headline_key = "idphoto.waiting.title"
    next_key = "idphoto.waiting.next"


class CameraLostPage(MessagePage):
    """The camera went away."""

    state = "camera_lost"
    tone = "warning"
    headline_key = "idphoto.camera_lost.title"


def photo_pixmap(flow: IdPhotoFlow, height: int = 660) -> QPixmap:
    """The finished photo at its real aspect ratio."""
    result = flow.data.result
    if result is None or result.image_bgr is None:
        return QPixmap()
    image = result.image_bgr
    h, w = image.shape[:2]
    qimage = QImage(image.data, w, h, int(image.strides[0]), QImage.Format.Format_BGR888).copy()
    return QPixmap.fromImage(qimage).scaledToHeight(
        height, Qt.TransformationMode.SmoothTransformation
    )


class ResultPage(Page):
    """The photo and each check in plain words; retake or confirm."""

    state = "result"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.photo = QLabel()
        self.photo.setObjectName("idphoto_photo")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.checks = label("")
        self.checks.setObjectName("idphoto_checks")
        self.warnings = label("", "caption")
        self.warnings.setObjectName("idphoto_warnings")
        row = QHBoxLayout()
        self.retake = button(name="idphoto_retake")
        self.confirm = button(role="primary", name="idphoto_confirm")
        row.addWidget(self.retake)
        row.addWidget(self.confirm)
        for w in (self.title, self.photo, self.checks, self.warnings):
            self.box.addWidget(w)
        self.box.addStretch(1)
        self.footer.addLayout(row)
        self.retake.clicked.connect(lambda: self.send("retake"))
        self.confirm.clicked.connect(lambda: self.send("confirm"))

    def show_flow(self, flow: IdPhotoFlow) -> None:
        self.title.setText(self.t("idphoto.result.prompt"))
        self.retake.setText(self.t("idphoto.retake"))
        self.confirm.setText(self.t("idphoto.confirm"))
        result = flow.data.result
        if result is None:
            return
        self.photo.setPixmap(photo_pixmap(flow))
        lines = []
        for check in result.checks:
            key = f"photo.check.{check.name}"
            if not has_translation(key, self.language):
                continue
            state = "idphoto.result.passed" if check.passed else "idphoto.result.failed"
            lines.append(self.t(state, check=self.t(key)))
        columns = 2
        rows = [lines[i : i + columns] for i in range(0, len(lines), columns)]
        self.checks.setText("\n".join("    ".join(r) for r in rows))
        notes = [self.t(f"photo.warning.{w}") for w in result.warnings]
        if result.suggested_backgrounds:  # the clothing blends: other allowed backgrounds
            joiner = "、" if self.language == "zh_CN" else ", "
            colours = joiner.join(
                self.t(f"photo.background.{b}") for b in result.suggested_backgrounds
            )
            notes.append(self.t("idphoto.result.other_backgrounds", colours=colours))
        self.warnings.setText("\n".join(notes))

    def wipe(self) -> None:
        self.photo.clear()


class RefusedPage(Page):
    """Why the photo cannot be used, and a retake."""

    state = "refused"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.status = StatusView("refusal", name="idphoto_refused")
        self.reasons = self.status.body
        self.reasons.setObjectName("idphoto_reasons")
        row = QHBoxLayout()
        row.setSpacing(24)
        self.home = button(name="idphoto_refused_home")
        icons.set_icon(self.home, "home", theme.metrics(False).icon)
        self.retake = button(role="primary", name="idphoto_refused_retake")
        icons.set_icon(self.retake, "camera", theme.metrics(False).icon, theme.ON_PRIMARY)
        row.addWidget(self.home)
        row.addWidget(self.retake)
        self.box.addStretch(1)
        self.box.addWidget(self.status)
        self.box.addStretch(1)
        self.footer.addLayout(row)
        self.home.clicked.connect(lambda: self.send("home"))
        self.retake.clicked.connect(lambda: self.send("retake"))

    def show_flow(self, flow: IdPhotoFlow) -> None:
        reasons = flow.data.result.reasons if flow.data.result is not None else ()
        self.status.show_status(
            self.t("idphoto.refused.title"),
            "\n".join(self.t(f"photo.reason.{r}") for r in reasons)
            or self.t("idphoto.refused.prompt"),
            self.t("idphoto.refused.next"),
        )
        self.home.setText(self.t("home.back"))
        self.retake.setText(self.t("idphoto.retake"))


class DonePage(Page):
    """The reference code (or the waiting number) and the receipt."""

    state = "done"

    def __init__(self, send: Send) -> None:
        super().__init__(send)
        self.title = label("", "title", center=True)
        self.code = label("", "hero", center=True)
        self.code.setObjectName("idphoto_reference")
        self.note = label("", "", center=True)
        self.finish = button(role="primary", name="idphoto_finish")
        self.finish.clicked.connect(lambda: self.send("finish"))
        self.box.addStretch(1)
        for w in (self.title, self.code, self.note, self.finish):
            self.box.addWidget(w)
        self.box.addStretch(1)

    def show_flow(self, flow: IdPhotoFlow) -> None:
        self.title.setText(self.t("idphoto.done.prompt"))
        data = flow.data
        self.code.setText(data.reference or f"Q-{data.queued_id.upper()}")
        notes = [] if data.reference else [self.t("idphoto.done.queued")]
        if flow.print_failed:  # the code stays on screen: the resident can write it down
            notes.append(self.t("receipt.print_failed"))
        self.note.setText("\n".join(notes))
        self.finish.setText(self.t("idphoto.done.finish"))

    def wipe(self) -> None:
        self.code.clear()


PAGES: tuple[type[FlowPage], ...] = (
    ConsentPage,
    StaffedPage,
    PresetPage,
    LivePage,
    ProcessingPage,
    ResultPage,
    RefusedPage,
    SubmittingPage,
    DonePage,
    CameraLostPage,
)
