"""Masking of personal data for screens, receipts and logs.

Identity numbers: 110***********1234. Plates: 苏D4***0. Member IDs: first 2 and last 2.
Names: 张*, 阿*******. Mobile numbers: 138****5678. Addresses: the first 6 characters.
"""

from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3})([0-9Xx])(?![0-9A-Za-z])")
_ID_FULL = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"([{_PROVINCES}][A-Z])([A-Z0-9]{{5,6}})([挂学警港澳领]?)")
_TOKEN = re.compile(r"\b(MT1|VC1|TB1|AP1|RQ1)\.[A-Za-z0-9_\-.=]+")
_QUERY_SECRET = re.compile(r"([?&](?:token|status_token)=)[^&\s#]+", re.IGNORECASE)
_MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)\d{4}(\d{4})(?![0-9])")


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110***********1234 (keeps 3 + last 4)."""
    v = value.strip()
    if len(v) <= 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_plate(value: str) -> str:
    """苏D43210 -> 苏D4***0: province, office letter, first and last character kept."""
    v = value.strip()
    if len(v) < 5:
        return v[:1] + "*" * (len(v) - 1)
    return v[:3] + "*" * (len(v) - 4) + v[-1]


def mask_member_id(value: str) -> str:
    """M20230517 -> M2*****17: enough to tell two receipts apart, not enough to reuse."""
    v = value.strip()
    if len(v) <= 4:
        return "*" * len(v)
    return v[:2] + "*" * (len(v) - 4) + v[-2:]


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, 阿依古丽·买买提 -> 阿*******: the first character only."""
    v = value.strip()
    return v[:1] + "*" * (len(v) - 1) if v else ""


def mask_mobile(value: str) -> str:
    """13812345678 -> 138****5678."""
    v = value.strip()
    if len(v) < 8:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_address(value: str, keep: int = 6) -> str:
    """北京市东城区景山前街4号 -> 北京市东城区******: the district stays, the street goes."""
    v = value.strip()
    if len(v) <= keep:
        return v[:2] + "*" * (len(v) - 2) if len(v) > 2 else "*" * len(v)
    return v[:keep] + "*" * min(len(v) - keep, 8)


def mask_text(text: str) -> str:
    """Masks every identity number, plate, mobile number and scan token found in free text
    (for logs)."""
    text = _ID_FULL.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _PLATE.sub(lambda m: mask_plate(m.group(1) + m.group(2)) + m.group(3), text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}<redacted>", text)
    return _TOKEN.sub(lambda m: f"{m.group(1)}.<redacted>", text)
