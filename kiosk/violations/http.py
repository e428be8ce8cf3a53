"""The ``http`` violation service: the same interface, answered by the center over HTTPS.

Lookups are POSTs (the secret must not sit in a URL, where proxies and access logs keep it)
that change nothing on the center; each carries an ``Idempotency-Key`` so the client may
safely retry it.
"""

from __future__ import annotations

from pydantic import ValidationError

from kiosk.platform.http_client import HttpClient, new_idempotency_key
from kiosk.platform.service_errors import MalformedResponse
from kiosk.violations.service import (
    OUTCOME_ADAPTER,
    LicenceQuery,
    LookupResult,
    StillFetching,
    VehicleQuery,
)

VEHICLE_LOOKUP_PATH = "/v1/violations/vehicle-lookups"
LICENCE_LOOKUP_PATH = "/v1/violations/licence-lookups"
HEALTH_PATH = "/v1/health"


class HttpViolationService:
    """Looks up violations through the center's API. Owns its :class:`HttpClient`."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def lookup_vehicle(self, query: VehicleQuery) -> LookupResult | StillFetching:
        """See :class:`kiosk.violations.service.ViolationService`."""
        return self._lookup(VEHICLE_LOOKUP_PATH, query.model_dump(mode="json"))

    def lookup_licence(self, query: LicenceQuery) -> LookupResult | StillFetching:
        """See :class:`kiosk.violations.service.ViolationService`."""
        return self._lookup(LICENCE_LOOKUP_PATH, query.model_dump(mode="json"))

    def _lookup(self, path: str, body: dict[str, object]) -> LookupResult | StillFetching:
        data = self.client.request(
            "POST", path, json_body=body, idempotency_key=new_idempotency_key()
        )
        try:
            outcome = OUTCOME_ADAPTER.validate_python(data)
        except ValidationError as e:
            raise MalformedResponse(f"lookup answer does not fit: {e.error_count()} errors") from e
        if isinstance(outcome, LookupResult):
            # newest first is part of the contract; do not rely on the wire for it
            records = sorted(outcome.records, key=lambda r: (r.occurred_at, r.id), reverse=True)
            outcome = outcome.model_copy(update={"records": tuple(records)})
        return outcome

    def ping(self) -> None:
        """Raises a ServiceError unless the center answers its health check."""
        data = self.client.request("GET", HEALTH_PATH)
        if not isinstance(data, dict) or data.get("status") != "ok":
            raise MalformedResponse("health answer does not say ok")

    def close(self) -> None:
        """Closes the client's connections."""
        self.client.close()
