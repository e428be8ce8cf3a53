"""Media the operators uploaded: kept by content hash, as the kiosks' media store keeps them.

A file is stored once as ``<data>/content/media/sha256-<hex>.<ext>`` (an upload of the same
bytes again keeps the one file), can be previewed in the console, and goes to the kiosks with
a configuration publish, which signs it into the fleet repository under the same name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.content.media import MediaStore
from kiosk.content.model import MediaRef

MEDIA_NAME = re.compile(r"^sha256-([0-9a-f]{64})(\.[a-z0-9]{1,8})?$")
KINDS = {
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".webp": "image",
    ".gif": "image",
    ".mp4": "video",
    ".webm": "video",
}
CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
}
_MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webm": (b"\x1a\x45\xdf\xa3",),
}


class MediaRefused(ValueError):
    """An upload that is not kept: the translation key of the reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Medium:
    """An uploaded file.

    Attributes:
        name: ``sha256-<hex>.<ext>``.
        digest: the hex SHA-256.
        kind: ``image`` or ``video``.
        size: bytes.
    """

    name: str
    digest: str
    kind: str
    size: int

    @property
    def ref(self) -> str:
        """``sha256:<hex>``, as a playlist names it."""
        return f"sha256:{self.digest}"


def suffix_of(filename: str) -> str:
    """The lower-case extension of an uploaded file's name ('' if none we take)."""
    suffix = Path(filename).suffix.lower()
    return suffix if suffix in KINDS else ""


def looks_like(data: bytes, suffix: str) -> bool:
    """Whether ``data`` starts as a file of its extension does."""
    if suffix == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if suffix == ".mp4":
        return data[4:8] == b"ftyp"
    return any(data.startswith(m) for m in _MAGIC.get(suffix, ()))


def keep_upload(store: MediaStore, filename: str, data: bytes) -> MediaRef:
    """Stores an uploaded file by its hash; raises :class:`MediaRefused`."""
    suffix = suffix_of(filename)
    if not suffix:
        raise MediaRefused("console.content.bad_type")
    if not data:
        raise MediaRefused("console.content.empty")
    if not looks_like(data, suffix):
        raise MediaRefused("console.content.not_what_it_says")
    return store.add(data, suffix)


def uploaded(folder: Path) -> list[Medium]:
    """Every uploaded file, by name."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        m = MEDIA_NAME.match(path.name)
        if m and path.is_file():
            suffix = m.group(2) or ""
            out.append(
                Medium(path.name, m.group(1), KINDS.get(suffix, "other"), path.stat().st_size)
            )
    return out


def medium_path(folder: Path, name: str) -> Path | None:
    """The uploaded file called ``name`` (only such names), or None."""
    if not MEDIA_NAME.match(name):
        return None
    path = folder / name
    return path if path.is_file() else None
