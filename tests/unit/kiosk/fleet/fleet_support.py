"""A fleet for tests: keys, a repository, the real center on 127.0.0.1, kiosks with agents.

Shared by the kiosk agent tests and the center's fleet tests.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from center.app import create_app
from center.auth import TerminalRegistry
from center.fleet.keys import KeySet, init_keys, install_keys
from center.fleet.publish import PublishResult, publish, put_raw_document
from center.fleet.registry import HeartbeatRegistry
from center.fleet.repository import FleetRepository
from center.fleet.service import FleetService
from kiosk.fleet.agent import FleetAgent
from kiosk.fleet.document import Audience
from kiosk.framework.clock import Clock, FakeClock
from kiosk.platform.config_loader import ConfigPaths, ConfigStore
from kiosk.platform.fleet_config import FleetConfig
from kiosk.violations.local import LocalViolationService
from tests.support.uvicorn_server import UvicornThread


class MovableNow:
    """A UTC wall clock for the center that tests can move."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Fleet:
    """Keys, repository and center service in one folder (the center not yet serving)."""

    root: Path
    keys: KeySet
    fleet_dir: Path
    terminals: TerminalRegistry
    now: MovableNow
    tokens: dict[str, str] = field(default_factory=dict)
    url: str = ""
    service: FleetService | None = None
    server: UvicornThread | None = None

    def repo(self, now: Callable[[], datetime] | None = None) -> FleetRepository:
        """A fresh view of the repository (signing with ``now``, default the center's)."""
        return FleetRepository(self.fleet_dir, now=now or self.now)

    def publish(self, audience: str, config: dict[str, Any], **kw: Any) -> PublishResult:
        """Checks and signs ``config`` for ``audience``."""
        return publish(self.repo(kw.pop("now", None)), Audience.parse(audience), config, **kw)

    def force(self, audience: str, data: bytes) -> None:
        """Signs arbitrary bytes as the audience's document (what a kiosk must refuse)."""
        put_raw_document(self.repo(), Audience.parse(audience), data)

    def add_terminal(self, terminal_id: str) -> str:
        """Registers a terminal and remembers its token."""
        self.tokens[terminal_id] = self.terminals.add(terminal_id)
        return self.tokens[terminal_id]

    def status(self) -> Any:
        """The center's fleet status now."""
        assert self.service is not None
        return self.service.status()


def make_fleet(root: Path) -> Fleet:
    """Keys made and installed, repository initialised, no document yet."""
    keys = init_keys(root / "keys")
    fleet_dir = root / "center" / "fleet"
    install_keys(root / "keys", fleet_dir)
    terminals = TerminalRegistry(root / "center" / "terminals.json")
    fleet = Fleet(root, keys, fleet_dir, terminals, MovableNow())
    repo = fleet.repo()
    with repo.locked():
        repo.initialize()
    return fleet


@contextlib.contextmanager
def serving(
    fleet: Fleet, violations_db: Path, heartbeats: HeartbeatRegistry | None = None
) -> Iterator[UvicornThread]:
    """Serves the real center app (with the fleet router) on 127.0.0.1; ``heartbeats`` on
    the center's database (default: a SQLite file in the fleet folder)."""
    service = LocalViolationService.open_demo(violations_db)
    fleet.service = FleetService(
        fleet.fleet_dir, terminals=fleet.terminals, now=fleet.now, heartbeats=heartbeats
    )
    app = create_app(service, fleet.terminals, None, fleet.service)
    try:
        with UvicornThread(app, name="uvicorn-fleet") as server:
            fleet.url = server.url
            fleet.server = server
            yield server
    finally:
        fleet.service.close()


@dataclass
class Kiosk:
    """One kiosk: its configuration store and its agent."""

    terminal_id: str
    group: str
    data_dir: Path
    store: ConfigStore
    agent: FleetAgent
    clock: Any  # a FakeClock, or the system clock for an agent running on its thread
    restarts: list[Any] = field(default_factory=list)


def fleet_config(fleet: Fleet, terminal_id: str, **overrides: Any) -> FleetConfig:
    """Agent settings for this fleet's center."""
    values: dict[str, Any] = {
        "enabled": True,
        "repository_url": f"{fleet.url}/fleet",
        "trusted_root": str(fleet.keys.root_json),
        "token": fleet.tokens.get(terminal_id, ""),
        "poll_interval_s": 60.0,
        "poll_jitter": 0.0,
        "heartbeat_interval_s": 60.0,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 5.0,
        "health_window_s": 120.0,
        "device_ready_s": 30.0,
    }
    values.update(overrides)
    return FleetConfig(**values)


def make_kiosk(
    fleet: Fleet,
    root: Path,
    terminal_id: str,
    group: str,
    *,
    site: dict[str, Any] | None = None,
    clock: Clock | None = None,
    **agent_kw: Any,
) -> Kiosk:
    """A kiosk registered with the center, with a site file naming its id and group."""
    if terminal_id not in fleet.tokens:
        fleet.add_terminal(terminal_id)
    data_dir = root / terminal_id / "data"
    site_file = root / terminal_id / "site.json"
    site_file.parent.mkdir(parents=True, exist_ok=True)
    site_data = {"terminal": {"id": terminal_id, "group": group}, **(site or {})}
    site_file.write_text(json.dumps(site_data), encoding="utf-8")
    store = ConfigStore(ConfigPaths(data_dir=data_dir, site=site_file))
    clock = clock or FakeClock()
    restarts: list[Any] = []
    fleet_overrides = agent_kw.pop("fleet_overrides", {})
    agent = FleetAgent(
        fleet_config(fleet, terminal_id, **fleet_overrides),
        store,
        clock=clock,
        on_restart_needed=agent_kw.pop("on_restart_needed", restarts.append),
        **agent_kw,
    )
    return Kiosk(terminal_id, group, data_dir, store, agent, clock, restarts)


def restart_agent(fleet: Fleet, kiosk: Kiosk, **agent_kw: Any) -> FleetAgent:
    """A new agent on the same data (as after a process restart)."""
    kiosk.agent.close()
    fleet_overrides = agent_kw.pop("fleet_overrides", {})
    kiosk.store = ConfigStore(kiosk.store.paths)
    kiosk.agent = FleetAgent(
        fleet_config(fleet, kiosk.terminal_id, **fleet_overrides),
        kiosk.store,
        clock=kiosk.clock,
        on_restart_needed=kiosk.restarts.append,
        **agent_kw,
    )
    return kiosk.agent


def envelope(audience: str, version: int, config: dict[str, Any]) -> bytes:
    """A well-formed document envelope (for forcing documents into the repository)."""
    return json.dumps(
        {
            "kind": "kiosk-fleet-config",
            "format": 1,
            "audience": audience,
            "version": version,
            "published_at": "2026-11-23T09:30:00Z",
            "config": config,
        }
    ).encode("utf-8")


def idle(seconds: float) -> dict[str, Any]:
    """A document changing the idle timeouts."""
    return {"ui": {"idle_timeout_s": {"default": seconds, "home": 45.0}}}
