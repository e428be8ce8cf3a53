"""The attract loop plays video through QtMultimedia (offscreen) and survives broken media."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from devices.health import HealthLevel
from kiosk.content.library import load_content
from kiosk.content.media import MediaStore
from kiosk.content.model import LocalText, MediaRef, Playlist, TextItem, VideoItem
from kiosk.content.playlist import Scheduler
from kiosk.framework.clock import SystemClock
from ui.shell.attract import AttractScreen


def by_hash(folder: Path, data: bytes, suffix: str) -> MediaRef:
    digest = hashlib.sha256(data).hexdigest()
    name = f"sha256-{digest}{suffix}"
    (folder / name).write_bytes(data)
    return MediaRef(hash=f"sha256:{digest}", path=name)


def small_video(path: Path, frames: int = 8) -> bytes:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 10, (160, 120))
    for i in range(frames):
        writer.write(np.full((120, 160, 3), (i * 30) % 256, np.uint8))
    writer.release()
    data = path.read_bytes()
    path.unlink()
    return data


def text(item_id: str, priority: int = 0) -> TextItem:
    return TextItem(
        id=item_id,
        title=LocalText(zh_CN="不听、不信、不转账", en="Don't transfer"),
        priority=priority,
    )


def screen_for(qtbot: QtBot, playlist: Playlist, media: Path) -> AttractScreen:
    scheduler = Scheduler(playlist, SystemClock(), MediaStore([media]))
    scheduler.check_media()
    screen = AttractScreen(scheduler, load_content(), SystemClock())
    qtbot.addWidget(screen)
    screen.resize(1080, 1920)
    screen.show()
    return screen


def test_a_video_plays_to_its_end_then_the_next_item_shows(qtbot: QtBot, tmp_path: Path) -> None:
    clip = by_hash(tmp_path, small_video(tmp_path / "clip.mp4"), ".mp4")
    playlist = Playlist(
        fallback=text("fallback"),
        items=(VideoItem(id="clip", video=clip, priority=10, max_plays_per_hour=1), text("after")),
    )
    screen = screen_for(qtbot, playlist, tmp_path)
    shown: list[str] = []
    screen.item_shown.connect(shown.append)
    screen.next_item()
    assert shown == ["clip"] and screen.stack.currentWidget() is screen.video
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=60_000)  # EndOfMedia moved it on
    assert shown[1] == "after" and screen.stack.currentWidget() is screen.card
    assert screen.scheduler.health.level is HealthLevel.READY
    screen.stop()


# The truncated file makes FFmpeg warn: that warning is what this test provokes.
@pytest.mark.qt_log_ignore("Could not open media")
def test_a_corrupt_video_is_skipped_and_reported(qtbot: QtBot, tmp_path: Path) -> None:
    good = small_video(tmp_path / "clip.mp4")
    broken = by_hash(tmp_path, good[: len(good) // 3], ".mp4")  # its hash matches: it is truncated
    playlist = Playlist(
        fallback=text("fallback"),
        items=(VideoItem(id="broken", video=broken, priority=10), text("next")),
    )
    screen = screen_for(qtbot, playlist, tmp_path)
    shown: list[str] = []
    screen.item_shown.connect(shown.append)
    screen.next_item()
    qtbot.waitUntil(lambda: "next" in shown, timeout=60_000)
    assert screen.stack.currentWidget() is screen.card  # never a black screen
    health = screen.scheduler.health
    assert health.level is HealthLevel.DEGRADED and health.reason == "antifraud.media_broken"
    screen.next_item()
    assert shown[-1] != "broken"  # reported broken: not tried again
    screen.stop()


def test_a_missing_or_tampered_file_never_plays(qtbot: QtBot, tmp_path: Path) -> None:
    missing = MediaRef(hash="sha256:" + "0" * 64, path="sha256-missing.mp4")
    tampered = by_hash(tmp_path, b"not really a video", ".mp4")
    (tmp_path / tampered.path).write_bytes(b"changed after publishing")
    playlist = Playlist(
        fallback=text("fallback"),
        items=(
            VideoItem(id="missing", video=missing, priority=10),
            VideoItem(id="tampered", video=tampered, priority=9),
            text("ok"),
        ),
    )
    screen = screen_for(qtbot, playlist, tmp_path)
    shown: list[str] = []
    screen.item_shown.connect(shown.append)
    screen.next_item()
    assert shown == ["ok"]
    assert screen.scheduler.health.level is HealthLevel.DEGRADED
    screen.stop()
