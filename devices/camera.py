"""Cameras: OpenCV ``VideoCapture`` for real devices and a simulated twin.

Frames are produced on the camera's own thread and handed to subscribers as ``Frame``
objects with a monotonic timestamp. A camera that cannot be opened or stops delivering goes
offline with a reason and is reopened every ``reconnect_s`` seconds.

OpenCV and numpy are imported on the camera's thread when a camera first opens, not with this
module, so building the kiosk's devices does not wait for them.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from devices.health import HealthLevel, HealthPublisher
from devices.listeners import Listeners

if TYPE_CHECKING:
    import cv2
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)

type Image = npt.NDArray[np.uint8]  # a lazy alias: numpy is not imported to define it
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v"}


def as_image(array: object) -> Image:
    """OpenCV's untyped arrays as the 8-bit images they are."""
    return cast(Image, array)


@dataclass(frozen=True)
class Frame:
    """One camera frame.

    Attributes:
        image: BGR uint8 array, height x width x 3. Treat as read-only: it is shared.
        at: ``time.monotonic()`` when the frame was captured.
        seq: increasing frame number since the camera started.
    """

    image: Image
    at: float
    seq: int


FrameListener = Callable[[Frame], None]


class Camera(HealthPublisher, ABC):
    """A camera that runs its own capture thread.

    Subclasses implement ``_open``, ``_read`` and ``_close``; this class owns the thread,
    the reconnect loop, health and delivery to subscribers.
    """

    def __init__(self, name: str = "camera", *, fps: float = 30.0, reconnect_s: float = 2.0):
        super().__init__(name)
        self.fps = fps
        self.reconnect_s = reconnect_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._latest: Frame | None = None
        self._seq = 0
        self._listeners: Listeners[FrameListener] = Listeners()

    # -- to implement -------------------------------------------------------------------------
    @abstractmethod
    def _open(self) -> tuple[bool, str, str]:
        """Opens the source; returns (ok, reason code, detail)."""

    @abstractmethod
    def _read(self) -> Image | None:
        """Returns the next frame, or None if the source stopped delivering."""

    @abstractmethod
    def _close(self) -> None:
        """Releases the source."""

    def _pace(self) -> bool:
        """Waits until the next frame is due; real cameras pace themselves. False = stopping."""
        return not self._stop.is_set()

    # -- public -------------------------------------------------------------------------------
    def start(self) -> None:
        """Starts the capture thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-capture", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the capture thread and releases the device; returns when the thread is gone."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._latest = None

    @property
    def running(self) -> bool:
        """Whether the capture thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def latest(self) -> Frame | None:
        """The most recent frame, if any."""
        return self._latest

    def subscribe(self, listener: FrameListener) -> Callable[[], None]:
        """Calls ``listener(frame)`` on the capture thread for every frame; keep it quick.

        Returns an unsubscribe function.
        """
        return self._listeners.add(listener)

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ok, reason, detail = self._open()
            except Exception as e:  # a driver error must not kill the thread
                ok, reason, detail = False, "camera.error", repr(e)
            if not ok:
                self._set_health(HealthLevel.OFFLINE, reason, detail)
                self._stop.wait(self.reconnect_s)
                continue
            self._set_health(HealthLevel.READY)
            self._capture_until_failure()
            self._close()
            if not self._stop.is_set():
                self._stop.wait(self.reconnect_s)
        self._set_health(HealthLevel.OFFLINE, "camera.stopped")

    def _capture_until_failure(self) -> None:
        while self._pace():
            try:
                image = self._read()
            except Exception as e:
                log.warning("%s read failed: %r", self.name, e)
                image = None
            if image is None:
                self._set_health(HealthLevel.OFFLINE, "camera.disconnected", "no frame delivered")
                return
            self._seq += 1
            frame = Frame(image, time.monotonic(), self._seq)
            self._latest = frame
            for listener in self._listeners.snapshot():
                try:
                    listener(frame)
                except Exception:
                    log.exception("%s frame listener failed", self.name)


class OpenCVCamera(Camera):
    """A V4L2 (or any OpenCV-supported) camera by index or device path.

    Asks for MJPG at the configured size and rate: uncompressed YUYV at 1280x720 tops out
    near 10 fps on USB 2.0, MJPG gives 30.
    """

    def __init__(
        self,
        device: int | str,
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        fourcc: str = "MJPG",
        reconnect_s: float = 2.0,
    ) -> None:
        super().__init__("camera", fps=fps, reconnect_s=reconnect_s)
        self.device = device
        self.width, self.height, self.fourcc = width, height, fourcc
        self._cap: cv2.VideoCapture | None = None

    def _open(self) -> tuple[bool, str, str]:
        import cv2

        dev = self.device
        if isinstance(dev, str) and dev.isdigit():
            dev = int(dev)
        if isinstance(dev, str) and not Path(dev).exists():
            return False, "camera.not_found", f"{dev} does not exist"
        backend = cv2.CAP_V4L2 if isinstance(dev, int) or dev.startswith("/dev/") else cv2.CAP_ANY
        cap = cv2.VideoCapture(dev, backend)
        if not cap.isOpened():
            cap.release()
            return False, "camera.not_found", f"cannot open {dev}"
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        self._cap = cap
        return True, "ok", ""

    def _read(self) -> Image | None:
        if self._cap is None:
            return None
        ok, image = self._cap.read()
        return as_image(image) if ok else None

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class SimulatedCamera(Camera):
    """The camera's twin: loops a video file, cycles image files, or draws synthetic frames.

    A video file goes through the same ``VideoCapture`` path as a real camera. Images are
    letterboxed onto a ``width`` x ``height`` canvas and each is held for ``hold_s`` seconds.
    ``unplug()`` and ``replug()`` simulate a cable being pulled.
    """

    def __init__(
        self,
        source: str = "",
        *,
        width: int = 1280,
        height: int = 720,
        fps: float = 30.0,
        hold_s: float = 2.0,
        reconnect_s: float = 2.0,
        loop: bool = True,
    ) -> None:
        super().__init__("camera", fps=fps, reconnect_s=reconnect_s)
        self.width, self.height, self.hold_s, self.loop = width, height, hold_s, loop
        self._source = source
        self._unplugged = threading.Event()
        self._cap: cv2.VideoCapture | None = None
        self._images: list[Image] = []
        self._started_at = 0.0
        self._next_due = 0.0
        self._synthetic_phase = 0

    def set_source(self, source: str) -> None:
        """Switches what the camera shows, from the next frame on."""
        self._source = source
        self._reopen = True

    _reopen = False

    def unplug(self) -> None:
        """Simulates pulling the cable: frames stop and the camera goes offline."""
        self._unplugged.set()

    def replug(self) -> None:
        """Simulates plugging the camera back in."""
        self._unplugged.clear()

    def _open(self) -> tuple[bool, str, str]:
        import cv2

        if self._unplugged.is_set():
            return False, "camera.not_found", "simulated camera unplugged"
        self._reopen = False
        self._started_at = time.monotonic()
        self._next_due = self._started_at
        src = self._source
        if not src:
            return True, "ok", ""
        path = Path(src)
        if not path.exists():
            return False, "camera.not_found", f"simulated source {src} does not exist"
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            files = [path]
        else:
            files = []
        if files:
            images = [
                self._fit(as_image(im)) for f in files if (im := cv2.imread(str(f))) is not None
            ]
            if not images:
                return False, "camera.error", f"no readable image in {src}"
            self._images = images
            return True, "ok", ""
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            cap.release()
            return False, "camera.error", f"cannot play {src}"
        self._cap = cap
        return True, "ok", ""

    def _pace(self) -> bool:
        now = time.monotonic()
        if self._next_due > now and self._stop.wait(self._next_due - now):
            return False
        self._next_due = max(self._next_due + 1.0 / self.fps, time.monotonic() - 1.0)
        return not self._stop.is_set()

    def _read(self) -> Image | None:
        import cv2

        if self._unplugged.is_set():
            return None
        if self._reopen:  # new content, same "device": switch without going offline
            self._close()
            ok, reason, detail = self._open()
            if not ok:
                self._set_health(HealthLevel.OFFLINE, reason, detail)
                return None
        if self._cap is not None:
            ok, image = self._cap.read()
            if not ok and self.loop:
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._cap.read()
            return self._fit(as_image(image)) if ok else None
        if self._images:
            index = int((time.monotonic() - self._started_at) / self.hold_s) % len(self._images)
            return self._images[index]
        return self._synthetic()

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._images = []

    def _fit(self, image: Image) -> Image:
        import cv2
        import numpy as np

        h, w = image.shape[:2]
        if (w, h) == (self.width, self.height):
            return image
        scale = min(self.width / w, self.height / h)
        resized = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))))
        canvas = np.full((self.height, self.width, 3), 32, np.uint8)
        y = (self.height - resized.shape[0]) // 2
        x = (self.width - resized.shape[1]) // 2
        canvas[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
        return canvas

    def _synthetic(self) -> Image:
        import cv2
        import numpy as np

        self._synthetic_phase = (self._synthetic_phase + 4) % self.width
        image = np.zeros((self.height, self.width, 3), np.uint8)
        image[:, :, 0] = np.linspace(60, 160, self.width, dtype=np.uint8)[None, :]
        image[:, :, 1] = np.linspace(80, 140, self.height, dtype=np.uint8)[:, None]
        x = self._synthetic_phase
        cv2.rectangle(
            image, (x, self.height // 3), (x + 80, self.height // 3 + 80), (255, 255, 255), -1
        )
        cv2.putText(
            image, "SIMULATED CAMERA", (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3
        )
        return image


def build_camera(
    backend: str,
    *,
    device: int | str = 0,
    width: int = 1280,
    height: int = 720,
    fps: float = 30.0,
    fourcc: str = "MJPG",
    simulated_source: str = "",
    reconnect_s: float = 2.0,
) -> Camera:
    """Builds the camera named by ``backend`` (``opencv`` or ``simulated``)."""
    if backend == "opencv":
        return OpenCVCamera(
            device, width=width, height=height, fps=fps, fourcc=fourcc, reconnect_s=reconnect_s
        )
    if backend == "simulated":
        return SimulatedCamera(
            simulated_source, width=width, height=height, fps=fps, reconnect_s=reconnect_s
        )
    raise ValueError(f"unknown camera backend {backend!r} (opencv or simulated)")
