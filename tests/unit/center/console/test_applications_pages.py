"""The applications pages on the center's application store: the queue, a masked detail
with its photo for staff only, every view audited, and the actions."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import pytest

from center.applications.store import ApplicationStore, open_center_applications
from center.staff.audit import AuditQuery, open_audit_log
from kiosk.application.model import ApplicationSubmission
from tests.unit.center.applications.conftest import submission
from tests.unit.center.console.conftest import Served


@pytest.fixture
def store(served: Served) -> Iterator[ApplicationStore]:
    """The center's application store, opened beside the running center."""
    opened = open_center_applications(served.data_dir)
    yield opened
    opened.close()


def _submit(store: ApplicationStore, seed: int) -> tuple[str, ApplicationSubmission]:
    app = submission(seed)
    stored = store.submit(
        app.fields(),
        app.photo_jpeg,
        terminal="kiosk-t1",
        idempotency_key=uuid.uuid4().hex,
        submitted_at=app.submitted_at,
    )
    return stored.application_no, app


def _audit(served: Served, action: str) -> list[str]:
    log = open_audit_log(served.data_dir)
    try:
        return [e.subject for e in log.search(AuditQuery(action=action))[0]]
    finally:
        log.close()


def test_the_queue_lists_applications_masked_and_filters_them(
    served: Served, store: ApplicationStore
) -> None:
    number, app = _submit(store, 31)
    desk = served.client("desk")
    page = desk.get("/console/applications").text
    assert number in page and app.name not in page and app.id_number not in page
    assert number in desk.get("/console/applications", params={"status": "submitted"}).text
    assert number not in desk.get("/console/applications", params={"status": "ready"}).text
    assert number in desk.get("/console/applications", params={"q": number[-6:]}).text


def test_the_detail_is_masked_its_photo_for_staff_only_and_each_view_audited(
    served: Served, store: ApplicationStore
) -> None:
    number, app = _submit(store, 32)
    desk = served.client("desk")
    page = desk.get(f"/console/applications/{number}")
    assert page.status_code == 200
    assert app.id_number not in page.text and app.mobile not in page.text
    assert app.id_number[-4:] in page.text
    photo = desk.get(f"/console/applications/{number}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(photo.content).digest() == hashlib.sha256(app.photo_jpeg).digest()
    assert served.client("op").get(f"/console/applications/{number}/photo").status_code == 403
    assert served.client("audit").get(f"/console/applications/{number}").status_code == 403
    full = desk.form(f"/console/applications/{number}", f"/console/applications/{number}/unmask")
    assert full.status_code == 200 and app.id_number in full.text
    assert number in _audit(served, "view.application")
    assert number in _audit(served, "view.application_photo")
    assert number in _audit(served, "view.application_unmasked")
    trail = [(e.account, e.action) for e in store.audit_trail(number)]
    assert ("desk", "view_photo") in trail and ("desk", "view_unmasked") in trail


def test_accept_produce_ready_collected_and_a_return_with_its_reason(
    served: Served, store: ApplicationStore
) -> None:
    desk = served.client("desk")
    number, _ = _submit(store, 33)
    page = f"/console/applications/{number}"
    act = f"/console/applications/{number}/act"
    for action, place in (
        ("accept", ""),
        ("produce", ""),
        ("ready", "户籍窗口 3 号"),
        ("collected", ""),
    ):
        answer = desk.form(page, act, {"action": action, "place": place})
        assert answer.headers["location"] == f"{page}?done={action}", action
    assert store.show(number).status == "collected"
    again = desk.form(page, act, {"action": "accept"})
    assert again.status_code == 409 and "不能这样办理" in again.text

    returned, _ = _submit(store, 34)
    page = f"/console/applications/{returned}"
    act = f"/console/applications/{returned}/act"
    no_reason = desk.form(page, act, {"action": "return"})
    assert no_reason.status_code == 422 and store.show(returned).status == "submitted"
    assert desk.post(act, {"action": "return", "reason": "x"}).status_code == 403  # no token
    done = desk.form(page, act, {"action": "return", "reason": "照片不合格，请重新拍摄"})
    assert done.status_code == 303
    detail = store.show(returned)
    assert detail.status == "returned" and detail.reason == "照片不合格，请重新拍摄"
    assert returned in _audit(served, "application.return")
