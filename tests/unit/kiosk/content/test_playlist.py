"""The attract-loop scheduler: schedules, priorities, turns, caps, broken media, fallback."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.health import HealthLevel
from kiosk.content.media import MediaStore
from kiosk.content.model import AnyItem, Playlist, TextItem
from kiosk.content.playlist import BROKEN_REASON_KEY, Scheduler, is_scheduled, schedule_days
from kiosk.framework.clock import FakeClock
from tests.unit.kiosk.content.fakes import image, playlist, text

MONDAY = datetime(2026, 11, 23, 9, 30)  # FakeClock's default start is this Monday


def one(**fields: object) -> AnyItem:
    return playlist(text("x", **fields)).items[0]


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi)


def run(s: Scheduler, clock: FakeClock, n: int, seconds: float | None = None) -> list[str]:
    """Plays ``n`` items as the UI would: pick, record, show for its time."""
    shown = []
    for _ in range(n):
        item = s.next_item()
        s.played(item.id)
        shown.append(item.id)
        clock.advance(seconds if seconds is not None else item.seconds)
    return shown


# -- schedule rules ----------------------------------------------------------------------------


def test_reference_monday_is_a_monday() -> None:
    assert MONDAY.strftime("%a") == "Mon" and FakeClock().now() == MONDAY


def test_weekdays() -> None:
    weekend = one(weekdays=["sat", "sun"])
    assert not is_scheduled(weekend, MONDAY)
    assert is_scheduled(weekend, at(2026, 11, 28, 9))  # Saturday
    assert is_scheduled(weekend, at(2026, 11, 29, 23, 59))  # Sunday
    assert is_scheduled(one(), MONDAY)  # no weekdays: every day


def test_date_range_is_inclusive_at_both_ends() -> None:
    item = one(**{"from": "2026-11-23", "until": "2026-11-25"})
    assert not is_scheduled(item, at(2026, 11, 22, 23, 59))
    assert is_scheduled(item, at(2026, 11, 23, 0, 0))
    assert is_scheduled(item, at(2026, 11, 25, 23, 59))
    assert not is_scheduled(item, at(2026, 11, 26, 0, 0))
    assert is_scheduled(one(until="2026-11-23"), at(2026, 1, 1, 12))  # open start
    assert not is_scheduled(one(**{"from": "2027-01-01"}), MONDAY)


def test_window_within_a_day_includes_start_excludes_end() -> None:
    item = one(time_windows=["09:00-10:00"])
    assert not is_scheduled(item, at(2026, 11, 23, 8, 59))
    assert is_scheduled(item, at(2026, 11, 23, 9, 0))
    assert is_scheduled(item, at(2026, 11, 23, 9, 59))
    assert not is_scheduled(item, at(2026, 11, 23, 10, 0))


def test_several_windows_and_all_day_window() -> None:
    item = one(time_windows=["07:00-09:00", "17:00-19:00"])
    assert is_scheduled(item, at(2026, 11, 23, 8)) and is_scheduled(item, at(2026, 11, 23, 18))
    assert not is_scheduled(item, at(2026, 11, 23, 12))
    whole = one(time_windows=["00:00-24:00"])
    assert is_scheduled(whole, at(2026, 11, 23, 0)) and is_scheduled(
        whole, at(2026, 11, 23, 23, 59)
    )


def test_window_across_midnight_belongs_to_the_day_it_starts() -> None:
    monday_night = one(weekdays=["mon"], time_windows=["22:00-06:00"])
    assert is_scheduled(monday_night, at(2026, 11, 23, 23, 0))  # Monday evening
    assert is_scheduled(monday_night, at(2026, 11, 24, 1, 0))  # Tuesday 01:00 = Monday's window
    assert is_scheduled(monday_night, at(2026, 11, 24, 5, 59))
    assert not is_scheduled(monday_night, at(2026, 11, 24, 6, 0))  # the end is exclusive
    assert not is_scheduled(monday_night, at(2026, 11, 23, 1, 0))  # Monday 01:00 = Sunday's
    assert not is_scheduled(monday_night, at(2026, 11, 24, 23, 0))  # Tuesday evening
    assert not is_scheduled(monday_night, at(2026, 11, 23, 21, 59))
    assert schedule_days(monday_night, at(2026, 11, 24, 1, 0)) == [at(2026, 11, 23, 0).date()]


def test_window_across_midnight_uses_the_start_day_for_dates_too() -> None:
    last_day = one(until="2026-11-23", time_windows=["22:00-06:00"])
    assert is_scheduled(last_day, at(2026, 11, 24, 1, 0))  # the tail of the 23rd's window
    assert not is_scheduled(last_day, at(2026, 11, 24, 22, 30))
    first_day = one(**{"from": "2026-11-24"}, time_windows=["22:00-06:00"])
    assert not is_scheduled(first_day, at(2026, 11, 24, 1, 0))  # the 23rd's window
    assert is_scheduled(first_day, at(2026, 11, 24, 22, 0))


@pytest.mark.parametrize(
    "bad", ["9:00-10:00", "10:00-10:00", "24:00-02:00", "08:60-09:00", "08:00-24:30", "nonsense"]
)
def test_bad_windows_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        one(time_windows=[bad])


# -- picking -----------------------------------------------------------------------------------


def test_equal_priorities_take_turns_in_playlist_order() -> None:
    clock = FakeClock()
    s = Scheduler(playlist(text("a"), text("b"), text("c")), clock)
    assert run(s, clock, 7) == ["a", "b", "c", "a", "b", "c", "a"]


def test_a_pick_is_not_a_play() -> None:
    clock = FakeClock()
    s = Scheduler(playlist(text("a"), text("b")), clock)
    assert s.next_item().id == "a" and s.next_item().id == "a"
    s.played("a")
    assert s.next_item().id == "b"


def test_higher_priority_first_then_lower_when_capped() -> None:
    clock = FakeClock()
    s = Scheduler(
        playlist(text("low"), text("high", priority=5, max_plays_per_hour=2), text("low2")), clock
    )
    assert run(s, clock, 5, seconds=10) == ["high", "high", "low", "low2", "low"]


def test_a_scheduled_high_priority_item_waits_for_its_window() -> None:
    clock = FakeClock(at(2026, 11, 23, 9, 59))
    s = Scheduler(
        playlist(text("base"), text("ten", priority=1, time_windows=["10:00-11:00"])), clock
    )
    assert run(s, clock, 3, seconds=40) == ["base", "base", "ten"]  # 09:59:00, 09:59:40, 10:00:20


def test_cap_is_a_sliding_hour_not_the_clock_hour() -> None:
    clock = FakeClock(at(2026, 11, 23, 9, 58))
    s = Scheduler(playlist(text("other"), text("capped", priority=1, max_plays_per_hour=2)), clock)
    assert run(s, clock, 2, seconds=60) == ["capped", "capped"]  # 09:58, 09:59
    assert clock.now() == at(2026, 11, 23, 10, 0)  # a new clock hour does not reset the cap
    assert s.next_item().id == "other"
    clock.advance(57 * 60 + 59)  # 10:57:59: both plays are still within the hour
    assert s.next_item().id == "other"
    clock.advance(1)  # 10:58:00: the 09:58 play is an hour old and drops out
    assert s.next_item().id == "capped"
    assert s.plays_in_last_hour("capped") == 1


def test_min_gap_spreads_a_capped_item() -> None:
    clock = FakeClock()
    s = Scheduler(
        playlist(
            text("a"), text("b"), text("promo", priority=1, max_plays_per_hour=4, min_gap_s=600)
        ),
        clock,
    )
    shown = run(s, clock, 14, seconds=100)  # 100 s a slide: the gap is 6 slides
    assert [i for i, x in enumerate(shown) if x == "promo"] == [0, 6, 12]


def test_fallback_when_nothing_is_eligible_never_nothing() -> None:
    clock = FakeClock()
    night_only = Scheduler(playlist(text("n", time_windows=["22:00-06:00"])), clock)
    assert night_only.next_item().id == "fallback"
    assert night_only.health_summary().fallback_last_pick
    empty = Scheduler(Playlist.model_validate({"fallback": text("fallback")}), clock)
    assert run(empty, clock, 3) == ["fallback"] * 3
    capped = Scheduler(playlist(text("once", max_plays_per_hour=1)), clock)
    assert run(capped, clock, 3) == ["once", "fallback", "fallback"]


def test_unknown_plays_are_ignored() -> None:
    clock = FakeClock()
    s = Scheduler(playlist(text("a", max_plays_per_hour=1)), clock)
    s.played("nope")
    s.played("fallback")
    assert s.next_item().id == "a"


def test_history_keeps_only_the_last_hour() -> None:
    clock = FakeClock()
    s = Scheduler(playlist(text("a"), text("b")), clock)
    run(s, clock, 3 * 360, seconds=10)  # three hours of 10 s slides
    summary = s.health_summary()
    # 10 s after the last play: plays 10 s .. 3590 s ago count; the one 3600 s ago dropped out
    assert summary.plays_last_hour == 359
    assert s.plays_in_last_hour("a") + s.plays_in_last_hour("b") == 359


def test_set_playlist_keeps_history_of_items_that_stay() -> None:
    clock = FakeClock()
    s = Scheduler(playlist(text("a", max_plays_per_hour=1), text("b")), clock)
    run(s, clock, 2, seconds=10)
    s.set_playlist(playlist(text("a", max_plays_per_hour=1), text("c")))
    assert s.plays_in_last_hour("a") == 1 and s.plays_in_last_hour("b") == 0
    assert s.next_item().id == "c"


# -- broken media --------------------------------------------------------------------------------


@pytest.fixture
def media(tmp_path: Path) -> tuple[MediaStore, Path, str]:
    folder = tmp_path / "media"
    folder.mkdir()
    data = b"\x89PNG poster bytes"
    digest = hashlib.sha256(data).hexdigest()
    (folder / f"sha256-{digest}.png").write_bytes(data)
    return MediaStore([folder]), folder, digest


def test_broken_item_is_skipped_and_reported() -> None:
    clock = FakeClock()
    s = Scheduler(playlist(text("a"), text("b")), clock)
    seen: list[tuple[str, HealthLevel, str]] = []
    s.subscribe_health(lambda name, h: seen.append((name, h.level, h.reason)))
    s.report_broken("a", "undecodable", "Qt could not load it")
    assert run(s, clock, 3) == ["b", "b", "b"]
    summary = s.health_summary()
    assert summary.level is HealthLevel.DEGRADED
    assert [(b.item_id, b.reason) for b in summary.broken] == [("a", "undecodable")]
    assert seen == [("content", HealthLevel.DEGRADED, BROKEN_REASON_KEY)]
    assert s.health.detail == "broken: a (undecodable)"


def test_the_fallback_and_unknown_items_cannot_be_marked_broken() -> None:
    s = Scheduler(playlist(text("a")), FakeClock())
    s.report_broken("fallback", "undecodable")
    s.report_broken("ghost", "missing")
    assert s.health_summary().broken == () and s.health.level is HealthLevel.READY


def test_missing_and_tampered_files_are_skipped_and_reported(
    media: tuple[MediaStore, Path, str],
) -> None:
    store, folder, digest = media
    missing = "0" * 64
    clock = FakeClock()
    s = Scheduler(
        playlist(
            image("gone", missing, f"sha256-{missing}.png"),
            image("tampered", digest, "tampered.png"),
            image("good", digest, f"sha256-{digest}.png"),
        ),
        clock,
        store,
    )
    (folder / "tampered.png").write_bytes(b"not the poster")
    assert run(s, clock, 3) == ["good", "good", "good"]
    assert {b.item_id: b.reason for b in s.health_summary().broken} == {
        "gone": "missing",
        "tampered": "hash_mismatch",
    }
    assert s.media_path(s.playlist.items[2]) == folder / f"sha256-{digest}.png"


def test_every_item_broken_gives_the_fallback(media: tuple[MediaStore, Path, str]) -> None:
    store, _folder, _digest = media
    missing = "1" * 64
    s = Scheduler(playlist(image("gone", missing, "x.png")), FakeClock(), store)
    assert s.next_item().id == "fallback"
    assert s.check_media()[0].reason == "missing"


def test_check_media_clears_fixed_files_but_keeps_ui_reports(
    media: tuple[MediaStore, Path, str],
) -> None:
    store, folder, digest = media
    data = (folder / f"sha256-{digest}.png").read_bytes()
    s = Scheduler(
        playlist(image("late", digest, "late.png"), image("bad", digest, f"sha256-{digest}.png")),
        FakeClock(),
        store,
    )
    s.report_broken("bad", "undecodable")
    assert {b.item_id for b in s.check_media()} == {"late", "bad"}
    (folder / "late.png").write_bytes(data)  # the fleet agent delivers the file
    assert [b.item_id for b in s.check_media()] == ["bad"]
    assert s.next_item().id == "late"


def test_a_file_deleted_while_running_is_caught_at_the_next_pick(
    media: tuple[MediaStore, Path, str],
) -> None:
    store, folder, digest = media
    clock = FakeClock()
    s = Scheduler(playlist(image("p", digest, f"sha256-{digest}.png"), text("t")), clock, store)
    assert run(s, clock, 2) == ["p", "t"]
    (folder / f"sha256-{digest}.png").unlink()
    assert run(s, clock, 2) == ["t", "t"]
    assert s.health_summary().broken[0].reason == "missing"


# -- property: caps hold over any sliding hour, and there is always something to show -------------


@settings(max_examples=60, deadline=None)
@given(
    caps=st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=1, max_size=4),
    priorities=st.lists(st.integers(0, 2), min_size=4, max_size=4),
    steps=st.lists(st.integers(1, 900), min_size=1, max_size=80),
)
def test_caps_hold_over_every_sliding_hour(
    caps: list[int | None], priorities: list[int], steps: list[int]
) -> None:
    items = [
        text(f"i{n}", max_plays_per_hour=cap, priority=priorities[n]) for n, cap in enumerate(caps)
    ]
    clock = FakeClock()
    s = Scheduler(playlist(*items), clock)
    log: list[tuple[float, str]] = []
    for step in steps:
        item = s.next_item()
        assert isinstance(item, TextItem)
        s.played(item.id)
        log.append((clock.monotonic(), item.id))
        clock.advance(step)
    for n, cap in enumerate(caps):
        if cap is None:
            continue
        times = [t for t, i in log if i == f"i{n}"]
        for k, start in enumerate(times):
            assert len([t for t in times[k:] if t - start < 3600]) <= cap
