"""The kiosk's fleet agent: poll, verify, apply, watch, roll back, report. No Qt.

Life cycle (the app owns it)::

    agent = FleetAgent(store.config.fleet, store,
                       on_restart_needed=ui_schedules_restart_between_sessions,
                       devices=devices.all, failsafe=ctx.failsafes,
                       crash_guard_path=data_dir / "crash" / "runs.json",
                       counters=ctx.counters.all)
    agent.start()          # a thread: polls with jitter, checks health, sends heartbeats
    ...
    agent.notify_restarted()   # after an in-process restart of the devices it asked for
    agent.stop()           # joins the thread

Every poll makes a new ``ngclient.Updater`` (see :mod:`kiosk.fleet.tuf_client`). When the
verified documents for this terminal (all, its group, itself) changed, they are merged (kiosk
over group over all), checked as the loader would, written atomically to the fleet layer and
published through ``ConfigStore.reload()``: listeners pick up what they can at once; keys that
need a restart (:data:`kiosk.fleet.apply.RESTART_PREFIXES`) are passed to
``on_restart_needed`` so the UI restarts between sessions. A health window follows (see
:mod:`kiosk.fleet.health`); failing it rolls back to last-known-good. A rejected or
rolled-back set of versions is not tried again; the next publish is.

While the repository cannot be reached the kiosk runs on its last verified configuration
and its health says so (``fleet.unreachable``). Callbacks and ``ConfigStore`` listeners run
on the agent's thread: a Qt UI must hand them to its own thread (queued signal).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from devices.health import HealthLevel, HealthPublisher
from kiosk import __version__
from kiosk.fleet.apply import (
    AgentState,
    Applier,
    Trial,
    changed_keys,
    devices_named,
    restart_keys,
)
from kiosk.fleet.document import (
    DocumentRejected,
    FleetDocument,
    audiences_for,
    merge_documents,
    parse_document,
    version_label,
)
from kiosk.fleet.health import (
    crashes_since,
    current_run_started,
    device_is_up,
    paper_state,
)
from kiosk.fleet.heartbeat import (
    DeviceReport,
    FleetState,
    Heartbeat,
    HeartbeatAnswer,
    Rejection,
    RejectionKind,
)
from kiosk.framework.clock import Clock, SystemClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.config_loader import ConfigStore
from kiosk.platform.fleet_config import FleetConfig
from kiosk.platform.service_errors import ServiceError

if TYPE_CHECKING:
    # The HTTP stack and python-tuf are imported on the agent's thread, when it first
    # polls or sends a heartbeat: the kiosk's start-up does not wait for them.
    from kiosk.fleet.fetcher import RequestsFetcher
    from kiosk.fleet.tuf_client import TufClient
    from kiosk.platform.http_client import HttpClient

log = logging.getLogger(__name__)

STATE_SAVE_EVERY_S = 3600.0
PollOutcome = Literal["applied", "unchanged", "unreachable", "rejected", "still_rejected", "error"]


@dataclass(frozen=True)
class RestartRequest:
    """Keys that changed and take effect only after a restart (between sessions)."""

    keys: tuple[str, ...]
    reason: str
    config_version: str


@dataclass(frozen=True)
class PollResult:
    """What one poll did."""

    outcome: PollOutcome
    detail: str = ""
    versions: dict[str, int] = field(default_factory=dict)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def fleet_dir(data_dir: Path) -> Path:
    """``<data>/fleet``: the agent's state and TUF cache."""
    return data_dir / "fleet"


def media_dir(data_dir: Path) -> Path:
    """Where verified fleet media land, named ``sha256-<hex>.<ext>``: ``<data>/content/media``,
    the folder the app's ``MediaStore`` searches first."""
    return data_dir / "content" / "media"


class FleetAgent(HealthPublisher):
    """The fleet agent of one kiosk; its health (name ``fleet``) tells how the fleet link is.

    Args:
        fleet: the agent's settings.
        store: the app's configuration; the agent writes its fleet layer and reloads it.
        data_dir: defaults to the store's.
        clock: monotonic time for intervals and health windows (a FakeClock in tests).
        utc_now: wall clock for reports (the heartbeat's ``clock``).
        on_restart_needed: called (on the agent's thread) when applied or rolled-back keys
            need a restart; the UI restarts between sessions, then calls
            :meth:`notify_restarted` (a new process needs no call).
        devices: the app's devices by name (``DeviceSet.all``), for health and heartbeats.
        failsafe: the app's failsafe monitor.
        crash_guard_path: the crash guard's record file.
        counters: extra counters for heartbeats (e.g. ``UsageCounters.all``).
        paper: the paper state for heartbeats; default: from the printer's health.
        fetcher: the HTTP fetcher for TUF (default: requests, pinned CA, kept alive).
        rng: randomness for the jitter.
    """

    def __init__(
        self,
        fleet: FleetConfig,
        store: ConfigStore,
        *,
        data_dir: Path | None = None,
        clock: Clock | None = None,
        utc_now: Callable[[], datetime] = _utcnow,
        on_restart_needed: Callable[[RestartRequest], None] | None = None,
        devices: Callable[[], Mapping[str, HealthPublisher]] | None = None,
        failsafe: FailsafeMonitor | None = None,
        crash_guard_path: Path | None = None,
        counters: Callable[[], Mapping[str, int]] | None = None,
        paper: Callable[[], str] | None = None,
        app_version: str = __version__,
        fetcher: RequestsFetcher | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__("fleet")
        self.fleet = fleet
        self.store = store
        self.data_dir = data_dir or store.paths.data_dir
        self.clock: Clock = clock or SystemClock()
        self.utc_now = utc_now
        self.on_restart_needed = on_restart_needed
        self.devices = devices
        self.failsafe = failsafe
        self.crash_guard_path = crash_guard_path
        self.extra_counters = counters
        self.paper = paper
        self.app_version = app_version
        self.rng = rng or random.Random()
        self.applier = Applier(store)
        self.state_path = fleet_dir(self.data_dir) / "state.json"
        self.state = AgentState.load(self.state_path)
        self._fetcher = fetcher  # made on the first poll when None
        self._owns_fetcher = fetcher is None
        self._client: TufClient | None = None
        self._http: HttpClient | None = None
        self._heartbeat_path = ""
        self.counters: dict[str, int] = dict.fromkeys(
            (
                "polls",
                "poll_failures",
                "applied",
                "rejected",
                "rollbacks",
                "heartbeats",
                "heartbeat_failures",
            ),
            0,
        )
        self.last_error = ""
        self.last_poll_error = ""
        self.last_heartbeat: HeartbeatAnswer | None = None
        self._polled = False
        self._unreachable = False
        self._error = ""
        self._started_mono = self.clock.monotonic()
        self._trial_mono = self._started_mono
        self._failsafe_base = failsafe.total if failsafe else 0
        self._came_up: set[str] = set()
        self._restarted = threading.Event()
        self._poll_requested = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._saved_mono = self._started_mono
        self._heartbeat_soon = True
        first = self.rng.uniform(0, fleet.poll_jitter * fleet.poll_interval_s)
        self._next_poll = self._started_mono + first
        self._next_heartbeat = self._started_mono
        if self.state.trial is not None and self.state.trial.awaiting_restart:
            # A new process: the restart the change needed has happened.
            self.state.trial.awaiting_restart = False
            self.state.restart_pending = False
            self._save()
        elif self.state.restart_pending:
            self.state.restart_pending = False
            self._save()
        self._publish_health()

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Starts the agent's thread (does nothing when ``fleet.enabled`` is off)."""
        if not self.fleet.enabled:
            log.info("fleet: agent disabled (fleet.enabled = false)")
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fleet-agent", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the thread (after the request under way) and closes connections."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(4 * (self.fleet.connect_timeout_s + self.fleet.read_timeout_s))
            if thread.is_alive():
                log.error("fleet: agent thread did not stop")
        self.close()

    def close(self) -> None:
        """Closes HTTP connections (``stop`` does it too)."""
        if self._http is not None:
            self._http.close()
            self._http = None
        if self._owns_fetcher and self._fetcher is not None:
            self._fetcher.close()

    def poll_now(self) -> None:
        """Asks the thread to poll at once (e.g. from the maintenance screen)."""
        self._poll_requested.set()
        self._wake.set()

    def notify_restarted(self) -> None:
        """The app restarted what the last change needed (devices rebuilt from the config)."""
        self._restarted.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.step()
            except Exception:  # the agent must never take the app down
                log.exception("fleet: agent step failed")
                delay = min(self.fleet.poll_interval_s, 30.0)
            self._wake.wait(delay)
            self._wake.clear()

    def step(self) -> float:
        """Does whatever is due (poll, health checks, heartbeat); returns seconds to wait."""
        with self._lock:
            now = self.clock.monotonic()
            if now >= self._next_poll or self._poll_requested.is_set():
                self._poll_requested.clear()
                self.poll_once()
                self._next_poll = self.clock.monotonic() + self._jittered(
                    self.fleet.poll_interval_s
                )
            self.check_trial()
            now = self.clock.monotonic()
            if self._heartbeat_soon or now >= self._next_heartbeat:
                self.send_heartbeat()
                self._next_heartbeat = self.clock.monotonic() + self._jittered(
                    self.fleet.heartbeat_interval_s
                )
            now = self.clock.monotonic()
            due = min(self._next_poll, self._next_heartbeat)
            if self.state.trial is not None:
                due = min(due, now + min(1.0, max(0.05, self.fleet.device_ready_s / 4)))
            return max(0.0, due - now)

    def _jittered(self, interval: float) -> float:
        j = self.fleet.poll_jitter
        return interval * self.rng.uniform(1 - j, 1 + j)

    # ------------------------------------------------------------------ polling

    def _tuf(self) -> TufClient:
        from kiosk.fleet.tuf_client import TufClient, Unreachable

        if self._client is None:
            root = Path(self.fleet.trusted_root)
            try:
                bootstrap = root.read_bytes()
            except OSError as e:
                raise Unreachable(f"no trusted root at {root}: {e.strerror or e}") from e
            self._client = TufClient(
                self.fleet.metadata_url,
                self.fleet.targets_url,
                fleet_dir(self.data_dir) / "tuf",
                bootstrap,
                self._requests_fetcher(),
            )
        return self._client

    def _requests_fetcher(self) -> RequestsFetcher:
        if self._fetcher is None:
            from kiosk.fleet.fetcher import RequestsFetcher

            self._fetcher = RequestsFetcher(
                ca_file=self.fleet.ca_file or self.store.config.backend.ca_file,
                connect_timeout_s=self.fleet.connect_timeout_s,
                read_timeout_s=self.fleet.read_timeout_s,
            )
        return self._fetcher

    def poll_once(self) -> PollResult:
        """One poll: verify, and apply what changed. Never raises for fleet problems."""
        from kiosk.fleet.tuf_client import Unreachable, VerificationFailed

        with self._lock:
            self.counters["polls"] += 1
            self._polled = True
            cfg = self.store.config
            audiences = audiences_for(cfg.terminal.id, cfg.terminal.group)
            try:
                client = self._tuf()
                self._error = ""
                view = client.fetch(audiences)
            except Unreachable as e:
                return self._unreachable_now(str(e))
            except VerificationFailed as e:
                self._unreachable = False
                return self._reject("verification", str(e), {})
            self._unreachable = False
            self.last_poll_error = ""
            st = self.state
            desired = view.versions
            changed = desired != st.desired
            st.desired = desired
            st.last_verified_at = self.utc_now()
            if desired == st.applied and (self.applier.fleet_path.exists() or not desired):
                if st.rejection is not None and st.rejection.kind == "verification":
                    st.rejection = None
                    changed = True
                self._save_if(changed)
                self._publish_health()
                return PollResult("unchanged", versions=desired)
            if (
                st.rejection is not None
                and st.rejection.kind != "verification"
                and st.rejection.versions == desired
            ):
                self._save_if(changed)
                self._publish_health()
                return PollResult("still_rejected", st.rejection.reason, desired)
            try:
                docs: list[FleetDocument] = []
                for audience, verified in view.documents.items():
                    doc = parse_document(verified.data, audience)
                    if doc.version != verified.version:
                        raise DocumentRejected(
                            f"{audience} document says version {doc.version}, "
                            f"its signed metadata {verified.version}"
                        )
                    docs.append(doc)
                layer: dict[str, Any] | None = None
                if docs:
                    layer = merge_documents(docs)
                    self.applier.check(layer)
                    layer["config_version"] = version_label(desired)
            except DocumentRejected as e:
                return self._reject("document", str(e), desired)
            media = sorted({m for d in docs for m in d.media})
            if media:
                try:
                    client.fetch_media(media, media_dir(self.data_dir))
                except Unreachable as e:
                    return self._unreachable_now(f"media: {e}")
                except VerificationFailed as e:
                    return self._reject("verification", f"media: {e}", desired)
            return self._apply(layer, desired)

    def _apply(self, layer: dict[str, Any] | None, desired: dict[str, int]) -> PollResult:
        st = self.state
        label = version_label(desired)
        if st.trial is None:
            self.applier.keep_last_good()
            st.last_good = dict(st.applied)
        try:
            old, new, problems = self.applier.write(layer)
        except OSError as e:
            return self._reject("apply", f"cannot write the fleet layer: {e}", desired)
        if problems:
            self.applier.restore_last_good()
            return self._reject("apply", "the loader refused it: " + "; ".join(problems), desired)
        keys = changed_keys(old, new)
        restart = restart_keys(keys)
        run_started = current_run_started(self.crash_guard_path) if self.crash_guard_path else None
        st.applied = dict(desired)
        st.rejection = None
        st.trial = Trial(
            versions=dict(desired),
            started_at=self.utc_now(),
            run_started=run_started,
            awaiting_restart=bool(restart),
            devices=devices_named(keys),
        )
        st.restart_pending = st.restart_pending or bool(restart)
        self._trial_mono = self.clock.monotonic()
        self._failsafe_base = self.failsafe.total if self.failsafe else 0
        self._came_up = set()
        self.counters["applied"] += 1
        self._save()
        log.info(
            "fleet: applied %s (%d keys changed%s)",
            label,
            len(keys),
            f"; restart needed for {', '.join(restart)}" if restart else "",
        )
        self._heartbeat_soon = True
        self._publish_health()
        if restart and self.on_restart_needed is not None:
            self.on_restart_needed(RestartRequest(tuple(restart), f"fleet config {label}", label))
        return PollResult("applied", f"{len(keys)} keys changed", desired)

    def _unreachable_now(self, detail: str) -> PollResult:
        self.counters["poll_failures"] += 1
        self._unreachable = True
        self.last_poll_error = detail
        if detail.startswith("no trusted root"):
            self._error = detail
        log.warning(
            "fleet: repository unreachable (%s); running on %s",
            detail,
            version_label(self.state.applied),
        )
        self._publish_health()
        return PollResult("unreachable", detail, dict(self.state.applied))

    def _reject(self, kind: RejectionKind, reason: str, versions: dict[str, int]) -> PollResult:
        st = self.state
        st.rejection = Rejection(
            kind=kind, reason=reason[:2000], versions=versions, at=self.utc_now()
        )
        self.counters["rejected"] += 1
        self.last_error = f"fleet {kind}: {reason}"[:2000]
        what = version_label(versions) if versions else "the repository"
        log.error(
            "fleet: refused %s (%s): %s; keeping %s",
            what,
            kind,
            reason,
            version_label(st.applied),
        )
        self._save()
        self._heartbeat_soon = True
        self._publish_health()
        return PollResult("rejected", reason, versions)

    # ------------------------------------------------------------------ health window

    def check_trial(self) -> str | None:
        """Runs the health checks of an open trial; returns a rollback reason, or None."""
        with self._lock:
            trial = self.state.trial
            if self._restarted.is_set():
                self._restarted.clear()
                self.state.restart_pending = False
                if trial is not None and trial.awaiting_restart:
                    trial.awaiting_restart = False
                    self._trial_mono = self.clock.monotonic()
                    self._came_up = set()
                self._save()
                self._heartbeat_soon = True
            if trial is None:
                return None
            reason = self._trial_failure(trial)
            if reason is not None:
                self.rollback(reason)
                return reason
            elapsed = self.clock.monotonic() - self._trial_mono
            if not trial.awaiting_restart and elapsed >= self.fleet.health_window_s:
                self.state.trial = None
                self._save()
                log.info("fleet: %s passed its health window", version_label(trial.versions))
                self._heartbeat_soon = True
                self._publish_health()
            return None

    def _trial_failure(self, trial: Trial) -> str | None:
        f = self.fleet
        if f.rollback_on_crash and self.crash_guard_path and trial.run_started is not None:
            crashes = crashes_since(self.crash_guard_path, trial.run_started)
            if crashes:
                return f"the app crashed {crashes} time(s) after the change (crash guard)"
        if f.rollback_on_failsafe and self.failsafe is not None:
            fired = self.failsafe.total - self._failsafe_base
            if fired >= f.failsafe_limit:
                return f"flows fell into their failsafe {fired} times since the change"
        if trial.awaiting_restart or self.devices is None:
            return None
        devices = self.devices()
        for name in trial.devices:
            if name in devices and device_is_up(devices[name].health):
                self._came_up.add(name)
        elapsed = self.clock.monotonic() - self._trial_mono
        if f.rollback_on_device and elapsed >= f.device_ready_s:
            for name in trial.devices:
                if name in devices and name not in self._came_up:
                    h = devices[name].health
                    detail = f" ({h.detail})" if h.detail else ""
                    return (
                        f"{name} did not come up within {f.device_ready_s:.0f} s of the change: "
                        f"{h.reason}{detail}"
                    )
        return None

    def rollback(self, reason: str) -> None:
        """Restores last-known-good, reports ``reason``, and asks for a restart if needed."""
        with self._lock:
            st = self.state
            trial = st.trial
            versions = dict(trial.versions) if trial else dict(st.applied)
            old, new, _ = self.applier.restore_last_good()
            restart = restart_keys(changed_keys(old, new))
            st.applied = dict(st.last_good)
            st.trial = None
            st.rejection = Rejection(
                kind="health", reason=reason[:2000], versions=versions, at=self.utc_now()
            )
            if restart:
                st.restart_pending = True
            self.counters["rollbacks"] += 1
            self.last_error = f"fleet rollback: {reason}"[:2000]
            self._save()
            log.error(
                "fleet: rolled back %s to %s: %s",
                version_label(versions),
                version_label(st.applied),
                reason,
            )
            self._heartbeat_soon = True
            self._publish_health()
        if restart and self.on_restart_needed is not None:
            label = version_label(st.applied)
            self.on_restart_needed(RestartRequest(tuple(restart), f"rollback: {reason}", label))

    # ------------------------------------------------------------------ reporting

    @property
    def fleet_state(self) -> FleetState:
        """How the fleet link is, in one word (the heartbeat's ``fleet_state``)."""
        st = self.state
        if self._error:
            return "error"
        if self._unreachable:
            return "unreachable"
        if st.rejection is not None:
            return "rolled_back" if st.rejection.kind == "health" else "rejected"
        if st.trial is not None:
            return "trial"
        return "ok" if self._polled else "starting"

    def _publish_health(self) -> None:
        state = self.fleet_state
        label = version_label(self.state.applied)
        if state in ("ok", "starting"):
            self._set_health(HealthLevel.READY)
        elif state == "trial":
            self._set_health(HealthLevel.READY, "fleet.trial", f"checking {label}")
        elif state == "unreachable":
            when = self.state.last_verified_at
            since = when.isoformat(timespec="seconds") if when else "never"
            self._set_health(
                HealthLevel.DEGRADED,
                "fleet.unreachable",
                f"running on the last verified config {label} (verified {since}): "
                f"{self.last_poll_error}",
            )
        elif state == "error":
            self._set_health(HealthLevel.DEGRADED, "fleet.error", self._error)
        else:
            reason = self.state.rejection.reason if self.state.rejection else ""
            self._set_health(HealthLevel.DEGRADED, f"fleet.{state}", reason[:300])

    def _save(self) -> None:
        try:
            self.state.save(self.state_path)
            self._saved_mono = self.clock.monotonic()
        except OSError as e:
            log.error("fleet: cannot save state: %s", e)

    def _save_if(self, changed: bool) -> None:
        # An unchanged poll only moves last_verified_at: no write (and fsync) per poll.
        if changed or self.clock.monotonic() - self._saved_mono > STATE_SAVE_EVERY_S:
            self._save()

    def heartbeat(self) -> Heartbeat:
        """The heartbeat as it would be sent now."""
        cfg = self.store.config
        healths = {}
        if self.devices is not None:
            healths = {name: d.health for name, d in self.devices().items()}
        reports = {
            name: DeviceReport(level=str(h.level), reason=h.reason, detail=h.detail[:500])
            for name, h in healths.items()
        }
        if self.failsafe is not None:
            h = self.failsafe.health
            reports["terminal"] = DeviceReport(level=str(h.level), reason=h.reason, detail=h.detail)
        counters = dict(self.extra_counters()) if self.extra_counters else {}
        counters.update({f"fleet.{k}": v for k, v in self.counters.items()})
        st = self.state
        return Heartbeat(
            terminal_id=cfg.terminal.id,
            group=cfg.terminal.group,
            app_version=self.app_version,
            config_version=cfg.config_version,
            desired=st.desired,
            applied=st.applied,
            fleet_state=self.fleet_state,
            last_verified_at=st.last_verified_at,
            last_poll_error=self.last_poll_error[:2000],
            rejection=st.rejection,
            restart_pending=st.restart_pending,
            devices=reports,
            paper=self.paper() if self.paper else paper_state(healths),
            last_error=self.last_error,
            counters=counters,
            clock=self.utc_now(),
            uptime_s=self.clock.monotonic() - self._started_mono,
        )

    def _http_client(self) -> HttpClient | None:
        if self._http is None:
            from kiosk.platform.http_client import HttpClient

            cfg = self.store.config
            url = self.fleet.heartbeat_endpoint()
            scheme, _, rest = url.partition("://")
            host, _, path = rest.partition("/")
            try:
                service = ServiceConfig(
                    backend="http",
                    base_url=f"{scheme}://{host}",
                    token=self.fleet.token or cfg.backend.token,
                    ca_file=self.fleet.ca_file or cfg.backend.ca_file,
                    terminal_id=cfg.terminal.id,
                    connect_timeout_s=self.fleet.connect_timeout_s,
                    read_timeout_s=self.fleet.read_timeout_s,
                    retries=1,  # a kept-alive connection the center just closed
                    pool_size=1,
                )
            except ValueError as e:
                self.last_error = f"heartbeats off: {e}"
                log.error("fleet: heartbeats off: %s", e)
                return None
            self._heartbeat_path = "/" + path
            self._http = HttpClient(service, cfg.terminal.id)
        return self._http

    def send_heartbeat(self) -> HeartbeatAnswer | None:
        """Sends one heartbeat; returns the center's answer, or None if it failed."""
        with self._lock:
            self._heartbeat_soon = False
            hb = self.heartbeat()
            client = self._http_client()
        if client is None:
            return None
        from kiosk.platform.http_client import new_idempotency_key

        try:
            answer = client.request(
                "POST",
                self._heartbeat_path,
                json_body=hb.model_dump(mode="json"),
                # a heartbeat replaces the previous one: repeating it is safe
                idempotency_key=new_idempotency_key(),
            )
            parsed = HeartbeatAnswer.model_validate(answer)
        except (ServiceError, ValueError) as e:
            self.counters["heartbeat_failures"] += 1
            log.warning("fleet: heartbeat failed: %s", e)
            return None
        self.counters["heartbeats"] += 1
        self.last_heartbeat = parsed
        return parsed
