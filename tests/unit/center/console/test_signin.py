"""Sign-in as the issue checks it against ``center serve``: the redirect, the CSRF field,
the lockout, the cookie's flags; and sign-out."""

from __future__ import annotations

import re

from center.staff.audit import AuditQuery, open_audit_log
from tests.unit.center.console.conftest import PASSWORD, ConsoleClient, Served, staff_add


def _audit_actions(served: Served, account: str) -> list[str]:
    log = open_audit_log(served.data_dir)
    try:
        entries, _ = log.search(AuditQuery(account=account), limit=100)
    finally:
        log.close()
    return [e.action for e in entries]


def test_the_console_without_a_session_redirects_to_the_sign_in_page(served: Served) -> None:
    c = ConsoleClient(served.url)
    for path in ("/console/", "/console/fleet", "/console/vouchers", "/console/audit"):
        answer = c.get(path)
        assert answer.status_code in (302, 303, 307), path
        assert answer.headers["location"].startswith("/console/login"), path


def test_the_form_posts_username_password_and_a_hidden_csrf_field(served: Served) -> None:
    page = ConsoleClient(served.url).get("/console/login").text
    form = re.search(r'<form method="post" action="/console/login".*?</form>', page, re.S)
    assert form is not None
    names = re.findall(r'<input[^>]*name="([^"]+)"', form.group(0))
    assert "username" in names and "password" in names
    hidden = re.findall(r'<input type="hidden" name="([^"]+)"', form.group(0))
    assert any("csrf" in n for n in hidden)


def test_a_post_without_the_csrf_field_is_refused_even_with_the_right_password(
    served: Served,
) -> None:
    c = ConsoleClient(served.url)
    answer = c.post("/console/login", {"username": "op", "password": PASSWORD})
    assert answer.status_code == 403
    assert "console_session" not in answer.headers.get("set-cookie", "")
    forged = c.post(
        "/console/login", {"username": "op", "password": PASSWORD, "csrf_token": "1.x.abc"}
    )
    assert forged.status_code == 403
    assert c.get("/console/fleet").status_code == 303  # still signed out
    assert "signin.refused" in _audit_actions(served, "op")


def test_a_form_from_another_site_is_refused(served: Served) -> None:
    c = ConsoleClient(served.url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/console/login").text)
    assert token is not None
    answer = c.post(
        "/console/login",
        {"username": "op", "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403


def test_the_right_password_gives_an_httponly_samesite_strict_cookie(served: Served) -> None:
    answer = ConsoleClient(served.url).sign_in("op")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/fleet"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("console_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback; see test_tls for https
    assert "signin.ok" in _audit_actions(served, "op")


def test_five_wrong_passwords_lock_the_account_and_the_right_one_then_fails(
    served: Served,
) -> None:
    staff_add(served.data_dir, "lockme", "staff")
    c = ConsoleClient(served.url)
    for _ in range(4):
        assert c.sign_in("lockme", "wrong-password").status_code == 401
    assert c.sign_in("lockme", "wrong-password").status_code == 429
    locked = c.sign_in("lockme", PASSWORD)
    assert locked.status_code == 429
    assert "console_session" not in locked.headers.get("set-cookie", "")
    assert "账户已锁定" in locked.text and "locked until" in locked.text
    actions = _audit_actions(served, "lockme")
    assert actions.count("signin.failed") == 4 and "signin.locked" in actions


def test_an_unknown_account_gets_the_same_answer_as_a_wrong_password(served: Served) -> None:
    c = ConsoleClient(served.url)
    unknown = c.sign_in("nobody-here", PASSWORD)
    wrong = c.sign_in("desk", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "用户名或密码不正确" in unknown.text


def test_sign_out_needs_the_token_and_ends_the_session(served: Served) -> None:
    c = served.client("desk")
    assert c.get("/console/vouchers").status_code == 200
    assert c.post("/console/logout", {}).status_code == 403
    assert c.get("/console/vouchers").status_code == 200
    out = c.form("/console/vouchers", "/console/logout")
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert c.get("/console/vouchers").status_code == 303


def test_a_stolen_cookie_value_is_useless_after_sign_out(served: Served) -> None:
    c = served.client("audit")
    token = c.http.cookies.get("console_session")
    c.form("/console/audit", "/console/logout")
    thief = ConsoleClient(served.url)
    thief.http.cookies.set("console_session", token or "")
    assert thief.get("/console/audit").status_code == 303


def test_pages_forbid_framing_and_outside_scripts(served: Served) -> None:
    answer = served.client("op").get("/console/fleet")
    assert answer.headers["X-Frame-Options"] == "DENY"
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert answer.headers["Cache-Control"] == "no-store"
    css = ConsoleClient(served.url).get("/console/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "http" not in re.sub(r"/\*.*?\*/", "", css.text, flags=re.S)  # nothing fetched
