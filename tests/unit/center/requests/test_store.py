"""The center's request store, on both engines where it does not look at files: submissions
idempotent per terminal and key, the staff's transitions checked and audited with who and
when, response times against the category's promise (overdue, late, time to the first
response), the resident's one rating, the daily report, and the personal data deleted
``retention_days`` after a request is finished, on an injected clock.

On SQLite, what is on disk: nothing of a description, a mobile number or a photo readable in
the database file, its WAL or anywhere in the data directory; the key apart and private; the
sealed bytes themselves gone from the file after a purge; another key refused."""

from __future__ import annotations

import sqlite3
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from center.requests.store import (
    AlreadyRated,
    NotRateable,
    RequestKeyReused,
    RequestStore,
    RequestUnknown,
    TransitionRefused,
    load_requests_config,
    open_center_requests,
    requests_file,
    requests_key_file,
)
from kiosk.framework.clock import FakeClock
from kiosk.platform.service_errors import StoreError
from kiosk.requests.model import RequestSubmission
from tests.support.postgres import ENGINES, engine_on
from tests.unit.center.requests.conftest import NOW, bare, leaked, submission

HOUR = 3600.0
DAY = 24 * HOUR


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The center's database engine: SQLite files, then a fresh PostgreSQL database."""
    with engine_on(request.param, tmp_path / "db", request) as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(engine: Any, tmp_path: Path, clock: FakeClock) -> Iterator[RequestStore]:
    opened = open_center_requests(tmp_path, clock, engine=engine)
    yield opened
    opened.close()


@pytest.fixture
def file_store(tmp_path: Path, clock: FakeClock) -> Iterator[RequestStore]:
    """The store in its own SQLite file in the data directory (the one-machine center)."""
    opened = open_center_requests(tmp_path, clock)
    yield opened
    opened.close()


def put(
    store: RequestStore,
    request: RequestSubmission,
    key: str = "key-00000001",
    terminal: str = "kiosk-01",
) -> tuple[str, str]:
    """Submits; answers (code, status token)."""
    stored = store.submit(
        request.fields(),
        request.photo_jpeg,
        terminal=terminal,
        idempotency_key=key,
        submitted_at=request.submitted_at,
    )
    return stored.code, stored.status_token


def test_a_submission_is_idempotent_per_terminal_and_key(store: RequestStore) -> None:
    request = submission(1)
    first = store.submit(
        request.fields(),
        request.photo_jpeg,
        terminal="kiosk-01",
        idempotency_key="key-00000001",
        submitted_at=request.submitted_at,
    )
    assert not first.replayed and (first.status, first.promised_hours) == ("received", 48)
    assert first.respond_by == request.submitted_at + timedelta(hours=48)
    again = store.submit(
        request.fields(),
        request.photo_jpeg,
        terminal="kiosk-01",
        idempotency_key="key-00000001",
        submitted_at=request.submitted_at,
    )
    assert again.replayed and (again.code, again.status_token) == (first.code, first.status_token)
    with pytest.raises(RequestKeyReused):
        put(store, submission(1, description="另一件事"))
    with pytest.raises(RequestKeyReused):
        put(store, bare(request))
    other_terminal, _ = put(store, request, terminal="kiosk-02")  # keys are per terminal
    assert other_terminal != first.code
    assert store.count() == 2
    assert store.codes_by_key()[("kiosk-01", "key-00000001")] == [first.code]


def test_the_staff_move_a_request_and_every_move_is_audited(
    store: RequestStore, clock: FakeClock
) -> None:
    code, token = put(store, submission(2))
    clock.advance(HOUR)
    assert store.assign(code, department="物业维修班", account="wang").status == "assigned"
    clock.advance(HOUR)
    assert store.assign(code, department="电梯维保公司", account="wang").department == (
        "电梯维保公司"
    )
    assert store.update(code, note="已联系维保公司", account="li").status == "in_progress"
    assert store.update(code, note="配件明天到", account="li").status == "in_progress"
    done = store.resolve(code, result="已更换控制板", account="li")
    assert (done.status, done.result) == ("done", "已更换控制板")
    for action, kw in (
        ("assign", {"department": "X"}),
        ("update", {"text": "x"}),
        ("done", {"text": "x"}),
        ("close", {"text": "x"}),
    ):
        with pytest.raises(TransitionRefused):
            store.act(code, action, account="wang", **kw)
    trail = [(e.account, e.action, e.detail) for e in store.audit_trail(code)]
    assert trail == [
        ("wang", "assign", "物业维修班"),
        ("wang", "assign", "电梯维保公司"),
        ("li", "update", "已联系维保公司"),
        ("li", "update", "配件明天到"),
        ("li", "done", "已更换控制板"),
    ]
    times = [e.at for e in store.audit_trail(code)]
    assert times[0] == NOW.astimezone(UTC) + timedelta(hours=1)
    assert times[1:] == [NOW.astimezone(UTC) + timedelta(hours=2)] * 4
    status = store.status(code, token)
    assert status is not None
    assert [s.status for s in status.steps] == [
        "received",
        "assigned",
        "assigned",
        "in_progress",
        "in_progress",
        "done",
    ]
    assert {s.text for s in status.steps}.isdisjoint({"wang", "li"})  # no staff names


def test_a_close_needs_a_reason_and_actions_need_an_account(store: RequestStore) -> None:
    code, token = put(store, submission(3, category="neighbours"))
    with pytest.raises(TransitionRefused):
        store.close_request(code, reason="  ", account="wang")
    with pytest.raises(TransitionRefused):
        store.assign(code, department="", account="wang")
    with pytest.raises(TransitionRefused):
        store.update(code, note="长" * 201, account="wang")
    with pytest.raises(ValueError, match="account"):
        store.assign(code, department="调解委员会", account=" ")
    with pytest.raises(ValueError, match="unknown action"):
        store.act(code, "reopen", account="wang")
    with pytest.raises(RequestUnknown):
        store.assign("RQ20261202-AAAAAA", department="调解委员会", account="wang")
    closed = store.close_request(code, reason="双方已自行和解", account="zhao")
    assert (closed.status, closed.result, closed.department) == (
        "closed",
        "双方已自行和解",
        "人民调解委员会",
    )
    assert store.audit_trail(code)[-1].action == "close"
    assert store.status(code, token) == closed


def test_response_times_are_tracked_against_the_promise(
    store: RequestStore, clock: FakeClock
) -> None:
    on_time, _ = put(store, submission(4, category="safety"), key="key-on-time")
    late, late_token = put(store, submission(5, category="safety"), key="key-late")
    waiting, _ = put(store, submission(6, category="repairs"), key="key-waiting")
    clock.advance(3 * HOUR)
    store.assign(on_time, department="社区网格员", account="wang")
    assert store.list_requests(overdue=True) == []
    clock.advance(2 * HOUR)  # 5 h: the safety promise (4 h) is broken
    assert [r.code for r in store.list_requests(overdue=True)] == [late]
    late_status = store.status(late, late_token)
    assert late_status is not None and late_status.overdue
    store.update(late, note="已派人查看", account="wang")
    assert store.list_requests(overdue=True) == []
    detail = store.show(late)
    assert (detail.overdue, detail.late, detail.response_hours) == (False, True, 5.0)
    on_time_detail = store.show(on_time)
    assert (on_time_detail.late, on_time_detail.response_hours) == (False, 3.0)
    clock.advance(44 * HOUR)  # 49 h: the repairs promise (48 h) is broken too
    overdue = store.list_requests(overdue=True)
    assert [r.code for r in overdue] == [waiting] and overdue[0].overdue
    assert store.show(waiting).response_hours is None
    assert [r.code for r in store.list_requests(overdue=True, category="safety")] == []
    assert {r.code for r in store.list_requests(status="received")} == {waiting}
    assert {r.code for r in store.list_requests(department="社区网格员")} == {on_time, late}


def test_a_submission_delivered_late_counts_from_when_it_was_made(
    store: RequestStore, clock: FakeClock
) -> None:
    """The outbox handed it over a day late: the promise still runs from the resident's
    submission (so it is overdue on arrival); a kiosk clock ahead of the center's does not
    push the promise out."""
    clock.advance(DAY)
    queued, _ = put(store, submission(7, category="safety"), key="key-queued")
    assert store.show(queued).overdue
    ahead, _ = put(
        store,
        submission(8, category="safety", at=NOW + timedelta(days=1, hours=3)),
        key="key-ahead",
    )
    assert store.show(ahead).respond_by == (NOW + timedelta(days=1, hours=4)).astimezone(UTC)


def test_a_resident_rates_a_finished_request_once(store: RequestStore) -> None:
    code, token = put(store, submission(9))
    with pytest.raises(NotRateable):
        store.rate(code, token, True, terminal="kiosk-07")
    store.resolve(code, result="已修复", account="li")
    with pytest.raises(RequestUnknown):
        store.rate(code, "A" * 22, True, terminal="kiosk-07")
    rated = store.rate(code, token, False, terminal="kiosk-07")
    assert rated.satisfied is False
    assert store.rate(code, token, False, terminal="kiosk-08") == rated
    with pytest.raises(AlreadyRated):
        store.rate(code, token, True, terminal="kiosk-07")
    ratings = [(e.account, e.detail) for e in store.audit_trail(code) if e.action == "rate"]
    assert ratings == [("terminal:kiosk-07", "not satisfied")]
    assert store.show(code).satisfied is False


def test_the_detail_is_masked_unless_read_unmasked_which_is_audited(store: RequestStore) -> None:
    request = submission(10)
    code, _ = put(store, request)
    masked = store.show(code)
    assert masked.mobile == "139****0010"
    assert request.mobile not in masked.description
    assert "137****0010" in masked.description  # the number in the words is masked too
    assert masked.description.startswith("10号楼电梯停运两天了")
    assert store.audit_trail(code) == []
    clear = store.show(code, unmasked=True, account="auditor-1")
    assert (clear.description, clear.mobile) == (request.description, request.mobile)
    assert store.photo(code, account="auditor-1") == request.photo_jpeg
    assert [(e.account, e.action) for e in store.audit_trail(code)] == [
        ("auditor-1", "view_unmasked"),
        ("auditor-1", "view_photo"),
    ]
    with pytest.raises(ValueError):
        store.show(code, unmasked=True)
    with pytest.raises(ValueError):
        store.photo(code, account="")
    with pytest.raises(RequestUnknown):
        store.show("RQ20261202-AAAAAA")
    photoless, _ = put(store, bare(submission(11)), key="key-bare")
    assert store.photo(photoless, account="auditor-1") is None
    assert not store.show(photoless).has_photo and store.show(code).has_photo


def test_personal_data_is_deleted_after_the_retention(
    store: RequestStore, clock: FakeClock
) -> None:
    request = submission(12)
    code, token = put(store, request)
    open_code, _ = put(store, submission(13), key="key-open")
    store.resolve(code, result="已修复", account="li")
    clock.advance(29 * DAY)
    assert store.purge() == 0
    assert store.photo(code, account="li") == request.photo_jpeg
    clock.advance(1 * DAY + 1)
    assert store.show(code).purged  # past the retention: never shown, even before a purge
    early = store.status(code, token)
    assert early is not None and early.mobile_masked == ""
    assert store.purge() == 1
    detail = store.show(code, unmasked=True, account="li")
    assert detail.purged and (detail.description, detail.mobile) == ("", "")
    assert not detail.has_photo and store.photo(code, account="li") is None
    assert (detail.status, detail.result, detail.category) == ("done", "已修复", "repairs")
    status = store.status(code, token)  # the receipt still shows what became of it
    assert status is not None and (status.status, status.mobile_masked) == ("done", "")
    with pytest.raises(RequestKeyReused):  # nothing to compare a repeat with any more
        put(store, request)
    assert not store.show(open_code).purged  # an open request is kept, however old
    assert store.show(open_code, unmasked=True, account="li").mobile == "13900000013"
    assert [e.account for e in store.audit_trail(code) if e.action == "purge"] == ["system"]
    assert store.purge() == 0


def test_the_daily_report_counts_by_category_status_and_overdue(
    store: RequestStore, clock: FakeClock
) -> None:
    a, _ = put(store, submission(14, category="safety"), key="key-a")
    b, b_token = put(store, submission(15, category="safety"), key="key-b")
    c, _ = put(store, submission(16, category="repairs"), key="key-c")
    clock.advance(5 * HOUR)  # both safety requests are now overdue
    store.resolve(b, result="已排除隐患", account="li")  # answered, but late
    store.rate(b, b_token, True, terminal="kiosk-01")
    store.close_request(c, reason="重复提交", account="li")
    clock.advance(DAY)
    put(store, submission(17, category="sanitation", at=NOW + timedelta(days=1)), key="key-d")
    report = store.daily_report(NOW.date())
    rows = {(r.category, r.status): (r.count, r.overdue) for r in report.rows}
    assert rows == {
        ("repairs", "closed"): (1, 0),
        ("safety", "done"): (1, 1),
        ("safety", "received"): (1, 1),
    }
    assert (report.received, report.done, report.closed) == (3, 1, 1)
    assert (report.satisfied, report.unsatisfied) == (1, 0)
    assert report.overdue_open == 1 and store.show(a).overdue
    next_day = store.daily_report(NOW.date() + timedelta(days=1))
    assert [(r.category, r.count) for r in next_day.rows] == [("sanitation", 1)]
    assert (next_day.done, next_day.closed) == (0, 0)


# -- on disk (SQLite) ------------------------------------------------------------------


def test_nothing_personal_is_readable_on_disk(file_store: RequestStore, tmp_path: Path) -> None:
    requests = [submission(20), submission(21, category="safety"), bare(submission(22))]
    for i, request in enumerate(requests):
        put(file_store, request, key=f"key-disk-{i}")
    for request in requests:
        assert leaked(tmp_path, request) == []
    db = requests_file(tmp_path)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    key = requests_key_file(tmp_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.parent != db.parent


def test_a_purge_leaves_not_even_the_sealed_bytes(
    file_store: RequestStore, clock: FakeClock, tmp_path: Path
) -> None:
    code, _ = put(file_store, submission(23))
    file_store.resolve(code, result="已修复", account="li")
    with sqlite3.connect(requests_file(tmp_path)) as raw:
        personal, photo = raw.execute(
            "SELECT personal_sealed, photo_sealed FROM requests WHERE code = ?", (code,)
        ).fetchone()
    raw.close()
    clock.advance(31 * DAY)
    assert file_store.purge() == 1
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    for sealed in (bytes(personal), bytes(photo)):
        middle = sealed[len(sealed) // 2 : len(sealed) // 2 + 64]
        assert not any(middle in p.read_bytes() for p in files)


def test_another_key_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    store = open_center_requests(tmp_path, clock)
    put(store, submission(24))
    store.close()
    key = requests_key_file(tmp_path)
    key.chmod(0o600)
    key.write_bytes(b"k" * 43 + b"=")  # a well-formed Fernet key, not the one in use
    with pytest.raises(StoreError, match=r"requests\.key"):
        open_center_requests(tmp_path, clock)


def test_the_settings_come_from_requests_toml(tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "requests.toml").write_text(
        "[requests]\nretention_days = 7\n\n"
        '[[requests.categories]]\nid = "lift"\nname_zh = "电梯故障"\nname_en = "Lift"\n'
        'department = "电梯维保公司"\nresponse_hours = 12\n\n'
        '[[requests.categories]]\nid = "other"\nname_zh = "其他"\nname_en = "Other"\n'
        'department = "居委会"\nresponse_hours = 24\n',
        encoding="utf-8",
    )
    config = load_requests_config(tmp_path)
    assert config.retention_days == 7 and config.departments() == ["电梯维保公司", "居委会"]
    store = open_center_requests(tmp_path, clock)
    lift = store.submit(
        submission(25, category="lift").fields(),
        None,
        terminal="kiosk-01",
        idempotency_key="key-lift",
        submitted_at=NOW.astimezone(UTC),
    )
    assert (lift.department, lift.promised_hours) == ("电梯维保公司", 12)
    repairs = put(store, submission(26), key="key-repairs")[0]  # not listed here: other's
    assert store.show(repairs).department == "居委会"
    store.resolve(repairs, result="ok", account="li")
    clock.advance(8 * DAY)
    assert store.purge() == 1
    assert store.departments() == ["电梯维保公司", "居委会"]
    store.close()
    (tmp_path / "requests.toml").write_text("[requests]\nretention_days = 0\n")
    with pytest.raises(ValidationError):
        load_requests_config(tmp_path)


def test_a_report_day_is_a_local_calendar_day(file_store: RequestStore) -> None:
    report = file_store.daily_report(date(2026, 12, 2))
    assert report.until - report.since == timedelta(days=1)
    assert report.since.astimezone().hour == 0 and report.rows == ()


def test_concurrent_repeats_of_one_submission_make_one_request(store: RequestStore) -> None:
    """Eight workers (an impatient kiosk's retries, several app servers) send the same
    request under the same key at once: one request, the same answer for all."""
    request = submission(30)
    start = threading.Barrier(8)

    def send() -> tuple[str, str]:
        start.wait(timeout=30)
        return put(store, request, key="key-concurrent")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = set(pool.map(lambda _: send(), range(8)))
    assert len(answers) == 1
    assert store.codes_by_key()[("kiosk-01", "key-concurrent")] == [next(iter(answers))[0]]
