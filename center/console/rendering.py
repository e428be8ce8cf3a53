"""Pages from Jinja2 templates, in Chinese first and English second.

Every text comes from the translation catalogue (``config/i18n/console.toml``): ``t(key)``
shows both languages (the English smaller, after the Chinese), ``tt(key)`` gives
"中文 / English" as plain text for attributes (placeholders, titles). Every answer carries
``no-store`` and a strict content security policy: the pages load their own stylesheet and
script only, nothing from elsewhere, and run no inline script.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from center.console.navigation import PREFIX, menu
from kiosk.framework.i18n import tr

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def t(key: str, **fields: Any) -> Markup:
    """Both languages of ``key``: ``<span lang=zh-CN>…</span> <span class=en>…</span>``."""
    zh = escape(tr(key, "zh_CN", **fields))
    en = escape(tr(key, "en", **fields))
    return Markup(
        f'<span class="zh" lang="zh-CN">{zh}</span> <span class="en" lang="en">{en}</span>'
    )


def tt(key: str, **fields: Any) -> str:
    """Both languages of ``key`` as plain text, for attributes."""
    return f"{tr(key, 'zh_CN', **fields)} / {tr(key, 'en', **fields)}"


def local_time(at: datetime | None, seconds: bool = True) -> str:
    """A time as the console shows it: the center's local time (naive times as they are)."""
    if at is None:
        return "—"
    if at.tzinfo is not None:
        at = at.astimezone()
    return at.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def age(seconds: float | None) -> str:
    """``41 s``, ``12 min``, ``3 h``, ``2 d``."""
    if seconds is None:
        return "—"
    s = max(0.0, seconds)
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 172800:
        return f"{s / 3600:.0f} h"
    return f"{s / 86400:.0f} d"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=t, tt=tt, prefix=PREFIX, menu=menu)
    env.filters.update(local=local_time, age=age, urlquote=lambda s: quote(str(s), safe=""))
    return env


ENV = _environment()


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` with ``context`` (and the signed-in session, if any)."""
    page = ENV.get_template(template)
    context.setdefault("session", getattr(request.state, "console_session", None))
    context.setdefault("path", request.url.path)
    context.setdefault("now", datetime.now(UTC))
    html = page.render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str) -> Response:
    """A 303 to ``url`` (after a form post: the browser then GETs it)."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
