"""The kiosk's HTTP client for the center: one place for timeouts, retries, TLS and errors.

- Explicit connect and read timeouts on every request, plus a limit on the whole answer body,
  so no call can hang.
- urllib3 ``Retry`` only where repeating is safe: idempotent methods, or a request carrying
  an ``Idempotency-Key`` (the center treats a repeat as the same request). Everything else
  goes through a session that never retries. Retries cover connection failures, dropped
  connections and 502/503/504, with a short capped back-off; ``Retry-After`` is not obeyed
  (a server must not stall a resident at the screen).
- TLS pinned to the center's own CA (``verify=<ca file>``).
- Failures become the typed errors of :mod:`kiosk.platform.service_errors`; 4xx carry the server's
  error code.

Nothing personal is logged: method, path, status and error code only.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
import uuid
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from kiosk import __version__
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.service_errors import (
    InvalidQuery,
    MalformedResponse,
    NotMatched,
    ServiceAuthError,
    ServiceError,
    ServiceRejected,
    ServiceServerError,
    ServiceTimeout,
    ServiceTlsError,
    ServiceUnreachable,
)

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_BODY_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024


def new_idempotency_key() -> str:
    """A fresh key for one logical call (kept the same across its retries)."""
    return uuid.uuid4().hex


_CONNECTION_LOST = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, BrokenPipeError)


class _Retry(Retry):
    """urllib3's retry, counting a connection lost mid-handshake as a connection error
    (retried like any other), while a certificate that does not verify is not retried."""

    def _is_connection_error(self, err: Exception) -> bool:
        return super()._is_connection_error(err) or _lost_connection(err)


def _lost_connection(exc: BaseException) -> bool:
    chain = _causes(exc)
    return any(isinstance(e, _CONNECTION_LOST) for e in chain) and not any(
        isinstance(e, ssl.SSLCertVerificationError) for e in chain
    )


def _retry(config: ServiceConfig) -> Retry:
    return _Retry(
        total=config.retries,
        connect=config.retries,
        read=min(1, config.retries),  # a dropped keep-alive connection; a timeout once more
        status=config.retries,
        other=0,
        allowed_methods=None,  # this session only ever sees calls that are safe to repeat
        status_forcelist=RETRY_STATUSES,
        backoff_factor=config.backoff_s,
        backoff_max=2.0,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (MaxRetryError.reason, args, __cause__), recursively."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop()
        if e in seen:
            continue
        seen.append(e)
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        if e.__cause__ is not None:
            todo.append(e.__cause__)
        if e.__context__ is not None:
            todo.append(e.__context__)
    return seen


def classify_transport_error(exc: requests.RequestException) -> ServiceError:
    """A requests/urllib3 failure as one of the typed service errors."""
    chain = _causes(exc)

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if _lost_connection(exc):
        # the connection dropped mid-handshake (a flaky network), not a certificate that
        # does not verify: as retryable as any other dropped connection
        return ServiceUnreachable(f"connection lost: {type(exc).__name__}")
    if has(requests.exceptions.SSLError, ssl.SSLError, urllib3.exceptions.SSLError):
        reason = next((str(e) for e in chain if isinstance(e, ssl.SSLError)), str(exc))
        return ServiceTlsError(f"TLS failed: {reason}")
    if has(urllib3.exceptions.NewConnectionError, urllib3.exceptions.NameResolutionError):
        return ServiceUnreachable("cannot connect to the center")
    if has(requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
        return ServiceUnreachable("connecting to the center timed out")
    if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return ServiceTimeout("the center did not answer in time")
    return ServiceUnreachable(f"connection failed: {type(exc).__name__}")


def _error_body(resp_body: bytes) -> tuple[str, dict[str, Any]]:
    try:
        data = json.loads(resp_body)
        error = data["error"]
        return str(error["code"]), error if isinstance(error, dict) else {}
    except (ValueError, KeyError, TypeError):
        return "", {}


class HttpClient:
    """JSON over HTTPS to the center, authenticated as one terminal.

    Thread-safe for concurrent calls up to ``pool_size`` connections.
    """

    def __init__(self, config: ServiceConfig, terminal_id: str) -> None:
        self.config = config
        self.base_url = config.base_url
        self.terminal_id = config.terminal_id or terminal_id
        self.timeout = (config.connect_timeout_s, config.read_timeout_s)
        headers = {
            "Accept": "application/json",
            "Cache-Control": "no-store",  # records change between lookups
            "User-Agent": f"governance-kiosk/{__version__}",
            "X-Terminal-Id": self.terminal_id,
        }
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        verify: str | bool = config.ca_file or True
        self._retrying = self._session(headers, verify, _retry(config))
        self._once = self._session(headers, verify, Retry(total=0, read=False, redirect=0))

    def _session(
        self, headers: dict[str, str], verify: str | bool, retry: Retry
    ) -> requests.Session:
        s = requests.Session()
        s.headers.update(headers)
        s.verify = verify
        s.trust_env = False  # no proxies or netrc from the environment: the center is known
        adapter = HTTPAdapter(
            max_retries=retry, pool_connections=1, pool_maxsize=self.config.pool_size
        )
        s.mount("https://", adapter)
        s.mount("http://", adapter)
        return s

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Sends one request and returns the decoded JSON answer.

        Retried only if ``method`` is idempotent or ``idempotency_key`` is given.
        Raises a :class:`ServiceError` subclass on any failure.
        """
        method = method.upper()
        retryable = method in IDEMPOTENT_METHODS or idempotency_key is not None
        session = self._retrying if retryable else self._once
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        deadline = time.monotonic() + self.config.total_timeout_s
        try:
            with session.request(
                method,
                self.base_url + path,
                json=json_body,
                headers=headers,
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            ) as resp:
                body = self._read_body(resp, deadline)
                status = resp.status_code
        except requests.RequestException as e:
            error = classify_transport_error(e)
            log.warning("%s %s failed: %s (%s)", method, path, error.code, error)
            raise error from e
        if 200 <= status < 300:
            try:
                return json.loads(body)
            except ValueError as e:
                log.warning("%s %s: answer is not JSON", method, path)
                raise MalformedResponse("the answer is not JSON") from e
        code, error_fields = _error_body(body)
        log.warning("%s %s: HTTP %d %s", method, path, status, code or "(no code)")
        if status >= 500:
            raise ServiceServerError(status=status, error_code=code)
        if code == InvalidQuery.code:
            raise InvalidQuery(code, field=str(error_fields.get("field", "")), status=status)
        if code == NotMatched.code:
            raise NotMatched(code, status=status)
        if status in (401, 403) or code.startswith("auth."):
            raise ServiceAuthError(code, status=status, error_code=code)
        if 400 <= status < 500:
            raise ServiceRejected(code or f"HTTP {status}", status=status, error_code=code)
        raise MalformedResponse(f"unexpected HTTP {status}")

    def _read_body(self, resp: requests.Response, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(_CHUNK):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise MalformedResponse("the answer is too large")
            if time.monotonic() > deadline:
                raise ServiceTimeout("the answer took too long as a whole")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Closes pooled connections."""
        self._retrying.close()
        self._once.close()
