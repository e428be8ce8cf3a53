"""Every request body is capped before anything reads it, whoever sends it."""

from __future__ import annotations

import resource
import socket
from urllib.parse import urlsplit

import requests

from center.app import MAX_BODY_BYTES
from tests.support.uvicorn_server import RunningCenter


def _raw_post(url: str, path: str, headers: dict[str, str], chunks: int, chunk: bytes) -> str:
    """Sends the head, then up to ``chunks`` chunks while the server still reads; returns the
    status line the server answered with."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as s:
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        s.sendall(head.encode("ascii"))
        try:
            for _ in range(chunks):
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: it has answered
        answer = s.recv(4096).decode("latin-1", "replace")
    return answer.split("\r\n", 1)[0]


def test_a_64_mb_unauthenticated_post_is_refused_unread(center: RunningCenter) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    size = 64 * 1024 * 1024
    status = _raw_post(
        center.url,
        "/v1/violations/vehicle-lookups",
        {"Content-Type": "application/json", "Content-Length": str(size)},
        chunks=size // 65536,
        chunk=b"x" * 65536,
    )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert status.startswith("HTTP/1.1 413"), status
    assert grown_mb < 64, f"peak memory grew by {grown_mb:.0f} MB"


def test_a_chunked_body_past_the_cap_is_refused(center: RunningCenter) -> None:
    piece = b"x" * 16384
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    status = _raw_post(
        center.url,
        "/v1/violations/vehicle-lookups",
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        chunks=(4 * MAX_BODY_BYTES) // len(piece),
        chunk=chunk,
    )
    assert status.startswith("HTTP/1.1 413"), status


def test_ordinary_requests_are_untouched(center: RunningCenter) -> None:
    assert requests.get(center.url + "/v1/health", timeout=60).status_code == 200
    small = requests.post(
        center.url + "/v1/violations/vehicle-lookups",
        json={"plate_type": "02", "plate": "苏E8D2K7", "secret": "4G15B08327"},
        timeout=60,
    )
    assert small.status_code == 401  # read, then refused for the missing token: not 413
