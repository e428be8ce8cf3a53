"""Technician badges: QR codes signed by the center's key, with an expiry.

Format: ``TB1.<payload>.<signature>``, both base64url without padding. The payload is JSON
``{"tech": id, "name": ..., "iat": epoch, "exp": epoch, "terminals": ["*"] or [ids]}``;
the signature is Ed25519 over the ASCII of ``TB1.<payload>`` (read and checked by
:mod:`kiosk.framework.signed_tokens`, as member tokens are). A photographed badge stops
working when it expires; a badge for other terminals is refused; a badge issued in the
future (beyond ``CLOCK_SKEW_S``) or living longer than ``MAX_VALID_S`` is refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.framework.signed_tokens import TokenRejected, check_times, open_token, sign_token

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = "TB1."
CLOCK_SKEW_S = 300  # a terminal's clock may lag the center's by this much
MAX_VALID_S = 7 * 86400  # no badge lives longer than a week


@dataclass(frozen=True)
class Badge:
    """A verified badge."""

    tech: str
    name: str
    expires_at: float


class BadgeError(ValueError):
    """A badge that cannot be used; ``reason``: malformed, bad_signature, expired,
    not_for_terminal, no_key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_badge(
    key: Ed25519PrivateKey,
    tech: str,
    name: str,
    *,
    valid_s: float = 8 * 3600,
    terminals: list[str] | None = None,
    now: float | None = None,
) -> str:
    """Signs a badge (the center's side)."""
    issued = time.time() if now is None else now
    payload = {
        "tech": tech,
        "name": name,
        "iat": int(issued),
        "exp": int(issued + valid_s),
        "terminals": terminals or ["*"],
    }
    return sign_token(key, PREFIX, payload)


def verify_badge(
    token: str, public_key_b64: str, terminal_id: str, *, now: float | None = None
) -> Badge:
    """Returns the badge if it is genuine, current and for this terminal; else BadgeError."""
    now = time.time() if now is None else now
    try:
        payload = open_token(token, PREFIX, public_key_b64)
        tech, name = str(payload["tech"]), str(payload["name"])
        iat, exp = float(payload["iat"]), float(payload["exp"])
        terminals = list(payload.get("terminals", ["*"]))
    except TokenRejected as e:
        raise BadgeError(e.reason) from None
    except (ValueError, KeyError, TypeError):
        raise BadgeError("malformed") from None
    try:
        check_times(iat, exp, now=now, skew_s=CLOCK_SKEW_S, max_lifetime_s=MAX_VALID_S)
    except TokenRejected as e:
        # a badge from the future or of an impossible lifetime was not issued by our center
        raise BadgeError("expired" if e.reason == "expired" else "malformed") from None
    if "*" not in terminals and terminal_id not in terminals:
        raise BadgeError("not_for_terminal")
    return Badge(tech, name, exp)
