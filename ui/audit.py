"""``kiosk audit``: the accessibility audit (适老化, 无障碍环境建设法 §33), measured from what is
rendered on every screen the tour walks.

What is measured, per visible text or touch target:

- contrast: the text colour Qt draws with (the widget's palette after the stylesheet is
  applied, in the widget's enabled/disabled group) against the background actually rendered
  behind it (the most common colour of the widget's pixels in a grab of the window); WCAG 2.x
  ratio, at least 4.5:1;
- text size: the font's pixel size (a point size is converted at the terminals' ~96 dpi
  logical, 1 pt = 96/72 px). The legal floor is 18 pt = 24 px for elder main text; the house
  floors are stricter and are what is checked: 28 px standard, 36 px elder, for every text;
- touch targets: every visible button (and touchable card) at least 88 px standard and 120 px
  elder in its smaller dimension; the legal floor, 60 dp, is 36 px at 96 dpi;
- clipping: a label or button smaller than its size hint (wrapped labels: than the height
  its text needs at its width), or reaching outside the window;
- a spoken prompt: what 再听一遍 speaks (the shell's own ``speak_prompt``) is not empty.

The walk is the tour's (``ui.tour.run_tour``), portrait and landscape. At each screen the state
is measured as it is, then with elder mode toggled and with the language toggled (each through
the shell's own switch, restored afterwards so the tour goes on unchanged). Elder mode is only
toggled where a resident can have it: in a session, outside maintenance and the PIN pad; the
language is not toggled between sessions (attract, safe mode), where it is always the default.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QLabel,
    QWidget,
)

from ui.framework import theme

if TYPE_CHECKING:
    from ui.shell.window import Shell

MIN_CONTRAST = 4.5
LEGAL_ELDER_TEXT_PX = theme.pt_to_px(18)  # 24 px
LEGAL_TARGET_PX = theme.dp_to_px(60)  # 36 px
MIN_TEXT_PX = {False: 28, True: 36}
MIN_TARGET_PX = {False: 88, True: 120}

# screens shown between sessions: the language is always the default there, elder mode off
BETWEEN_SESSIONS = ("attract", "safe_mode")
# staff screens: elder mode is a resident's choice
STAFF = ("maintenance",)


@dataclass
class Findings:
    """Violations and the worst values seen."""

    problems: list[str] = field(default_factory=list)
    min_contrast: float = 21.0
    min_text_px: float = 1000.0
    min_target_px: float = 10000.0
    texts: int = 0
    targets: int = 0

    def summary(self) -> str:
        return (
            f"{self.texts} texts, {self.targets} targets; min contrast {self.min_contrast:.2f}, "
            f"min text {self.min_text_px:.0f} px, min target {self.min_target_px:.0f} px"
        )


def settle() -> None:
    """Handles what is already posted (layouts, queued signals, repaints), no waiting."""
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def window_rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def rendered_background(image: QImage, rect: QRect) -> QColor:
    """The most common colour in ``rect`` of the grab: what the text sits on."""
    counts: Counter[int] = Counter()
    rect = rect.intersected(image.rect())
    step = max(1, min(rect.width(), rect.height()) // 24)
    for y in range(rect.top(), rect.bottom() + 1, step):
        for x in range(rect.left(), rect.right() + 1, step):
            counts[image.pixel(x, y) & 0xFFFFFF] += 1
    if not counts:
        return QColor("white")
    return QColor.fromRgb(counts.most_common(1)[0][0] | 0xFF000000)


def text_px(widget: QWidget) -> float:
    font = widget.font()
    return font.pixelSize() if font.pixelSize() > 0 else theme.pt_to_px(font.pointSizeF())


def is_target(widget: QWidget) -> bool:
    if isinstance(widget, QAbstractButton):
        return True
    return isinstance(widget, QFrame) and widget.property("role") == "cardButton"


def shown_rect(widget: QWidget, window: QWidget) -> tuple[QRect, bool]:
    """The part of ``widget`` its ancestors let show (in window coordinates), and whether a
    scroll area is among them (what it cuts off is reached by scrolling)."""
    rect = window_rect(widget, window)
    scrolled = False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        rect = rect.intersected(window_rect(parent, window))
        scrolled = scrolled or isinstance(parent, QAbstractScrollArea)
        parent = parent.parentWidget()
    return rect, scrolled


def covered(widget: QWidget, at: QPoint, window: QWidget) -> bool:
    """Whether a child of the window raised above ``widget``'s own (a notice, an overlay)
    is over the point ``at`` (window coordinates)."""
    layer: QWidget | None = widget
    while layer is not None and layer.parentWidget() is not window:
        layer = layer.parentWidget()
    if layer is None:  # the window itself
        return False
    above = False
    for child in window.children():
        if child is layer:
            above = True
        elif (
            above
            and isinstance(child, QWidget)
            and child.isVisible()
            and child.geometry().contains(at)
        ):
            return True
    return False


def audit(root: QWidget, window: QWidget, elder: bool, where: str, found: Findings) -> None:
    """Measures every visible text and target under ``root``, once each; adds to ``found``.

    What a page scrolls is measured where a resident would read it: each scroll area that
    scrolls is stepped through a view at a time, and a widget is measured in the first view
    that shows it whole; one never shown whole (taller than the view) is measured as far as
    it shows. The scroll areas are put back where they were."""
    settle()
    done: set[int] = set()
    measure_view(root, window, elder, where, found, done, whole_only=True)
    areas = [
        a
        for a in root.findChildren(QAbstractScrollArea)
        if a.isVisible() and a.verticalScrollBar().maximum() > 0
    ]
    for area in areas:
        bar = area.verticalScrollBar()
        start, step = bar.value(), max(1, bar.pageStep())
        for value in range(bar.minimum(), bar.maximum() + step, step):
            bar.setValue(min(value, bar.maximum()))
            settle()
            measure_view(area, window, elder, where, found, done, whole_only=True)
        bar.setValue(start)
        settle()
    measure_view(root, window, elder, where, found, done, whole_only=False)


def measure_view(
    root: QWidget,
    window: QWidget,
    elder: bool,
    where: str,
    found: Findings,
    done: set[int],
    *,
    whole_only: bool,
) -> None:
    """Measures, in one grab of the window, what under ``root`` is not in ``done`` and is on
    screen (with ``whole_only``, only what a scroll area shows whole); adds it to ``done``."""
    image = window.grab().toImage()
    scale = image.width() / max(1, window.width())
    for w in [root, *root.findChildren(QWidget)]:
        key = shiboken6.getCppPointer(w)[0]  # a wrapper's id() may be reused; its object's not
        if key in done or not w.isVisible() or w.width() <= 0 or w.height() <= 0:
            continue
        shown, scrolled = shown_rect(w, window)
        if shown.isEmpty():
            continue
        if whole_only and scrolled and shown != window_rect(w, window):
            continue  # partly scrolled out: measured in a view that shows it whole
        done.add(key)
        if covered(w, shown.center(), window):
            continue  # a notice over it for now: not what a resident sees
        name = f"{where}: {type(w).__name__} {w.objectName() or ''}".rstrip()
        rect = shown if scrolled else window_rect(w, window)
        if is_target(w):
            found.targets += 1
            side = min(w.width(), w.height())
            found.min_target_px = min(found.min_target_px, side)
            if side < MIN_TARGET_PX[elder]:
                found.problems.append(f"{name}: target {w.width()}x{w.height()} px")
        if not isinstance(w, QLabel | QAbstractButton):
            continue
        text = w.text().strip()
        if not text:
            continue
        label = f"{name} {text[:16]!r}"
        found.texts += 1
        if not window.rect().contains(rect):
            found.problems.append(f"{label}: outside the window")
        # contrast: the palette colour Qt draws the text with, on the rendered background
        group = QPalette.ColorGroup.Active if w.isEnabled() else QPalette.ColorGroup.Disabled
        fg = w.palette().color(group, w.foregroundRole())
        scaled = QRect(
            round(rect.x() * scale),
            round(rect.y() * scale),
            round(rect.width() * scale),
            round(rect.height() * scale),
        )
        bg = rendered_background(image, scaled)
        ratio = theme.contrast_ratio(fg, bg)
        found.min_contrast = min(found.min_contrast, ratio)
        if ratio < MIN_CONTRAST:
            found.problems.append(f"{label}: contrast {ratio:.2f} ({fg.name()} on {bg.name()})")
        # size
        px = text_px(w)
        found.min_text_px = min(found.min_text_px, px)
        if px < MIN_TEXT_PX[elder]:
            found.problems.append(f"{label}: text {px:.0f} px")
        # clipping
        hint = w.sizeHint()
        if isinstance(w, QLabel) and w.wordWrap():
            need = w.heightForWidth(w.width())
            if need > w.height() + 1:
                found.problems.append(f"{label}: cut off ({w.height()} of {need} px high)")
        elif hint.width() > w.width() + 1 or hint.height() > w.height() + 1:
            found.problems.append(
                f"{label}: cut off ({w.width()}x{w.height()} for {hint.width()}x{hint.height()})"
            )


def top_layer(shell: Shell) -> QWidget:
    """What a resident can read and touch: an overlay (help, the idle warning) when one
    covers the screen (its scrim hides what is behind), else the whole window."""
    covering = [o for o in shell.overlays if o.isVisible()]
    return covering[-1] if covering else shell


def spoken_prompt(shell: Shell) -> str:
    """What 再听一遍 would speak now: the shell's own ``speak_prompt``, caught by its voice."""
    voice: Any = shell.ctx.voice
    spoken = getattr(voice, "spoken", None)
    if not isinstance(spoken, list):  # not a recording voice: nothing to catch it with
        raise TypeError("the audit needs a RecordingVoice")
    before = len(spoken)
    shell.speak_prompt()
    said = spoken[before:]
    del spoken[before:]
    return " ".join(str(text) for text, _language in said).strip()


@dataclass
class Report:
    """The audit's figures over every screen, orientation, mode and language measured."""

    standard: Findings = field(default_factory=Findings)
    elder: Findings = field(default_factory=Findings)
    screens: set[str] = field(default_factory=set)
    without_prompt: list[str] = field(default_factory=list)
    measurements: int = 0
    not_toggled: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[str]:
        prompts = [f"{where}: no spoken prompt" for where in self.without_prompt]
        return [*self.standard.problems, *self.elder.problems, *prompts]

    def measure(self, shell: Shell, screen: str, where: str) -> None:
        """Measures the whole window (screen and any overlay) as it is now."""
        self.screens.add(screen)
        self.measurements += 1
        found = self.elder if shell.elder else self.standard
        if shell.size() != shell.minimumSize():  # fixed by the walk: the terminal's screen
            found.problems.append(f"{where}: the window is {shell.width()}x{shell.height()}")
        audit(top_layer(shell), shell, shell.elder, where, found)
        if not spoken_prompt(shell):
            self.without_prompt.append(where)

    def figures(self) -> dict[str, Any]:
        def worst(value: float, none: float) -> float | None:
            return None if value == none else round(value, 2)

        return {
            "min_contrast": round(min(self.standard.min_contrast, self.elder.min_contrast), 2),
            "min_text_px": worst(self.standard.min_text_px, 1000.0),
            "elder_min_text_px": worst(self.elder.min_text_px, 1000.0),
            "min_target_px": worst(self.standard.min_target_px, 10000.0),
            "elder_min_target_px": worst(self.elder.min_target_px, 10000.0),
            "screens_without_prompt": len(self.without_prompt),
            "screens": len(self.screens),
            "measurements": self.measurements,
            "texts": self.standard.texts + self.elder.texts,
            "targets": self.standard.targets + self.elder.targets,
            "violations": self.violations,
        }


def measure_screen(report: Report, shell: Shell, screen: str, orientation: str) -> None:
    """The screen as it is, then with elder mode and with the language toggled."""

    def where() -> str:
        mode = "elder" if shell.elder else "standard"
        return f"{screen} [{orientation}, {shell.language}, {mode}]"

    report.measure(shell, screen, where())
    current = shell.current.name
    in_session = shell.ctx.sessions.active and current not in BETWEEN_SESSIONS
    pin_pad = shell.pin_pad.isVisible()
    if in_session and current not in STAFF and not pin_pad:
        elder = shell.elder
        _measure_toggled(report, shell, screen, where, lambda: shell.set_elder(not elder))
        shell.set_elder(elder)
        settle()
    else:
        report.not_toggled.append(f"{screen} [{orientation}]: elder")
    if in_session:
        language = shell.language
        other = "en" if language == "zh_CN" else "zh_CN"
        _measure_toggled(report, shell, screen, where, lambda: shell.set_language(other))
        shell.set_language(language)
        settle()
    else:
        report.not_toggled.append(f"{screen} [{orientation}]: language")


def _measure_toggled(
    report: Report, shell: Shell, screen: str, where: Callable[[], str], toggle: Callable[[], None]
) -> None:
    """Measures the screen once more with one mode switched (the caller switches it back)."""
    toggle()
    settle()
    report.measure(shell, screen, where())


def run_audit(orientations: tuple[bool, ...] = (False, True), limit: int = 0) -> Report:
    """Walks the tour in each orientation (False: portrait) and measures every screen.

    ``limit`` > 0 stops each walk after that many screens (a quick check of the command)."""
    from ui.tour import run_tour

    report = Report()

    class Enough(Exception):
        pass

    for landscape in orientations:
        orientation = "landscape" if landscape else "portrait"
        seen = 0

        def on_screen(name: str, shell: Any, orientation: str = orientation) -> None:
            nonlocal seen  # the tour's window is the terminal's screen, fixed in size
            measure_screen(report, shell, name, orientation)
            seen += 1
            if limit and seen >= limit:
                raise Enough

        with contextlib.suppress(Enough):
            run_tour(None, landscape=landscape, on_screen=on_screen)
    return report


def violation_key(problem: str) -> str:
    """A violation without its measured figures, and a named widget without its text: the
    same defect reads the same on every run (a tracking code or a pixel less does not make
    it another one)."""
    key = re.sub(r" \([^()]*\)$", "", problem)
    key = re.sub(r": target \d+x\d+ px$", ": target", key)
    key = re.sub(r": text \d+ px$", ": text", key)
    key = re.sub(r": contrast [\d.]+$", ": contrast", key)
    key = re.sub(r": the window is \d+x\d+$", ": the window size", key)
    return re.sub(r"(\]: \S+ [A-Za-z_][\w]*) (?:'[^']*'|\"[^\"]*\")(: )", r"\1\2", key)


def read_known(path: Path) -> set[str]:
    """The violations already known (one key a line; # starts a comment)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def cmd_audit(args: argparse.Namespace) -> int:
    """``kiosk audit``: prints the worst values and every violation; 1 if there is any (with
    ``--known FILE``: any violation not listed there)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    orientations: tuple[bool, ...] = (False, True)
    if args.portrait_only:
        orientations = (False,)
    report = run_audit(orientations, limit=args.limit)
    figures = report.figures()
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(f"accessibility audit: {figures['screens']} screens, {report.measurements} measurements")
    print(f"  standard: {report.standard.summary()}")
    print(f"  elder:    {report.elder.summary()}")
    print(f"  screens without a spoken prompt: {len(report.without_prompt)}")
    floors = (
        f"floors: contrast >= {MIN_CONTRAST}, text >= {MIN_TEXT_PX[False]} px "
        f"(elder {MIN_TEXT_PX[True]}), targets >= {MIN_TARGET_PX[False]} px "
        f"(elder {MIN_TARGET_PX[True]}), a spoken prompt on every screen"
    )
    print(f"  {floors}")
    if report.not_toggled:
        print(f"  not toggled (not reachable there): {len(report.not_toggled)}")
    violations = report.violations
    print(f"{len(violations)} violations")
    for problem in violations:
        print(f"  {problem}")
    failing = violations
    if args.known is not None:
        known = read_known(args.known)
        failing = [p for p in violations if violation_key(p) not in known]
        gone = sorted(known - {violation_key(p) for p in violations})
        print(f"{len(violations) - len(failing)} of them already known ({args.known}); new:")
        for problem in failing:
            print(f"  NEW {problem}")
        for key in gone:
            print(f"  no longer seen (remove it from the list): {key}")
        figures["new_violations"] = len(failing)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 1 if failing else 0
