"""The request's plain values and rules: the ``RQ1.`` status QR (and the scanner's reading of
it), a submission's masked ``repr`` and its idempotency digest, the status on the wire,
the description's problems, the catch-all category, the ``[requests]`` configuration as
packaged and as a site changes it, and the outbox's lifetime."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from devices.scan_payload import PayloadKind, classify
from kiosk.framework.masking import mask_text
from kiosk.platform.config_loader import ConfigPaths, load_config
from kiosk.platform.requests_config import RequestCategory, RequestsConfig
from kiosk.requests.model import (
    STATUSES,
    ProgressStep,
    RequestStatus,
    content_digest,
    new_status_token,
    new_tracking_code,
    parse_status_payload,
    queued_receipt,
    status_payload,
)
from kiosk.requests.outbox import RequestOutbox
from kiosk.requests.rules import (
    DESCRIPTION_CONTROL,
    DESCRIPTION_EMPTY,
    DESCRIPTION_TOO_LONG,
    description_problem,
    handling,
    staff_text_problem,
    submission_problems,
)
from tests.unit.center.requests.conftest import NOW, bare, leaked, submission


def test_the_status_qr_holds_the_code_and_token() -> None:
    code, token = new_tracking_code(NOW.astimezone(UTC)), new_status_token()
    payload = status_payload(code, token)
    assert payload.startswith("RQ1.") and classify(payload) is PayloadKind.REQUEST
    assert parse_status_payload(payload) == (code, token)
    assert parse_status_payload(f" {payload}\r\n") == (code, token)
    assert "<redacted>" in mask_text(f"scanned {payload}")  # logs never show the token
    for junk in (
        f"AP1.{code}.{token}",
        f"RQ1.{code}",
        f"RQ1.{code}.",
        f"RQ1.{code}.{token}.x",
        f"RQ1.RQ2026120-AAAAAA.{token}",
        f"RQ1.{code}.{'A' * 10}",
        "RQ1.",
    ):
        assert parse_status_payload(junk) is None, junk


def test_a_submission_shows_nothing_personal_in_its_repr() -> None:
    request = submission(1)
    shown = repr(request)
    assert request.mobile not in shown and request.description not in shown
    assert "139****0001" in shown and f"{len(request.description)} chars" in shown
    assert "photo=none" in repr(bare(request))


def test_the_digest_tells_content_apart_and_not_time_zones() -> None:
    request = submission(2)
    digest = content_digest(request.fields(), request.photo_sha256)
    in_beijing = request.submitted_at.astimezone(timezone(timedelta(hours=8)))
    assert (
        content_digest(replace(request, submitted_at=in_beijing).fields(), request.photo_sha256)
        == digest
    )
    changes: list[dict[str, Any]] = [
        {"category": "safety"},
        {"compound_id": "jinxiu"},
        {"building": "99"},
        {"unit": ""},
        {"description": request.description + "。"},
        {"mobile": ""},
        {"callback": False},
        {"submitted_at": request.submitted_at + timedelta(seconds=1)},
    ]
    for change in changes:
        other = replace(request, **change)
        assert content_digest(other.fields(), other.photo_sha256) != digest, change
    assert content_digest(request.fields(), "") != digest  # the same words without the photo


def test_a_status_travels_as_json_and_a_malformed_one_is_refused() -> None:
    status = RequestStatus(
        code="RQ20261202-K7Q2M9",
        status="done",
        category="repairs",
        department="物业服务中心",
        result="已修复",
        submitted_at="2026-12-02T01:30:00+00:00",
        updated_at="2026-12-02T05:30:00+00:00",
        respond_by="2026-12-04T01:30:00+00:00",
        overdue=False,
        satisfied=None,
        mobile_masked="139****0001",
        callback=True,
        steps=(ProgressStep("2026-12-02T01:30:00+00:00", "received", ""),),
    )
    assert RequestStatus.from_json(status.as_json()) == status
    for broken in (
        {**status.as_json(), "status": "lost"},
        {**status.as_json(), "overdue": "no"},
        {**status.as_json(), "satisfied": 1},
        {**status.as_json(), "steps": [{"at": "x"}]},
        {k: v for k, v in status.as_json().items() if k != "department"},
        ["not", "an", "object"],
    ):
        with pytest.raises(ValueError):
            RequestStatus.from_json(broken)


def test_a_description_is_bounded_and_plain() -> None:
    assert description_problem("楼道灯坏了", 20) == ""
    assert description_problem("  \n ", 20) == DESCRIPTION_EMPTY
    assert description_problem("长" * 21, 20) == DESCRIPTION_TOO_LONG
    assert description_problem("  " + "长" * 20 + "\n", 20) == ""  # trimmed first
    assert description_problem("第一行\n第二行", 20) == ""
    assert description_problem("灯坏了\x1b[2J", 20) == DESCRIPTION_CONTROL
    assert description_problem("长" * 1001, 5000) == DESCRIPTION_TOO_LONG  # the hard cap


def test_an_unknown_category_goes_to_the_catch_all() -> None:
    categories = RequestsConfig().categories
    assert handling(categories, "safety").department == "社区网格员"
    assert handling(categories, "lift").id == "other"
    only = [RequestCategory(id="a", name_zh="甲", name_en="A", department="D", response_hours=5)]
    assert handling(only, "lift").id == "a"


def test_staff_texts_are_checked() -> None:
    assert staff_text_problem("assign", "", "物业") == ""
    assert "department" in staff_text_problem("assign", "note", " ")
    assert "text" in staff_text_problem("done", " ")
    assert "too long" in staff_text_problem("close", "长" * 201)
    assert "unknown" in staff_text_problem("reopen", "x")


def test_a_queued_receipt_makes_the_kiosks_promise() -> None:
    receipt = queued_receipt(RequestsConfig().categories[3])
    assert (receipt.code, receipt.status_token, receipt.queued) == ("", "", True)
    assert (receipt.promised_hours, receipt.department) == (4, "社区网格员")


def test_the_packaged_configuration_is_the_models_default(tmp_path: Path) -> None:
    loaded = load_config(ConfigPaths(data_dir=tmp_path / "data"))
    assert not loaded.problems
    assert loaded.config.requests == RequestsConfig()
    names = [c.name_zh for c in loaded.config.requests.categories]
    assert names == ["环境卫生", "设施维修", "邻里纠纷", "安全隐患", "便民服务", "其他"]


def test_a_site_replaces_the_lists_and_bad_settings_are_refused(tmp_path: Path) -> None:
    site = {
        "requests": {
            "description_max_chars": 120,
            "compounds": [{"id": "heping", "name": "和平小区"}],
        }
    }
    loaded = load_config(ConfigPaths(data_dir=tmp_path / "data", site_data=site))
    config = loaded.config.requests
    assert config.description_max_chars == 120 and len(config.categories) == 6
    assert [c.id for c in config.compounds] == ["heping"] and config.compound("heping")
    assert config.category("safety") is not None and config.category("lift") is None
    twice = [{"id": "a", "name": "甲"}, {"id": "a", "name": "乙"}]
    bad: dict[str, Any]
    for bad in (
        {"compounds": twice},
        {"compounds": []},
        {"description_max_chars": 5000},
        {
            "categories": [
                {
                    "id": "A B",
                    "name_zh": "x",
                    "name_en": "x",
                    "department": "d",
                    "response_hours": 1,
                }
            ]
        },
        {"outbox_lifetime_h": 0.5},
    ):
        with pytest.raises(ValidationError):
            RequestsConfig.model_validate(bad)


def test_a_request_waits_in_the_outbox_no_longer_than_its_lifetime(tmp_path: Path) -> None:
    wall = [1_000_000.0]
    outbox = RequestOutbox(
        tmp_path / "outbox",
        tmp_path / "keys" / "k.key",
        lifetime_s=3600,
        wall_clock=lambda: wall[0],
    )
    request = submission(3)
    outbox_id = outbox.put(request, "key-00000003")
    assert leaked(tmp_path, request) == []
    wall[0] += 3601

    class Unused:
        def submit(self, *_: object) -> None:
            raise AssertionError("an expired request is not sent")

    outcome = outbox.retry(Unused())  # type: ignore[arg-type]
    assert outcome.expired == [outbox_id] and outbox.pending() == []


def test_an_aware_time_is_needed() -> None:
    naive = replace(submission(4), submitted_at=datetime(2026, 12, 2, 9, 30))
    assert submission_problems(naive.fields()) == ["submitted_at"]
    assert submission_problems(submission(4).fields()) == []


def test_every_key_named_here_is_translated() -> None:
    catalogue = tomllib.loads(
        (Path(__file__).parents[4] / "config" / "i18n" / "requests.toml").read_text("utf-8")
    )
    keys = [f"requests.status.{s}" for s in STATUSES]
    keys += [DESCRIPTION_EMPTY, DESCRIPTION_TOO_LONG, DESCRIPTION_CONTROL]
    for k in keys:
        assert set(catalogue[k]) == {"zh_CN", "en"}, k
    assert [catalogue[f"requests.status.{s}"]["zh_CN"] for s in STATUSES] == list(STATUSES.values())
