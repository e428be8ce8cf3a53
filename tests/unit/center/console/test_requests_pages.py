"""The resident requests pages on the center's request store (the center as ``center serve``
builds it, on 127.0.0.1): the list with its filters and overdue marks, a masked detail with
its photo for staff only, every view audited, the actions (each CSRF-protected, audited and
idempotent when posted twice), the refusals by role and without a token, and the daily
report."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from center.requests.store import RequestStore, open_center_requests
from center.staff.audit import AuditQuery, open_audit_log
from kiosk.requests.model import RequestSubmission
from tests.unit.center.console.conftest import Served, csrf_of
from tests.unit.center.requests.conftest import submission


@pytest.fixture
def store(served: Served) -> Iterator[RequestStore]:
    """The center's request store, opened beside the running center."""
    opened = open_center_requests(served.data_dir)
    yield opened
    opened.close()


def _submit(
    store: RequestStore, seed: int, *, hours_ago: float = 0.0, **overrides: object
) -> tuple[str, str, RequestSubmission]:
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    request = submission(seed, at=at, **overrides)
    stored = store.submit(
        request.fields(),
        request.photo_jpeg,
        terminal="kiosk-t1",
        idempotency_key=uuid.uuid4().hex,
        submitted_at=request.submitted_at,
    )
    return stored.code, stored.status_token, request


def _audit(served: Served, action: str) -> list[tuple[str, str, str]]:
    log = open_audit_log(served.data_dir)
    try:
        return [(e.subject, e.detail, e.outcome) for e in log.search(AuditQuery(action=action))[0]]
    finally:
        log.close()


def _act(served: Served, code: str, **data: str) -> tuple[int, str]:
    desk = served.client("desk")
    answer = desk.form(f"/console/requests/{code}", f"/console/requests/{code}/act", data)
    return answer.status_code, answer.headers.get("location", "")


def test_the_list_is_masked_filters_and_marks_overdue_requests(
    served: Served, store: RequestStore
) -> None:
    fresh, _, request = _submit(store, 501)
    late, _, _ = _submit(store, 502, hours_ago=24 * 10, category="environment")
    desk = served.client("desk")
    page = desk.get("/console/requests")
    assert page.status_code == 200
    assert fresh in page.text and late in page.text
    assert request.mobile not in page.text and request.description[:8] not in page.text
    overdue = desk.get("/console/requests", params={"overdue": "1"}).text
    assert late in overdue and fresh not in overdue
    assert 'class="tag bad overdue"' in overdue
    repairs = desk.get("/console/requests", params={"category": "repairs"}).text
    assert fresh in repairs and late not in repairs
    done = desk.get("/console/requests", params={"status": "done"}).text
    assert fresh not in done and late not in done
    received = desk.get("/console/requests", params={"status": "received"}).text
    assert fresh in received


def test_the_detail_is_masked_its_photo_for_staff_only_and_each_view_audited(
    served: Served, store: RequestStore
) -> None:
    code, _, request = _submit(store, 503, building="17", unit="3")
    assert request.photo_jpeg is not None
    desk = served.client("desk")
    page = desk.get(f"/console/requests/{code}")
    assert page.status_code == 200
    assert request.mobile not in page.text and request.mobile[-4:] in page.text
    assert "17号楼" not in page.text and "*7号楼" in page.text  # the building hidden
    assert f"/console/requests/{code}/photo" in page.text
    photo = desk.get(f"/console/requests/{code}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(photo.content).digest() == hashlib.sha256(request.photo_jpeg).digest()
    assert served.client("op").get(f"/console/requests/{code}/photo").status_code == 403
    assert served.client("audit").get(f"/console/requests/{code}").status_code == 403
    full = desk.form(f"/console/requests/{code}", f"/console/requests/{code}/unmask")
    assert full.status_code == 200
    assert request.mobile in full.text and request.description in full.text
    assert "17号楼3单元" in full.text
    assert code in [s for s, _, _ in _audit(served, "view.request")]
    assert code in [s for s, _, _ in _audit(served, "view.request_photo")]
    assert code in [s for s, _, _ in _audit(served, "view.request_unmasked")]
    trail = [(e.account, e.action) for e in store.audit_trail(code)]
    assert ("desk", "view_photo") in trail and ("desk", "view_unmasked") in trail


def test_assign_update_done_are_audited_and_a_repeat_changes_nothing(
    served: Served, store: RequestStore
) -> None:
    code, token, _ = _submit(store, 504)
    assert _act(served, code, action="assign", department="街道城管科") == (
        303,
        f"/console/requests/{code}?done=assign",
    )
    assert _act(served, code, action="update", text="已联系物业，明天上门")[0] == 303
    assert _act(served, code, action="done", text="电梯已修复")[0] == 303
    again = _act(served, code, action="done", text="电梯已修复")  # the form sent twice
    assert again == (303, f"/console/requests/{code}?done=done")
    status = store.status(code, token)
    assert status is not None and status.status == "done" and status.result == "电梯已修复"
    assert status.department == "街道城管科"
    actions = [e.action for e in store.audit_trail(code) if e.account == "desk"]
    assert actions.count("done") == 1 and actions.count("assign") == 1
    assert (code, "电梯已修复", "ok") in _audit(served, "request.done")
    assert (code, "电梯已修复", "repeat") in _audit(served, "request.done")
    # after done, closing is refused with a page that says so, and nothing changes
    refused = served.client("desk").form(
        f"/console/requests/{code}",
        f"/console/requests/{code}/act",
        {"action": "close", "text": "重复"},
    )
    assert refused.status_code == 409 and "不能再操作" in refused.text
    assert store.show(code).status == "done"
    assert (code, "invalid_transition", "refused") in _audit(served, "request.close")
    page = served.client("desk").get(f"/console/requests/{code}").text
    assert 'id="act-done"' not in page and "电梯已修复" in page


def test_close_needs_its_reason_and_the_resident_sees_it(
    served: Served, store: RequestStore
) -> None:
    code, token, _ = _submit(store, 505)
    assert _act(served, code, action="close", text="")[0] == 422
    assert store.show(code).status == "received"
    assert _act(served, code, action="close", text="不属于本中心受理范围")[0] == 303
    status = store.status(code, token)
    assert status is not None and status.status == "closed"
    assert status.result == "不属于本中心受理范围"


def test_an_action_without_a_csrf_token_or_by_another_role_is_refused(
    served: Served, store: RequestStore
) -> None:
    code, _, _ = _submit(store, 506)
    desk = served.client("desk")
    no_token = desk.post(f"/console/requests/{code}/act", {"action": "done", "text": "x"})
    assert no_token.status_code == 403
    wrong = desk.post(
        f"/console/requests/{code}/act", {"action": "done", "text": "x", "csrf_token": "nope"}
    )
    assert wrong.status_code == 403
    assert code in [
        s.removeprefix("/console/requests/").split("/")[0]
        for s, _, _ in _audit(served, "csrf.refused")
    ]
    op = served.client("op")
    token = csrf_of(op.get("/console/fleet").text)
    by_operator = op.post(
        f"/console/requests/{code}/act", {"action": "done", "text": "x", "csrf_token": token}
    )
    assert by_operator.status_code == 403
    assert served.client("audit").get("/console/requests").status_code == 403
    assert store.show(code).status == "received"
    assert store.audit_trail(code) == []


def test_the_daily_report_counts_by_category_status_and_overdue(
    served: Served, store: RequestStore
) -> None:
    day = datetime.now().date().isoformat()
    desk = served.client("desk")
    page = desk.get("/console/requests/report", params={"day": day})
    assert page.status_code == 200
    report = store.daily_report(datetime.now().date())
    assert f"<dd>{report.received}</dd>" in page.text
    assert f"{report.overdue_open}</dd>" in page.text
    assert desk.get("/console/requests/report", params={"day": "12/03"}).status_code == 422
    assert day in [s for s, _, _ in _audit(served, "view.requests_report")]


def test_an_unknown_code_is_a_404(served: Served) -> None:
    desk = served.client("desk")
    assert desk.get("/console/requests/RQ20261203-ZZZZZZ").status_code == 404
    assert desk.get("/console/requests/not-a-code").status_code == 404
