"""One translation mechanism for every user-facing string: a keyed catalogue, zh_CN and en.

The catalogue is data: every ``config/i18n/*.toml`` file (one per area: shell, devices,
each service), merged; a key defined twice is an error. An unknown key returns the key
itself and is logged once, and a test fails on any key missing a language.
"""

from __future__ import annotations

import logging
import tomllib
from functools import lru_cache
from pathlib import Path

from kiosk.platform.project import PROJECT_ROOT

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
CATALOGUE_DIR = PROJECT_ROOT / "config" / "i18n"
_reported: set[str] = set()


@lru_cache(maxsize=4)
def load_catalogue(folder: Path = CATALOGUE_DIR) -> dict[str, dict[str, str]]:
    """The catalogue as {key: {language: text}}, from every TOML file in ``folder``."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as f:
            data = tomllib.load(f)
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"translation key {key!r} is defined twice ({path.name})")
            merged[key] = dict(value)
    return merged


def tr(key: str, language: str = "zh_CN", **fields: object) -> str:
    """The text for ``key`` in ``language``, with ``{name}`` fields filled in."""
    entry = load_catalogue().get(key)
    if entry is None or language not in entry:
        if key not in _reported:
            _reported.add(key)
            log.warning("no %s translation for %r", language, key)
        return key
    text = entry[language]
    return text.format(**fields) if fields else text


def has_translation(key: str, language: str) -> bool:
    """Whether the catalogue has ``key`` in ``language``."""
    return language in load_catalogue().get(key, {})
