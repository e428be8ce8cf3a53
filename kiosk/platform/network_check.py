"""Can this terminal reach its backend and its fleet server, and how fast?"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reachability:
    """One target's result: reachable or not, connect latency, and why not."""

    name: str
    target: str
    reachable: bool
    latency_ms: float | None
    reason: str


def check_url(name: str, url: str, timeout_s: float = 2.0) -> Reachability:
    """Opens a TCP connection to the URL's host and port (no request is sent)."""
    if not url:
        return Reachability(name, "", True, None, "not_configured")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    start = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except TimeoutError:
        return Reachability(name, f"{host}:{port}", False, None, "timeout")
    except OSError as e:
        return Reachability(name, f"{host}:{port}", False, None, type(e).__name__)
    return Reachability(name, f"{host}:{port}", True, (time.perf_counter() - start) * 1000, "ok")
