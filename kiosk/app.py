"""Everything the running kiosk holds, built once from configuration (no Qt).

The UI gets one ``AppContext``; tests and the tour build one with a fake clock and a
recording voice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devices.health import Health
from kiosk.content.library import MEDIA_DIR, ContentLibrary, load_content
from kiosk.content.media import MediaStore
from kiosk.content.playlist import Scheduler
from kiosk.framework.clock import Clock, SystemClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.framework.session import SessionManager
from kiosk.framework.usage_counters import UsageCounters
from kiosk.maintenance.mode import Maintenance
from kiosk.platform.config_loader import ConfigStore
from kiosk.platform.config_schema import KioskConfig
from kiosk.platform.device_set import DeviceSet, build_devices
from kiosk.platform.paths import config_paths
from kiosk.platform.voice import VoiceEngine, build_voice


@dataclass
class AppContext:
    """The running kiosk's parts.

    Attributes:
        built_services: ids of services whose flows exist in this build; the others show
            their tile disabled.
    """

    config_store: ConfigStore
    clock: Clock
    devices: DeviceSet
    sessions: SessionManager
    failsafes: FailsafeMonitor
    voice: VoiceEngine
    content: ContentLibrary
    scheduler: Scheduler
    data_dir: Path
    maintenance: Maintenance
    counters: UsageCounters
    built_services: set[str] = field(default_factory=set)
    safe_mode: bool = False

    @property
    def config(self) -> KioskConfig:
        """The configuration in force."""
        return self.config_store.config

    def health(self) -> dict[str, Health]:
        """Every device's, the content's and the terminal's current health, by name."""
        out = {name: d.health for name, d in self.devices.all().items()}
        out["content"] = self.scheduler.health
        out["terminal"] = self.failsafes.health
        return out

    def close(self) -> None:
        """Stops devices and voice, closes stores."""
        self.voice.stop()
        self.devices.stop()
        self.counters.close()


def build_context(
    data_dir: Path | None = None,
    site: Path | None = None,
    *,
    clock: Clock | None = None,
    voice: VoiceEngine | None = None,
) -> AppContext:
    """Builds (without starting devices) the context for this machine's configuration."""
    paths = config_paths(data_dir, site)
    store = ConfigStore(paths)
    config = store.config
    clock = clock or SystemClock()
    ui = config.ui

    def idle_timeout(screen: str) -> float:
        timeouts = store.config.ui.idle_timeout_s
        return timeouts.get(screen, timeouts["default"])

    sessions = SessionManager(
        clock, paths.data_dir / "sessions", idle_timeout_s=idle_timeout, warning_s=ui.idle_warning_s
    )
    return AppContext(
        config_store=store,
        clock=clock,
        devices=build_devices(config, paths.data_dir),
        sessions=sessions,
        failsafes=FailsafeMonitor(clock),
        voice=voice or build_voice(ui.voice_engine, ui.volume),
        content=(content := load_content()),
        scheduler=Scheduler(
            content.playlist,
            clock,
            # fleet-distributed media first, then what the install ships
            MediaStore([paths.data_dir / "content" / "media", MEDIA_DIR]),
        ),
        data_dir=paths.data_dir,
        maintenance=Maintenance(config.maintenance, paths.data_dir, clock, config.terminal.id),
        counters=UsageCounters(paths.data_dir / "usage.sqlite3"),
    )
