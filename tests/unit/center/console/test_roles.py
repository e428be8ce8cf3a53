"""Roles are enforced by the server on every route, as the issue's matrix says."""

from __future__ import annotations

import pytest

from center.staff.audit import AuditQuery, open_audit_log
from tests.unit.center.console.conftest import Served

MATRIX = [
    ("op", "/console/fleet", 200),
    ("op", "/console/config", 200),
    ("op", "/console/content", 200),
    ("op", "/console/vouchers", 403),
    ("op", "/console/applications", 403),
    ("op", "/console/audit", 403),
    ("desk", "/console/vouchers", 200),
    ("desk", "/console/applications", 200),
    ("desk", "/console/members", 200),
    ("desk", "/console/points", 200),
    ("desk", "/console/fleet", 403),
    ("desk", "/console/config", 403),
    ("desk", "/console/audit", 403),
    ("audit", "/console/audit", 200),
    ("audit", "/console/fleet", 403),
    ("audit", "/console/vouchers", 403),
]


@pytest.mark.parametrize(("account", "path", "status"), MATRIX)
def test_each_role_opens_its_pages_only(
    served: Served, account: str, path: str, status: int
) -> None:
    assert served.client(account).get(path).status_code == status


def test_a_refused_page_says_why_in_both_languages_and_is_audited(served: Served) -> None:
    answer = served.client("desk").get("/console/fleet")
    assert answer.status_code == 403
    assert "无权打开此页面" in answer.text and "may not open this page" in answer.text
    log = open_audit_log(served.data_dir)
    try:
        entries, _ = log.search(AuditQuery(account="desk", action="access.denied"))
    finally:
        log.close()
    assert any(e.subject == "/console/fleet" and e.client == "127.0.0.1" for e in entries)


def test_forms_of_another_role_are_refused_even_with_a_valid_token(served: Served) -> None:
    desk = served.client("desk")
    answer = desk.form(
        "/console/vouchers", "/console/config/publish", {"audience": "all", "text": ""}
    )
    assert answer.status_code == 403
    answer = desk.form("/console/vouchers", "/console/content/media", {})
    assert answer.status_code == 403


def test_each_role_starts_on_its_own_page(served: Served) -> None:
    for account, start in (
        ("op", "/console/fleet"),
        ("desk", "/console/vouchers"),
        ("audit", "/console/audit"),
    ):
        assert served.client(account).get("/console/").headers["location"] == start


def test_an_unknown_console_address_is_an_html_404(served: Served) -> None:
    answer = served.client("op").get("/console/no-such-page")
    assert answer.status_code == 404
    assert "没有这个页面" in answer.text
