"""Technician badges read through the shared signed-token reader: the same length and clock
checks as member tokens."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.framework.signed_tokens import MAX_TOKEN_CHARS, sign_token
from kiosk.maintenance.badges import (
    CLOCK_SKEW_S,
    MAX_VALID_S,
    PREFIX,
    BadgeError,
    issue_badge,
    verify_badge,
)

NOW = 1_790_000_000.0
KEY = Ed25519PrivateKey.generate()
PUBLIC = base64.b64encode(
    KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
).decode("ascii")


def reason(token: str, *, now: float = NOW, terminal: str = "k1") -> str:
    with pytest.raises(BadgeError) as e:
        verify_badge(token, PUBLIC, terminal, now=now)
    return e.value.reason


def test_a_current_badge_for_this_terminal_opens() -> None:
    badge = verify_badge(issue_badge(KEY, "t7", "李工", now=NOW), PUBLIC, "k1", now=NOW + 60)
    assert (badge.tech, badge.name) == ("t7", "李工")


def test_a_badge_from_the_future_beyond_the_skew_is_refused() -> None:
    assert verify_badge(issue_badge(KEY, "t7", "李", now=NOW + CLOCK_SKEW_S), PUBLIC, "k1", now=NOW)
    assert reason(issue_badge(KEY, "t7", "李", now=NOW + CLOCK_SKEW_S + 1)) == "malformed"


def test_a_badge_living_longer_than_allowed_is_refused() -> None:
    assert reason(issue_badge(KEY, "t7", "李", now=NOW, valid_s=MAX_VALID_S + 1)) == "malformed"


def test_an_overlong_code_is_refused_before_any_parsing() -> None:
    payload = {"tech": "t7", "name": "李" * MAX_TOKEN_CHARS, "iat": NOW, "exp": NOW + 60}
    assert reason(sign_token(KEY, PREFIX, payload)) == "malformed"


def test_expired_other_terminal_forged_and_keyless_badges_are_refused() -> None:
    assert reason(issue_badge(KEY, "t7", "李", now=NOW, valid_s=60), now=NOW + 60) == "expired"
    only_k2 = issue_badge(KEY, "t7", "李", now=NOW, terminals=["k2"])
    assert reason(only_k2) == "not_for_terminal"
    forged = issue_badge(Ed25519PrivateKey.generate(), "t7", "李", now=NOW)
    assert reason(forged) == "bad_signature"
    with pytest.raises(BadgeError) as e:
        verify_badge(issue_badge(KEY, "t7", "李", now=NOW), "", "k1", now=NOW)
    assert e.value.reason == "no_key"
    assert reason("TB1.not-a-badge") == "malformed"
