"""The anti-fraud content as validated data: playlist items, fraud-type cards, quiz, mirror.

Every text a resident reads is a :class:`LocalText` with both ``zh_CN`` and ``en``. Media are
referenced by content hash (:class:`MediaRef`) so the fleet can distribute them and the kiosk
can verify them before showing them.

Schedule fields of a playlist item (the signage conventions of Anthias and Xibo):

- ``from`` / ``until``: dates, both inclusive, either may be left out.
- ``weekdays``: ``["mon", ..., "sun"]``; empty means every day.
- ``priority``: higher plays first; equal priorities take turns.
- ``max_plays_per_hour``: a cap over any sliding hour; ``min_gap_s``: seconds before the same
  item may play again (spreads a capped item over the hour instead of playing it back to back).
- ``time_windows``: ``"HH:MM-HH:MM"`` strings, start inclusive, end exclusive; ``24:00`` may end a
  window; empty means all day. A window whose end is before its start crosses midnight
  (``"22:00-06:00"``) and **belongs to the day it starts on**: at 01:00 on a Tuesday it is
  Monday's window, so ``weekdays`` and the date range are checked against Monday. See
  :func:`kiosk.content.playlist.is_scheduled`.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LANGUAGE_FALLBACK = "zh_CN"
SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"
HASH_PATTERN = r"^sha256:[0-9a-f]{64}$"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
END_OF_DAY = 24 * 60
_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class _Strict(BaseModel):
    # Unknown keys are errors: a typo in a content file must be reported, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Strict):
    """A text in every language the kiosk speaks; both must be present and not blank."""

    zh_CN: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @field_validator("zh_CN", "en")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank")
        return v

    def get(self, language: str) -> str:
        """The text in ``language``, else in Chinese."""
        return self.en if language == "en" else self.zh_CN


class MediaRef(_Strict):
    """A medium by content: its SHA-256 and its path relative to the media folder."""

    hash: str = Field(pattern=HASH_PATTERN)
    path: str = Field(min_length=1)

    @field_validator("path")
    @classmethod
    def _relative_and_inside(cls, v: str) -> str:
        parts = v.replace("\\", "/").split("/")
        if v.startswith(("/", "\\")) or ":" in v or any(p in ("", ".", "..") for p in parts):
            raise ValueError("must be a plain relative path inside the media folder")
        return v

    @property
    def hex(self) -> str:
        """The digest as 64 hex characters."""
        return self.hash.removeprefix("sha256:")


class TimeWindow(_Strict):
    """A time-of-day window in minutes since midnight: ``start`` inclusive, ``end`` exclusive.

    ``end < start`` crosses midnight. Written in TOML as ``"HH:MM-HH:MM"``.
    """

    start: int = Field(ge=0, lt=END_OF_DAY)
    end: int = Field(ge=0, le=END_OF_DAY)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        m = _WINDOW.match(data.strip())
        if not m:
            raise ValueError(f"{data!r}: write a window as HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(f"{data!r}: not a time of day")
        return {"start": h1 * 60 + m1, "end": h2 * 60 + m2}

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("an empty window (start equals end); use 00:00-24:00 for all day")
        return self

    @property
    def crosses_midnight(self) -> bool:
        """Whether the window runs past midnight into the next day."""
        return self.end < self.start

    def __str__(self) -> str:
        (h1, m1), (h2, m2) = divmod(self.start, 60), divmod(self.end, 60)
        return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"

    @staticmethod
    def minute_of(t: time) -> int:
        """Minutes since midnight of a time of day."""
        return t.hour * 60 + t.minute


class _ItemBase(_Strict):
    """What every playlist item has: identity, schedule, priority and a play cap."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=SLUG)
    date_from: date | None = Field(None, alias="from")
    date_until: date | None = Field(None, alias="until")
    weekdays: tuple[Weekday, ...] = ()
    time_windows: tuple[TimeWindow, ...] = ()
    priority: int = Field(0, ge=-100, le=100)
    max_plays_per_hour: int | None = Field(None, ge=1, le=3600)
    min_gap_s: float = Field(0.0, ge=0, le=3600)

    @model_validator(mode="after")
    def _ordered_dates(self) -> Self:
        if self.date_from and self.date_until and self.date_until < self.date_from:
            raise ValueError(f"{self.id}: 'until' {self.date_until} is before 'from'")
        return self

    @property
    def seconds(self) -> float:
        """How long the item shows (for a video: the longest it may play)."""
        raise NotImplementedError

    @property
    def media(self) -> MediaRef | None:
        """The medium the item shows, if any."""
        return None


class _MediaItem(_ItemBase):
    """An item that shows a file: its field is named as its kind (``image``, ``video``)."""

    caption: LocalText | None = None

    @property
    def media(self) -> MediaRef | None:
        ref = getattr(self, str(getattr(self, "kind")))  # noqa: B009 - kind is per subclass
        return ref if isinstance(ref, MediaRef) else None


class ImageItem(_MediaItem):
    """A poster shown ``duration_s`` seconds, with an optional caption."""

    kind: Literal["image"] = "image"
    image: MediaRef
    duration_s: float = Field(10.0, ge=3, le=120)

    @property
    def seconds(self) -> float:
        return self.duration_s


class VideoItem(_MediaItem):
    """A video; it ends by itself, or after ``max_duration_s`` at the latest."""

    kind: Literal["video"] = "video"
    video: MediaRef
    max_duration_s: float = Field(60.0, ge=1, le=600)

    @property
    def seconds(self) -> float:
        return self.max_duration_s


class _Slide(_ItemBase):
    """A slide of text shown ``duration_s`` seconds: a title and an optional body."""

    title: LocalText
    body: LocalText | None = None
    duration_s: float = Field(12.0, ge=3, le=120)

    @property
    def seconds(self) -> float:
        return self.duration_s


class TextItem(_Slide):
    """A text slide. With ``fraud_type`` it is that fraud type's card (how it starts, the
    warning signs, what to do: see :class:`FraudType`) under this title."""

    kind: Literal["text"] = "text"
    fraud_type: str | None = Field(None, pattern=SLUG)


class QuizInvite(_Slide):
    """An invitation slide; touching it opens the quiz."""

    kind: Literal["quiz"] = "quiz"


class MirrorInvite(_Slide):
    """An invitation slide; touching it opens the mirror scenario ``scenario``."""

    kind: Literal["mirror"] = "mirror"
    scenario: str = Field(pattern=SLUG)


PlaylistItem = Annotated[
    ImageItem | VideoItem | TextItem | QuizInvite | MirrorInvite, Field(discriminator="kind")
]
AnyItem = ImageItem | VideoItem | TextItem | QuizInvite | MirrorInvite


class Playlist(_Strict):
    """The attract loop's items, and the fallback slide shown when nothing else may play.

    The fallback is a text slide with no schedule: it needs no file, so it can never break.
    """

    fallback: TextItem
    items: tuple[PlaylistItem, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [self.fallback.id, *(i.id for i in self.items)]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"item ids used twice: {dupes}")
        f = self.fallback
        scheduled = f.date_from or f.date_until or f.weekdays or f.time_windows
        if scheduled or f.max_plays_per_hour or f.min_gap_s:
            raise ValueError("the fallback must have no schedule and no play cap")
        return self

    def item(self, item_id: str) -> AnyItem | None:
        """The item (or the fallback) with this id."""
        if item_id == self.fallback.id:
            return self.fallback
        return next((i for i in self.items if i.id == item_id), None)


class FraudType(_Strict):
    """One fraud type's card, in plain words for older residents.

    Attributes:
        rank: place among the most common types (1 = most common).
        how_it_starts: how the fraud usually begins.
        warning_signs: what gives it away.
        what_to_do: what to do, first thing first.
    """

    id: str = Field(pattern=SLUG)
    rank: int = Field(ge=1, le=99)
    name: LocalText
    how_it_starts: LocalText
    warning_signs: tuple[LocalText, ...] = Field(min_length=1)
    what_to_do: tuple[LocalText, ...] = Field(min_length=1)


class Slogan(_Strict):
    """A slogan residents know (不听、不信、不转账)."""

    id: str = Field(pattern=SLUG)
    text: LocalText
    meaning: LocalText


class Hotline(_Strict):
    """A telephone number shown to residents.

    ``verified`` is False for a number that is widely cited but that this project could not
    check against a primary source (96110): a site must confirm it before relying on it.
    """

    id: str = Field(pattern=SLUG)
    number: str = Field(pattern=r"^[0-9-]{3,20}$")
    name: LocalText
    purpose: LocalText
    verified: bool
    note: str = ""  # for technicians and content editors, never shown to residents


class QuizQuestion(_Strict):
    """A single-choice question (2-4 options) with its answer and explanation."""

    id: str = Field(pattern=SLUG)
    fraud_type: str = Field(pattern=SLUG)
    question: LocalText
    options: tuple[LocalText, ...] = Field(min_length=2, max_length=4)
    answer: int = Field(ge=0)
    explanation: LocalText

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> Self:
        if self.answer >= len(self.options):
            raise ValueError(f"{self.id}: answer {self.answer} is not an option index")
        for lang in ("zh_CN", "en"):
            texts = [o.get(lang) for o in self.options]
            if len(set(texts)) != len(texts):
                raise ValueError(f"{self.id}: two options read the same ({lang})")
        return self


class QuizBank(_Strict):
    """Every quiz question."""

    questions: tuple[QuizQuestion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        return self


END_STEP = "end"


class MirrorChoice(_Strict):
    """One thing the resident may do at a step.

    Attributes:
        safe: whether this is a safe thing to do.
        feedback: for a safe choice, praise; for an unsafe one, what would happen next.
        why: for an unsafe choice, why it is dangerous (required then).
        next: the next step's id, ``end`` for the summary, or None for the following step.
    """

    text: LocalText
    safe: bool
    feedback: LocalText
    why: LocalText | None = None
    next: str | None = Field(None, pattern=SLUG)

    @model_validator(mode="after")
    def _unsafe_says_why(self) -> Self:
        if not self.safe and self.why is None:
            raise ValueError("an unsafe choice must say why it is dangerous")
        return self


class MirrorStep(_Strict):
    """What the "fraudster" says or sends, and what the resident may do.

    ``channel`` tells the screen how to show it: a phone call, a chat or an SMS.
    ``warning_signs`` are the signs this step shows; the summary lists those met.
    """

    id: str = Field(pattern=SLUG)
    channel: Literal["call", "chat", "sms"] = "call"
    says: LocalText
    choices: tuple[MirrorChoice, ...] = Field(min_length=2, max_length=4)
    warning_signs: tuple[LocalText, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_a_safe_choice(self) -> Self:
        if not any(c.safe for c in self.choices):
            raise ValueError(f"step {self.id}: needs at least one safe choice")
        if all(c.safe for c in self.choices):
            raise ValueError(f"step {self.id}: needs at least one unsafe choice to learn from")
        return self


class MirrorScenario(_Strict):
    """A fraud attempt the resident lives through safely (the "magic mirror").

    The steps form a finite graph: every step is reachable from the first, there are no
    cycles, and every path ends at ``end`` (checked on load).
    """

    id: str = Field(pattern=SLUG)
    fraud_type: str = Field(pattern=SLUG)
    title: LocalText
    caller: LocalText  # who the "fraudster" claims to be
    intro: LocalText
    steps: tuple[MirrorStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _finite_and_reachable(self) -> Self:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids) or END_STEP in ids:
            raise ValueError(f"{self.id}: step ids must be unique and not {END_STEP!r}")
        for step in self.steps:
            for choice in step.choices:
                target = self.next_step_id(step.id, choice)
                if target != END_STEP and target not in ids:
                    raise ValueError(f"{self.id}: step {step.id} leads to unknown {target!r}")
        # depth-first search from the first step: grey = on the current path (a cycle)
        colour: dict[str, str] = {}

        def visit(sid: str) -> None:
            colour[sid] = "grey"
            for choice in self.step(sid).choices:
                target = self.next_step_id(sid, choice)
                if target == END_STEP:
                    continue
                if colour.get(target) == "grey":
                    raise ValueError(f"{self.id}: steps loop back to {target!r}")
                if target not in colour:
                    visit(target)
            colour[sid] = "black"

        visit(ids[0])
        unreachable = [i for i in ids if i not in colour]
        if unreachable:
            raise ValueError(f"{self.id}: steps never reached: {unreachable}")
        return self

    def step(self, step_id: str) -> MirrorStep:
        """The step with this id."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def next_step_id(self, step_id: str, choice: MirrorChoice) -> str:
        """Where ``choice`` at ``step_id`` leads: a step id or ``end``."""
        if choice.next is not None:
            return choice.next
        ids = [s.id for s in self.steps]
        i = ids.index(step_id)
        return ids[i + 1] if i + 1 < len(ids) else END_STEP
