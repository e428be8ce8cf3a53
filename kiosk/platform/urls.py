"""Checks on the addresses the kiosk calls and the center listens on: whether a host is
loopback (where plain http may carry a token), and whether a URL is http(s) with a host."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP address) is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_http_url(url: str) -> SplitResult:
    """The parts of an http(s) URL with a host; raises ``ValueError`` for anything else
    (pydantic validators report it as the field's error)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    return parts
