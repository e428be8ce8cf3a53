"""The attract loop's scheduler: which playlist item plays next.

Rules, in order:

1. Only items in schedule now (:func:`is_scheduled`: dates, weekdays, time windows by the
   clock's wall time), not reported broken, whose medium verifies, under their plays-per-hour
   cap over the sliding last hour, and at least ``min_gap_s`` after their own last play.
2. Highest priority first.
3. Among equal priorities, the least recently played (never played first, then playlist
   order), so equals take turns.
4. If nothing qualifies, the playlist's fallback slide (a text slide that needs no file):
   the loop never shows nothing.

The plays-per-hour window and the gaps run on ``clock.monotonic()`` so a wall-clock jump (NTP,
a technician setting the time) neither frees nor blocks plays; the schedule itself runs on
``clock.now()``. The history keeps only the last hour of plays (plus each item's last play
time, one number per item), so memory stays bounded however long the terminal runs.

The UI calls :meth:`Scheduler.next_item` when a slide ends, :meth:`Scheduler.played` when an
item starts showing, and :meth:`Scheduler.report_broken` when a medium fails to decode. The
scheduler publishes its health as ``content`` (ready, or degraded with reason
``antifraud.media_broken``); :meth:`Scheduler.health_summary` lists the broken items.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from devices.health import HealthLevel, HealthPublisher
from kiosk.content.media import MediaStatus, MediaStore
from kiosk.content.model import WEEKDAYS, AnyItem, Playlist, TimeWindow
from kiosk.framework.clock import Clock

log = logging.getLogger(__name__)

HOUR_S = 3600.0
BROKEN_REASON_KEY = "antifraud.media_broken"
# Reasons found by verification; check_media() clears them once the file is right again.
# Anything else (e.g. "undecodable", reported by the UI) stays until the playlist changes.
VERIFY_REASONS = frozenset(s.value for s in MediaStatus if s is not MediaStatus.OK)


def schedule_days(item: AnyItem, now: datetime) -> list[date]:
    """The days whose windows of ``item`` contain ``now`` (empty: out of every window).

    No windows: today. A window within one day: today if ``now`` is inside it. A window that
    crosses midnight (``22:00-06:00``) belongs to the day it starts on: its evening part is
    today's, its early-morning part is **yesterday's**; at 01:00 on a Tuesday the answer is
    Monday, and Monday's weekday and date decide.
    """
    if not item.time_windows:
        return [now.date()]
    minute = TimeWindow.minute_of(now.time())
    today = now.date()
    days: list[date] = []
    for w in item.time_windows:
        if not w.crosses_midnight:
            if w.start <= minute < w.end:
                days.append(today)
        elif minute >= w.start:
            days.append(today)
        elif minute < w.end:
            days.append(today - timedelta(days=1))
    return days


def is_scheduled(item: AnyItem, now: datetime) -> bool:
    """Whether ``item`` may play at ``now`` by its dates (inclusive), weekdays and windows.

    When ``now`` is in several of the item's windows, any one whose day matches the weekdays
    and dates is enough.
    """
    for day in schedule_days(item, now):
        if item.date_from and day < item.date_from:
            continue
        if item.date_until and day > item.date_until:
            continue
        if item.weekdays and WEEKDAYS[day.weekday()] not in item.weekdays:
            continue
        return True
    return False


@dataclass(frozen=True)
class BrokenMedia:
    """An item that will not be shown, and why.

    Attributes:
        item_id: the playlist item.
        reason: ``missing``, ``hash_mismatch``, ``unreadable``, ``unsafe_path`` (found by
            verification) or what the UI reported (e.g. ``undecodable``).
        detail: for technicians (a path, a digest); never personal data.
        at: wall time it was first reported.
    """

    item_id: str
    reason: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class ContentHealth:
    """What the maintenance pages and the heartbeat show about the attract loop.

    Attributes:
        level: ready, or degraded when any item is broken.
        broken: the broken items, in playlist order.
        items: how many items the playlist has (without the fallback).
        eligible_now: how many of them may play right now.
        plays_last_hour: plays recorded in the last hour.
        fallback_last_pick: whether the last pick was the fallback (nothing else could play).
    """

    level: HealthLevel
    broken: tuple[BrokenMedia, ...]
    items: int
    eligible_now: int
    plays_last_hour: int
    fallback_last_pick: bool


class Scheduler(HealthPublisher):
    """Picks the attract loop's next item. See the module docstring for the rules.

    Not thread-safe: call it from one thread (the UI's). Health listeners are called on it.

    Attributes:
        playlist: the playlist in force (replace it with :meth:`set_playlist`).
        media: the media store that verifies files, or None to trust every medium (tests).
    """

    def __init__(self, playlist: Playlist, clock: Clock, media: MediaStore | None = None) -> None:
        super().__init__("content")
        self.clock = clock
        self.media = media
        self.playlist = playlist
        self._plays: dict[str, deque[float]] = {}
        self._last_played: dict[str, float] = {}
        self._broken: dict[str, BrokenMedia] = {}
        self._fallback_last = False
        self._refresh_health()

    # -- what the UI calls ---------------------------------------------------------------

    def next_item(self) -> AnyItem:
        """The item to show now; the fallback when nothing else qualifies. Never None."""
        now_mono = self.clock.monotonic()
        self._prune(now_mono)
        for item in self._ranked(self.clock.now(), now_mono):
            if self._media_ok(item):
                self._fallback_last = False
                return item
        self._fallback_last = True
        return self.playlist.fallback

    def played(self, item_id: str) -> None:
        """Records that ``item_id`` started showing (call it once per showing)."""
        if self.playlist.item(item_id) is None:
            log.warning("played(%r): not in the playlist; ignored", item_id)
            return
        now = self.clock.monotonic()
        self._prune(now)
        self._plays.setdefault(item_id, deque()).append(now)
        self._last_played[item_id] = now

    def report_broken(self, item_id: str, reason: str, detail: str = "") -> None:
        """Marks an item broken (its file is missing, does not match, cannot be decoded):
        it is skipped from now on and listed in :meth:`health_summary`."""
        if item_id == self.playlist.fallback.id or self.playlist.item(item_id) is None:
            log.warning("report_broken(%r): not a playlist item; ignored", item_id)
            return
        if item_id not in self._broken:
            log.warning("content item %s is broken: %s %s", item_id, reason, detail)
            self._broken[item_id] = BrokenMedia(item_id, reason, detail, self.clock.now())
            self._refresh_health()

    def media_path(self, item: AnyItem) -> Path | None:
        """The verified file of an image or video item; None for other kinds, for a file that
        does not verify, and when the scheduler has no media store."""
        ref = item.media
        if ref is None or self.media is None:
            return None
        return self.media.path_for(ref)

    def check_media(self) -> tuple[BrokenMedia, ...]:
        """Verifies every item's medium now (at start-up, after a fleet update): marks what
        fails, clears verification failures that are fixed. Returns the broken items."""
        for item in self.playlist.items:
            self._media_ok(item)
        return self.health_summary().broken

    def health_summary(self) -> ContentHealth:
        """The loop's state for maintenance pages and the heartbeat."""
        now_mono = self.clock.monotonic()
        self._prune(now_mono)
        order = {item.id: i for i, item in enumerate(self.playlist.items)}
        broken = tuple(sorted(self._broken.values(), key=lambda b: order.get(b.item_id, 0)))
        eligible = len(self._ranked(self.clock.now(), now_mono))
        return ContentHealth(
            level=HealthLevel.DEGRADED if broken else HealthLevel.READY,
            broken=broken,
            items=len(self.playlist.items),
            eligible_now=eligible,
            plays_last_hour=sum(len(d) for d in self._plays.values()),
            fallback_last_pick=self._fallback_last,
        )

    def set_playlist(self, playlist: Playlist) -> None:
        """Replaces the playlist (a content update) keeping the play history of items that
        stay; broken marks are dropped and found again by verification."""
        self.playlist = playlist
        keep = {i.id for i in playlist.items} | {playlist.fallback.id}
        self._plays = {k: v for k, v in self._plays.items() if k in keep}
        self._last_played = {k: v for k, v in self._last_played.items() if k in keep}
        self._broken.clear()
        self._refresh_health()

    # -- the rules -------------------------------------------------------------------------

    def eligible(self, now: datetime | None = None) -> list[AnyItem]:
        """The items that may play now, best first (without verifying media)."""
        return self._ranked(now or self.clock.now(), self.clock.monotonic())

    def plays_in_last_hour(self, item_id: str) -> int:
        """How many times ``item_id`` started in the last hour."""
        self._prune(self.clock.monotonic())
        return len(self._plays.get(item_id, ()))

    def _ranked(self, now: datetime, now_mono: float) -> list[AnyItem]:
        candidates: list[tuple[int, float, int, AnyItem]] = []
        for index, item in enumerate(self.playlist.items):
            if item.id in self._broken or not is_scheduled(item, now):
                continue
            plays = len(self._plays.get(item.id, ()))
            if item.max_plays_per_hour is not None and plays >= item.max_plays_per_hour:
                continue
            last = self._last_played.get(item.id)
            if last is not None and item.min_gap_s and now_mono - last < item.min_gap_s:
                continue
            # least recently played first; never played sorts before everything
            recency = last if last is not None else float("-inf")
            candidates.append((-item.priority, recency, index, item))
        candidates.sort(key=lambda c: c[:3])
        return [c[3] for c in candidates]

    def _media_ok(self, item: AnyItem) -> bool:
        ref = item.media
        if ref is None or self.media is None:
            return True
        result = self.media.check(ref)
        if result.ok:
            known = self._broken.get(item.id)
            if known is not None and known.reason in VERIFY_REASONS:
                log.info("content item %s is fine again", item.id)
                del self._broken[item.id]
                self._refresh_health()
            return item.id not in self._broken
        self.report_broken(item.id, result.status.value, result.detail)
        return False

    def _prune(self, now_mono: float) -> None:
        cutoff = now_mono - HOUR_S
        for item_id in list(self._plays):
            plays = self._plays[item_id]
            while plays and plays[0] <= cutoff:
                plays.popleft()
            if not plays:
                del self._plays[item_id]

    def _refresh_health(self) -> None:
        if self._broken:
            names = ", ".join(f"{b.item_id} ({b.reason})" for b in self._broken.values())
            self._set_health(HealthLevel.DEGRADED, BROKEN_REASON_KEY, f"broken: {names}")
        else:
            self._set_health(HealthLevel.READY)
