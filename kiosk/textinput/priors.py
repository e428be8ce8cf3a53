"""What the recogniser knows about characters before it sees a stroke.

- **Frequency**: how often each character occurs in running Chinese text, from jieba's
  dictionary (``jieba/dict.txt``, word counts from a large corpus: a character's count is the
  sum of the counts of the words that hold it).
- **Names and places**: jieba's part-of-speech model gives, per character, how likely it is
  to begin a person's name (``B-nr``: the surname), to stand inside or end one (``M-nr``,
  ``E-nr``: given names) and to be part of a place name (``*-ns``: addresses).
- **Provinces**: the 34 one-character abbreviations of the provincial-level divisions.
- **Stroke counts**: Unihan's ``kTotalStrokes`` (Debian's ``unicode-data``), the
  Simplified-Chinese count first.

Reading all of that takes about three seconds, so the table is built once, only for the
characters the model knows, and kept as a small JSON file in the user's cache directory
(``$XDG_CACHE_HOME/kiosk``); the next start reads it in a few milliseconds. A missing
source leaves its column empty: the recogniser then simply does without that prior.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import logging
import math
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

from kiosk.platform.atomic_file import write_atomic

log = logging.getLogger(__name__)

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
# second abbreviations, in use on documents and in place names (less often on a form)
PROVINCES_ALT = "黔滇蜀陇秦"
UNIHAN_STROKES = Path("/usr/share/unicode/Unihan_IRGSources.txt.bz2")
TABLE_VERSION = 1


@dataclass(frozen=True)
class CharPriors:
    """Natural-log priors per character; characters absent from a mapping have none."""

    frequency: dict[str, float]  # log P(char) in running text
    surname: dict[str, float]  # log P(char | first character of a person's name)
    given: dict[str, float]  # log P(char | later character of a person's name)
    place: dict[str, float]  # log P(char | character of a place name)
    strokes: dict[str, int]  # total strokes
    floor: float  # log-probability given to a character the corpus never saw

    def log_prior(self, char: str, context: str) -> float:
        """log P(char) for a field of kind ``context`` (see ``CONTEXTS``)."""
        base = self.frequency.get(char, self.floor)
        if context == "surname":
            return _mix(self.surname.get(char), base, 0.85)
        if context == "name":
            return _mix(self.given.get(char), base, 0.6)
        if context == "address":
            return _mix(self.place.get(char), base, 0.5)
        if context == "province":
            if char in PROVINCES:
                return math.log(0.9 / len(PROVINCES))
            if char in PROVINCES_ALT:
                return math.log(0.05 / len(PROVINCES_ALT))
            return math.log(0.05) + base
        return base


def _mix(specific: float | None, base: float, weight: float) -> float:
    """log(weight * P_specific + (1 - weight) * P_base)."""
    p = (1 - weight) * math.exp(base)
    if specific is not None:
        p += weight * math.exp(specific)
    return math.log(p)


def _jieba_dir() -> Path | None:
    spec = util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _log_normalise(counts: dict[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {c: math.log(n / total) for c, n in counts.items() if n > 0} if total else {}


def _frequency(jieba_dir: Path, chars: set[str]) -> dict[str, float]:
    counts: dict[str, float] = {}
    with (jieba_dir / "dict.txt").open(encoding="utf-8") as f:
        for line in f:
            word, count, *_ = line.split(" ", 2)
            n = int(count)
            for c in word:
                if c in chars:
                    counts[c] = counts.get(c, 0) + n
    return _log_normalise(counts)


def _emissions(chars: set[str]) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    from jieba.posseg.prob_emit import P  # a large literal table: imported only here

    def dist(states: Iterable[tuple[str, str]]) -> dict[str, float]:
        acc: dict[str, float] = {}
        for state in states:
            for c, logp in P.get(state, {}).items():
                if c in chars:
                    acc[c] = acc.get(c, 0.0) + math.exp(logp)
        return _log_normalise(acc)

    surname = dist([("B", "nr"), ("S", "nr")])
    given = dist([("M", "nr"), ("E", "nr")])
    place = dist([("B", "ns"), ("M", "ns"), ("E", "ns"), ("S", "ns")])
    return surname, given, place


def _strokes(chars: set[str], path: Path = UNIHAN_STROKES) -> dict[str, int]:
    result: dict[str, int] = {}
    with bz2.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if "\tkTotalStrokes\t" not in line:
                continue
            code, _, value = line.rstrip("\n").split("\t")
            char = chr(int(code[2:], 16))
            if char in chars:
                result[char] = int(value.split()[0])
    return result


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk"


def _source_stamp(chars: str) -> str:
    parts = [str(TABLE_VERSION), hashlib.sha256(chars.encode()).hexdigest()[:16]]
    try:
        parts.append(metadata.version("jieba"))
    except metadata.PackageNotFoundError:
        parts.append("no-jieba")
    parts.append(str(UNIHAN_STROKES.stat().st_mtime_ns) if UNIHAN_STROKES.exists() else "no-unihan")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def build_priors(chars: str) -> CharPriors:
    """The table from its sources (seconds): only for ``chars``."""
    wanted = set(chars)
    jieba_dir = _jieba_dir()
    frequency: dict[str, float] = {}
    surname: dict[str, float] = {}
    given: dict[str, float] = {}
    place: dict[str, float] = {}
    if jieba_dir is not None:
        frequency = _frequency(jieba_dir, wanted)
        surname, given, place = _emissions(wanted)
    else:
        log.warning("jieba is not installed: handwriting runs without frequency priors")
    strokes: dict[str, int] = {}
    if UNIHAN_STROKES.exists():
        strokes = _strokes(wanted)
    else:
        log.warning("%s is missing (unicode-data): no stroke-count check", UNIHAN_STROKES)
    floor = (min(frequency.values()) - math.log(10)) if frequency else math.log(1e-6)
    return CharPriors(frequency, surname, given, place, strokes, floor)


def _to_json(p: CharPriors) -> dict[str, object]:
    def rounded(d: dict[str, float]) -> dict[str, float]:
        return {c: round(v, 4) for c, v in d.items()}

    return {
        "frequency": rounded(p.frequency),
        "surname": rounded(p.surname),
        "given": rounded(p.given),
        "place": rounded(p.place),
        "strokes": p.strokes,
        "floor": p.floor,
    }


_cache: dict[str, CharPriors] = {}
_cache_lock = threading.Lock()


def load_priors(chars: str, cache_dir: Path | None = None) -> CharPriors:
    """The table for ``chars``: from memory, else the cache file, else built and cached."""
    stamp = _source_stamp(chars)
    with _cache_lock:
        if stamp in _cache:
            return _cache[stamp]
        folder = cache_dir if cache_dir is not None else _cache_dir()
        path = folder / f"handwriting-priors-{stamp}.json"
        priors: CharPriors | None = None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            priors = CharPriors(
                frequency=data["frequency"],
                surname=data["surname"],
                given=data["given"],
                place=data["place"],
                strokes=data["strokes"],
                floor=float(data["floor"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            priors = None
        if priors is None:
            priors = build_priors(chars)
            try:
                payload = json.dumps(_to_json(priors), ensure_ascii=False).encode()
                write_atomic(path, payload)
            except OSError as e:
                log.info("handwriting priors not cached (%s): rebuilt at each start", e)
        _cache[stamp] = priors
        return priors
