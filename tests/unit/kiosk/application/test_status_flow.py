"""The status of a scanned receipt QR, without Qt: each status in plain words, a returned
application's reason, an unknown code, and the center unreachable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kiosk.application.local import LocalApplicationService
from kiosk.application.model import ApplicationSubmission
from kiosk.application.service import ApplicationServiceError
from kiosk.application.status import LOOKING, NOT_FOUND, STATUS, UNREACHABLE, StatusFlow
from kiosk.framework.clock import FakeClock
from kiosk.framework.flow import FailsafeMonitor
from kiosk.framework.id_numbers import check_character
from tests.support.runners import ManualRunner

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
NUMBER = "11010119800307123" + check_character("11010119800307123")


def submission() -> ApplicationSubmission:
    return ApplicationSubmission(
        business="replace_lost",
        id_number=NUMBER,
        name="张三丰",
        sex="",
        nation="",
        birth_date="",
        card_address="",
        card_valid_until="",
        mobile="13812345678",
        pickup="window",
        post_address="",
        fee_yuan="40.00",
        photo_jpeg=b"\xff\xd8\xff\xe0photo\xff\xd9",
        photo_preset="resident-id",
        terminal_id="kiosk-test",
        submitted_at=NOW,
    )


class Down:
    def status(self, application_no: str, status_token: str) -> object:
        raise ApplicationServiceError("down", retryable=True, code="unreachable")


def look(service: object, number: str, token: str) -> tuple[StatusFlow, ManualRunner]:
    clock = FakeClock(NOW)
    runner = ManualRunner()
    flow = StatusFlow(
        clock,
        FailsafeMonitor(clock),
        service=service,  # type: ignore[arg-type]
        application_no=number,
        token=token,
        runner=runner,
    )
    flow.start()
    assert flow.state == LOOKING
    runner.run_all()
    return flow, runner


def test_a_returned_application_shows_its_reason_masked(tmp_path: Path) -> None:
    service = LocalApplicationService(tmp_path / "intake.sqlite3")
    receipt = service.submit(submission(), "k" * 32)
    flow, _ = look(service, receipt.application_no, receipt.status_token)
    assert flow.state == STATUS and flow.data.status is not None
    assert flow.data.status.status == "submitted"
    service.advance(receipt.application_no, "returned", reason="照片背景不符合要求")
    flow, _ = look(service, receipt.application_no, receipt.status_token)
    status = flow.data.status
    assert status is not None and status.status == "returned"
    assert status.reason == "照片背景不符合要求"
    assert NUMBER not in status.id_masked and status.name_masked == "张**"
    flow.send("done")
    assert flow.finished == "completed" and flow.data.status is None
    service.close()


def test_a_wrong_token_is_not_found(tmp_path: Path) -> None:
    service = LocalApplicationService(tmp_path / "intake.sqlite3")
    receipt = service.submit(submission(), "k" * 32)
    flow, _ = look(service, receipt.application_no, "x" * 22)
    assert flow.state == NOT_FOUND
    service.close()


def test_the_center_unreachable_offers_a_retry() -> None:
    flow, runner = look(Down(), "SQ20261202-K7Q2M9", "t" * 22)
    assert flow.state == UNREACHABLE
    flow.send("retry")
    assert flow.state == LOOKING
    runner.run_all()
    assert flow.state == UNREACHABLE
