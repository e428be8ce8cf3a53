"""The hidden gesture that opens maintenance: N taps in one corner within a few seconds."""

from __future__ import annotations

from collections import deque


class CornerTapDetector:
    """Feed it every tap (x, y, monotonic time); it says when the gesture is complete.

    Residents tapping the corner by chance rarely manage five taps in three seconds; a tap
    anywhere else starts the count again.
    """

    def __init__(
        self, corner: str, size_px: int = 160, taps: int = 5, window_s: float = 3.0
    ) -> None:
        self.corner, self.size_px, self.taps, self.window_s = corner, size_px, taps, window_s
        self._times: deque[float] = deque()

    def in_corner(self, x: float, y: float, width: int, height: int) -> bool:
        """Whether a point is inside the configured corner square."""
        left = x <= self.size_px
        right = x >= width - self.size_px
        top = y <= self.size_px
        bottom = y >= height - self.size_px
        return {
            "top_left": top and left,
            "top_right": top and right,
            "bottom_left": bottom and left,
            "bottom_right": bottom and right,
        }[self.corner]

    def tap(self, x: float, y: float, width: int, height: int, at: float) -> bool:
        """Records a tap; True when it completes the gesture (and the count restarts)."""
        if not self.in_corner(x, y, width, height):
            self._times.clear()
            return False
        self._times.append(at)
        while self._times and at - self._times[0] > self.window_s:
            self._times.popleft()
        if len(self._times) >= self.taps:
            self._times.clear()
            return True
        return False
