"""The center's application store: personal fields and photo sealed at rest (nothing readable
in the database file, its WAL or anywhere in the data directory; the key apart and private),
the photo read back bit-exact, idempotency per terminal and key, the staff's transitions
checked and audited with who and when, and the personal data deleted ``retention_days``
after an application is final, on an injected clock.

What does not look at files runs on both engines (``center_data``: SQLite files, then a
PostgreSQL database that ``$CENTER_DATABASE_URL`` names, as a deployment's would); so do the
tests of several processes on one store: concurrent repeats of one submission make one
application, and two servers' staff cannot both move one application from one status."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from center.applications.store import (
    ApplicationKeyReused,
    ApplicationStore,
    ApplicationUnknown,
    TransitionRefused,
    applications_file,
    applications_key_file,
    load_applications_config,
    open_center_applications,
)
from kiosk.application.model import ApplicationSubmission
from kiosk.framework.clock import FakeClock
from kiosk.framework.masking import mask_id_number, mask_name
from kiosk.platform.service_errors import StoreError
from tests.unit.center.applications.conftest import (
    NOW,
    by_post,
    leaked,
    secrets_of,
    submission,
)

DAY = 86400.0


@pytest.fixture
def data_dir(center_data: tuple[Path, Any]) -> Path:
    """A center data directory whose ``[database]`` is SQLite files, then PostgreSQL."""
    return center_data[0]


def put(
    store: ApplicationStore, app: ApplicationSubmission, key: str, terminal: str = "kiosk-01"
) -> str:
    stored = store.submit(
        app.fields(),
        app.photo_jpeg,
        terminal=terminal,
        idempotency_key=key,
        submitted_at=app.submitted_at,
    )
    return stored.application_no


def token_of(store: ApplicationStore, app: ApplicationSubmission, key: str) -> str:
    """The status token (a replay of the same submission answers it)."""
    stored = store.submit(
        app.fields(),
        app.photo_jpeg,
        terminal="kiosk-01",
        idempotency_key=key,
        submitted_at=app.submitted_at,
    )
    assert stored.replayed
    return stored.status_token


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_personal_fields_and_photo_are_sealed_at_rest(tmp_path: Path) -> None:
    store = open_center_applications(tmp_path, FakeClock(NOW))
    app = by_post(submission(1))
    number = put(store, app, "key-00001")
    assert store.photo(number, account="staff-a") == app.photo_jpeg  # bit-exact
    unmasked = store.show(number, unmasked=True, account="staff-a").personal
    assert unmasked["id_number"] == app.id_number and unmasked["post_address"] == app.post_address
    assert leaked(tmp_path, app) == []  # database and WAL hold ciphertext only
    store.close()
    assert leaked(tmp_path, app) == []
    key = applications_key_file(tmp_path)
    assert key.parent != applications_file(tmp_path).parent  # a copied folder has no key
    assert (mode(key), mode(key.parent)) == (0o600, 0o700)
    db = applications_file(tmp_path)
    assert (mode(db), mode(db.parent)) == (0o600, 0o700)
    again = open_center_applications(tmp_path, FakeClock(NOW))  # the same key next start
    assert again.photo(number, account="staff-a") == app.photo_jpeg
    again.close()


def test_another_key_cannot_read_them(tmp_path: Path) -> None:
    store = open_center_applications(tmp_path / "center", FakeClock(NOW))
    number = put(store, submission(2), "key-00002")
    store.close()
    shutil.copytree(tmp_path / "center" / "applications", tmp_path / "copy")
    thief = ApplicationStore(tmp_path / "copy" / "applications.sqlite3", tmp_path / "other.key")
    with pytest.raises(StoreError):
        thief.photo(number, account="thief")
    with pytest.raises(StoreError):
        thief.show(number)
    thief.close()


def test_a_damaged_photo_is_not_served(tmp_path: Path) -> None:
    store = open_center_applications(tmp_path, FakeClock(NOW))
    number = put(store, submission(3), "key-00003")
    store.close()
    with sqlite3.connect(applications_file(tmp_path)) as db:
        db.execute("UPDATE applications SET photo_sha256 = ?", ("0" * 64,))
    db.close()
    store = open_center_applications(tmp_path, FakeClock(NOW))
    with pytest.raises(StoreError):
        store.photo(number, account="staff-a")
    store.close()


def test_submissions_are_idempotent_per_terminal_and_key(data_dir: Path) -> None:
    store = open_center_applications(data_dir, FakeClock(NOW))
    app = submission(4)
    first = store.submit(
        app.fields(), app.photo_jpeg, terminal="kiosk-01", idempotency_key="key-4",
        submitted_at=app.submitted_at,
    )  # fmt: skip
    again = store.submit(
        app.fields(), app.photo_jpeg, terminal="kiosk-01", idempotency_key="key-4",
        submitted_at=app.submitted_at,
    )  # fmt: skip
    assert (first.replayed, again.replayed) == (False, True)
    assert (again.application_no, again.status_token, again.status) == (
        first.application_no,
        first.status_token,
        "submitted",
    )
    assert len(first.status_token) >= 22 and store.count() == 1
    with pytest.raises(ApplicationKeyReused):  # another photo
        put(store, submission(4, photo_jpeg=submission(5).photo_jpeg), "key-4")
    with pytest.raises(ApplicationKeyReused):  # another mobile
        put(store, submission(4, mobile="13912345678"), "key-4")
    assert store.count() == 1
    other = put(store, app, "key-4", terminal="kiosk-02")  # keys belong to their terminal
    assert other != first.application_no and store.count() == 2
    assert first.application_no.startswith("SQ20261202-")
    assert store.numbers_by_key()[("kiosk-01", "key-4")] == [first.application_no]
    store.close()


def test_the_status_answers_the_token_only_and_masked(data_dir: Path) -> None:
    store = open_center_applications(data_dir, FakeClock(NOW))
    app = submission(6)
    number = put(store, app, "key-00006")
    token = token_of(store, app, "key-00006")
    status = store.status(number, token)
    assert status is not None
    assert (status.status, status.reason, status.business, status.pickup) == (
        "submitted",
        "",
        "renew_expired",
        "window",
    )
    assert status.name_masked == mask_name(app.name) and app.name not in status.name_masked
    assert status.id_masked == mask_id_number(app.id_number)
    assert store.status(number, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.status(number, "") is None
    assert store.status("SQ20261202-AAAAAA", token) is None
    store.close()


def test_staff_moves_an_application_along_and_every_step_is_audited(data_dir: Path) -> None:
    clock = FakeClock(NOW)
    store = open_center_applications(data_dir, clock)
    app = submission(7)
    number = put(store, app, "key-00007")
    token = token_of(store, app, "key-00007")
    with pytest.raises(TransitionRefused):
        store.collected(number, account="staff-a")  # collected only after ready
    with pytest.raises(TransitionRefused):
        store.produce(number, account="staff-a")  # production only after acceptance
    clock.advance(60)
    assert store.accept(number, account="staff-a").status == "accepted"
    clock.advance(60)
    assert store.produce(number, account="staff-b").status == "in_production"
    with pytest.raises(TransitionRefused):
        store.return_(number, reason="照片不合格", account="staff-b")  # not after production
    clock.advance(60)
    ready = store.ready(number, account="staff-c", place="3号窗口")
    assert (ready.status, ready.pickup_place) == ("ready", "3号窗口")
    clock.advance(60)
    assert store.collected(number, account="staff-a").status == "collected"
    status = store.status(number, token)
    assert status is not None and (status.status, status.pickup_place) == ("collected", "3号窗口")
    assert status.updated_at == (clock.now().astimezone(UTC)).isoformat()
    detail = store.show(number)
    assert detail.final_at == clock.now().astimezone(UTC)
    trail = store.audit_trail(number)
    assert [(e.action, e.account) for e in trail] == [
        ("accept", "staff-a"),
        ("produce", "staff-b"),
        ("ready", "staff-c"),
        ("collected", "staff-a"),
    ]
    start = NOW.astimezone(UTC)
    assert [e.at for e in trail] == [start + timedelta(seconds=s) for s in (60, 120, 180, 240)]
    assert trail[2].detail == "3号窗口"
    with pytest.raises(ApplicationUnknown):
        store.accept("SQ20261202-AAAAAA", account="staff-a")
    with pytest.raises(ValueError):
        store.accept(number, account=" ")  # no action without an account
    store.close()


def test_a_returned_application_carries_its_reason(data_dir: Path) -> None:
    store = open_center_applications(data_dir, FakeClock(NOW))
    app = submission(8)
    number = put(store, app, "key-00008")
    with pytest.raises(TransitionRefused):
        store.return_(number, reason="  ", account="staff-a")  # a reason is needed
    store.accept(number, account="staff-a")
    returned = store.return_(number, reason="照片背景不符合要求，请重新拍照", account="staff-a")
    assert (returned.status, returned.reason) == ("returned", "照片背景不符合要求，请重新拍照")
    with pytest.raises(TransitionRefused):
        store.accept(number, account="staff-a")  # final
    assert store.audit_trail(number)[-1].detail == "照片背景不符合要求，请重新拍照"
    assert store.show(number).final_at is not None
    store.close()


def test_reads_in_clear_are_audited_and_listing_is_masked(data_dir: Path) -> None:
    store = open_center_applications(data_dir, FakeClock(NOW))
    app = by_post(submission(9))
    number = put(store, app, "key-00009")
    masked = store.show(number).personal
    assert masked["id_number"] == mask_id_number(app.id_number)
    assert masked["mobile"] == "138****0009" and masked["birth_date"] == "1989-**-**"
    assert app.post_address not in masked["post_address"]
    assert store.audit_trail(number) == []  # a masked read is not an event
    store.show(number, unmasked=True, account="staff-a")
    store.photo(number, account="staff-b")
    assert [(e.action, e.account) for e in store.audit_trail(number)] == [
        ("view_unmasked", "staff-a"),
        ("view_photo", "staff-b"),
    ]
    with pytest.raises(ValueError):
        store.show(number, unmasked=True)  # whoever reads in clear is named
    (row,) = store.list_applications()
    assert (row.application_no, row.status, row.name_masked) == (number, "submitted", "赵*")
    assert store.list_applications("accepted") == []
    store.close()


def test_personal_data_goes_retention_days_after_the_application_is_final(
    tmp_path: Path,
) -> None:
    clock = FakeClock(NOW)
    store = open_center_applications(tmp_path, clock)
    assert store.retention.days == 30
    done, waiting = submission(10), submission(11)
    n_done = put(store, done, "key-done")
    n_waiting = put(store, waiting, "key-waiting")
    token = token_of(store, done, "key-done")
    for action in ("accept", "produce", "ready", "collected"):
        store.act(n_done, action, account="staff-a")
    with sqlite3.connect(applications_file(tmp_path)) as db:
        (sealed_photo,) = db.execute(
            "SELECT photo_sealed FROM applications WHERE application_no = ?", (n_done,)
        ).fetchone()
    db.close()

    clock.advance(29 * DAY)
    assert store.purge() == 0 and store.photo(n_done, account="staff-a") == done.photo_jpeg
    clock.advance(1 * DAY + 1)  # final 30 days and a second ago
    assert store.photo(n_done, account="staff-a") is None  # never served, even before a purge
    assert store.show(n_done).personal == {} and store.show(n_done).purged
    assert store.purge() == 1 and store.purge() == 0
    after = store.status(n_done, token)  # the receipt still shows the status
    assert after is not None and after.status == "collected"
    assert (after.name_masked, after.id_masked) == ("", "")
    # what is not final is kept, however old
    assert store.photo(n_waiting, account="staff-a") == waiting.photo_jpeg
    assert store.show(n_waiting, unmasked=True, account="a").personal["name"] == waiting.name
    store.close()
    assert leaked(tmp_path, done) == []
    for f in tmp_path.rglob("*"):  # the sealed photo is gone, not just unlinked
        assert not f.is_file() or bytes(sealed_photo) not in f.read_bytes(), f
    assert [e.action for e in open_center_applications(tmp_path, clock).audit_trail(n_done)][
        -1
    ] == "purge"


def test_a_replay_after_the_purge_is_refused_not_made_again(data_dir: Path) -> None:
    clock = FakeClock(NOW)
    store = open_center_applications(data_dir, clock)
    app = submission(12)
    number = put(store, app, "key-00012")
    store.return_(number, reason="请到窗口办理", account="staff-a")
    clock.advance(31 * DAY)
    with pytest.raises(ApplicationKeyReused):  # the write purges first
        put(store, app, "key-00012")
    assert store.count() == 1
    store.close()


def test_opening_the_store_purges_and_the_retention_is_configurable(data_dir: Path) -> None:
    (data_dir / "applications.toml").write_text("[applications]\nretention_days = 7\n")
    assert load_applications_config(data_dir).retention_days == 7
    clock = FakeClock(NOW)
    store = open_center_applications(data_dir, clock)
    number = put(store, submission(13), "key-00013")
    store.return_(number, reason="资料不全", account="staff-a")
    store.close()
    clock.advance(7 * DAY + 1)
    store = open_center_applications(data_dir, clock)
    assert store.show(number).purged and store.show(number).status == "returned"
    store.close()
    (data_dir / "applications.toml").write_text("[applications]\nretention_days = 0\n")
    with pytest.raises(ValidationError):
        load_applications_config(data_dir)


def test_nothing_personal_is_stored_in_clear_on_either_engine(data_dir: Path) -> None:
    store = open_center_applications(data_dir, FakeClock(NOW))
    app = by_post(submission(14))
    number = put(store, app, "key-00014")
    store.show(number, unmasked=True, account="staff-a")  # audited, nothing personal in it
    with store.db.read() as c:
        cells = [
            *c.execute("SELECT * FROM applications WHERE application_no = ?", (number,)).fetchone(),
            *(v for row in c.execute("SELECT * FROM audit").fetchall() for v in row),
        ]
    stored = [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in cells]
    assert [n for n in secrets_of(app) if any(n in cell for cell in stored)] == []
    assert store.photo(number, account="staff-a") == app.photo_jpeg
    store.close()


def test_concurrent_repeats_of_one_submission_make_one_application(data_dir: Path) -> None:
    """Eight workers (an impatient kiosk's retries reaching several app servers) send one
    application under one key at once: one application, the same answer for all."""
    stores = [open_center_applications(data_dir, FakeClock(NOW)) for _ in range(2)]
    app = submission(15)
    start = threading.Barrier(8)

    def send(i: int) -> tuple[str, str]:
        start.wait(timeout=30)
        stored = stores[i % 2].submit(
            app.fields(),
            app.photo_jpeg,
            terminal="kiosk-01",
            idempotency_key="key-concurrent",
            submitted_at=app.submitted_at,
        )
        return stored.application_no, stored.status_token

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = set(pool.map(send, range(8)))
        assert len(answers) == 1
        ((number, _token),) = answers
        assert stores[0].numbers_by_key() == {("kiosk-01", "key-concurrent"): [number]}
        assert stores[1].count() == 1
    finally:
        for store in stores:
            store.close()


def test_two_servers_cannot_both_move_one_application(data_dir: Path) -> None:
    """Staff on two app servers accept the same application at the same moment, eight times
    over: one acceptance stands, the others are refused, one audit row."""
    stores = [open_center_applications(data_dir, FakeClock(NOW)) for _ in range(2)]
    try:
        number = put(stores[0], submission(16), "key-00016")
        start = threading.Barrier(8)

        def accept(i: int) -> str:
            start.wait(timeout=30)
            try:
                return stores[i % 2].accept(number, account=f"staff-{i}").status
            except TransitionRefused:
                return "refused"

        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = sorted(pool.map(accept, range(8)))
        assert outcomes == ["accepted"] + ["refused"] * 7
        assert [e.action for e in stores[1].audit_trail(number)] == ["accept"]
        assert stores[1].show(number).status == "accepted"
    finally:
        for store in stores:
            store.close()
