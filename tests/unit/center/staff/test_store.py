"""Accounts, the lockout (kept across restarts) and server-side sessions (idle expiry)."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable
from datetime import timedelta

import pytest

from center.staff.model import Role
from center.staff.store import AccountExists, SignInOutcome, StaffStore, UnknownAccount
from tests.unit.center.staff.conftest import Clock

PW = "a-long-password"


def test_an_account_keeps_only_an_argon2id_hash(store: StaffStore) -> None:
    store.add("wang", Role.STAFF, PW)
    files = [store.db.path, store.db.path.with_name(store.db.path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())  # WAL: rows may be there
    assert PW.encode() not in raw and b"$argon2id$" in raw
    assert stat.S_IMODE(store.db.path.stat().st_mode) == 0o600
    with pytest.raises(AccountExists):
        store.add("wang", Role.OPERATOR, PW)
    with pytest.raises(ValueError, match="8-256"):
        store.add("li", Role.STAFF, "short")
    with pytest.raises(ValueError, match="account name"):
        store.add("bad name", Role.STAFF, PW)


def test_the_right_password_signs_in_and_a_wrong_one_is_counted(store: StaffStore) -> None:
    store.add("wang", Role.STAFF, PW)
    assert store.sign_in("wang", "nope-nope").outcome is SignInOutcome.WRONG
    account = store.account("wang")
    assert account is not None and account.failed_signins == 1
    ok = store.sign_in("wang", PW)
    assert ok.outcome is SignInOutcome.OK and ok.account is not None
    assert ok.account.failed_signins == 0 and ok.account.last_signin_at == store.now()
    assert store.sign_in("ghost", PW).outcome is SignInOutcome.WRONG


def test_five_wrong_passwords_lock_for_fifteen_minutes_across_a_restart(
    open_store: Callable[[], StaffStore], clock: Clock
) -> None:
    store = open_store()
    store.add("wang", Role.STAFF, PW)
    outcomes = [store.sign_in("wang", "wrong-wrong").outcome for _ in range(5)]
    assert outcomes == [SignInOutcome.WRONG] * 4 + [SignInOutcome.LOCKED]
    store.close()

    restarted = open_store()
    clock.advance(minutes=14, seconds=59)
    locked = restarted.sign_in("wang", PW)
    assert locked.outcome is SignInOutcome.LOCKED
    assert locked.locked_until == clock.at + timedelta(seconds=1)
    clock.advance(seconds=1)
    assert restarted.sign_in("wang", PW).outcome is SignInOutcome.OK


def test_a_lock_ends_the_accounts_sessions_and_a_new_password_lifts_it(
    store: StaffStore,
) -> None:
    store.add("wang", Role.STAFF, PW)
    token, _ = store.open_session("wang", "10.0.0.5")
    for _ in range(5):
        store.sign_in("wang", "wrong-wrong")
    assert store.session(token) is None
    store.set_password("wang", "another-password")
    assert store.sign_in("wang", "another-password").outcome is SignInOutcome.OK


def test_a_session_ends_when_idle_and_lives_while_used(store: StaffStore, clock: Clock) -> None:
    store.add("wang", Role.STAFF, PW)
    token, opened = store.open_session("wang", "10.0.0.5")
    assert opened.client == "10.0.0.5" and len(opened.csrf_token) >= 40
    for _ in range(6):  # used every 10 minutes for an hour: still alive
        clock.advance(minutes=10)
        session = store.session(token)
        assert session is not None and session.csrf_token == opened.csrf_token
    clock.advance(minutes=15, seconds=1)
    assert store.session(token) is None
    assert store.session(token) is None  # and gone for good


def test_a_session_ends_at_its_maximum_age_however_busy(store: StaffStore, clock: Clock) -> None:
    store.add("wang", Role.STAFF, PW)
    token, _ = store.open_session("wang", "10.0.0.5")
    for _ in range(12 * 6):
        clock.advance(minutes=10)
        store.session(token)
    clock.advance(minutes=1)
    assert store.session(token) is None


def test_disabling_an_account_ends_its_sessions_and_sign_ins(store: StaffStore) -> None:
    store.add("wang", Role.STAFF, PW)
    token, _ = store.open_session("wang", "10.0.0.5")
    store.set_enabled("wang", False)
    assert store.session(token) is None
    assert store.sign_in("wang", PW).outcome is SignInOutcome.DISABLED
    store.set_enabled("wang", True)
    assert store.sign_in("wang", PW).outcome is SignInOutcome.OK
    with pytest.raises(UnknownAccount):
        store.set_enabled("ghost", False)


def test_the_cookie_token_is_not_stored_and_unknown_tokens_find_nothing(
    store: StaffStore,
) -> None:
    store.add("wang", Role.STAFF, PW)
    token, _ = store.open_session("wang", "10.0.0.5")
    files = [store.db.path, store.db.path.with_name(store.db.path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    assert token.encode() not in raw
    assert hashlib.sha256(token.encode()).hexdigest().encode() in raw
    assert store.session("not-a-token") is None
    assert store.session("") is None and store.session(None) is None


def test_a_secret_is_made_once_and_shared(
    open_store: Callable[[], StaffStore], store: StaffStore
) -> None:
    key = store.secret("form")
    assert len(key) == 32 and open_store().secret("form") == key
    assert store.secret("other") != key
