"""Applying a verified fleet layer: check, write atomically, reload, keep last-known-good.

Files (all written with :func:`kiosk.platform.atomic_file.write_atomic`):

- ``<data>/config/fleet.json``: the fleet layer the loader reads (merged documents plus
  ``config_version``, e.g. ``all@3+group:lobby@2``).
- ``<data>/config/fleet.last-good.json``: the fleet layer that was in force, proven, before
  the current one; absent when there was none (rolling back then removes ``fleet.json``).
- ``<data>/fleet/state.json``: what the agent applied, what it last saw, the open trial,
  the last rejection.

Which changes need a restart: keys under :data:`RESTART_PREFIXES` (device back ends and
their settings, the backend connection, logging, identity, the fleet agent itself) are read
at start-up only. Everything else (``ui.*``, ``services.*``, ``maintenance.*`` ...) is picked up
by the ``ConfigStore`` listeners at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from kiosk.fleet.document import check_layer
from kiosk.fleet.heartbeat import Rejection
from kiosk.platform.atomic_file import write_atomic
from kiosk.platform.config_loader import ConfigStore, leaf_keys, read_layer_file
from kiosk.platform.config_schema import KioskConfig

log = logging.getLogger(__name__)

RESTART_PREFIXES = ("devices.", "backend.", "logging.", "terminal.", "fleet.", "schema_version")


class Trial(BaseModel):
    """A configuration in force whose health window is still open.

    Attributes:
        versions: the document versions applied.
        started_at: when it was applied (UTC).
        run_started: the crash guard's record of the run that applied it (epoch seconds),
            so a crash of that run or a later one is attributed to the change.
        awaiting_restart: the change needs a restart that has not happened yet.
        devices: devices whose settings changed: each must come up in the window.
    """

    model_config = ConfigDict(extra="ignore")

    versions: dict[str, int]
    started_at: datetime
    run_started: float | None = None
    awaiting_restart: bool = False
    devices: list[str] = []


class AgentState(BaseModel):
    """The agent's durable state (``<data>/fleet/state.json``)."""

    model_config = ConfigDict(extra="ignore")

    applied: dict[str, int] = {}
    last_good: dict[str, int] = {}
    desired: dict[str, int] = {}
    trial: Trial | None = None
    rejection: Rejection | None = None
    restart_pending: bool = False
    last_verified_at: datetime | None = None

    @classmethod
    def load(cls, path: Path) -> AgentState:
        """The saved state, or a fresh one if there is none or it is unreadable."""
        try:
            return cls.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return cls()
        except (OSError, ValidationError) as e:
            log.error("fleet: state %s unreadable (%s): starting afresh", path, e)
            return cls()

    def save(self, path: Path) -> None:
        """Writes the state atomically."""
        write_atomic(path, self.model_dump_json(indent=2).encode("utf-8"))


def changed_keys(old: KioskConfig, new: KioskConfig) -> list[str]:
    """Dotted keys whose values differ between two configurations."""
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    out = []
    for key in sorted(set(leaf_keys(a)) | set(leaf_keys(b))):
        if _get(a, key) != _get(b, key):
            out.append(key)
    return out


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def restart_keys(keys: list[str]) -> list[str]:
    """The keys among ``keys`` that take effect only after a restart."""
    return [k for k in keys if k.startswith(RESTART_PREFIXES)]


def devices_named(keys: list[str]) -> list[str]:
    """Devices whose settings are among ``keys`` (``devices.printer.port`` -> printer)."""
    return sorted({k.split(".")[1] for k in keys if k.startswith("devices.") and k.count(".") >= 2})


def layers_around_fleet(store: ConfigStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The layers the loader applied below and above the fleet layer, as it read them."""
    below: list[dict[str, Any]] = []
    above: list[dict[str, Any]] = []
    for name, path in store.current.layers:
        if name == "fleet":
            continue
        try:
            data = read_layer_file(Path(path))
        except (OSError, ValueError):
            continue
        (above if name == "technician" else below).append(data)
    if not below:  # the loader always has defaults; be safe if it reported none
        below.append(read_layer_file(store.paths.defaults))
    return below, above


class Applier:
    """Writes fleet layers and rolls them back, for one ``ConfigStore``."""

    def __init__(self, store: ConfigStore) -> None:
        self.store = store
        self.fleet_path = store.paths.fleet
        self.last_good_path = store.paths.fleet.with_name("fleet.last-good.json")

    def check(self, layer: dict[str, Any]) -> KioskConfig:
        """Validates ``layer`` as the loader would; raises ``DocumentRejected``."""
        below, above = layers_around_fleet(self.store)
        return check_layer(layer, below=below, above=above, source=str(self.fleet_path))

    def keep_last_good(self) -> None:
        """Saves the fleet layer in force as last-known-good (or notes there was none)."""
        if self.fleet_path.exists():
            write_atomic(self.last_good_path, self.fleet_path.read_bytes())
        else:
            self.last_good_path.unlink(missing_ok=True)

    def write(self, layer: dict[str, Any] | None) -> tuple[KioskConfig, KioskConfig, list[str]]:
        """Writes ``layer`` (None: no fleet layer) and reloads.

        Returns (old config, new config, problems the loader found with the fleet file).
        """
        if layer is None:
            self.fleet_path.unlink(missing_ok=True)
        else:
            data = json.dumps(layer, ensure_ascii=False, indent=2, sort_keys=True)
            write_atomic(self.fleet_path, data.encode("utf-8"))
        return self._reload()

    def restore_last_good(self) -> tuple[KioskConfig, KioskConfig, list[str]]:
        """Puts the last-known-good fleet layer back (or removes the layer) and reloads."""
        if self.last_good_path.exists():
            write_atomic(self.fleet_path, self.last_good_path.read_bytes())
        else:
            self.fleet_path.unlink(missing_ok=True)
        return self._reload()

    def _reload(self) -> tuple[KioskConfig, KioskConfig, list[str]]:
        old = self.store.config
        loaded = self.store.reload()
        problems = [str(p) for p in loaded.problems if p.source == str(self.fleet_path)]
        return old, loaded.config, problems
