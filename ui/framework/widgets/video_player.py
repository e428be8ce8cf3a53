"""Muted video playback for the attract loop (QtMultimedia, FFmpeg inside the wheel).

One player is reused for every video: a kiosk plays thousands of items a day, and a new
player per item would grow the process.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QVBoxLayout, QWidget


class VideoPlayer(QWidget):
    """Plays one file at a time.

    Signals:
        finished(): the video reached its end.
        failed(str): it could not be played (the reason, for health reporting).
    """

    finished = Signal()
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, muted: bool = True) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.video = QVideoWidget()
        box.addWidget(self.video)
        self.audio = QAudioOutput(self)
        self.audio.setMuted(muted)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio)
        self.player.setVideoOutput(self.video)
        self.player.mediaStatusChanged.connect(self._status)
        self.player.errorOccurred.connect(self._error)
        self.playing: Path | None = None

    def play(self, path: Path) -> None:
        """Starts ``path`` from the beginning."""
        self.playing = path
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.play()

    def stop(self) -> None:
        """Stops and releases the file."""
        self.playing = None
        self.player.stop()
        self.player.setSource(QUrl())

    def _status(self, status: QMediaPlayer.MediaStatus) -> None:
        if self.playing is None:
            return
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.playing = None
            self.finished.emit()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self.playing = None
            self.failed.emit("invalid media")

    def _error(self, error: QMediaPlayer.Error, message: str) -> None:
        if self.playing is not None and error != QMediaPlayer.Error.NoError:
            self.playing = None
            self.failed.emit(message or error.name)
