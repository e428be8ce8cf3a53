"""The composition root: everything the running kiosk holds, built once from configuration
(no Qt).

It builds the devices, the session manager, content, maintenance and, on first use, every
feature's back end from ``[backend]`` (``local`` or ``http``, the photo service included).
The UI gets one ``AppContext``; tests and the tour build one from a configuration object
(``build_context(settings={...})``) with a fake clock and a recording voice: no TOML files,
no environment variables. Heavy back ends (SQLite stores, HTTP clients, the points ledger)
are imported and built when a feature first asks for them, not at start-up.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from kiosk.platform.state_files import check_sqlite
from kiosk.platform.voice import VoiceEngine, build_voice

if TYPE_CHECKING:
    from kiosk.application.service import ApplicationService
    from kiosk.photo.service import PhotoService
    from kiosk.points.service import PointsService
    from kiosk.requests.service import RequestService
    from kiosk.violations.service import ViolationService

log = logging.getLogger(__name__)


class Backends:
    """Every feature's back end, built from ``[backend]`` when first asked for and kept.

    ``backend = "local"`` (the default) embeds demo stores in the data directory;
    ``backend = "http"`` talks to the center with the terminal's token. Safe to call from
    any thread (a worker may be the first to ask).
    """

    def __init__(self, store: ConfigStore, data_dir: Path, clock: Clock) -> None:
        self.store, self.data_dir, self.clock = store, data_dir, clock
        self._lock = threading.Lock()
        self._built: dict[str, Any] = {}

    def _get(self, name: str, build: Any) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
                log.info("back end %s built (%s)", name, self.store.config.backend.backend)
            return self._built[name]

    def violations(self) -> ViolationService:
        """The traffic-violation lookup."""

        def build() -> ViolationService:
            from kiosk.violations.factory import build_violation_service

            config = self.store.config
            return build_violation_service(
                config.backend,
                data_dir=self.data_dir,
                terminal_id=config.terminal.id,
                clock=self.clock,
            )

        service: ViolationService = self._get("violations", build)
        return service

    def points(self) -> PointsService:
        """The volunteer-points ledger (it also pays the quiz's points)."""

        def build() -> PointsService:
            from kiosk.points.factory import build_points_service

            config = self.store.config
            return build_points_service(
                config.backend,
                config.points,
                data_dir=self.data_dir,
                terminal_id=config.terminal.id,
                clock=self.clock,
            )

        service: PointsService = self._get("points", build)
        return service

    def photo(self) -> PhotoService:
        """Where finished ID photos go."""

        def build() -> PhotoService:
            from kiosk.photo.factory import build_photo_service

            config = self.store.config
            return build_photo_service(
                config.backend, data_dir=self.data_dir, terminal_id=config.terminal.id
            )

        service: PhotoService = self._get("photo", build)
        return service

    def application(self) -> ApplicationService:
        """Where resident-ID applications go (户籍自助办理)."""

        def build() -> ApplicationService:
            from kiosk.application.factory import build_application_service

            config = self.store.config
            return build_application_service(
                config.backend, data_dir=self.data_dir, terminal_id=config.terminal.id
            )

        service: ApplicationService = self._get("application", build)
        return service

    def requests(self) -> RequestService:
        """Where resident requests go (我要反映 / 您来点单)."""

        def build() -> RequestService:
            from kiosk.requests.factory import build_requests_service

            config = self.store.config
            return build_requests_service(
                config.backend,
                data_dir=self.data_dir,
                terminal_id=config.terminal.id,
                config=config.requests,
                now=lambda: self.clock.now().astimezone(UTC),  # the clock's time is local
            )

        service: RequestService = self._get("requests", build)
        return service

    def close(self) -> None:
        """Closes every back end that was built."""
        with self._lock:
            built, self._built = self._built, {}
        for name, service in built.items():
            close = getattr(service, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.exception("closing back end %s failed", name)


class PointsEarnerOnDemand:
    """The quiz's :class:`~kiosk.framework.earning.PointsEarner`: the points back end, built
    only when points are first paid."""

    def __init__(self, backends: Backends) -> None:
        self.backends = backends

    def earn(self, member_id: str, points: int, idempotency_key: str, reason: str) -> Any:
        return self.backends.points().earn(member_id, points, idempotency_key, reason)


class PointsCards:
    """:class:`~kiosk.framework.earning.MemberCards` over the points feature's tokens."""

    def __init__(self, store: ConfigStore, clock: Clock) -> None:
        self.store, self.clock = store, clock

    def member_id(self, text: str) -> str:
        from kiosk.points.errors import MemberTokenError
        from kiosk.points.tokens import verify_member_token

        try:
            token = verify_member_token(
                text, self.store.config.points, now=self.clock.now().timestamp()
            )
        except MemberTokenError:
            return ""
        return token.member_id


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
    backends: Backends
    built_services: set[str] = field(default_factory=set)
    safe_mode: bool = False

    @property
    def earner(self) -> PointsEarnerOnDemand:
        """Pays points for other features (the quiz), through the points back end."""
        return PointsEarnerOnDemand(self.backends)

    @property
    def member_cards(self) -> PointsCards:
        """Recognises a scanned points card."""
        return PointsCards(self.config_store, self.clock)

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
        """Stops devices and voice, closes stores and back ends."""
        self.voice.stop()
        self.devices.stop()
        self.backends.close()
        self.counters.close()


def _usage_counters(data_dir: Path) -> UsageCounters:
    """The usage counters; in memory for this run if the disk cannot take them (full)."""
    try:
        return UsageCounters(check_sqlite(data_dir / "usage.sqlite3"))
    except (sqlite3.Error, OSError) as e:
        log.error("usage counters kept in memory only: %s", e)
        return UsageCounters(Path(":memory:"))


def build_context(
    data_dir: Path | None = None,
    site: Path | None = None,
    *,
    settings: Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    voice: VoiceEngine | None = None,
) -> AppContext:
    """Builds (without starting devices) the context for this machine's configuration.

    ``settings`` is a site layer given as data (tests, the tour): it stands in for the site
    file and is validated with the other layers like one.
    """
    paths = config_paths(data_dir, site)
    if settings is not None:
        paths = replace(paths, site=None, site_data=dict(settings))
    store = ConfigStore(paths)
    config = store.config
    clock = clock or SystemClock()
    ui = config.ui

    def idle_timeout(screen: str) -> float:
        return store.config.ui.timeout_for(screen)

    sessions = SessionManager(
        clock, paths.data_dir / "sessions", idle_timeout_s=idle_timeout, warning_s=ui.idle_warning_s
    )
    return AppContext(
        config_store=store,
        clock=clock,
        devices=build_devices(
            config,
            paths.data_dir,
            monotonic=clock.monotonic,
            today=lambda: clock.now().date(),  # the simulated ID cards' calendar
        ),
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
        counters=_usage_counters(paths.data_dir),
        backends=Backends(store, paths.data_dir, clock),
    )
