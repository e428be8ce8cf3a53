"""Pieces the feature centers of the tests share (points, photos): a violation service that
is not used, and the kiosk's http settings for a center on 127.0.0.1."""

from __future__ import annotations

from typing import Any

from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.service_errors import NotMatched


class NoViolations:
    """The center's violation service, unused here: every lookup matches nothing."""

    def lookup_vehicle(self, query: Any) -> Any:
        raise NotMatched()

    def lookup_licence(self, query: Any) -> Any:
        raise NotMatched()

    def ping(self) -> None:
        pass

    def close(self) -> None:
        pass


def kiosk_config(url: str, terminal_id: str, token: str, /, **overrides: Any) -> ServiceConfig:
    """A kiosk ``ServiceConfig`` for the center at ``url``, with quick timeouts; any field
    (another ``token``, say) can be overridden."""
    values: dict[str, Any] = {
        "backend": "http",
        "base_url": url,
        "terminal_id": terminal_id,
        "token": token,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 5.0,
        "backoff_s": 0.01,
    }
    values.update(overrides)
    return ServiceConfig(**values)
