"""The request flow walked without Qt: every state in order, the bounds of each entry, the
optional photo (and a face filling it), the optional contact, review and edit, hand-over
(the embedded intake, the sealed outbox, a refusal), the receipt, the status look-up with
the rating, and wiping."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.receipt.document import QRCode, Text
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.framework.i18n import LANGUAGES, has_translation
from kiosk.platform.requests_config import RequestsConfig
from kiosk.requests import status as st
from kiosk.requests.flow import (
    BUILDING_STEP,
    CALLBACK,
    CAPTURING,
    CATEGORY,
    COMPOUND,
    CONTACT,
    DESCRIPTION,
    PHOTO,
    PHOTO_CHECK,
    PHOTO_CONSENT,
    RECEIPT,
    REFUSED,
    REVIEW,
    STEP_COUNT,
    STEPS,
    SUBMITTING,
    UNIT_STEP,
    RequestFlow,
)
from kiosk.requests.local import LocalRequestService
from kiosk.requests.model import RequestSubmission, SubmitReceipt, parse_status_payload
from kiosk.requests.outbox import RequestOutbox
from kiosk.requests.service import RequestServiceError
from kiosk.requests.snapshot import Snapshot, SnapshotError
from kiosk.requests.status import RequestStatusFlow
from tests.support.runners import ManualRunner

JPEG = b"\xff\xd8\xff\xe0a-picture-of-a-broken-lift-button\xff\xd9"
MOBILE = "13812345678"
WORDS = "3号楼2单元电梯坏了三天，老人上下楼很困难。"


def local_time() -> datetime:
    return datetime(2026, 12, 2, 9, 30)


class Camera:
    """Hands out the pictures a test queues (a Snapshot, or an error)."""

    def __init__(self) -> None:
        self.shots: list[Snapshot | Exception] = []
        self.taken = 0

    def __call__(self) -> Snapshot:
        self.taken += 1
        shot = self.shots.pop(0) if self.shots else Snapshot(JPEG, False, (1280, 720))
        if isinstance(shot, Exception):
            raise shot
        return shot


class Unreachable:
    """A center that cannot be reached (or refuses: ``retryable=False``)."""

    def __init__(self, retryable: bool = True) -> None:
        self.retryable = retryable
        self.calls: list[tuple[RequestSubmission, str]] = []

    def submit(self, request: RequestSubmission, idempotency_key: str) -> SubmitReceipt:
        self.calls.append((request, idempotency_key))
        code = "unreachable" if self.retryable else "invalid_query"
        raise RequestServiceError("no", retryable=self.retryable, code=code)


class Outbox:
    def __init__(self) -> None:
        self.items: list[tuple[RequestSubmission, str]] = []

    def put(self, request: RequestSubmission, idempotency_key: str) -> str:
        self.items.append((request, idempotency_key))
        return "0123456789abcdef"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local_time())


@pytest.fixture
def service(tmp_path: Path, clock: FakeClock) -> Iterator[LocalRequestService]:
    s = LocalRequestService(
        tmp_path / "intake.sqlite3", RequestsConfig(), now=lambda: clock.now().astimezone(UTC)
    )
    yield s
    s.close()


def make(
    clock: FakeClock,
    service: object,
    *,
    settings: RequestsConfig | None = None,
    camera: Camera | None = None,
    outbox: object | None = None,
    runner: ManualRunner | None = None,
) -> RequestFlow:
    flow = RequestFlow(
        clock,
        FailsafeMonitor(clock),
        settings=settings or RequestsConfig(),
        service=service,  # type: ignore[arg-type]
        outbox=outbox or Outbox(),  # type: ignore[arg-type]
        terminal_id="T-0001",
        snapshot=camera,
        runner=runner or ManualRunner(),
    )
    flow.start()
    return flow


def to_description(flow: RequestFlow) -> None:
    flow.send("choose", category="repairs")
    assert flow.state == COMPOUND
    flow.send("choose", compound="heping-li")
    assert flow.state == BUILDING_STEP
    flow.send("submit", text="3")
    assert flow.state == UNIT_STEP
    flow.send("submit", text="2")
    assert flow.state == DESCRIPTION


def runner_of(flow: RequestFlow) -> ManualRunner:
    assert isinstance(flow.runner, ManualRunner)
    return flow.runner


def test_a_request_with_a_photo_and_a_call_back_to_a_receipt_with_a_status_qr(
    clock: FakeClock, service: LocalRequestService
) -> None:
    camera = Camera()
    flow = make(clock, service, camera=camera)
    assert flow.state == CATEGORY
    to_description(flow)
    flow.send("submit", text=f"  {WORDS}  ")
    assert flow.state == PHOTO_CONSENT
    flow.send("agree")
    assert flow.state == PHOTO
    flow.send("shoot")
    assert flow.state == CAPTURING and camera.taken == 0  # the picture is a job
    runner_of(flow).run_all()
    assert flow.state == PHOTO_CHECK and flow.data.photo_jpeg == JPEG
    flow.send("use")
    assert flow.state == CONTACT
    flow.send("submit", text="138 1234 5678")
    assert flow.state == CALLBACK
    flow.send("yes")
    assert flow.state == REVIEW and flow.complete()
    assert flow.place() == "和平里小区 3号楼2单元"
    flow.send("submit")
    assert flow.state == SUBMITTING
    runner_of(flow).run_all()
    assert flow.state == RECEIPT
    receipt = flow.data.receipt
    assert receipt is not None and receipt.code.startswith("RQ20261202-")
    assert receipt.promised_hours == 48 and receipt.department == "物业服务中心"
    # handed over: nothing personal is kept beyond the masked number
    d = flow.data
    assert d.description == "" and d.mobile == "" and d.photo_jpeg == b""
    assert d.mobile_masked == "138****5678" and d.had_photo and d.description_chars == len(WORDS)

    printed = flow.receipt()
    texts = " ".join(b.text for b in printed.blocks if isinstance(b, Text))
    (qr,) = [b.data for b in printed.blocks if isinstance(b, QRCode)]
    assert parse_status_payload(qr) == (receipt.code, receipt.status_token)
    assert receipt.code in texts and "48" in texts and "物业服务中心" in texts
    assert "138****5678" in texts and MOBILE not in texts and WORDS not in texts

    status = service.status(receipt.code, receipt.status_token)
    assert status.status == "received" and status.callback and status.mobile_masked == "138****5678"
    flow.send("done")
    assert flow.finished == "completed"
    assert flow.data.receipt is None and flow.data.mobile_masked == ""  # wiped


def test_no_photo_and_no_contact(clock: FakeClock, service: LocalRequestService) -> None:
    flow = make(clock, service, camera=Camera())
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("skip")
    assert flow.state == CONTACT
    flow.send("back")
    assert flow.state == PHOTO_CONSENT  # the resident may still add a photo
    flow.send("skip")
    flow.send("skip")
    assert flow.state == REVIEW
    assert flow.data.mobile == "" and not flow.data.callback and flow.data.photo_jpeg == b""
    flow.send("submit")
    runner_of(flow).run_all()
    assert flow.state == RECEIPT
    receipt = flow.data.receipt
    assert receipt is not None
    status = service.status(receipt.code, receipt.status_token)
    assert status.mobile_masked == "" and not status.callback


def test_an_empty_contact_is_no_contact(clock: FakeClock, service: LocalRequestService) -> None:
    flow = make(clock, service)
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("skip")
    flow.send("submit", text="")
    assert flow.state == REVIEW and flow.data.mobile == ""


def test_without_a_camera_or_where_photos_are_off_there_is_no_photo_to_agree_to(
    clock: FakeClock, service: LocalRequestService
) -> None:
    flow = make(clock, service, camera=None)
    to_description(flow)
    flow.send("submit", text=WORDS)
    assert flow.state == PHOTO_CONSENT and not flow.can_take_photos
    flow.send("agree")
    assert flow.state == PHOTO_CONSENT  # nothing to agree to
    off = make(clock, service, camera=Camera(), settings=RequestsConfig(photo_allowed=False))
    to_description(off)
    off.send("submit", text=WORDS)
    assert off.state == CONTACT


@pytest.mark.parametrize(
    ("chars", "accepted"),
    [(300, True), (301, False), (1200, False)],
)
def test_the_description_is_bounded(
    clock: FakeClock, service: LocalRequestService, chars: int, accepted: bool
) -> None:
    flow = make(clock, service)
    to_description(flow)
    flow.send("submit", text="电" * chars)
    assert (flow.state != DESCRIPTION) is accepted
    if not accepted:
        assert flow.data.problem == "requests.problem.description_too_long"
        assert flow.problem_text() == "内容太长了，请精简到300个字以内。"
        assert flow.problem_text("en").endswith("300 characters or fewer.")
        assert flow.data.description == ""


def test_a_site_may_shorten_the_description(clock: FakeClock, service: LocalRequestService) -> None:
    flow = make(clock, service, settings=RequestsConfig(description_max_chars=20))
    to_description(flow)
    flow.send("submit", text="电" * 21)
    assert flow.state == DESCRIPTION and "20" in flow.problem_text()
    flow.send("submit", text="   ")
    assert flow.data.problem == "requests.problem.description_empty"
    flow.send("submit", text="电梯\x07坏了")
    assert flow.data.problem == "requests.problem.description_control"
    flow.send("submit", text="电" * 20)
    assert flow.state == PHOTO_CONSENT and flow.data.problem == ""


@pytest.mark.parametrize(
    ("state", "event", "text", "problem"),
    [
        (BUILDING_STEP, "submit", "0", "requests.problem.building"),
        (BUILDING_STEP, "submit", "12345", "requests.problem.building"),
        (BUILDING_STEP, "submit", "三", "requests.problem.building"),
        (UNIT_STEP, "submit", "1000", "requests.problem.unit"),
        (UNIT_STEP, "submit", "05", "requests.problem.unit"),
        (CONTACT, "submit", "1381234567", "requests.problem.mobile"),
        (CONTACT, "submit", "12812345678", "requests.problem.mobile"),
    ],
)
def test_entries_out_of_bounds_are_refused_with_a_reason(
    clock: FakeClock,
    service: LocalRequestService,
    state: str,
    event: str,
    text: str,
    problem: str,
) -> None:
    flow = make(clock, service)
    flow.send("choose", category="repairs")
    flow.send("choose", compound="heping-li")
    if state != BUILDING_STEP:
        flow.send("submit", text="3")
    if state == CONTACT:
        flow.send("none")
        flow.send("submit", text=WORDS)
        flow.send("skip")
    assert flow.state == state
    flow.send(event, text=text)
    assert flow.state == state and flow.data.problem == problem
    assert all(has_translation(problem, lang) for lang in LANGUAGES)


def test_unknown_choices_change_nothing(clock: FakeClock, service: LocalRequestService) -> None:
    flow = make(clock, service)
    flow.send("choose", category="weather")
    assert flow.state == CATEGORY and flow.data.category == ""
    flow.send("choose", category="safety")
    flow.send("choose", compound="elsewhere")
    assert flow.state == COMPOUND
    flow.send("back")
    assert flow.state == CATEGORY


def test_a_unit_is_optional(clock: FakeClock, service: LocalRequestService) -> None:
    flow = make(clock, service)
    flow.send("choose", category="sanitation")
    flow.send("choose", compound="yangguang")
    flow.send("submit", text="12")
    flow.send("none")
    assert flow.state == DESCRIPTION and flow.data.unit == ""
    assert flow.place() == "阳光花园 12号楼"


def test_a_face_filling_the_photo_is_said_and_cannot_be_used(
    clock: FakeClock, service: LocalRequestService
) -> None:
    camera = Camera()
    camera.shots = [Snapshot(JPEG, True, (1280, 720)), SnapshotError("no_frame")]
    flow = make(clock, service, camera=camera)
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("agree")
    flow.send("shoot")
    runner_of(flow).run_all()
    assert flow.state == PHOTO_CHECK and flow.data.photo_face
    flow.send("use")
    assert flow.state == PHOTO_CHECK  # not with a face filling it
    flow.send("retake")
    assert flow.state == PHOTO and flow.data.photo_jpeg == b""
    flow.send("shoot")
    runner_of(flow).run_all()  # the camera delivered nothing
    assert flow.state == PHOTO and flow.data.photo_problem == "requests.photo.failed"
    flow.send("shoot")
    runner_of(flow).run_all()
    assert flow.state == PHOTO_CHECK and not flow.data.photo_face
    flow.send("skip")  # changed their mind: no photo after all
    assert flow.state == CONTACT and flow.data.photo_jpeg == b""


def test_a_picture_that_never_comes_times_out(
    clock: FakeClock, service: LocalRequestService
) -> None:
    flow = make(clock, service, camera=Camera())
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("agree")
    flow.send("shoot")
    clock.advance(16)
    flow.tick()
    assert flow.state == PHOTO and flow.data.photo_problem == "requests.photo.failed"


def test_review_edits_come_back_to_review(clock: FakeClock, service: LocalRequestService) -> None:
    flow = make(clock, service, camera=Camera())
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("skip")
    flow.send("skip")
    assert flow.state == REVIEW
    flow.send("edit", step=DESCRIPTION)
    assert flow.state == DESCRIPTION and flow.data.editing
    flow.send("submit", text="楼道灯不亮")
    assert flow.state == REVIEW and flow.data.description == "楼道灯不亮"
    flow.send("edit", step=CATEGORY)
    flow.send("choose", category="safety")
    assert flow.state == REVIEW and flow.category is not None
    assert flow.category.response_hours == 4
    flow.send("edit", step=CONTACT)
    flow.send("submit", text=MOBILE)
    flow.send("no")
    assert flow.state == REVIEW and flow.data.mobile == MOBILE and not flow.data.callback
    flow.send("edit", step=PHOTO_CONSENT)
    flow.send("agree")
    flow.send("shoot")
    runner_of(flow).run_all()
    flow.send("use")
    assert flow.state == REVIEW and flow.data.photo_jpeg == JPEG
    flow.send("edit", step="submitting")  # not a step one may jump to
    assert flow.state == REVIEW


def test_the_center_unreachable_seals_the_request_in_the_outbox(
    clock: FakeClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = RequestOutbox(tmp_path / "outbox", tmp_path / "keys" / "outbox.key")
    center = Unreachable()
    flow = make(clock, center, outbox=outbox, camera=Camera())
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("agree")
    flow.send("shoot")
    runner_of(flow).run_all()
    flow.send("use")
    flow.send("submit", text=MOBILE)
    flow.send("yes")
    with caplog.at_level(logging.DEBUG):
        flow.send("submit")
        runner_of(flow).run_all()
    assert flow.state == RECEIPT
    (waiting,) = outbox.pending()
    assert flow.data.queued_id == waiting
    receipt = flow.data.receipt
    assert receipt is not None and receipt.queued and receipt.code == ""
    assert receipt.promised_hours == 48
    for path in (tmp_path / "outbox").iterdir():
        content = path.read_bytes()
        assert JPEG not in content and MOBILE.encode() not in content
        assert WORDS.encode() not in content
    assert MOBILE not in caplog.text and WORDS not in caplog.text
    printed = flow.receipt()
    texts = " ".join(b.text for b in printed.blocks if isinstance(b, Text))
    assert not any(isinstance(b, QRCode) for b in printed.blocks)
    assert "联网后自动提交" in texts and f"Q-{waiting.upper()}" in texts
    assert flow.speech().startswith("服务中心暂时连不上")

    # the network is back: the outbox hands over the same request, photo and all
    clock.advance(60)
    intake = LocalRequestService(tmp_path / "intake.sqlite3", RequestsConfig())
    try:
        outcome = outbox.retry(intake)
        assert len(outcome.sent) == 1 and outbox.pending() == []
        assert intake.count() == 1
    finally:
        intake.close()


def test_a_refusal_is_said_and_the_same_request_keeps_its_key(clock: FakeClock) -> None:
    center = Unreachable(retryable=False)
    flow = make(clock, center)
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("skip")
    flow.send("skip")
    flow.send("submit")
    runner_of(flow).run_all()
    assert flow.state == REFUSED and flow.data.refusal == "invalid_query"
    flow.send("back")
    assert flow.state == REVIEW and flow.data.description == WORDS  # not handed over
    flow.send("submit")
    runner_of(flow).run_all()
    assert center.calls[0][1] == center.calls[1][1]  # the same request: the same key
    flow.send("back")
    flow.send("edit", step=DESCRIPTION)
    flow.send("submit", text="楼道灯不亮")
    flow.send("submit")
    runner_of(flow).run_all()
    assert center.calls[2][1] != center.calls[1][1]  # changed: a new key


def test_cancel_and_the_session_wipe_forget_everything(
    clock: FakeClock, service: LocalRequestService
) -> None:
    flow = make(clock, service, camera=Camera())
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("agree")
    flow.send("shoot")
    runner_of(flow).run_all()
    flow.send("use")
    flow.send("submit", text=MOBILE)
    assert flow.data.photo_jpeg and flow.data.mobile and flow.data.description
    flow.send("cancel")
    assert flow.finished == "cancelled"
    d = flow.data
    assert (d.category, d.compound, d.building, d.unit, d.description, d.mobile) == ("",) * 6
    assert d.photo_jpeg == b"" and d.receipt is None and d.extra == {}


def test_every_state_has_a_step_and_every_prompt_a_translation(
    clock: FakeClock, service: LocalRequestService
) -> None:
    flow = make(clock, service)
    for name, state in flow.states.items():
        if name in ("done", "failsafe"):
            continue
        assert name in STEPS and 1 <= STEPS[name] <= STEP_COUNT
        for lang in LANGUAGES:
            assert has_translation(state.prompt, lang), (state.prompt, lang)


# -- the status look-up ---------------------------------------------------------------------
def submitted(clock: FakeClock, service: LocalRequestService) -> SubmitReceipt:
    flow = make(clock, service)
    to_description(flow)
    flow.send("submit", text=WORDS)
    flow.send("skip")
    flow.send("submit", text=MOBILE)
    flow.send("no")
    flow.send("submit")
    runner_of(flow).run_all()
    receipt = flow.data.receipt
    assert receipt is not None and receipt.code
    return receipt


def look_up(
    clock: FakeClock, service: object, code: str, token: str
) -> tuple[RequestStatusFlow, ManualRunner]:
    runner = ManualRunner()
    flow = RequestStatusFlow(
        clock,
        FailsafeMonitor(clock),
        service=service,  # type: ignore[arg-type]
        code=code,
        token=token,
        settings=RequestsConfig(),
        runner=runner,
    )
    flow.start()
    runner.run_all()
    return flow, runner


def test_the_status_shows_progress_and_takes_one_rating(
    clock: FakeClock, service: LocalRequestService
) -> None:
    receipt = submitted(clock, service)
    flow, runner = look_up(clock, service, receipt.code, receipt.status_token)
    assert flow.state == st.STATUS and flow.data.status is not None
    assert flow.data.status.status == "received" and not st.rateable(flow.data.status)
    flow.send("rate", satisfied=True)
    assert flow.state == st.STATUS and not runner.jobs  # not finished: nothing to rate

    service.act(receipt.code, "assign", department="物业服务中心")
    service.act(receipt.code, "update", text="已联系电梯维保单位")
    service.act(receipt.code, "done", text="更换了电梯控制板")
    flow, runner = look_up(clock, service, receipt.code, receipt.status_token)
    status = flow.data.status
    assert status is not None and status.status == "done" and status.result == "更换了电梯控制板"
    assert [s.status for s in status.steps] == ["received", "assigned", "in_progress", "done"]
    assert status.mobile_masked == "138****5678"
    assert st.rateable(status)
    flow.send("rate", satisfied=False)
    assert flow.state == st.RATING
    runner.run_all()
    assert flow.state == st.STATUS and flow.data.rated_now
    assert flow.data.status is not None and flow.data.status.satisfied is False
    assert service.status(receipt.code, receipt.status_token).satisfied is False
    flow.send("done")
    assert flow.finished == "completed" and flow.data.status is None and flow.data.code == ""


def test_a_wrong_token_is_not_found_and_an_absent_center_can_be_retried(
    clock: FakeClock, service: LocalRequestService
) -> None:
    receipt = submitted(clock, service)
    flow, _ = look_up(clock, service, receipt.code, "x" * 22)
    assert flow.state == st.NOT_FOUND

    class Away:
        def status(self, code: str, token: str) -> None:
            raise RequestServiceError("down", code="unreachable")

    flow, runner = look_up(clock, Away(), receipt.code, receipt.status_token)
    assert flow.state == st.UNREACHABLE
    flow.service = service  # the network is back
    flow.send("retry")
    runner.run_all()
    assert flow.state == st.STATUS


def test_a_rating_the_center_refuses_is_said(
    clock: FakeClock, service: LocalRequestService
) -> None:
    receipt = submitted(clock, service)
    service.act(receipt.code, "close", text="属于物业合同纠纷，请咨询物业")
    service.rate(receipt.code, receipt.status_token, True)  # rated elsewhere meanwhile
    flow, runner = look_up(clock, service, receipt.code, receipt.status_token)
    assert flow.data.status is not None and not st.rateable(flow.data.status)
    assert flow.data.status.status == "closed"
    assert flow.data.status.result == "属于物业合同纠纷，请咨询物业"
    flow.data.status = flow.data.status.__class__(
        **{**flow.data.status.__dict__, "satisfied": None}
    )  # the screen still showed it unrated
    flow.send("rate", satisfied=False)
    runner.run_all()
    assert flow.state == st.STATUS and flow.data.rating_problem == "requests.error.already_rated"
