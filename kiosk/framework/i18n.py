"""One translation mechanism for every user-facing string: a keyed catalogue, zh_CN and en.

The catalogue is data: every ``config/i18n/*.toml`` file (one per area: shell, devices,
each service), merged; a key defined twice is an error. An unknown key returns the key
itself and is logged once, and a test fails on any key missing a language.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tomllib
from functools import lru_cache
from pathlib import Path

from kiosk.platform.project import PROJECT_ROOT, cache_dir

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "en")
CATALOGUE_DIR = PROJECT_ROOT / "config" / "i18n"
_reported: set[str] = set()


@lru_cache(maxsize=4)
def load_catalogue(folder: Path = CATALOGUE_DIR) -> dict[str, dict[str, str]]:
    """The catalogue as {key: {language: text}}, from every TOML file in ``folder``.

    Parsing the TOML files takes about 25 ms, on the way to the first attract frame; the merged
    result is kept as JSON in the cache directory (1.5 ms to read), under a name made from the
    folder and every file's name, size and modification time, so any change rebuilds it."""
    paths = sorted(folder.glob("*.toml"))
    cached = _cached_path(folder, paths)
    if cached is not None:
        try:
            loaded: dict[str, dict[str, str]] = json.loads(cached.read_text(encoding="utf-8"))
            return loaded
        except (OSError, ValueError):
            pass  # not there yet, or damaged: parse the files
    merged: dict[str, dict[str, str]] = {}
    for path in paths:
        with path.open("rb") as f:
            data = tomllib.load(f)
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"translation key {key!r} is defined twice ({path.name})")
            merged[key] = dict(value)
    if cached is not None:
        _write_cache(cached, merged)
    return merged


def _cached_path(folder: Path, paths: list[Path]) -> Path | None:
    digest = hashlib.sha256(str(folder.resolve()).encode())
    try:
        for path in paths:
            st = path.stat()
            digest.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    except OSError:
        return None
    return cache_dir() / f"i18n-{digest.hexdigest()[:24]}.json"


def _write_cache(path: Path, merged: dict[str, dict[str, str]]) -> None:
    """Best effort: a cache that cannot be written (read-only home, full disk) is skipped."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(merged, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        log.debug("translation cache not written to %s", path, exc_info=True)
        tmp.unlink(missing_ok=True)


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
