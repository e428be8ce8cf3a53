"""ServiceConfig validation and the factory that builds the configured service."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kiosk.framework.clock import FakeClock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.violations.factory import build_violation_service, local_db_path
from kiosk.violations.http import HttpViolationService
from kiosk.violations.local import LocalViolationService
from kiosk.violations.service import LookupResult, VehicleQuery
from tests.support.uvicorn_server import RunningCenter


def test_defaults_are_local() -> None:
    config = ServiceConfig()
    assert config.backend == "local" and config.retries == 2


@pytest.mark.parametrize(
    "values",
    [
        {"backend": "http"},  # no token
        {"base_url": "http://10.0.0.5:8443"},  # token in clear text over a network
        {"base_url": "ftp://127.0.0.1"},
        {"read_timeout_s": 0},
        {"retries": 9},
        {"unknown_key": 1},
    ],
)
def test_bad_settings_are_rejected(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ServiceConfig.model_validate(values)


def test_https_anywhere_and_http_to_loopback_are_fine() -> None:
    ServiceConfig(backend="http", base_url="https://center.example:8443/", token="t")
    ServiceConfig(backend="http", base_url="http://127.0.0.1:8000", token="t")
    ServiceConfig(backend="http", base_url="http://localhost:8000", token="t")


def test_the_token_stays_out_of_repr() -> None:
    config = ServiceConfig(backend="http", token="very-secret-token-value")
    assert "very-secret" not in repr(config)


def test_local_backend_is_seeded_under_the_data_dir(isolated_data_dir: Path) -> None:
    config = ServiceConfig()
    service = build_violation_service(
        config, data_dir=isolated_data_dir, terminal_id="k", clock=FakeClock()
    )
    try:
        assert isinstance(service, LocalViolationService)
        assert local_db_path(config, isolated_data_dir).exists()
        outcome = service.lookup_vehicle(
            VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08327")
        )
        assert isinstance(outcome, LookupResult) and len(outcome.records) == 12
    finally:
        service.close()


def test_http_backend_talks_to_the_center(center: RunningCenter) -> None:
    config = center.config(terminal_id="")
    service = build_violation_service(
        config, data_dir=Path("/nonexistent"), terminal_id=center.terminal_id, clock=FakeClock()
    )
    try:
        assert isinstance(service, HttpViolationService)
        service.ping()
        outcome = service.lookup_vehicle(VehicleQuery(plate_type="02", plate="粤B4H7N2"))
        assert outcome.kind == "pending"
    finally:
        service.close()
