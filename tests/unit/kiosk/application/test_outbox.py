"""The application outbox: sealed on disk (nothing personal readable, the key private),
retried under the original key until the service takes it, then deleted; deleted unsent when
its lifetime (from ``[application]``) runs out or when it cannot be read; and nothing of the
application left under the data dir once it is handed over."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.application.factory import (
    build_application_outbox,
    outbox_folder,
    outbox_key_file,
)
from kiosk.application.local import LocalApplicationService
from kiosk.application.model import ApplicationStatus, ApplicationSubmission, SubmitReceipt
from kiosk.application.outbox import ApplicationOutbox
from kiosk.application.service import ApplicationServiceError
from kiosk.platform.application_config import ApplicationConfig
from tests.unit.center.applications.conftest import by_post, leaked, submission


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Unreachable:
    """A center that cannot be reached (or, ``retryable=False``, refuses)."""

    def __init__(self, retryable: bool = True) -> None:
        self.calls: list[tuple[ApplicationSubmission, str]] = []
        self.retryable = retryable

    def submit(self, app: ApplicationSubmission, idempotency_key: str) -> SubmitReceipt:
        self.calls.append((app, idempotency_key))
        raise ApplicationServiceError("connection refused", retryable=self.retryable)

    def status(self, application_no: str, status_token: str) -> ApplicationStatus:
        raise ApplicationServiceError("connection refused")

    def close(self) -> None:
        pass


def test_an_application_waits_sealed_and_is_handed_over_under_its_key(tmp_path: Path) -> None:
    wall = Wall()
    data = tmp_path / "data"
    outbox = build_application_outbox(ApplicationConfig(), data_dir=data, wall_clock=wall)
    app = by_post(submission(1))
    outbox_id = outbox.put(app, "key-000000000001")
    path = outbox_folder(data) / f"{outbox_id}.application"
    assert path.exists() and leaked(data, app) == []
    assert outbox_key_file(data).stat().st_mode & 0o077 == 0
    assert path.stat().st_mode & 0o077 == 0 and outbox_folder(data).stat().st_mode & 0o077 == 0

    down = Unreachable()
    outcome = outbox.retry(down)
    assert outcome.failed == [outbox_id] and outbox.pending() == [outbox_id]
    ((sent_app, sent_key),) = down.calls
    assert sent_key == "key-000000000001"
    assert sent_app.fields() == app.fields() and sent_app.photo_jpeg == app.photo_jpeg
    assert sent_app.terminal_id == app.terminal_id

    refusing = Unreachable(retryable=False)  # a refusal waits too: a token may be fixed
    assert outbox.retry(refusing).failed == [outbox_id]

    service = LocalApplicationService(tmp_path / "intake.sqlite3")
    outcome = outbox.retry(service)
    assert list(outcome.sent) == [outbox_id] and outbox.pending() == []
    assert service.count() == 1
    receipt = outcome.sent[outbox_id]
    # the same key: a direct retry after a lost answer cannot make a second application
    assert service.submit(app, "key-000000000001") == receipt and service.count() == 1
    service.close()
    left = sorted(p.relative_to(data) for p in data.rglob("*") if p.is_file())
    assert left == [outbox_key_file(data).relative_to(data)]  # nothing of the application


def test_applications_expire_after_the_configured_lifetime(tmp_path: Path) -> None:
    wall = Wall()
    config = ApplicationConfig(outbox_lifetime_h=2)
    outbox = build_application_outbox(config, data_dir=tmp_path, wall_clock=wall)
    assert outbox.lifetime_s == 7200
    first = outbox.put(submission(2), "key-000000000002")
    wall.now += 3600
    second = outbox.put(submission(3), "key-000000000003")
    wall.now += 3601
    outcome = outbox.retry(Unreachable())
    assert outcome.expired == [first] and outcome.failed == [second]
    assert outbox.pending() == [second]
    wall.now += 3600
    assert outbox.retry(Unreachable()).expired == [second]
    assert list(outbox_folder(tmp_path).iterdir()) == []


def test_a_damaged_entry_is_deleted_not_sent(tmp_path: Path) -> None:
    outbox = ApplicationOutbox(tmp_path / "o", tmp_path / "k")
    outbox_id = outbox.put(submission(4), "key-000000000004")
    path = tmp_path / "o" / f"{outbox_id}.application"
    path.write_bytes(path.read_bytes()[:-5] + b"AAAAA")
    down = Unreachable()
    outcome = outbox.retry(down)
    assert outcome.expired == [outbox_id] and down.calls == [] and outbox.pending() == []


def test_another_terminals_key_cannot_open_it(tmp_path: Path) -> None:
    outbox = ApplicationOutbox(tmp_path / "o", tmp_path / "k1")
    outbox_id = outbox.put(submission(5), "key-000000000005")
    thief = ApplicationOutbox(tmp_path / "o", tmp_path / "k2")
    assert thief.retry(Unreachable()).expired == [outbox_id]  # unreadable: dropped


def test_what_is_sealed_is_every_field(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    outbox = ApplicationOutbox(tmp_path / "o", tmp_path / "k")
    app = by_post(submission(6))
    outbox_id = outbox.put(app, "key-000000000006")
    record = json.loads(
        Fernet((tmp_path / "k").read_bytes()).decrypt(
            (tmp_path / "o" / f"{outbox_id}.application").read_bytes()
        )
    )
    assert {k: record[k] for k in app.fields()} == app.fields()
    assert record["idem"] == "key-000000000006" and record["terminal_id"] == app.terminal_id
