"""The console in a real browser: headless Chromium (Debian's, through Selenium) against the
center as ``center serve`` builds it, on 127.0.0.1, with a fresh data directory and accounts
made by ``center staff add``.

Covers sign-in, the lockout, a CSRF rejection, every page, fulfilling a voucher by typing a
scan where no field has the focus (as a keyboard-wedge scanner does), and publishing a
configuration that a real fleet agent then verifies and applies (and a rollback it follows).
A screenshot of every page goes to ``out/console/``.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select

from center.app import build_app
from center.fleet.history import HISTORY_FILE, HealthHistory
from kiosk.application.http import HttpApplicationService
from kiosk.fleet.heartbeat import DeviceReport, Heartbeat
from kiosk.framework.masking import mask_member_id
from kiosk.platform.http_client import HttpClient
from kiosk.platform.requests_config import DEFAULT_CATEGORIES
from kiosk.points.model import CartLine
from kiosk.requests.http import HttpRequestService
from tests.conftest import PROJECT_ROOT
from tests.support.browser import (
    TABLET,
    chromium,
    click,
    element,
    open_page,
    screenshot,
    submit,
    text_appears,
    text_of,
    wait,
)
from tests.support.center_fixtures import kiosk_config
from tests.support.uvicorn_server import UvicornThread
from tests.unit.center.applications.conftest import submission
from tests.unit.center.requests.conftest import submission as request_submission
from tests.unit.kiosk.fleet.fleet_support import Fleet, Kiosk, make_fleet, make_kiosk

SHOTS = PROJECT_ROOT / "out" / "console"
PASSWORD = "counter-pass-2026"


@dataclass
class Console:
    """The running center, its fleet and one kiosk with a real agent."""

    url: str
    data_dir: Path
    fleet: Fleet
    kiosk: Kiosk


def staff_add(data_dir: Path, name: str, role: str, password: str = PASSWORD) -> None:
    """``center staff add NAME --role ROLE --password-stdin``, as an administrator runs it."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "center.cli",
            "--data-dir",
            str(data_dir),
            "staff",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
        ],
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
    )


def past_day_of_health(fleet_dir: Path, terminal_id: str) -> None:
    """A day of the terminal's health in the center's history, so the timeline has
    something to draw: paper running low then out, the printer offline, the camera
    degraded, and two hours without a heartbeat."""
    now = datetime.now(UTC)
    history = HealthHistory(fleet_dir / HISTORY_FILE)
    steps = [
        (23.0, "ok", "ready", "ready", "ready"),
        (18.0, "ok", "paper_low", "ready", "ready"),
        (15.5, "ok", "paper_out", "offline", "ready"),
        (14.8, "ok", "ready", "ready", "ready"),
        (11.0, "trial", "ready", "ready", "degraded"),
        (10.5, "ok", "ready", "ready", "ready"),
        (4.0, "unreachable", "ready", "ready", "ready"),  # then silent for two hours
        (1.5, "ok", "ready", "ready", "ready"),
    ]
    try:
        for hours_ago, state, paper, printer, camera in steps:
            heartbeat = Heartbeat(
                terminal_id=terminal_id,
                group="lobby",
                app_version="0.1.0",
                fleet_state=state,
                paper=paper,
                clock=now,
                devices={
                    "printer": DeviceReport(
                        level=printer, reason=paper if printer != "ready" else "ok"
                    ),
                    "camera": DeviceReport(
                        level=camera, reason="low_fps" if camera != "ready" else "ok"
                    ),
                },
            )
            history.record(heartbeat, now - timedelta(hours=hours_ago))
    finally:
        history.close()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """The center with keys installed, four accounts and one kiosk (group ``lobby``) that has
    sent a heartbeat."""
    root = tmp_path_factory.mktemp("console")
    fleet = make_fleet(root)  # keys made and installed in <root>/center/fleet
    data_dir = root / "center"
    for name, role in (
        ("op", "operator"),
        ("desk", "staff"),
        ("audit", "auditor"),
        ("locky", "staff"),
    ):
        staff_add(data_dir, name, role)
    # The JSON registry the fleet harness registers its kiosk in (as --terminals FILE).
    app = build_app(data_dir, data_dir / "terminals.json")
    with UvicornThread(app, name="uvicorn-console") as server:
        fleet.url = server.url
        kiosk = make_kiosk(fleet, root / "kiosks", "kiosk-b1", "lobby")
        assert kiosk.agent.send_heartbeat() is not None
        past_day_of_health(data_dir / "fleet", "kiosk-b1")
        try:
            yield Console(server.url, data_dir, fleet, kiosk)
        finally:
            kiosk.agent.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module; each test starts signed out."""
    with chromium() as driver:
        yield driver


@pytest.fixture(autouse=True)
def signed_out(browser: WebDriver, console: Console) -> None:
    """Every test begins without a session (and at desktop size)."""
    browser.set_window_size(1366, 900)
    browser.get(console.url + "/console/login")
    browser.delete_all_cookies()


def sign_in(driver: WebDriver, console: Console, name: str, password: str = PASSWORD) -> None:
    """Fills and sends the sign-in form."""
    open_page(driver, console.url + "/console/login", r"/console/login")
    element(driver, "#username").send_keys(name)
    element(driver, "#password").send_keys(password)
    submit(driver, "button[type=submit]")


def test_sign_in_needs_a_session_then_lands_on_the_roles_page(
    browser: WebDriver, console: Console
) -> None:
    open_page(browser, console.url + "/console/", r"/console/login")
    text_appears(browser, "用户名")
    screenshot(browser, SHOTS, "login")
    sign_in(browser, console, "op")
    wait(browser).until(ec.url_contains("/console/fleet"))
    cookie = browser.get_cookie("console_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_sign_in_form_without_its_csrf_field_is_refused(
    browser: WebDriver, console: Console
) -> None:
    open_page(browser, console.url + "/console/login", r"/console/login")
    browser.execute_script("document.querySelector('input[name=csrf_token]').remove()")
    element(browser, "#username").send_keys("op")
    element(browser, "#password").send_keys(PASSWORD)
    submit(browser, "button[type=submit]")
    text_appears(browser, "登录表单已过期")
    screenshot(browser, SHOTS, "login-csrf-refused")
    assert browser.get_cookie("console_session") is None


def test_five_wrong_passwords_lock_the_account(browser: WebDriver, console: Console) -> None:
    for _ in range(4):
        sign_in(browser, console, "locky", "not-the-password")
        text_appears(browser, "用户名或密码不正确")
    sign_in(browser, console, "locky", "not-the-password")
    text_appears(browser, "账户已锁定")
    sign_in(browser, console, "locky")  # the right password, while locked
    text_appears(browser, "账户已锁定")
    screenshot(browser, SHOTS, "login-locked")
    assert browser.get_cookie("console_session") is None


def test_operator_pages_and_a_refusal(browser: WebDriver, console: Console) -> None:
    sign_in(browser, console, "op")
    wait(browser).until(ec.url_contains("/console/fleet"))
    text_appears(browser, "kiosk-b1")
    screenshot(browser, SHOTS, "fleet")
    click(browser, "a[href='/console/fleet/terminals/kiosk-b1']")
    element(browser, "svg.timeline")
    screenshot(browser, SHOTS, "fleet-terminal")
    open_page(browser, console.url + "/console/content", r"/console/content$")
    element(browser, ".item-card img")
    wait(browser).until(
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('.item-card img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
    )
    screenshot(browser, SHOTS, "content")
    open_page(browser, console.url + "/console/vouchers", r"/console/vouchers")
    text_appears(browser, "无权打开此页面")
    screenshot(browser, SHOTS, "refused")


def test_a_published_configuration_reaches_a_real_agent(
    browser: WebDriver, console: Console
) -> None:
    sign_in(browser, console, "op")
    wait(browser).until(ec.url_contains("/console/fleet"))
    open_page(browser, console.url + "/console/config?audience=group:lobby", r"/console/config")

    def check(text: str) -> None:
        area = element(browser, "#text")
        area.clear()
        area.send_keys(text)
        submit(browser, "form[action$='/config/check'] button[type=submit]")

    check("[ui]\nvolume = 500\n")
    element(browser, "#problems")
    text_appears(browser, "ui.volume")
    screenshot(browser, SHOTS, "config-refused")

    check("[ui]\nvolume = 35\nelder_scale = 1.5\n")
    element(browser, "#checked")
    text_appears(browser, "ui.elder_scale")
    screenshot(browser, SHOTS, "config-diff")
    submit(browser, "#publish")
    text_appears(browser, "已签名发布")
    screenshot(browser, SHOTS, "config-published")

    kiosk = console.kiosk
    assert kiosk.agent.poll_once().outcome == "applied"
    assert kiosk.store.config.ui.volume == 35
    assert kiosk.store.config.config_version == "group:lobby@1"

    check("[ui]\nvolume = 45\n")
    submit(browser, "#publish")
    text_appears(browser, "第 2 版")
    assert kiosk.agent.poll_once().outcome == "applied"
    assert kiosk.store.config.ui.volume == 45

    rollback = element(browser, "form[action$='/config/rollback'] button")
    rollback.click()
    wait(browser).until(ec.alert_is_present()).accept()
    text_appears(browser, "第 3 版")
    screenshot(browser, SHOTS, "config")
    assert kiosk.agent.poll_once().outcome == "applied"
    assert kiosk.store.config.ui.volume == 35
    assert kiosk.store.config.config_version == "group:lobby@3"

    assert kiosk.agent.send_heartbeat() is not None
    open_page(browser, console.url + "/console/fleet", r"/console/fleet")
    text_appears(browser, "1/1")
    screenshot(browser, SHOTS, "fleet-converged")


def test_staff_fulfil_a_voucher_by_typing_its_scan(browser: WebDriver, console: Console) -> None:
    from center.points.store import open_center_ledger

    ledger = open_center_ledger(console.data_dir)
    try:
        voucher = ledger.redeem(
            "M20230517", [CartLine(item_id="eggs", quantity=1)], uuid.uuid4().hex, "kiosk-b1"
        ).value
    finally:
        ledger.close()
    sign_in(browser, console, "desk")
    wait(browser).until(ec.url_contains("/console/vouchers"))
    element(browser, "#scan")
    screenshot(browser, SHOTS, "vouchers")
    # A keyboard-wedge scanner types wherever the focus is: here, nowhere in particular.
    browser.execute_script("document.activeElement.blur()")
    ActionChains(browser).send_keys(voucher.qr_payload + Keys.ENTER).perform()
    wait(browser).until(ec.url_contains(f"/console/vouchers/{voucher.code}"))
    text_of(browser, "#voucher-status", "待领取")
    text_appears(browser, mask_member_id("M20230517"))
    assert "M20230517" not in browser.page_source
    screenshot(browser, SHOTS, "voucher")
    click(browser, "#fulfil")
    wait(browser).until(ec.url_contains("done=fulfilled"))
    text_of(browser, "#voucher-status", "已领取")
    screenshot(browser, SHOTS, "voucher-fulfilled")

    open_page(browser, console.url + "/console/members?member_id=M20230517", r"/console/members")
    text_appears(browser, "王*国")
    assert "王建国" not in browser.page_source
    screenshot(browser, SHOTS, "members")
    open_page(browser, console.url + "/console/points", r"/console/points$")
    text_appears(browser, "库存")
    screenshot(browser, SHOTS, "points")
    submit(browser, "form[action$='/points/report'] button")
    text_appears(browser, voucher.code)
    screenshot(browser, SHOTS, "points-report")

    browser.set_window_size(*TABLET)
    open_page(browser, console.url + "/console/vouchers", r"/console/vouchers$")
    element(browser, "#scan")
    screenshot(browser, SHOTS, "vouchers-tablet")
    open_page(browser, console.url + f"/console/vouchers/{voucher.code}", r"/console/vouchers/")
    screenshot(browser, SHOTS, "voucher-tablet")


def test_the_auditor_finds_and_exports_what_happened(browser: WebDriver, console: Console) -> None:
    sign_in(browser, console, "audit")
    wait(browser).until(ec.url_contains("/console/audit"))
    text_appears(browser, "signin.ok")
    screenshot(browser, SHOTS, "audit")
    action = element(browser, "input[name=action]")
    action.send_keys("signin.locked")
    click(browser, "form.filters button[type=submit]")
    wait(browser).until(ec.url_contains("action=signin.locked"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")
    assert rows and all("signin.locked" in r.text for r in rows)
    screenshot(browser, SHOTS, "audit-search")
    href = element(browser, "#export").get_attribute("href")
    assert href is not None
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    answer = requests.get(href, cookies=cookies, timeout=10)
    assert answer.status_code == 200
    text = answer.content.decode("utf-8-sig")
    assert text.startswith("time,account,role,client,action")
    assert "signin.locked" in text and "locky" in text


def test_staff_return_an_application_and_the_kiosk_shows_why(
    browser: WebDriver, console: Console
) -> None:
    token = console.fleet.tokens["kiosk-b1"]
    kiosk = HttpApplicationService(
        HttpClient(kiosk_config(console.url, "kiosk-b1", token), "kiosk-b1")
    )
    try:
        app = submission(41, terminal_id="kiosk-b1")
        receipt = kiosk.submit(app, uuid.uuid4().hex)
        assert kiosk.status(receipt.application_no, receipt.status_token).status == "submitted"

        sign_in(browser, console, "desk")
        wait(browser).until(ec.url_contains("/console/vouchers"))
        open_page(browser, console.url + "/console/applications", r"/console/applications$")
        text_appears(browser, receipt.application_no)
        screenshot(browser, SHOTS, "applications")
        browser.find_element(By.LINK_TEXT, receipt.application_no).click()
        wait(browser).until(ec.url_contains(receipt.application_no))
        wait(browser).until(
            lambda d: d.execute_script(
                "const i = document.querySelector('img.id-photo');"
                " return i !== null && i.complete && i.naturalWidth > 0"
            )
        )
        assert app.id_number not in browser.page_source
        screenshot(browser, SHOTS, "application")
        element(browser, "#reason").send_keys("照片背景不合格，请重新拍摄")
        click(browser, "#act-return")
        wait(browser).until(ec.url_contains("done=return"))
        text_of(browser, "#application-status", "已退回")
        screenshot(browser, SHOTS, "application-returned")

        status = kiosk.status(receipt.application_no, receipt.status_token)
        assert status.status == "returned"
        assert status.reason == "照片背景不合格，请重新拍摄"
    finally:
        kiosk.close()


def test_staff_assign_a_request_mark_it_done_and_the_kiosk_sees_it(
    browser: WebDriver, console: Console
) -> None:
    token = console.fleet.tokens["kiosk-b1"]
    kiosk = HttpRequestService(HttpClient(kiosk_config(console.url, "kiosk-b1", token), "kiosk-b1"))
    try:
        filed = request_submission(71, at=datetime.now(), terminal_id="kiosk-b1")
        receipt = kiosk.submit(filed, uuid.uuid4().hex)
        assert kiosk.status(receipt.code, receipt.status_token).status == "received"
        other = next(c.department for c in DEFAULT_CATEGORIES if c.department != receipt.department)

        sign_in(browser, console, "desk")
        wait(browser).until(ec.url_contains("/console/vouchers"))
        open_page(browser, console.url + "/console/requests", r"/console/requests$")
        text_appears(browser, receipt.code)
        assert filed.mobile not in browser.page_source
        screenshot(browser, SHOTS, "requests")
        browser.find_element(By.LINK_TEXT, receipt.code).click()
        wait(browser).until(ec.url_contains(receipt.code))
        wait(browser).until(
            lambda d: d.execute_script(
                "const i = document.querySelector('img.request-photo');"
                " return i !== null && i.complete && i.naturalWidth > 0"
            )
        )
        assert filed.mobile not in browser.page_source
        screenshot(browser, SHOTS, "request")

        Select(element(browser, "#department")).select_by_visible_text(other)
        click(browser, "#act-assign")
        wait(browser).until(ec.url_contains("done=assign"))
        text_of(browser, "#request-status", "已派单")
        text_of(browser, "#request-department", other)
        element(browser, "#text-done").send_keys("电梯已修复，已通知居民")
        click(browser, "#act-done")
        wait(browser).until(ec.url_contains("done=done"))
        text_of(browser, "#request-status", "已办结")
        text_of(browser, "#request-result", "电梯已修复")
        screenshot(browser, SHOTS, "request-done")

        status = kiosk.status(receipt.code, receipt.status_token)
        assert status.status == "done"
        assert status.department == other
        assert status.result == "电梯已修复，已通知居民"

        open_page(browser, console.url + "/console/requests/report", r"/console/requests/report")
        text_of(browser, "#report-totals", "当日受理")
        screenshot(browser, SHOTS, "requests-report")
        open_page(browser, console.url + "/console/usage", r"/console/usage")
        element(browser, "#chart-requests")
        screenshot(browser, SHOTS, "usage")
    finally:
        kiosk.close()
