"""Pickup codes: 8 characters a person can read aloud and type, and their QR payload.

The alphabet leaves out I, O, 0 and 1 (read as each other). 32 symbols x 8 = 40 random bits,
printed as ``XXXX-XXXX``; the QR code carries ``VC1.XXXXXXXX``. A code is a bearer
reference, not a credential: staff look it up on the center and see the member and items
before handing anything over.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PREFIX = "VC1."


def new_code() -> str:
    """A fresh random code, ``XXXX-XXXX``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str | None:
    """A typed or scanned code as stored (``XXXX-XXXX``), or None if it cannot be one.

    Accepts the QR payload, lower case, spaces and dashes anywhere.
    """
    t = text.strip()
    if t.upper().startswith(PREFIX):
        t = t[len(PREFIX) :]
    raw = "".join(ch for ch in t.upper() if ch not in " -")
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def qr_payload(code: str) -> str:
    """``VC1.<code without the dash>``."""
    return PREFIX + code.replace("-", "")
