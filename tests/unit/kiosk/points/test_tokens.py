"""Member tokens: genuine and current ones verify; expired, over-long, tampered, foreign-key,
malformed and unsigned ones are refused with the right typed error."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from kiosk.platform.points_config import PointsConfig
from kiosk.points.errors import TokenExpired, TokenForged, TokenUnverifiable
from kiosk.points.tokens import PREFIX, TokenSigner, verify_member_token

T0 = 1_795_000_000.0


@pytest.fixture(scope="module")
def signer() -> TokenSigner:
    return TokenSigner.generate()


def test_a_fresh_app_token_verifies(signer: TokenSigner) -> None:
    token = signer.issue("M20230517", now=T0)
    assert token.startswith(PREFIX) and token.count(".") == 2 and len(token) < 300
    verified = verify_member_token(token, signer.config(), now=T0 + 60)
    assert (verified.member_id, verified.kind, verified.card_no) == ("M20230517", "app", 1)
    assert "M20230517" not in repr(verified)


def test_a_screenshot_stops_working(signer: TokenSigner) -> None:
    token = signer.issue("M20230517", now=T0, valid_s=120)
    verify_member_token(token, signer.config(), now=T0 + 119)
    with pytest.raises(TokenExpired):
        verify_member_token(token, signer.config(), now=T0 + 120)


def test_an_app_token_may_not_live_longer_than_configured(signer: TokenSigner) -> None:
    token = signer.issue("M20230517", now=T0, valid_s=3600)
    with pytest.raises(TokenExpired):
        verify_member_token(token, signer.config(PointsConfig(app_token_max_s=300)), now=T0)
    verify_member_token(token, signer.config(PointsConfig(app_token_max_s=3600)), now=T0)


def test_card_tokens_last_longer_but_not_forever(signer: TokenSigner) -> None:
    card = signer.issue("M20230517", now=T0, kind="card", valid_s=365 * 86400, card_no=3)
    verified = verify_member_token(card, signer.config(), now=T0 + 200 * 86400)
    assert (verified.kind, verified.card_no) == ("card", 3)
    too_long = signer.issue("M20230517", now=T0, kind="card", valid_s=500 * 86400)
    with pytest.raises(TokenExpired):
        verify_member_token(too_long, signer.config(), now=T0)


def test_another_key_is_a_forgery(signer: TokenSigner) -> None:
    token = TokenSigner.generate().issue("M20230517", now=T0)
    with pytest.raises(TokenForged):
        verify_member_token(token, signer.config(), now=T0)


def _tampered(token: str, **changes: object) -> str:
    body, _, sig = token.rpartition(".")
    raw = body[len(PREFIX) :]
    payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    payload.update(changes)
    new = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{PREFIX}{new}.{sig}"


def test_a_changed_member_or_expiry_is_a_forgery(signer: TokenSigner) -> None:
    token = signer.issue("M20230517", now=T0)
    for changes in ({"m": "M20240102"}, {"exp": int(T0) + 10**6}, {"c": 9}):
        with pytest.raises(TokenForged):
            verify_member_token(_tampered(token, **changes), signer.config(), now=T0)


@pytest.mark.parametrize(
    "text",
    ["", "MT1.", "MT1.a.b.c", "MT1.abc.def", "VC1.ABCDEFGH", "MT1.中文.签名", "MT1." + "A" * 2000],
)
def test_malformed_tokens_are_refused(signer: TokenSigner, text: str) -> None:
    with pytest.raises(TokenForged):
        verify_member_token(text, signer.config(), now=T0)


def test_a_token_from_the_future_is_refused(signer: TokenSigner) -> None:
    token = signer.issue("M20230517", now=T0 + 3600)
    with pytest.raises(TokenForged):
        verify_member_token(token, signer.config(), now=T0)
    verify_member_token(token, signer.config(), now=T0 + 3600 - 30)  # within the clock skew


def test_no_key_configured(signer: TokenSigner) -> None:
    with pytest.raises(TokenUnverifiable):
        verify_member_token(signer.issue("M20230517", now=T0), PointsConfig(), now=T0)


def test_the_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "points" / "member-token-key.pem"
    first = TokenSigner.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert TokenSigner.load_or_create(path).public_key_b64 == first.public_key_b64
    with pytest.raises(ValueError):
        PointsConfig(token_public_key="bm90IGEga2V5")


def test_signed_payloads_of_the_wrong_shape_are_refused(signer: TokenSigner) -> None:
    with pytest.raises(ValueError):
        signer.issue("bad id!", now=T0)
