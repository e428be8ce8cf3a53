"""Layered configuration: defaults, site file, fleet document, technician overrides.

Layers are merged lowest first and the result is validated as a whole after each layer.
A layer that does not parse or that makes the whole invalid is rejected, and each problem is
reported with its file, key and reason. If any layer was rejected, the last configuration
that was good (saved on every clean load) is used instead, so a broken site file never starts
a broken kiosk.
"""

from __future__ import annotations

import json
import logging
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.config_schema import KioskConfig
from kiosk.platform.project import PROJECT_ROOT

log = logging.getLogger(__name__)

LAYER_ORDER = ("defaults", "site", "fleet", "technician")
DEFAULTS_FILE = PROJECT_ROOT / "config" / "defaults.toml"
SYSTEM_SITE_FILE = Path("/etc/kiosk/site.toml")


@dataclass(frozen=True)
class ConfigProblem:
    """One reason a layer was rejected: which file, which key (dotted), and why."""

    source: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.key or '(file)'}: {self.reason}"


@dataclass(frozen=True)
class LoadedConfig:
    """The effective configuration and how it came about.

    Attributes:
        config: the validated configuration in force.
        origins: dotted key -> the layer that set it (``defaults``, ``site``, ...).
        problems: every rejected layer's problems; empty when all layers were good.
        layers: the layers that were applied, by name, with their files.
        from_last_good: True when a rejected layer made us fall back to the last good config.
    """

    config: KioskConfig
    origins: dict[str, str] = field(default_factory=dict)
    problems: tuple[ConfigProblem, ...] = ()
    layers: tuple[tuple[str, str], ...] = ()
    from_last_good: bool = False


@dataclass(frozen=True)
class ConfigPaths:
    """Where each layer lives. ``None`` means the layer is absent."""

    data_dir: Path
    defaults: Path = DEFAULTS_FILE
    site: Path | None = None
    site_data: dict[str, Any] | None = None  # a site layer given as data (tests, the tour)

    @property
    def fleet(self) -> Path:
        """The last verified fleet document (written by the fleet agent)."""
        return self.data_dir / "config" / "fleet.json"

    @property
    def technician(self) -> Path:
        """Overrides made by a technician in maintenance mode."""
        return self.data_dir / "config" / "technician.json"

    @property
    def last_good(self) -> Path:
        """The effective configuration of the last clean load."""
        return self.data_dir / "config" / "last-good.json"

    def layer_files(self) -> list[tuple[str, Path | None]]:
        """Each layer name with its file, lowest first."""
        return [
            ("defaults", self.defaults),
            ("site", self.site),
            ("fleet", self.fleet),
            ("technician", self.technician),
        ]


#: The largest configuration file read (a layer or last-good): the packaged defaults are
#: about 4 KB, a full site file a few KB more. A larger file (or a device that never ends,
#: such as a link to /dev/zero) is a reported problem, never read whole.
MAX_CONFIG_BYTES = 256 * 1024


def read_config_bytes(path: Path, limit: int = MAX_CONFIG_BYTES) -> bytes:
    """The file's bytes, read no further than ``limit`` + 1; raises ValueError if longer
    (and OSError if it cannot be read)."""
    with path.open("rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"file too large: more than {limit} bytes")
    return raw


def read_layer_file(path: Path) -> dict[str, Any]:
    """Parses a TOML or JSON layer file into a dict; raises ValueError with a plain reason
    (a file over :data:`MAX_CONFIG_BYTES` is refused unread)."""
    raw = read_config_bytes(path)
    try:
        if path.suffix == ".json":
            data = json.loads(raw.decode("utf-8"))
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"cannot parse: {e}") from e
    if not isinstance(data, dict):
        raise ValueError("top level must be a table/object")
    return data


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Returns ``base`` updated by ``top``; nested tables merge, everything else replaces."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def leaf_keys(data: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every non-table value in ``data``."""
    keys: list[str] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            keys.extend(leaf_keys(value, dotted + "."))
        else:
            keys.append(dotted)
    return keys


def _problems_from(source: str, error: ValidationError) -> list[ConfigProblem]:
    return [
        ConfigProblem(source, ".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()
    ]


def load_config(paths: ConfigPaths) -> LoadedConfig:
    """Loads, merges and validates every layer; never raises for a bad layer file.

    Raises only if the packaged defaults themselves are invalid (a build defect).
    """
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    problems: list[ConfigProblem] = []
    applied: list[tuple[str, str]] = []
    for name, path in paths.layer_files():
        if name == "site" and paths.site_data is not None:
            data, path = paths.site_data, Path("<site settings>")
        elif path is not None and path.is_symlink() and not path.exists():
            # configured, but the link leads nowhere (or round in a loop): a problem, so the
            # kiosk keeps the last good configuration instead of starting as the demo
            problems.append(ConfigProblem(str(path), "", "the link leads to no readable file"))
            continue
        elif path is None or not path.exists():
            continue
        else:
            try:
                data = read_layer_file(path)
            except (OSError, ValueError) as e:
                problems.append(ConfigProblem(str(path), "", str(e)))
                continue
        candidate = deep_merge(merged, data)
        try:
            KioskConfig.model_validate(candidate)
        except ValidationError as e:
            if name == "defaults":
                raise RuntimeError(f"packaged defaults are invalid: {e}") from e
            problems.extend(_problems_from(str(path), e))
            continue
        merged = candidate
        for key in leaf_keys(data):
            origins[key] = name
        applied.append((name, str(path)))

    config = KioskConfig.model_validate(merged)
    if problems:
        for p in problems:
            log.error("configuration rejected: %s", p)
        last_good = _read_last_good(paths.last_good)
        if last_good is not None:
            return LoadedConfig(last_good, origins, tuple(problems), tuple(applied), True)
        return LoadedConfig(config, origins, tuple(problems), tuple(applied), False)
    try:
        write_atomic(paths.last_good, config.model_dump_json(indent=2).encode("utf-8"))
    except OSError as e:  # a read-only data dir must not stop the kiosk
        log.warning("could not save last good configuration: %s", e)
    return LoadedConfig(config, origins, (), tuple(applied), False)


def _read_last_good(path: Path) -> KioskConfig | None:
    try:
        return KioskConfig.model_validate_json(read_config_bytes(path))
    except (OSError, ValueError) as e:  # ValidationError is a ValueError
        log.warning("no usable last good configuration at %s: %s", path, e)
        return None


ConfigListener = Callable[[LoadedConfig], None]


class ConfigStore:
    """The running app's configuration: reloads as a whole and tells listeners.

    Technician overrides are validated with every other layer before they are written.
    """

    def __init__(self, paths: ConfigPaths) -> None:
        self.paths = paths
        self._lock = threading.Lock()
        self._listeners: list[ConfigListener] = []
        self._current = load_config(paths)

    @property
    def current(self) -> LoadedConfig:
        """The configuration in force."""
        return self._current

    @property
    def config(self) -> KioskConfig:
        """Shortcut for ``current.config``."""
        return self._current.config

    def subscribe(self, listener: ConfigListener) -> None:
        """Calls ``listener(loaded)`` after every reload that changed the configuration."""
        self._listeners.append(listener)

    def reload(self) -> LoadedConfig:
        """Re-reads every layer and publishes the result if it differs."""
        with self._lock:
            new = load_config(self.paths)
            changed = new.config != self._current.config
            self._current = new
        if changed:
            for listener in list(self._listeners):
                listener(new)
        return new

    def set_technician_override(self, dotted_key: str, value: Any) -> list[ConfigProblem]:
        """Validates the change against the whole configuration, then writes it atomically.

        Returns the problems (and writes nothing) if the result would be invalid.
        """
        path = self.paths.technician
        try:
            current = read_layer_file(path) if path.exists() else {}
        except (OSError, ValueError):
            current = {}
        update: dict[str, Any] = {}
        node = update
        parts = dotted_key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        proposed = deep_merge(current, update)
        base: dict[str, Any] = {}
        for name, layer_path in self.paths.layer_files():
            if name == "technician" or layer_path is None or not layer_path.exists():
                continue
            try:
                base = deep_merge(base, read_layer_file(layer_path))
            except (OSError, ValueError):
                continue
        try:
            KioskConfig.model_validate(deep_merge(base, proposed))
        except ValidationError as e:
            return _problems_from(str(path), e)
        write_atomic(path, json.dumps(proposed, ensure_ascii=False, indent=2).encode("utf-8"))
        self.reload()
        return []
