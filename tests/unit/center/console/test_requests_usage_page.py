"""The usage report page: heartbeats a terminal sends over HTTP become today's figures, shown
as server-drawn SVG bar charts and exported as the same CSV ``center report`` writes; staff
and operators may read it, auditors may not; each view and export is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from center.auth import TerminalRegistry
from center.console.pages.report_usage import bar_chart, nice_top
from center.report.figures import read_report_csv
from center.requests.store import open_center_requests
from center.staff.audit import AuditQuery, open_audit_log
from kiosk.fleet.heartbeat import Heartbeat
from tests.unit.center.console.conftest import Served


def _heartbeat(served: Served, token: str, counters: dict[str, int]) -> None:
    hb = Heartbeat(
        terminal_id="kiosk-u1",
        group="lobby",
        app_version="1",
        counters=counters,
        clock=datetime.now(UTC),
    )
    answer = requests.post(
        served.url + "/v1/fleet/heartbeats",
        json=hb.model_dump(mode="json"),
        headers={"Authorization": f"Bearer {token}", "X-Terminal-Id": "kiosk-u1"},
        timeout=15,
    )
    assert answer.status_code == 200, answer.text


def test_heartbeat_counters_become_todays_charts_and_csv(served: Served) -> None:
    token = TerminalRegistry(served.data_dir / "terminals.json").add("kiosk-u1")
    _heartbeat(served, token, {"sessions": 40, "service.requests": 10})  # its baseline
    _heartbeat(served, token, {"sessions": 45, "service.requests": 12, "fleet.polls": 3})
    today = datetime.now().date().isoformat()
    for name in ("desk", "op"):
        page = served.client(name).get("/console/usage", params={"from": today, "to": today})
        assert page.status_code == 200
        assert page.text.count('class="timeline usage-chart"') == 6
        assert 'data-value="5"' in page.text  # residents served today
    csv = served.client("desk").get("/console/usage.csv", params={"from": today, "to": today})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    (row,) = read_report_csv(csv.content.decode("utf-8"))
    assert row["day"] == today
    assert (row["residents_served"], row["served.requests"]) == ("5", "2")
    store = open_center_requests(served.data_dir)
    try:
        assert int(row["requests_filed"]) == store.daily_report(datetime.now().date()).received
    finally:
        store.close()
    assert served.client("audit").get("/console/usage").status_code == 403
    log = open_audit_log(served.data_dir)
    try:
        assert log.search(AuditQuery(action="view.usage"))[0]
        assert log.search(AuditQuery(action="usage.export"))[0]
    finally:
        log.close()


def test_a_bad_range_is_refused_with_a_page_that_says_so(served: Served) -> None:
    desk = served.client("desk")
    assert (
        desk.get("/console/usage", params={"from": "2026-12-05", "to": "2026-12-01"}).status_code
        == 422
    )
    assert desk.get("/console/usage", params={"from": "yesterday"}).status_code == 422
    assert desk.get("/console/usage").status_code == 200  # the last 7 days


def test_bars_are_scaled_to_a_round_top() -> None:
    assert [nice_top(v) for v in (0, 1, 3, 11, 100, 101)] == [1, 1, 5, 20, 100, 200]
    chart = bar_chart("c", "console.usage.served", ["a", "b"], [("k", "ok", [10, 5])])
    tall, short = chart.bars
    assert (tall.value, short.value) == (10, 5)
    assert tall.height == 2 * short.height and tall.y + tall.height == short.y + short.height
    assert [value for _, value in chart.ticks] == [0, 5, 10] and chart.total == 15
