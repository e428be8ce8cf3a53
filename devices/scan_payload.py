"""What a scan may contain: bounds on raw bytes, and the kinds of payload the flows use.

Every scanner source hands raw bytes here. Payloads are checked before any flow sees them:
too long, not text, or made of control characters are rejected with a reason code. Invisible
format characters (bidi overrides and isolates, zero-width spaces and joiners, the BOM, line
and paragraph separators) are refused too: a code or URL must look on screen like what it is.

Payload kinds are recognised by prefix (the formats are the project's own, issued by the
center): ``MT1.`` member token, ``VC1.`` pickup voucher, ``TB1.`` technician badge,
``AP1.`` resident-ID application status, ``RQ1.`` resident request status,
``http(s)://`` URL; anything else is ``unknown``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class PayloadKind(StrEnum):
    """What a scanned code is for."""

    MEMBER_TOKEN = "member_token"
    VOUCHER = "voucher"
    TECHNICIAN_BADGE = "technician_badge"
    APPLICATION = "application"
    REQUEST = "request"
    URL = "url"
    UNKNOWN = "unknown"


_PREFIXES = (
    ("MT1.", PayloadKind.MEMBER_TOKEN),
    ("VC1.", PayloadKind.VOUCHER),
    ("TB1.", PayloadKind.TECHNICIAN_BADGE),
    ("AP1.", PayloadKind.APPLICATION),
    ("RQ1.", PayloadKind.REQUEST),
)
_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
# C0 and C1 controls, DEL. Tab and GS (the GS1 separator) are allowed inside a payload.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1c\x1e\x1f\x7f-\x9f]")
_TRIM = "\r\n\t \x00"
#: Unicode categories that are never shown: format (Cf: bidi controls, zero-width characters,
#: the BOM, soft hyphen, tags) and the line and paragraph separators.
_INVISIBLE = frozenset({"Cf", "Zl", "Zp"})


def invisible_chars(text: str) -> list[str]:
    """The code points of ``text`` (as ``U+XXXX``) that are invisible format characters."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in _INVISIBLE]


class PayloadError(ValueError):
    """A scan that cannot be used; ``reason`` is a stable code the app translates."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def classify(text: str) -> PayloadKind:
    """The kind of a checked payload, by prefix or shape."""
    for prefix, kind in _PREFIXES:
        if text.startswith(prefix):
            return kind
    if _URL.match(text):
        return PayloadKind.URL
    return PayloadKind.UNKNOWN


def check_payload(raw: bytes, *, max_bytes: int = 2048, text: str | None = None) -> str:
    """Returns the payload as text, or raises PayloadError.

    ``text`` is the decoder's own reading when it has one (a QR decoder knows the character
    set); otherwise the bytes are read as UTF-8, then GB18030 (common in Chinese scanners).
    Surrounding whitespace and line terminators are trimmed: wedge and serial scanners append
    them.
    """
    if len(raw) > max_bytes:
        raise PayloadError("scan.too_long", f"{len(raw)} bytes > {max_bytes}")
    if text is None:
        for encoding in ("utf-8", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise PayloadError("scan.not_text", f"{len(raw)} bytes, not UTF-8 or GB18030")
    text = text.strip(_TRIM)
    if not text or not _CONTROL.sub("", text).strip():
        raise PayloadError("scan.empty", "nothing but control characters or whitespace")
    if _CONTROL.search(text):
        raise PayloadError("scan.control_chars", "control characters inside the payload")
    if "\ufffd" in text:
        raise PayloadError("scan.not_text", "undecodable bytes")
    hidden = invisible_chars(text)
    if hidden:
        raise PayloadError(
            "scan.control_chars", f"invisible format characters {', '.join(hidden[:4])}"
        )
    return text


@dataclass(frozen=True)
class ScanEvent:
    """One accepted scan, the same shape from every source.

    Attributes:
        text: the checked payload.
        raw: the exact bytes the source delivered (before trimming).
        symbology: e.g. ``QRCode``; ``unknown`` when a wedge or serial scanner does not say.
        source: ``camera``, ``hid``, ``serial`` or ``simulated``.
        at: ``time.monotonic()`` of the read.
        kind: what the payload is for, from :func:`classify`.
    """

    text: str
    raw: bytes
    symbology: str
    source: str
    at: float
    kind: PayloadKind

    def __repr__(self) -> str:
        # Payloads can be member tokens or vouchers: never put them whole in a log line.
        return (
            f"ScanEvent(kind={self.kind}, source={self.source}, symbology={self.symbology}, "
            f"len={len(self.raw)})"
        )


@dataclass(frozen=True)
class ScanRejected:
    """A read that was refused, with the reason code and the source; no payload kept."""

    reason: str
    source: str
    length: int
    at: float
