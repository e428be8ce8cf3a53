"""A terminal's recent health as lanes of coloured spans, read at a glance.

One lane for the fleet agent's state, one for the paper and one per device. Each stored
sample holds until the next one; a sample is written at least every ``sample_every``, so a
span that runs longer than ``sample_every`` plus the silence threshold without a successor
means the terminal sent nothing (a grey "no heartbeat" span).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from center.fleet.history import HealthSample

WIDTH = 1000.0
"""The drawing's width in SVG units (it scales to the page)."""

_FLEET = {
    "ok": "ok",
    "trial": "info",
    "starting": "info",
    "unreachable": "warn",
    "rejected": "bad",
    "rolled_back": "bad",
    "error": "bad",
}
_PAPER = {
    "ready": "ok",
    "ok": "ok",
    "paper_low": "warn",
    "paper_out": "bad",
    "cover_open": "bad",
    "offline": "bad",
    "error": "bad",
}
_LEVEL = {"ready": "ok", "degraded": "warn", "offline": "bad"}


@dataclass(frozen=True)
class Span:
    """A stretch of one lane: where it is drawn, its class, and what it says."""

    x: float
    width: float
    tone: str  # ok, info, warn, bad, silent, unknown
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Lane:
    """One row of the timeline."""

    name: str
    spans: list[Span]


@dataclass(frozen=True)
class Tick:
    """A time mark on the axis."""

    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    """The drawing: lanes, axis ticks and the window shown."""

    lanes: list[Lane]
    ticks: list[Tick]
    start: datetime
    end: datetime


def _tone_and_label(lane: str, sample: HealthSample) -> tuple[str, str]:
    if lane == "fleet":
        return _FLEET.get(sample.fleet_state, "unknown"), sample.fleet_state
    if lane == "paper":
        return _PAPER.get(sample.paper, "unknown"), sample.paper
    value = sample.devices.get(lane)
    if value is None:
        return "unknown", "—"
    level, _, reason = value.partition(":")
    return _LEVEL.get(level, "unknown"), f"{level} ({reason})" if reason else level


def build_timeline(
    samples: list[HealthSample],
    start: datetime,
    end: datetime,
    *,
    max_gap: timedelta,
    local: bool = True,
) -> Timeline:
    """Lanes over ``[start, end)`` from ``samples`` (oldest first; the first may precede
    ``start``: the state at ``start``). ``max_gap`` is how long a sample holds at most."""
    total = (end - start).total_seconds() or 1.0

    def x_of(at: datetime) -> float:
        return max(0.0, min(WIDTH, (at - start).total_seconds() / total * WIDTH))

    devices = sorted({name for s in samples for name in s.devices})
    lanes = []
    for name in ["fleet", "paper", *devices]:
        spans: list[Span] = []
        for i, sample in enumerate(samples):
            begin = max(sample.received_at, start)
            following = samples[i + 1].received_at if i + 1 < len(samples) else end
            hold_until = min(following, sample.received_at + max_gap, end)
            tone, label = _tone_and_label(name, sample)
            if hold_until > begin:
                spans.append(
                    Span(
                        x_of(begin), x_of(hold_until) - x_of(begin), tone, label, begin, hold_until
                    )
                )
            gap_end = min(following, end)
            if gap_end > max(hold_until, begin):
                gap_start = max(hold_until, begin)
                spans.append(
                    Span(
                        x_of(gap_start),
                        x_of(gap_end) - x_of(gap_start),
                        "silent",
                        "no heartbeat",
                        gap_start,
                        gap_end,
                    )
                )
        if samples and samples[0].received_at > start:
            first = samples[0].received_at
            spans.insert(0, Span(0.0, x_of(first), "unknown", "no data", start, first))
        lanes.append(Lane(name, spans))
    return Timeline(lanes, _ticks(start, end, x_of, local), start, end)


def _ticks(
    start: datetime, end: datetime, x_of: Callable[[datetime], float], local: bool
) -> list[Tick]:
    hours = (end - start).total_seconds() / 3600
    step = 1 if hours <= 8 else 3 if hours <= 26 else 24
    first = (start.astimezone() if local else start).replace(minute=0, second=0, microsecond=0)
    ticks = []
    at = first + timedelta(hours=1)
    while at < end:
        if at.hour % step == 0:
            label = at.strftime("%H:%M") if step < 24 else at.strftime("%m-%d")
            ticks.append(Tick(x_of(at), label))
        at += timedelta(hours=1)
    return ticks
