"""Loads the anti-fraud content folder as one validated, cross-checked :class:`ContentLibrary`.

Files (``config/content/`` by default; the fleet may ship a replacement folder):

- ``playlist.toml``: ``[fallback]`` and ``[[item]]`` (see :mod:`kiosk.content.model`)
- ``fraud_types.toml``: ``[[fraud_type]]`` cards
- ``slogans.toml``: ``[[slogan]]``
- ``hotlines.toml``: ``[[hotline]]``
- ``quiz.toml``: ``[[question]]``
- ``mirror_scenarios.toml``: ``[[scenario]]`` with ``[[scenario.step]]`` and
  ``[[scenario.step.choice]]``

Any text may name a hotline as ``{hotline.<id>}``; it is replaced by that hotline's number on
load, so a site that changes a number changes it everywhere at once. Cross-references are
checked: a card's or a question's fraud type, a mirror invitation's scenario, a placeholder's
hotline must exist.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kiosk.content.model import (
    FraudType,
    Hotline,
    MirrorInvite,
    MirrorScenario,
    Playlist,
    QuizBank,
    QuizInvite,
    Slogan,
    TextItem,
)
from kiosk.platform.project import CONFIG_DIR

CONTENT_DIR = CONFIG_DIR / "content"
MEDIA_DIR = CONTENT_DIR / "media"
_PLACEHOLDER = re.compile(r"\{hotline\.([a-z0-9_-]+)\}")


class ContentError(ValueError):
    """The content folder is not valid: which file, and why."""


@dataclass(frozen=True)
class ContentLibrary:
    """All anti-fraud content, validated and cross-checked.

    Attributes:
        playlist: the attract loop's items and fallback.
        fraud_types: cards by id, most common first.
        slogans: the slogans, in file order.
        hotlines: numbers by id (``verified`` says whether the number was confirmed).
        quiz: the question bank.
        scenarios: mirror scenarios by id.
    """

    playlist: Playlist
    fraud_types: dict[str, FraudType]
    slogans: tuple[Slogan, ...]
    hotlines: dict[str, Hotline]
    quiz: QuizBank
    scenarios: dict[str, MirrorScenario]


def _read(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ContentError(f"{path}: {e}") from e


def _expand(value: Any, numbers: dict[str, str], where: str) -> Any:
    """Replaces ``{hotline.<id>}`` in every string of a parsed TOML tree."""
    if isinstance(value, str):

        def number(m: re.Match[str]) -> str:
            if m.group(1) not in numbers:
                raise ContentError(f"{where}: unknown hotline {m.group(0)}")
            return numbers[m.group(1)]

        return _PLACEHOLDER.sub(number, value)
    if isinstance(value, dict):
        return {k: _expand(v, numbers, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, numbers, where) for v in value]
    return value


def _validate[M: BaseModel](model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        raise ContentError(f"{where}: {e}") from e


def load_content(folder: Path = CONTENT_DIR) -> ContentLibrary:
    """Reads, validates and cross-checks every content file in ``folder``."""
    hotlines = {
        h.id: h
        for h in (
            _validate(Hotline, raw, f"hotlines.toml [{i}]")
            for i, raw in enumerate(_read(folder, "hotlines.toml").get("hotline", []))
        )
    }
    numbers = {k: h.number for k, h in hotlines.items()}

    def read(name: str) -> dict[str, Any]:
        expanded: dict[str, Any] = _expand(_read(folder, name), numbers, name)
        return expanded

    fraud_list = [
        _validate(FraudType, raw, f"fraud_types.toml [{i}]")
        for i, raw in enumerate(read("fraud_types.toml").get("fraud_type", []))
    ]
    fraud_types = {f.id: f for f in sorted(fraud_list, key=lambda f: f.rank)}
    if len(fraud_types) != len(fraud_list):
        raise ContentError("fraud_types.toml: fraud type ids must be unique")
    if len({f.rank for f in fraud_list}) != len(fraud_list):
        raise ContentError("fraud_types.toml: ranks must be unique")
    slogans = tuple(
        _validate(Slogan, raw, f"slogans.toml [{i}]")
        for i, raw in enumerate(read("slogans.toml").get("slogan", []))
    )
    quiz = _validate(QuizBank, {"questions": read("quiz.toml").get("question", [])}, "quiz.toml")
    scenario_list = [
        _validate(MirrorScenario, _scenario_shape(raw), f"mirror_scenarios.toml [{i}]")
        for i, raw in enumerate(read("mirror_scenarios.toml").get("scenario", []))
    ]
    scenarios = {s.id: s for s in scenario_list}
    if len(scenarios) != len(scenario_list):
        raise ContentError("mirror_scenarios.toml: scenario ids must be unique")
    raw_playlist = read("playlist.toml")
    playlist = _validate(
        Playlist,
        {"fallback": raw_playlist.get("fallback"), "items": raw_playlist.get("item", [])},
        "playlist.toml",
    )
    library = ContentLibrary(playlist, fraud_types, slogans, hotlines, quiz, scenarios)
    problems = cross_check(library)
    if problems:
        raise ContentError("; ".join(problems))
    return library


def _scenario_shape(raw: Any) -> Any:
    """TOML's ``[[scenario.step]]`` / ``[[scenario.step.choice]]`` to the model's plurals."""
    if not isinstance(raw, dict):
        return raw
    steps = []
    for step in raw.get("step", []):
        if isinstance(step, dict):
            step = {k: v for k, v in step.items() if k != "choice"} | {
                "choices": step.get("choice", [])
            }
        steps.append(step)
    return {k: v for k, v in raw.items() if k != "step"} | {"steps": steps}


def cross_check(library: ContentLibrary) -> list[str]:
    """Every reference between content files that does not resolve."""
    problems: list[str] = []
    for item in library.playlist.items:
        if (
            isinstance(item, TextItem)
            and item.fraud_type
            and item.fraud_type not in library.fraud_types
        ):
            problems.append(f"playlist {item.id}: unknown fraud type {item.fraud_type!r}")
        if isinstance(item, MirrorInvite) and item.scenario not in library.scenarios:
            problems.append(f"playlist {item.id}: unknown mirror scenario {item.scenario!r}")
        if isinstance(item, QuizInvite) and not library.quiz.questions:
            problems.append(f"playlist {item.id}: invites to a quiz with no questions")
    for q in library.quiz.questions:
        if q.fraud_type not in library.fraud_types:
            problems.append(f"quiz {q.id}: unknown fraud type {q.fraud_type!r}")
    for s in library.scenarios.values():
        if s.fraud_type not in library.fraud_types:
            problems.append(f"scenario {s.id}: unknown fraud type {s.fraud_type!r}")
    return problems
