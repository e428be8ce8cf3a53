from __future__ import annotations

import itertools
import threading
from pathlib import Path

import cv2
import numpy as np

from devices.camera import Frame, OpenCVCamera, SimulatedCamera
from devices.health import Health, HealthLevel


def wait_for(cond: threading.Event, timeout: float = 5.0) -> None:
    assert cond.wait(timeout), "timed out"


def collect(camera: SimulatedCamera | OpenCVCamera, n: int) -> list[Frame]:
    frames: list[Frame] = []
    done = threading.Event()

    def on_frame(frame: Frame) -> None:
        frames.append(frame)
        if len(frames) >= n:
            done.set()

    unsubscribe = camera.subscribe(on_frame)
    wait_for(done)
    unsubscribe()
    return frames[:n]


def write_video(path: Path, n: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 30, (320, 240))
    for i in range(n):
        image = np.full((240, 320, 3), (i * 20) % 256, np.uint8)
        writer.write(image)
    writer.release()


def test_synthetic_frames_on_their_own_thread_with_monotonic_times() -> None:
    camera = SimulatedCamera(fps=60)
    threads: set[str] = set()
    camera.subscribe(lambda f: threads.add(threading.current_thread().name))
    camera.start()
    try:
        frames = collect(camera, 5)
    finally:
        camera.stop()
    assert [f.image.shape for f in frames] == [(720, 1280, 3)] * 5
    assert all(b.at > a.at for a, b in itertools.pairwise(frames))
    assert all(b.seq == a.seq + 1 for a, b in itertools.pairwise(frames))
    assert threads == {"camera-capture"}
    assert not camera.running


def test_video_file_plays_through_videocapture_and_loops(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    write_video(video, 6)
    camera = SimulatedCamera(str(video), width=640, height=480, fps=120)
    camera.start()
    try:
        frames = collect(camera, 14)  # more frames than the file holds: it looped
    finally:
        camera.stop()
    assert camera.health.reason == "camera.stopped"
    assert frames[0].image.shape == (480, 640, 3)
    levels = [int(f.image[240, 320, 0]) for f in frames]
    # frame i of the file has grey level 20*i (within codec error); after 6 it starts again
    assert abs(levels[0] - 0) < 8 and abs(levels[5] - 100) < 8 and abs(levels[6] - 0) < 8


def test_missing_device_is_offline_with_reason_not_a_crash() -> None:
    camera = OpenCVCamera("/dev/video-does-not-exist", reconnect_s=0.05)
    changes: list[Health] = []
    seen = threading.Event()

    def on_health(_name: str, health: Health) -> None:
        changes.append(health)
        seen.set()

    camera.subscribe_health(on_health)
    camera.start()
    try:
        wait_for(seen)
    finally:
        camera.stop()
    assert changes[0].level is HealthLevel.OFFLINE
    assert changes[0].reason == "camera.not_found"
    assert "does-not-exist" in changes[0].detail


def test_missing_simulated_source_is_offline() -> None:
    camera = SimulatedCamera("/nonexistent/faces", reconnect_s=0.05)
    camera.start()
    try:
        for _ in range(100):
            if camera.health.reason == "camera.not_found":
                break
            threading.Event().wait(0.02)
    finally:
        camera.stop()
    assert camera.latest() is None


def test_unplug_goes_offline_and_replug_recovers() -> None:
    camera = SimulatedCamera(fps=60, reconnect_s=0.05)
    states: list[str] = []
    offline, ready_again = threading.Event(), threading.Event()

    def on_health(_name: str, health: Health) -> None:
        states.append(health.reason)
        if health.reason == "camera.disconnected":
            offline.set()
        elif offline.is_set() and health.level is HealthLevel.READY:
            ready_again.set()

    camera.subscribe_health(on_health)
    camera.start()
    try:
        collect(camera, 2)
        camera.unplug()
        wait_for(offline)
        camera.replug()
        wait_for(ready_again)
        collect(camera, 2)
    finally:
        camera.stop()
    assert "camera.disconnected" in states
