"""The quiet idle countdown: a small chip in a screen's header that appears in the last
seconds before the idle warning, so the warning never comes as a surprise (WCAG 2.2.1)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from kiosk.framework.i18n import tr


class IdleCountdown(QLabel):
    """ "15 秒无操作将提醒您" in the ``countdown`` role; hidden until it is given seconds.

    Attributes:
        seconds: the seconds shown (rounded up), or None while hidden.
    """

    key = "flow.idle_soon"

    def __init__(self, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "countdown")
        if name:
            self.setObjectName(name)
        # the header keeps its height when the chip comes and goes: nothing jumps
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.seconds: int | None = None
        self._left: float | None = None
        self._language = "zh_CN"
        self.hide()

    def show_left(self, seconds: float | None, language: str | None = None) -> None:
        """Shows ``seconds`` left before the warning (rounded up, at least 1); None or 0
        hides the chip."""
        if language is not None:
            self._language = language
        self._left = seconds
        if seconds is None or seconds <= 0:
            self.seconds = None
            self.hide()
            return
        self.seconds = max(1, int(seconds + 0.999))
        self.setText(tr(self.key, self._language, seconds=self.seconds))
        self.show()

    def retranslate(self, language: str) -> None:
        """Redraws the text in ``language``."""
        self.show_left(self._left, language)
