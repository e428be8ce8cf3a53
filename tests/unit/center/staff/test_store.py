"""Accounts, the lockout (kept across restarts, counted across app servers) and server-side
sessions (idle expiry, valid on every app server), on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import stat
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from center.staff.model import Role
from center.staff.store import AccountExists, SignInOutcome, StaffStore, UnknownAccount
from tests.unit.center.staff.conftest import Clock

PW = "a-long-password"


def stored_bytes(store: StaffStore) -> bytes:
    """Everything the store keeps: its file and WAL on SQLite (and they are 0600), every
    cell of its tables on PostgreSQL."""
    if store.db.dialect == "sqlite":
        path = store.db.path  # type: ignore[attr-defined]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        files = [path, path.with_name(path.name + "-wal")]  # WAL: rows may be there
        return b"".join(f.read_bytes() for f in files if f.exists())
    with store.db.read() as c:
        rows = [
            r for t in ("accounts", "sessions", "secrets") for r in c.execute(f"SELECT * FROM {t}")
        ]
    return b"\n".join(str(v).encode() for row in rows for v in row)


def test_an_account_keeps_only_an_argon2id_hash(store: StaffStore) -> None:
    store.add("wang", Role.STAFF, PW)
    raw = stored_bytes(store)
    assert PW.encode() not in raw and b"$argon2id$" in raw
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
    raw = stored_bytes(store)
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


def test_a_session_opened_on_one_server_is_valid_on_another(
    open_store: Callable[[], StaffStore], clock: Clock
) -> None:
    one, two = open_store(), open_store()  # two app servers on one database
    one.add("wang", Role.STAFF, PW)
    token, opened = one.open_session("wang", "10.0.0.5")
    seen = two.session(token)
    assert seen is not None and seen.csrf_token == opened.csrf_token
    clock.advance(minutes=10)
    assert two.session(token) is not None  # used on the second: its last use is noted there
    clock.advance(minutes=10)
    assert one.session(token) is not None  # so the first does not find it idle
    two.end_session(token)
    assert one.session(token) is None


def test_wrong_passwords_on_several_servers_at_once_count_towards_one_lockout(
    open_store: Callable[[], StaffStore],
) -> None:
    """Ten wrong passwords at the same moment, half on each of two servers: four are
    answered "wrong", the fifth locks the account, the rest find it locked; the right
    password then fails on both."""
    stores = [open_store(), open_store()]
    stores[0].add("wang", Role.STAFF, PW)
    token, _ = stores[1].open_session("wang", "10.0.0.5")
    start = threading.Barrier(10)

    def wrong(i: int) -> SignInOutcome:
        start.wait(timeout=30)
        return stores[i % 2].sign_in("wang", "wrong-wrong").outcome

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(wrong, range(10)))
    assert outcomes.count(SignInOutcome.WRONG) == 4
    assert outcomes.count(SignInOutcome.LOCKED) == 6
    assert [s.sign_in("wang", PW).outcome for s in stores] == [SignInOutcome.LOCKED] * 2
    assert stores[0].session(token) is None  # the lock ended the session opened on the other
