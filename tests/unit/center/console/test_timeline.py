"""The health timeline: spans hold until the next sample, gaps read as silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from center.console.timeline import WIDTH, build_timeline
from center.fleet.history import HealthSample

START = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=24)
GAP = timedelta(minutes=20)


def _sample(
    hours: float, state: str = "ok", paper: str = "ready", printer: str = "ready"
) -> HealthSample:
    return HealthSample(
        "k1", START + timedelta(hours=hours), state, paper, {"printer": f"{printer}:x"}
    )


def test_each_sample_holds_until_the_next_and_silence_shows_as_such() -> None:
    samples = [
        _sample(-0.1),
        _sample(6, paper="paper_low"),
        _sample(6.25, paper="paper_out", printer="offline"),
    ]
    timeline = build_timeline(samples, START, END, max_gap=GAP, local=False)
    lanes = {lane.name: lane for lane in timeline.lanes}
    assert list(lanes) == ["fleet", "paper", "printer"]
    paper = [(s.tone, s.start.hour, s.end - s.start) for s in lanes["paper"].spans]
    assert paper[0] == ("ok", 0, timedelta(minutes=14))  # the state before the window holds
    assert paper[1][0] == "silent"  # ...until nothing was heard
    assert ("warn", 6, timedelta(minutes=15)) in paper
    assert ("bad", 6, timedelta(minutes=20)) in paper
    assert paper[-1][0] == "silent" and lanes["paper"].spans[-1].end == END
    total = sum(s.width for s in lanes["printer"].spans)
    assert abs(total - WIDTH) < 1e-6  # the lane is covered from end to end


def test_before_the_first_sample_there_is_no_data() -> None:
    timeline = build_timeline([_sample(12)], START, END, max_gap=GAP, local=False)
    first = timeline.lanes[0].spans[0]
    assert first.tone == "unknown" and first.x == 0 and first.end == START + timedelta(hours=12)
    assert [t.label for t in timeline.ticks] == [
        "03:00",
        "06:00",
        "09:00",
        "12:00",
        "15:00",
        "18:00",
        "21:00",
    ]
