"""The audit log page for auditors: search and CSV export."""

from __future__ import annotations

from tests.unit.center.console.conftest import Served


def test_the_auditor_searches_and_exports(served: Served) -> None:
    served.client("desk").get("/console/fleet")  # refused and audited
    audit = served.client("audit")
    page = audit.get("/console/audit", params={"action": "access.denied", "account": "desk"})
    assert page.status_code == 200
    assert "/console/fleet" in page.text and "127.0.0.1" in page.text
    export = audit.get("/console/audit.csv", params={"q": "signin"})
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    text = export.content.decode("utf-8-sig")
    assert text.startswith("time,account,role,client,action,subject,outcome,detail")
    assert "signin.ok" in text and "access.denied" not in text
    again = audit.get("/console/audit", params={"action": "audit.export"})
    assert "q=&#39;signin&#39;" in again.text or "q='signin'" in again.text


def test_only_auditors_read_the_log(served: Served) -> None:
    assert served.client("op").get("/console/audit.csv").status_code == 403
    assert served.client("desk").get("/console/audit").status_code == 403
