"""Who is asking, and may they: the session cookie, roles on every route, CSRF tokens.

- **Session cookie** ``console_session``: a random token (the server keeps its hash and the
  session); ``HttpOnly``, ``SameSite=Strict``, ``Path=/console``, and ``Secure`` when the
  request came over TLS. Sessions end when idle (see :mod:`center.staff.store`).
- **Roles** are checked on the server for every route by :meth:`Guard.role`: no session is a
  redirect to the sign-in page, another role is 403 (and audited as ``access.denied``).
- **CSRF**: every state-changing form carries ``csrf_token``. Signed in, it is the session's
  own token; on the sign-in form (no session yet) it is a token the server signed with a key
  of its own (:class:`SignInTokens`) that expires. A POST without a valid one, or whose
  ``Origin`` is another site's, is refused with 403 before anything changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.datastructures import FormData

from center.console.context import ConsoleContext
from center.console.navigation import PREFIX
from center.staff.model import Role, Session

SESSION_COOKIE = "console_session"
CSRF_FIELD = "csrf_token"
SIGN_IN_TOKEN_TTL_S = 2 * 3600


class SignInNeeded(Exception):
    """No live session: the browser goes to the sign-in page (and back to ``next_url``)."""

    def __init__(self, next_url: str = "") -> None:
        super().__init__("sign in first")
        self.next_url = next_url


class Refused(Exception):
    """A request the console refuses: its status and the translation key of the reason."""

    def __init__(self, status: int, reason_key: str) -> None:
        super().__init__(reason_key)
        self.status = status
        self.reason_key = reason_key


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (a proxy's, unless uvicorn trusts it)."""
    return request.client.host if request.client else "unknown"


def is_tls(request: Request) -> bool:
    """Whether the request came over TLS (so the cookie must be ``Secure``)."""
    return request.url.scheme == "https"


def _cookie(request: Request, value: str, extra: str = "") -> str:
    # Written out by hand: http.cookies spells the attribute "SameSite=strict", and some
    # clients and checks compare it as written in RFC 6265bis ("Strict").
    secure = "; Secure" if is_tls(request) else ""
    return f"{SESSION_COOKIE}={value}; HttpOnly; Path={PREFIX}; SameSite=Strict{secure}{extra}"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """Gives the browser its session token (a session cookie: gone when the browser
    closes; the server ends it sooner when idle)."""
    response.headers.append("set-cookie", _cookie(request, token))


def clear_session_cookie(response: Response, request: Request) -> None:
    """Makes the browser forget its session token."""
    expired = "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    response.headers.append("set-cookie", _cookie(request, '""', expired))


def safe_next(url: str | None) -> str:
    """``url`` if it is a console page of this site, else the console's start."""
    if url and url.startswith(PREFIX + "/") and not url.startswith("//") and "\\" not in url:
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc:
            return url
    return PREFIX + "/"


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


class SignInTokens:
    """The sign-in form's CSRF tokens: ``<time>.<nonce>.<hmac>``, valid for two hours.

    No session exists before sign-in; the token proves the form came from this server.
    """

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        """A fresh token for the sign-in form."""
        body = f"{int(self._clock())}.{secrets.token_urlsafe(16)}"
        return f"{body}.{self._mac(body)}"

    def valid(self, token: str | None) -> bool:
        """Whether ``token`` is one of ours and not expired."""
        if not token or len(token) > 200 or token.count(".") != 2 or not token.isascii():
            return False
        body, _, mac = token.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return False
        issued = int(body.split(".", 1)[0]) if body.split(".", 1)[0].isdigit() else 0
        return 0 <= self._clock() - issued <= SIGN_IN_TOKEN_TTL_S


@dataclass(frozen=True)
class Posted:
    """A state-changing request that passed the checks: who, the form, from where."""

    session: Session
    form: FormData
    client: str


class Guard:
    """The dependencies every console route uses (see the module docstring)."""

    def __init__(self, ctx: ConsoleContext) -> None:
        self.ctx = ctx

    async def session(self, request: Request) -> Session | None:
        """The request's live session, or None (also remembered for the page's header)."""
        if hasattr(request.state, "console_session"):
            found: Session | None = request.state.console_session
            return found
        token = request.cookies.get(SESSION_COOKIE)
        session = await asyncio.to_thread(self.ctx.staff.session, token) if token else None
        request.state.console_session = session
        return session

    def role(self, *roles: Role) -> Callable[[Request], Awaitable[Session]]:
        """A dependency admitting a signed-in account of one of ``roles``."""

        async def check(request: Request) -> Session:
            session = await self.session(request)
            if session is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise SignInNeeded(target if request.method == "GET" else "")
            if session.account.role not in roles:
                await asyncio.to_thread(
                    self.ctx.audit_action,
                    session,
                    client_address(request),
                    "access.denied",
                    request.url.path,
                    f"{request.method}; needs {'/'.join(r.value for r in roles)}",
                    "refused",
                )
                raise Refused(403, "console.denied.role")
            return session

        return check

    def posted(self, *roles: Role) -> Callable[[Request], Awaitable[Posted]]:
        """A dependency for a state-changing form of ``roles``: session, role, CSRF."""
        role_check = self.role(*roles)

        async def check(request: Request) -> Posted:
            session = await role_check(request)
            form = await request.form()
            token = form.get(CSRF_FIELD)
            if (
                not same_origin(request)
                or not isinstance(token, str)
                or not hmac.compare_digest(token.encode(), session.csrf_token.encode())
            ):
                await asyncio.to_thread(
                    self.ctx.audit_action,
                    session,
                    client_address(request),
                    "csrf.refused",
                    request.url.path,
                    "no valid CSRF token" if same_origin(request) else "another site's form",
                    "refused",
                )
                raise Refused(403, "console.denied.csrf")
            return Posted(session, form, client_address(request))

        return check
