"""The fleet agent's configuration (``[fleet]`` in the kiosk's configuration).

Off by default, so the demo runs without a fleet server. A site file turns it on::

    [fleet]
    enabled = true
    repository_url = "https://center.example:8443/fleet"
    trusted_root = "/etc/kiosk/fleet-root.json"   # the bootstrap root.json, shipped at install
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator, model_validator

from kiosk.platform.backend_config import CenterCredentials
from kiosk.platform.urls import is_loopback, split_http_url


class FleetConfig(CenterCredentials):
    """Where the fleet repository is, how often to ask it, and when to roll back.

    Attributes:
        enabled: run the agent at all (off: the kiosk keeps whatever fleet layer it has).
        repository_url: base of the TUF repository: ``<url>/metadata/`` and ``<url>/targets/``.
            Any static host works; plain http is acceptable here (every byte is verified
            against signed metadata) but https is preferred.
        trusted_root: the bootstrap ``root.json`` shipped with the install (the trust anchor).
        poll_interval_s: mean time between two polls.
        poll_jitter: each wait is ``poll_interval_s * (1 ± poll_jitter)``, uniformly; the first
            poll after start waits ``uniform(0, poll_jitter * poll_interval_s)``.
        heartbeat_url: where heartbeats go; empty means ``<origin of repository_url>``
            ``/v1/fleet/heartbeats``. Carries the terminal's token: https unless loopback.
        heartbeat_interval_s: mean time between heartbeats (one is also sent right after every
            change of the applied configuration, and after a rejection).
        token: this terminal's token for heartbeats; empty means ``backend.token``.
        ca_file: the center's CA to pin (PEM); empty means ``backend.ca_file``, then the
            system store.
        connect_timeout_s, read_timeout_s: limits of every request.
        health_window_s: after a new configuration is in force (and after the restart it
            needed), how long the health checks watch before it becomes last-known-good.
        device_ready_s: a device whose settings changed must be up (not offline) within this
            many seconds, else the change is rolled back.
        rollback_on_crash: roll back when the app crashed after the change (crash guard).
        rollback_on_failsafe: roll back when flows fell into their failsafe
            ``failsafe_limit`` times since the change.
        failsafe_limit: see ``rollback_on_failsafe``.
        rollback_on_device: roll back when a changed device never came up.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    repository_url: str = "https://127.0.0.1:8443/fleet"
    trusted_root: str = "/etc/kiosk/fleet-root.json"
    poll_interval_s: float = Field(300.0, ge=0.05, le=86400.0)
    poll_jitter: float = Field(0.2, ge=0.0, le=1.0)
    heartbeat_url: str = ""
    heartbeat_interval_s: float = Field(60.0, ge=0.05, le=86400.0)
    connect_timeout_s: float = Field(3.0, gt=0, le=30)
    read_timeout_s: float = Field(10.0, gt=0, le=120)
    health_window_s: float = Field(120.0, ge=0.0, le=86400.0)
    device_ready_s: float = Field(60.0, ge=0.0, le=3600.0)
    rollback_on_crash: bool = True
    rollback_on_failsafe: bool = True
    failsafe_limit: int = Field(3, ge=1, le=100)
    rollback_on_device: bool = True

    @field_validator("repository_url")
    @classmethod
    def _repository(cls, v: str) -> str:
        split_http_url(v)  # refuses anything but http(s) with a host
        return v.rstrip("/")

    @field_validator("heartbeat_url")
    @classmethod
    def _heartbeat(cls, v: str) -> str:
        if not v:
            return v
        parts = split_http_url(v)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise ValueError("heartbeats carry the token: plain http only to a loopback address")
        return v

    @model_validator(mode="after")
    def _window_covers_devices(self) -> FleetConfig:
        if self.device_ready_s > self.health_window_s:
            raise ValueError("device_ready_s cannot be longer than health_window_s")
        return self

    @property
    def metadata_url(self) -> str:
        """Base URL of the signed metadata."""
        return f"{self.repository_url}/metadata/"

    @property
    def targets_url(self) -> str:
        """Base URL of the targets (configuration documents and media)."""
        return f"{self.repository_url}/targets/"

    def heartbeat_endpoint(self) -> str:
        """The URL heartbeats are posted to."""
        if self.heartbeat_url:
            return self.heartbeat_url
        parts = urlsplit(self.repository_url)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise ValueError(
                "heartbeat_url is needed: the repository is plain http beyond loopback"
            )
        return f"{parts.scheme}://{parts.netloc}/v1/fleet/heartbeats"
