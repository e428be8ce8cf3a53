"""The sealed outbox both the photo and the application outboxes use: entries sealed and
private, kept on the failures the caller names, deleted once sent, on expiry or when
unreadable; any other failure of the sender propagates and keeps the entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.platform.sealed_outbox import STORED_AT, SealedOutbox


class Later(Exception):
    pass


def test_entries_are_sealed_kept_on_named_failures_and_deleted_once_sent(tmp_path: Path) -> None:
    now = [1000.0]
    outbox = SealedOutbox(
        tmp_path / "box", tmp_path / "keys" / "k", suffix=".entry", lifetime_s=60,
        wall_clock=lambda: now[0],
    )  # fmt: skip
    first = outbox.put({"secret": "110101198003070011"})
    second = outbox.put({"secret": "13812345678"})
    for p in (tmp_path / "box").iterdir():
        assert b"110101198003070011" not in p.read_bytes() and p.stat().st_mode & 0o077 == 0
    assert (tmp_path / "keys" / "k").stat().st_mode & 0o077 == 0
    assert outbox.pending() == sorted([first, second])

    def fail(record: dict[str, Any]) -> str:
        raise Later()

    outcome = outbox.retry(fail, Later)
    assert sorted(outcome.failed) == sorted([first, second]) and outcome.sent == {}

    seen: list[dict[str, Any]] = []

    def send(record: dict[str, Any]) -> str:
        seen.append(record)
        if record["secret"].startswith("138"):
            raise Later()
        return "ok"

    now[0] += 30
    outcome = outbox.retry(send, Later)
    assert outcome.sent == {first: "ok"} and outcome.failed == [second]
    assert all(r[STORED_AT] == 1000.0 for r in seen)
    now[0] += 31  # the second is now 61 s old
    assert outbox.retry(send, Later).expired == [second]
    assert outbox.pending() == [] and list((tmp_path / "box").iterdir()) == []


def test_an_unexpected_failure_propagates_and_keeps_the_entry(tmp_path: Path) -> None:
    outbox = SealedOutbox(tmp_path / "box", tmp_path / "k", suffix=".entry", lifetime_s=60)
    entry = outbox.put({"n": 1})

    def broken(record: dict[str, Any]) -> str:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        outbox.retry(broken, Later)
    assert outbox.pending() == [entry]


def test_suffixes_keep_outboxes_apart(tmp_path: Path) -> None:
    a = SealedOutbox(tmp_path, tmp_path / "k", suffix=".a", lifetime_s=60)
    b = SealedOutbox(tmp_path, tmp_path / "k", suffix=".b", lifetime_s=60)
    entry = a.put({"n": 1})
    assert a.pending() == [entry] and b.pending() == []
    with pytest.raises(ValueError):
        SealedOutbox(tmp_path, tmp_path / "k", suffix="b", lifetime_s=60)
