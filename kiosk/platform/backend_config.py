"""Configuration of the kiosk's backend services: embedded (``local``) or the center (``http``).

For the lead to add to :class:`kiosk.platform.config_schema.KioskConfig` (e.g. as ``backend``), so a
site file says::

    [backend]
    backend = "http"
    base_url = "https://center.example:8443"
    token = "..."                    # from `center terminal add <terminal id>`
    ca_file = "/etc/kiosk/center-ca.pem"
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kiosk.platform.urls import is_loopback, split_http_url

DEFAULT_SEED = 20261123
"""The demo data's seed: the same demo residents, vehicles and records on every machine."""


class CenterCredentials(BaseModel):
    """How a terminal proves itself to the center and which center it trusts: shared by the
    back-end services and the fleet agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: str = Field("", repr=False, max_length=256)
    ca_file: str = ""


class ServiceConfig(CenterCredentials):
    """Where the kiosk's backend services live and how to reach them.

    Attributes:
        backend: ``local`` (embedded SQLite with demo data, the default) or ``http``.
        base_url: the center's address. https is required unless the host is loopback.
        terminal_id: sent as ``X-Terminal-Id``; empty means the kiosk's ``terminal.id``.
        token: this terminal's bearer token from the center (kept out of ``repr``).
        ca_file: PEM file of the center's own CA to pin; empty trusts the system store.
        connect_timeout_s: limit for establishing a connection (TCP and TLS).
        read_timeout_s: limit between two bytes of the answer.
        total_timeout_s: limit for one request's answer body as a whole.
        retries: retries of idempotent calls (or calls with an Idempotency-Key) after a
            connection failure, a dropped connection or a 502/503/504.
        backoff_s: base of the exponential back-off between retries (capped at 2 s).
        pool_size: kept-alive connections to the center.
        local_db: the SQLite file of the ``local`` back end; empty means
            ``<data dir>/violations/violations.sqlite3``.
        demo_seed: seed of the demo data a new ``local`` store is filled with.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["local", "http"] = "local"
    base_url: str = "https://127.0.0.1:8443"
    terminal_id: str = Field("", pattern=r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$")
    connect_timeout_s: float = Field(3.0, gt=0, le=30)
    read_timeout_s: float = Field(5.0, gt=0, le=60)
    total_timeout_s: float = Field(10.0, gt=0, le=120)
    retries: int = Field(2, ge=0, le=5)
    backoff_s: float = Field(0.2, ge=0, le=5)
    pool_size: int = Field(4, ge=1, le=64)
    local_db: str = ""
    demo_seed: int = DEFAULT_SEED

    @field_validator("base_url")
    @classmethod
    def _safe_url(cls, v: str) -> str:
        parts = split_http_url(v)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            # the bearer token must never cross a network in clear text
            raise ValueError("plain http is allowed only to a loopback address; use https")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _http_needs_token(self) -> ServiceConfig:
        if self.backend == "http" and not self.token:
            raise ValueError("backend 'http' needs this terminal's token")
        return self
