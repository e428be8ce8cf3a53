"""A content-addressed media store: files named by SHA-256, verified before they are shown.

A reference is ``sha256:<hex>`` plus a path relative to a media folder. The store looks in
its folders in order (say, the folder the fleet agent fills, then the packaged
``config/content/media``) and answers with the first file whose content matches the hash. A
file that is missing, unreadable or does not match is reported, never shown: a tampered or
half-copied poster must not reach the screen.

Hashing is cached by (path, mtime, size), so checking a playlist on every turn of the attract
loop reads each file once until it changes.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kiosk.content.model import MediaRef
from kiosk.platform.atomic_file import write_atomic

log = logging.getLogger(__name__)


class MediaStatus(StrEnum):
    """What checking a reference found."""

    OK = "ok"
    MISSING = "missing"
    HASH_MISMATCH = "hash_mismatch"
    UNREADABLE = "unreadable"
    UNSAFE_PATH = "unsafe_path"


@dataclass(frozen=True)
class MediaCheck:
    """The result of checking one reference.

    Attributes:
        ref: the reference checked.
        status: ok, or why the medium cannot be shown.
        path: the verified file (when ok), else the file that failed, else None.
        detail: for technicians (the digest found, the OS error).
    """

    ref: MediaRef
    status: MediaStatus
    path: Path | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the medium may be shown."""
        return self.status is MediaStatus.OK


def sha256_of(path: Path) -> str:
    """The file's SHA-256 as hex."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class MediaStore:
    """Resolves and verifies ``sha256:`` references in one or more folders.

    Attributes:
        roots: the folders, searched in order.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        if not roots:
            raise ValueError("a media store needs at least one folder")
        self.roots = tuple(Path(r) for r in roots)
        self._digests: dict[Path, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def check(self, ref: MediaRef) -> MediaCheck:
        """Finds the first file for ``ref`` whose content matches its hash.

        When none matches, the answer names the most telling failure: a mismatch or an
        unreadable file over a missing one.
        """
        failures: list[MediaCheck] = []
        for root in self.roots:
            result = self._check_in(root, ref)
            if result.ok:
                return result
            failures.append(result)
        rank = {MediaStatus.HASH_MISMATCH: 0, MediaStatus.UNREADABLE: 1, MediaStatus.UNSAFE_PATH: 2}
        return min(failures, key=lambda c: rank.get(c.status, 9))

    def path_for(self, ref: MediaRef) -> Path | None:
        """The verified file for ``ref``, or None."""
        result = self.check(ref)
        return result.path if result.ok else None

    def add(self, data: bytes, suffix: str) -> MediaRef:
        """Stores ``data`` in the first folder as ``sha256-<hex><suffix>`` (atomically).

        For the fleet agent and tools; an existing file with the same content is kept.
        """
        if suffix and (not suffix.startswith(".") or "/" in suffix or "\\" in suffix):
            raise ValueError(f"bad suffix {suffix!r}")
        digest = hashlib.sha256(data).hexdigest()
        name = f"sha256-{digest}{suffix}"
        target = self.roots[0] / name
        if not (target.exists() and self._digest(target) == digest):
            write_atomic(target, data)
        return MediaRef(hash=f"sha256:{digest}", path=name)

    def forget(self) -> None:
        """Drops the verification cache (after the fleet agent replaced many files)."""
        with self._lock:
            self._digests.clear()

    def _check_in(self, root: Path, ref: MediaRef) -> MediaCheck:
        path = root / ref.path
        try:
            if not path.resolve().is_relative_to(root.resolve()):
                return MediaCheck(ref, MediaStatus.UNSAFE_PATH, None, "path leaves the folder")
        except (OSError, RuntimeError) as e:  # a symlink loop
            return MediaCheck(ref, MediaStatus.UNSAFE_PATH, None, str(e))
        if not path.is_file():
            return MediaCheck(ref, MediaStatus.MISSING, None, str(path))
        try:
            digest = self._digest(path)
        except OSError as e:
            return MediaCheck(ref, MediaStatus.UNREADABLE, path, f"{type(e).__name__}: {e}")
        if digest != ref.hex:
            log.warning("media %s does not match its hash (found sha256:%s)", path, digest)
            return MediaCheck(ref, MediaStatus.HASH_MISMATCH, path, f"found sha256:{digest}")
        return MediaCheck(ref, MediaStatus.OK, path)

    def _digest(self, path: Path) -> str:
        st = path.stat()
        key = path.resolve()
        with self._lock:
            cached = self._digests.get(key)
        if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
            return cached[2]
        digest = sha256_of(path)
        with self._lock:
            self._digests[key] = (st.st_mtime_ns, st.st_size, digest)
        return digest
