"""HTTP for python-tuf's ``Updater``: requests with timeouts, a pinned CA, no proxies from the
environment, kept-alive connections across polls, and conditional requests.

``timestamp.json`` (the only file a poll always downloads) is asked for with
``If-None-Match``; on ``304 Not Modified`` the bytes seen last time are handed to TUF, which
verifies them again like any download (a server answering 304 forever is a freeze attack,
which TUF's expiry check defeats). Every other metadata file is versioned and every target
hash-prefixed, so TUF only asks for them when they changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import requests
from requests.adapters import HTTPAdapter
from tuf.api import exceptions
from tuf.ngclient.fetcher import FetcherInterface
from urllib3.util.retry import Retry

from kiosk import __version__

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_CONDITIONAL_MAX = 64 * 1024  # timestamp.json is a few hundred bytes


class RequestsFetcher(FetcherInterface):
    """A ``FetcherInterface`` over one ``requests.Session`` (reuse it across Updaters).

    Args:
        ca_file: PEM file of the CA to pin; empty means the system store.
        connect_timeout_s, read_timeout_s: limits of each request.
    """

    def __init__(
        self, *, ca_file: str = "", connect_timeout_s: float = 3.0, read_timeout_s: float = 10.0
    ) -> None:
        self.timeout = (connect_timeout_s, read_timeout_s)
        s = requests.Session()
        s.trust_env = False
        s.verify = ca_file or True
        s.headers["User-Agent"] = f"governance-kiosk/{__version__} python-tuf"
        retry = Retry(total=1, connect=1, read=0, status=0, other=0, redirect=3, backoff_factor=0)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=2)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        self._session = s
        self._validators: dict[str, tuple[str, bytes]] = {}
        self.not_modified = 0
        self.requests = 0

    def _fetch(self, url: str) -> Iterator[bytes]:
        conditional = url.endswith("/timestamp.json")
        headers = {}
        cached = self._validators.get(url) if conditional else None
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        self.requests += 1
        try:
            resp = self._session.get(url, headers=headers, timeout=self.timeout, stream=True)
        except requests.Timeout as e:
            raise exceptions.SlowRetrievalError(f"{url}: timed out") from e
        except requests.RequestException as e:
            raise exceptions.DownloadError(f"{url}: {type(e).__name__}") from e
        if resp.status_code == 304 and cached is not None:
            self._drain(resp)
            self.not_modified += 1
            return iter([cached[1]])
        if resp.status_code >= 400:
            self._drain(resp)  # every poll gets a 404 for the next root: keep the connection
            raise exceptions.DownloadHTTPError(f"{url}: HTTP {resp.status_code}", resp.status_code)
        etag = resp.headers.get("ETag")
        if conditional and etag:
            body = self._read_all(resp, url)
            self._validators[url] = (etag, body)
            return iter([body])
        return self._chunks(resp, url)

    @staticmethod
    def _drain(resp: requests.Response) -> None:
        """Reads a short body to its end, so the connection goes back to the pool."""
        try:
            for _ in resp.iter_content(_CHUNK):
                pass
        except requests.RequestException:
            pass
        finally:
            resp.close()

    def _read_all(self, resp: requests.Response, url: str) -> bytes:
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(_CHUNK):
                size += len(chunk)
                if size > _CONDITIONAL_MAX:
                    raise exceptions.DownloadLengthMismatchError(f"{url}: too large")
                chunks.append(chunk)
        except requests.RequestException as e:
            raise exceptions.DownloadError(f"{url}: {type(e).__name__}") from e
        finally:
            resp.close()
        return b"".join(chunks)

    @staticmethod
    def _chunks(resp: requests.Response, url: str) -> Iterator[bytes]:
        try:
            yield from resp.iter_content(_CHUNK)
        except requests.Timeout as e:
            raise exceptions.SlowRetrievalError(f"{url}: timed out") from e
        except requests.RequestException as e:
            raise exceptions.DownloadError(f"{url}: {type(e).__name__}") from e
        finally:
            resp.close()

    def close(self) -> None:
        """Closes the kept-alive connections."""
        self._session.close()
