"""Signed QR tokens, shared by technician badges (``TB1.``) and member tokens (``MT1.``).

Format ``<PREFIX><payload>.<signature>``, both base64url without padding. The payload is
compact JSON; the signature is Ed25519 over the ASCII of ``<PREFIX><payload>``. Kiosks hold
only the public key (base64 of the raw 32 bytes): a kiosk opened in a public hall cannot
mint a token.

One reader for both kinds, so both get the same checks: a bounded length, the prefix, the
signature before any parsing, a JSON object, and the clock (``iat`` not in the future beyond
the allowed skew, ``exp`` not passed, and at most the lifetime the kind allows).
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # cryptography loads when a token is first signed or read, not at start-up
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

MAX_TOKEN_CHARS = 1024


class TokenRejected(ValueError):
    """A token that cannot be used. ``reason``: no_key, malformed, bad_signature, expired,
    not_yet_valid, too_long_lived."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """The bytes of base64url text with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """A public key from its base64 raw form (as in the configuration)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def sign_token(key: Ed25519PrivateKey, prefix: str, payload: dict[str, Any]) -> str:
    """A token carrying ``payload`` (the issuer's side)."""
    body = prefix + b64url(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return body + "." + b64url(key.sign(body.encode("ascii")))


def open_token(token: str, prefix: str, public_key_b64: str) -> dict[str, Any]:
    """The payload of a genuine token; raises :class:`TokenRejected` otherwise.

    Checks the length, the prefix and the signature, then that the payload is a JSON object.
    The caller checks its fields and then :func:`check_times`.
    """
    if not public_key_b64:
        raise TokenRejected("no_key")
    text = token.strip()
    if len(text) > MAX_TOKEN_CHARS or not text.startswith(prefix) or text.count(".") != 2:
        raise TokenRejected("malformed")
    from cryptography.exceptions import InvalidSignature

    body, _, signature = text.rpartition(".")
    try:
        public_key_from_b64(public_key_b64).verify(unb64url(signature), body.encode("ascii"))
    except (InvalidSignature, ValueError, UnicodeEncodeError):
        raise TokenRejected("bad_signature") from None
    try:
        payload = json.loads(unb64url(body[len(prefix) :]))
    except ValueError:
        raise TokenRejected("malformed") from None
    if not isinstance(payload, dict):
        raise TokenRejected("malformed")
    return payload


def check_times(
    issued_at: float,
    expires_at: float,
    *,
    now: float,
    skew_s: float,
    max_lifetime_s: float | None = None,
) -> None:
    """Raises :class:`TokenRejected` for a token issued in the future (beyond ``skew_s``),
    past its expiry, or living longer than its kind allows."""
    if max_lifetime_s is not None and expires_at - issued_at > max_lifetime_s:
        raise TokenRejected("too_long_lived")
    if issued_at > now + skew_s:
        raise TokenRejected("not_yet_valid")
    if now >= expires_at:
        raise TokenRejected("expired")
