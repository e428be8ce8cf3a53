"""The content-addressed media store: resolving, verifying, refusing tampered files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from kiosk.content import media as media_module
from kiosk.content.media import MediaStatus, MediaStore
from kiosk.content.model import MediaRef

DATA = b"a poster, byte for byte"
DIGEST = hashlib.sha256(DATA).hexdigest()


def ref(path: str, digest: str = DIGEST) -> MediaRef:
    return MediaRef(hash=f"sha256:{digest}", path=path)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "media"
    f.mkdir()
    (f / f"sha256-{DIGEST}.png").write_bytes(DATA)
    return f


def test_a_matching_file_verifies(folder: Path) -> None:
    check = MediaStore([folder]).check(ref(f"sha256-{DIGEST}.png"))
    assert check.ok and check.path == folder / f"sha256-{DIGEST}.png"


def test_a_missing_file_is_reported(folder: Path) -> None:
    check = MediaStore([folder]).check(ref("nothing.png"))
    assert check.status is MediaStatus.MISSING and not check.ok


def test_a_tampered_file_is_refused(folder: Path) -> None:
    path = folder / f"sha256-{DIGEST}.png"
    path.write_bytes(DATA.replace(b"poster", b"POSTER"))  # same size, other content
    store = MediaStore([folder])
    check = store.check(ref(path.name))
    assert check.status is MediaStatus.HASH_MISMATCH and check.path == path
    assert store.path_for(ref(path.name)) is None


def test_tampering_after_a_good_check_is_noticed(folder: Path) -> None:
    path = folder / f"sha256-{DIGEST}.png"
    store = MediaStore([folder])
    assert store.check(ref(path.name)).ok
    before = path.stat().st_mtime_ns
    path.write_bytes(DATA.replace(b"poster", b"POSTER"))
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))  # a distinct mtime
    assert store.check(ref(path.name)).status is MediaStatus.HASH_MISMATCH


def test_verification_is_cached_by_path_mtime_and_size(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real = media_module.sha256_of

    def counting(path: Path) -> str:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(media_module, "sha256_of", counting)
    store = MediaStore([folder])
    for _ in range(5):
        assert store.check(ref(f"sha256-{DIGEST}.png")).ok
    assert len(calls) == 1
    store.forget()
    assert store.check(ref(f"sha256-{DIGEST}.png")).ok and len(calls) == 2


def test_folders_are_searched_in_order_and_a_good_copy_wins(tmp_path: Path, folder: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / f"sha256-{DIGEST}.png").write_bytes(b"half-copied")
    store = MediaStore([fleet, folder])
    check = store.check(ref(f"sha256-{DIGEST}.png"))
    assert check.ok and check.path == folder / f"sha256-{DIGEST}.png"
    only_fleet = MediaStore([fleet, tmp_path / "empty"])
    assert only_fleet.check(ref(f"sha256-{DIGEST}.png")).status is MediaStatus.HASH_MISMATCH


@pytest.mark.parametrize("path", ["../secret.png", "/etc/passwd", "a/../../b.png", "C:/x.png", ""])
def test_paths_outside_the_folder_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        ref(path)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path, folder: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(DATA)
    (folder / "link.png").symlink_to(outside)
    assert MediaStore([folder]).check(ref("link.png")).status is MediaStatus.UNSAFE_PATH


@pytest.mark.parametrize("bad", ["md5:abc", "sha256:XYZ", "sha256:" + "0" * 63, DIGEST])
def test_malformed_hashes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        MediaRef(hash=bad, path="x.png")


def test_add_stores_by_content_hash(tmp_path: Path) -> None:
    store = MediaStore([tmp_path / "incoming"])
    added = store.add(DATA, ".png")
    assert added == ref(f"sha256-{DIGEST}.png")
    assert (tmp_path / "incoming" / added.path).read_bytes() == DATA
    assert store.add(DATA, ".png") == added  # idempotent
    assert store.check(added).ok
    with pytest.raises(ValueError):
        store.add(DATA, "/../x")
