"""The configuration page: check with each problem at its key, compare with what is live,
sign and publish with the online keys, roll back, retract; the root key is never needed."""

from __future__ import annotations

import json
import re

from center.fleet.publish import current_document
from center.staff.audit import AuditQuery, open_audit_log
from kiosk.fleet.document import Audience
from tests.unit.center.console.conftest import Served


def _problems(html: str) -> list[tuple[str, str]]:
    """(line, key) of each row of the problems table."""
    table = re.search(r'id="problems".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table is not None, "no problems table"
    return re.findall(r"<tr><td>([^<]*)</td><td><code>([^<]*)</code>", table.group(1))


def test_each_problem_is_shown_at_its_key_and_line_and_nothing_is_signed(
    served: Served,
) -> None:
    op = served.client("op")
    text = '[ui]\nvolume = 500\nidle_warning_s = 5\n\n[services]\nenabled = ["bowling"]\n'
    answer = op.form(
        "/console/config?audience=group:hall",
        "/console/config/check",
        {"audience": "group:hall", "text": text},
    )
    assert answer.status_code == 422
    found = _problems(answer.text)
    assert ("2", "ui.volume") in found and ("3", "ui.idle_warning_s") in found
    assert any(key.startswith("services.enabled") and line == "6" for line, key in found)
    assert "签名并发布" not in answer.text
    assert current_document(served.fleet.repo(), Audience.parse("group:hall")) is None


def test_syntax_errors_and_forbidden_keys_are_refused(served: Served) -> None:
    op = served.client("op")
    broken = op.form(
        "/console/config", "/console/config/check", {"audience": "all", "text": "[ui\nvolume = 3\n"}
    )
    assert broken.status_code == 422 and _problems(broken.text)[0][0] == "1"
    identity = op.form(
        "/console/config",
        "/console/config/check",
        {"audience": "all", "text": '[terminal]\nid = "x"\n'},
    )
    assert identity.status_code == 422 and ("2", "terminal.id") in _problems(identity.text)
    audience = op.form(
        "/console/config", "/console/config/check", {"audience": "everyone", "text": ""}
    )
    assert audience.status_code == 422 and "发布对象写法不对" in audience.text


def test_check_compare_publish_roll_back_and_retract(served: Served) -> None:
    op = served.client("op")
    page = "/console/config?audience=group:lobby"
    checked = op.form(
        page, "/console/config/check", {"audience": "group:lobby", "text": "[ui]\nvolume = 35\n"}
    )
    assert checked.status_code == 200 and 'id="checked"' in checked.text
    assert re.search(
        r"<code>ui.volume</code>.*?<code></code>.*?<code>35</code>", checked.text, re.S
    )

    published = op.form(
        page,
        "/console/config/publish",
        {"audience": "group:lobby", "text": "[ui]\nvolume = 35\n", "note": "quieter"},
    )
    assert published.status_code == 303
    assert published.headers["location"] == "/console/config?audience=group:lobby&published=1"
    repo = served.fleet.repo()
    doc = current_document(repo, Audience.parse("group:lobby"))
    assert doc is not None and doc.version == 1 and doc.config == {"ui": {"volume": 35}}
    assert doc.note == "quieter"

    op.form(
        page,
        "/console/config/publish",
        {"audience": "group:lobby", "text": '{"ui": {"volume": 60}}'},
    )
    changed = op.form(
        page, "/console/config/check", {"audience": "group:lobby", "text": "[ui]\nvolume = 70\n"}
    )
    assert re.search(
        r"<code>ui.volume</code>.*?<code>60</code>.*?<code>70</code>", changed.text, re.S
    )
    live_page = op.get(page).text
    assert "volume = 60" in live_page and "回滚到 v1" in live_page

    rolled = op.form(page, "/console/config/rollback", {"audience": "group:lobby", "version": "1"})
    assert rolled.headers["location"].endswith("published=3")
    doc = current_document(served.fleet.repo(), Audience.parse("group:lobby"))
    assert doc is not None and doc.version == 3 and doc.config == {"ui": {"volume": 35}}
    assert doc.note == "rollback to v1"

    assert op.form(page, "/console/config/retract", {"audience": "group:lobby"}).status_code == 303
    assert current_document(served.fleet.repo(), Audience.parse("group:lobby")) is None

    log = open_audit_log(served.data_dir)
    try:
        actions = [e.action for e in log.search(AuditQuery(account="op", action="config."))[0]]
    finally:
        log.close()
    assert actions == ["config.retract", "config.rollback", "config.publish", "config.publish"]


def test_an_uploaded_file_replaces_the_text(served: Served) -> None:
    op = served.client("op")
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', op.get("/console/config", allow_redirects=True).text
    )
    assert token is not None
    answer = op.post(
        "/console/config/check",
        {"audience": "all", "text": "ignored = true", "csrf_token": token.group(1)},
        files={
            "file": ("all.json", json.dumps({"ui": {"volume": 20}}).encode(), "application/json")
        },
    )
    assert answer.status_code == 200 and 'id="checked"' in answer.text
    assert "volume" in answer.text and "ignored" not in answer.text.split('id="checked"')[1]


def test_without_installed_keys_a_publish_says_what_to_do(served: Served) -> None:
    keys = served.fleet.fleet_dir / "keys"
    hidden = keys.with_name("keys.away")
    keys.rename(hidden)
    try:
        op = served.client("op")
        assert "签名密钥尚未安装" in op.get("/console/config").text
        answer = op.form(
            "/console/config?audience=group:nokeys",
            "/console/config/publish",
            {"audience": "group:nokeys", "text": "[ui]\nvolume = 10\n"},
        )
        assert answer.status_code == 422 and "还没有安装签名密钥" in answer.text
    finally:
        hidden.rename(keys)
