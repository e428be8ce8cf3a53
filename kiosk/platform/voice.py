"""Spoken prompts: an engine interface, espeak-ng for terminals, a recorder for tests.

espeak-ng's ``cmn`` voice reads Chinese with English rules; ``cmn-latn-pinyin`` gives the
right tones (measured here: 1.8 s for 请靠近一点), so it is the Mandarin voice.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Protocol

log = logging.getLogger(__name__)

ESPEAK_VOICES = {"zh_CN": "cmn-latn-pinyin", "en": "en-gb"}


class VoiceEngine(Protocol):
    """Speaks one prompt at a time; a new prompt cuts off the previous one."""

    def say(self, text: str, language: str) -> None:
        """Starts speaking ``text``; returns at once."""
        ...

    def stop(self) -> None:
        """Stops speaking."""
        ...


class RecordingVoice:
    """Speaks nothing and remembers what it was asked to say (tests, tour)."""

    def __init__(self) -> None:
        self.spoken: list[tuple[str, str]] = []

    def say(self, text: str, language: str) -> None:
        self.spoken.append((text, language))

    def stop(self) -> None:
        pass


class EspeakVoice:
    """espeak-ng in a child process; never blocks the caller."""

    def __init__(self, volume: int = 70, rate_wpm: int = 140) -> None:
        self.volume, self.rate_wpm = volume, rate_wpm
        self._binary = shutil.which("espeak-ng")
        self._current: subprocess.Popen[bytes] | None = None
        if self._binary is None:
            log.warning("espeak-ng is not installed: voice prompts are off")

    def say(self, text: str, language: str) -> None:
        self.stop()
        if self._binary is None or not text:
            return
        voice = ESPEAK_VOICES.get(language, ESPEAK_VOICES["zh_CN"])
        amplitude = str(int(self.volume * 2))  # espeak-ng amplitude is 0-200
        try:
            self._current = subprocess.Popen(
                [self._binary, "-v", voice, "-s", str(self.rate_wpm), "-a", amplitude, text],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError as e:
            log.warning("espeak-ng failed to start: %s", e)

    def stop(self) -> None:
        if self._current is not None:
            if self._current.poll() is None:
                self._current.terminate()
            try:
                self._current.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self._current.kill()
                self._current.wait()
            self._current = None


def build_voice(name: str, volume: int = 70) -> VoiceEngine:
    """``espeak`` or ``silent``."""
    if name == "espeak":
        return EspeakVoice(volume)
    if name == "silent":
        return RecordingVoice()
    raise ValueError(f"unknown voice engine {name!r} (espeak or silent)")
