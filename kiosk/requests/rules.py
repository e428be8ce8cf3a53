"""The rules of a request that both ends apply (no Qt): the shape of every field and of the
photo. The embedded intake and the center both refuse what fails them, so a kiosk whose
flow let something through still gets one clear refusal.

- :func:`submission_problems`: the names of the fields that are not what a request needs;
- :func:`photo_problem`: the refusal code for a photo that is too large or not a JPEG;
- :func:`description_problem`: what the flow tells a resident about their description
  (a translation key), against the configured length;
- :data:`TRANSITIONS`, :func:`staff_text_problem`: what staff may do to a request;
  :func:`handling`: which category's department and promise a request gets.

Which categories and compounds a terminal offers is its configuration's
(:class:`~kiosk.platform.requests_config.RequestsConfig`); here ids are checked for shape
only (the center takes what any terminal offers). Nothing here logs personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kiosk.platform.requests_config import RequestCategory
from kiosk.requests.model import MAX_DESCRIPTION_CHARS, MAX_PHOTO_BYTES, OPEN_STATUSES

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
BUILDING = re.compile(r"[1-9][0-9]{0,3}")
"""A building number from the digit pad (1-9999)."""
UNIT = re.compile(r"([1-9][0-9]{0,2})?")
"""A unit number (1-999), or empty where the building has none."""
MOBILE = re.compile(r"1[3-9][0-9]{9}")
"""A mainland mobile number."""
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # a newline is allowed
JPEG_START = b"\xff\xd8\xff"
FALLBACK_CATEGORY = "other"

DESCRIPTION_EMPTY = "requests.problem.description_empty"
DESCRIPTION_TOO_LONG = "requests.problem.description_too_long"
DESCRIPTION_CONTROL = "requests.problem.description_control"


def description_problem(text: str, max_chars: int = MAX_DESCRIPTION_CHARS) -> str:
    """ "" for a description that may be sent, else the problem's translation key: empty
    (blank), too long (over ``max_chars`` after trimming), or holding control characters."""
    trimmed = text.strip()
    if not trimmed:
        return DESCRIPTION_EMPTY
    if len(trimmed) > min(max_chars, MAX_DESCRIPTION_CHARS):
        return DESCRIPTION_TOO_LONG
    if _CONTROL.search(trimmed):
        return DESCRIPTION_CONTROL
    return ""


def submission_problems(
    fields: Mapping[str, Any], *, max_description: int = MAX_DESCRIPTION_CHARS
) -> list[str]:
    """The names of the fields of a submission
    (:meth:`~kiosk.requests.model.RequestSubmission.fields`) that are not what a request
    needs; empty when it may be taken. A description must be trimmed already."""
    bad: list[str] = []

    def text(name: str) -> str:
        value = fields.get(name, "")
        return value if isinstance(value, str) else "\x00"

    for name in ("category", "compound_id"):
        if not SLUG.fullmatch(text(name)):
            bad.append(name)
    if not BUILDING.fullmatch(text("building")):
        bad.append("building")
    if not UNIT.fullmatch(text("unit")):
        bad.append("unit")
    description = text("description")
    if description != description.strip() or description_problem(description, max_description):
        bad.append("description")
    mobile = text("mobile")
    if mobile and not MOBILE.fullmatch(mobile):
        bad.append("mobile")
    callback = fields.get("callback")
    if not isinstance(callback, bool) or (callback and not mobile):
        bad.append("callback")
    if not _aware_time(fields.get("submitted_at")):
        bad.append("submitted_at")
    return bad


def photo_problem(photo: bytes | None) -> str:
    """ "" for no photo or one that may be sent; else ``photo_too_large`` or
    ``not_a_jpeg`` (the center decodes it too; here only its start is checked)."""
    if photo is None:
        return ""
    if len(photo) > MAX_PHOTO_BYTES:
        return "photo_too_large"
    if not photo.startswith(JPEG_START):
        return "not_a_jpeg"
    return ""


def _aware_time(value: object) -> bool:
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "assign": (OPEN_STATUSES, "assigned"),
    "update": (OPEN_STATUSES, "in_progress"),
    "done": (OPEN_STATUSES, "done"),
    "close": (OPEN_STATUSES, "closed"),
}
"""Staff action -> (the statuses it may follow, the status it makes). Any of them is the
request's first response; ``done`` and ``close`` are final."""
MAX_STAFF_TEXT = 200
"""The longest department, note, result or reason (characters)."""
MAX_DEPARTMENT = 32


def handling(categories: Sequence[RequestCategory], category_id: str) -> RequestCategory:
    """The category that handles ``category_id``: itself, else ``other``, else the last one
    (a terminal may offer a category this end's configuration does not know yet: the request
    is still taken, with the catch-all's department and promise)."""
    by_id = {c.id: c for c in categories}
    return by_id.get(category_id) or by_id.get(FALLBACK_CATEGORY) or categories[-1]


def staff_text_problem(action: str, text: str, department: str = "") -> str:
    """Why a staff action may not be taken as given ("" if it may): an unknown action, an
    assignment without a department, a note, result or reason missing or too long."""
    if action not in TRANSITIONS:
        return f"unknown action {action!r}"
    if action == "assign":
        if not department.strip() or len(department.strip()) > MAX_DEPARTMENT:
            return "an assignment needs a department (at most 32 characters)"
        return ""
    if not text.strip():
        return f"{action} needs a text the resident reads"
    if len(text.strip()) > MAX_STAFF_TEXT or _CONTROL.search(text.strip()):
        return f"the text is too long (at most {MAX_STAFF_TEXT} characters) or has controls"
    return ""
