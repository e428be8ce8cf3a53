"""Technician badges: QR codes signed by the center's key, with an expiry.

Format: ``TB1.<payload>.<signature>``, both base64url without padding. The payload is JSON
``{"tech": id, "name": ..., "iat": epoch, "exp": epoch, "terminals": ["*"] or [ids]}``;
the signature is Ed25519 over the ASCII of ``TB1.<payload>``. A photographed badge stops
working when it expires; a badge for other terminals is refused.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "TB1."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
    body = PREFIX + _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return body + "." + _b64(key.sign(body.encode("ascii")))


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """The center's public key from its base64 raw form (as in the config)."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def verify_badge(
    token: str, public_key_b64: str, terminal_id: str, *, now: float | None = None
) -> Badge:
    """Returns the badge if it is genuine, current and for this terminal; else BadgeError."""
    if not public_key_b64:
        raise BadgeError("no_key")
    if not token.startswith(PREFIX) or token.count(".") != 2:
        raise BadgeError("malformed")
    body, _, signature = token.rpartition(".")
    try:
        public_key_from_b64(public_key_b64).verify(_unb64(signature), body.encode("ascii"))
    except (InvalidSignature, ValueError):
        raise BadgeError("bad_signature") from None
    try:
        payload = json.loads(_unb64(body[len(PREFIX) :]))
        tech, name, exp = str(payload["tech"]), str(payload["name"]), float(payload["exp"])
        terminals = list(payload.get("terminals", ["*"]))
    except (ValueError, KeyError, TypeError):
        raise BadgeError("malformed") from None
    if (time.time() if now is None else now) >= exp:
        raise BadgeError("expired")
    if "*" not in terminals and terminal_id not in terminals:
        raise BadgeError("not_for_terminal")
    return Badge(tech, name, exp)
