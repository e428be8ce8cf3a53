"""A full disk is reported, never fatal: the probe, with an injected writer that fails with
ENOSPC, and on a real full tmpfs when the test may mount one (root, as in CI)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app import build_context
from kiosk.framework.clock import FakeClock
from kiosk.platform.disk_space import MIN_FREE_BYTES, DiskWatch, disk_problem
from kiosk.platform.voice import RecordingVoice

REPO = Path(__file__).resolve().parents[4]


def enospc(path: Path, data: bytes) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def test_a_writer_failing_with_enospc_is_a_reported_problem(tmp_path: Path) -> None:
    problem = disk_problem(tmp_path, write=enospc)
    assert problem is not None and "No space left on device" in problem
    assert not (tmp_path / ".disk-probe").exists()


def test_too_little_free_space_is_a_problem(tmp_path: Path) -> None:
    assert disk_problem(tmp_path, free_bytes=lambda _p: MIN_FREE_BYTES - 1) is not None
    assert disk_problem(tmp_path, free_bytes=lambda _p: MIN_FREE_BYTES) is None
    assert disk_problem(tmp_path) is None  # this machine's disk has room
    assert list(tmp_path.iterdir()) == []  # the probe is gone


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs filled to the last byte; the data directory is on it."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with open(where / "filler", "wb") as f:
            with pytest.raises(OSError) as err:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            assert err.value.errno == errno.ENOSPC
        yield where / "var"
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def test_the_running_watch_looks_once_a_minute_and_clears_only_with_room_to_spare(
    tmp_path: Path,
) -> None:
    free = [10 * MIN_FREE_BYTES]
    looks: list[int] = []

    def free_bytes(_path: Path) -> int:
        looks.append(free[0])
        return free[0]

    watch = DiskWatch(tmp_path, every_s=60, free_bytes=free_bytes)
    assert watch.poll(0.0) is None and len(looks) == 1
    free[0] = MIN_FREE_BYTES - 1
    assert watch.poll(30.0) is None and len(looks) == 1  # not due: no look
    problem = watch.poll(60.0)
    assert problem is not None and "bytes free" in problem
    free[0] = MIN_FREE_BYTES + 1  # a little room: not enough to serve again
    assert watch.poll(120.0) == problem
    free[0] = 2 * MIN_FREE_BYTES
    assert watch.poll(180.0) is None


def test_the_watch_keeps_its_answer_when_the_free_space_cannot_be_read(tmp_path: Path) -> None:
    def broken(_path: Path) -> int:
        raise OSError(errno.EIO, "I/O error")

    watch = DiskWatch(tmp_path, free_bytes=lambda _p: 0)
    assert watch.poll(0.0) is not None
    watch.free_bytes = broken
    assert watch.poll(100.0) is not None


def test_the_kiosk_context_builds_on_a_full_disk_and_a_technician_gets_in(
    full_disk: Path,
) -> None:
    assert disk_problem(full_disk.parent) is not None
    ctx = build_context(full_disk, clock=FakeClock(), voice=RecordingVoice())
    try:
        ctx.devices.start()
        assert disk_problem(ctx.data_dir) is not None
        printer = ctx.devices.printer.health
        assert (printer.level.value, printer.reason) == ("offline", "printer.error")
        assert "job store unavailable" in printer.detail
        m = ctx.maintenance
        m.begin_gesture()
        assert m.try_pin("000000").reason == "wrong"  # counted, in memory
        assert m.pins.check("000000").attempts_left == 3
        assert m.try_pin("246810").ok and m.active  # the initial PIN, held for this run
    finally:
        ctx.close()


def test_kiosk_diag_reports_a_full_disk(full_disk: Path) -> None:
    env = {**os.environ, "KIOSK_DATA_DIR": str(full_disk), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("KIOSK_SITE_CONFIG", None)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "kiosk"), "diag", "--json", "--wait", "0.5"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: a device (the printer) is offline
    report = json.loads(done.stdout)
    assert "No space left on device" in report["disk_problem"]
    assert report["devices"]["printer"]["reason"] == "printer.error"
