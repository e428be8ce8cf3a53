"""TLS: the kiosk pins the center's own CA; a certificate from any other CA is refused.

Certificates are made at test time with ``cryptography`` and never committed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.framework.clock import FakeClock
from kiosk.platform.http_client import HttpClient
from kiosk.platform.service_errors import ServiceTlsError
from kiosk.violations.http import HttpViolationService
from kiosk.violations.service import LookupResult, VehicleQuery
from tests.support.uvicorn_server import make_tls_material, running_center
from tests.unit.kiosk.violations.conftest import NOW, copy_db

pytestmark = pytest.mark.timeout(60)

QUERY = VehicleQuery(plate_type="02", plate="苏E8D2K7", secret="4G15B08327")


def test_pinned_ca_works_and_a_foreign_certificate_is_refused(
    tmp_path: Path, seeded_db: Path
) -> None:
    ours = make_tls_material(tmp_path / "ours", "center")
    rogue = make_tls_material(tmp_path / "rogue", "rogue")
    copy_db(seeded_db, tmp_path / "a")
    copy_db(seeded_db, tmp_path / "b")
    with running_center(tmp_path / "a", clock=FakeClock(NOW), tls=ours) as center:
        assert center.url.startswith("https://")
        service = HttpViolationService(HttpClient(center.config(), "x"))
        try:
            outcome = service.lookup_vehicle(QUERY)
            assert isinstance(outcome, LookupResult) and len(outcome.records) == 12
            service.ping()
        finally:
            service.close()
        # the same server, but the kiosk pins another CA
        wrong_pin = HttpViolationService(HttpClient(center.config(ca_file=str(rogue.ca_cert)), "x"))
        try:
            with pytest.raises(ServiceTlsError) as e:
                wrong_pin.lookup_vehicle(QUERY)
        finally:
            wrong_pin.close()
        assert "certificate verify failed" in str(e.value)
        # no pin at all: the system store does not know the center's CA either
        unpinned = HttpViolationService(HttpClient(center.config(ca_file=""), "x"))
        try:
            with pytest.raises(ServiceTlsError):
                unpinned.ping()
        finally:
            unpinned.close()
    # a server presenting a certificate from another CA, the kiosk pinning ours
    with running_center(tmp_path / "b", clock=FakeClock(NOW), tls=rogue) as impostor:
        service = HttpViolationService(HttpClient(impostor.config(ca_file=str(ours.ca_cert)), "x"))
        try:
            with pytest.raises(ServiceTlsError) as e:
                service.lookup_vehicle(QUERY)
        finally:
            service.close()
        assert "certificate verify failed" in str(e.value)
