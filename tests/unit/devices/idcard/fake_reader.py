"""A GA 450 reader on the far end of a pty pair, for the serial back end's tests.

It is written from the protocol description (not from :mod:`devices.idcard.protocol`), so a
mistake in the back end's frames shows up as a wrong answer: a request with a bad checksum is
answered ``00 00 10`` as a real reader does.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PREAMBLE = bytes.fromhex("AAAAAA9669")

Reply = bytes | Callable[["FakeReader"], bytes]
"""What the reader sends: fixed bytes, or a function of the reader (it may change its state)."""


def xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def answer(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """An answer frame built by hand: preamble, length, SW1-3, data, XOR."""
    body = (3 + len(data) + 1).to_bytes(2, "big") + bytes((sw1, sw2, sw3)) + data
    return PREAMBLE + body + bytes((xor(body),))


def ucs2(value: str, width: int) -> bytes:
    """A fixed-width UCS-2LE field padded with spaces."""
    raw = value.encode("utf-16-le")
    assert len(raw) <= width, value
    return raw + " ".encode("utf-16-le") * ((width - len(raw)) // 2)


@dataclass
class CardText:
    """The nine fields as the card stores them (codes, YYYYMMDD dates)."""

    name: str = "样例张三"
    sex: str = "1"
    nation: str = "01"
    birth: str = "19900307"
    address: str = "演示省样例市测试区示范路1号（演示数据）"
    id_number: str = "999999199003071234"
    issuer: str = "样例市公安局演示分局"
    valid_from: str = "20230105"
    valid_until: str = "20430105"
    type_mark: str = " "

    def encode(self) -> bytes:
        text = (
            ucs2(self.name, 30)
            + ucs2(self.sex, 2)
            + ucs2(self.nation, 4)
            + ucs2(self.birth, 16)
            + ucs2(self.address, 70)
            + ucs2(self.id_number, 36)
            + ucs2(self.issuer, 30)
            + ucs2(self.valid_from, 16)
            + ucs2(self.valid_until, 16)
            + ucs2(" " * 14, 28)  # reserved, up to the type mark at 248
            + ucs2(self.type_mark, 2)
            + ucs2("   ", 6)
        )
        assert len(text) == 256
        return text


PHOTO = bytes(range(256)) * 4  # stands in for the 1024-byte WLT file


def base_info(card: CardText, photo: bytes = PHOTO) -> bytes:
    """The data of a ``30 01`` answer: text length, photo length, text, photo."""
    text = card.encode()
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


class FakeReader:
    """Answers find (20 01), select (20 02), read (30 01) and status (11 FF) on a pty.

    ``card`` is the card on the reader (None: no card). ``script`` holds one-off replies by
    command, used before the default behaviour: bytes (any: garbage, a truncated frame) or a
    function of the reader. ``link``, if given, is a symlink to the pty the back end opens;
    :meth:`unplug` removes it and closes the pty, as pulling the USB cable would.
    """

    def __init__(self, link: Path | None = None) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self.link = link
        if link is not None:
            link.symlink_to(self.device)
        self.card: CardText | None = CardText()
        self.script: dict[tuple[int, int], list[Reply]] = {}
        self.requests: list[tuple[int, int]] = []
        self.bad_requests = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-idcard-reader")
        self._thread.start()

    @property
    def port(self) -> str:
        return str(self.link) if self.link is not None else self.device

    def then(self, command: tuple[int, int], *replies: Reply) -> None:
        """Queues one-off replies to ``command``."""
        with self._cond:
            self.script.setdefault(command, []).extend(replies)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[tuple[int, int]]:
        """Waits until ``count`` requests came in; returns them all."""
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"only {self.requests} came"
            )
            return list(self.requests)

    def requests_of(self, command: tuple[int, int]) -> int:
        with self._cond:
            return self.requests.count(command)

    def _default(self, command: tuple[int, int]) -> bytes:
        present = self.card is not None
        if command == (0x11, 0xFF):
            return answer(0x90)
        if command == (0x20, 0x01):
            return answer(0x9F, bytes(4)) if present else answer(0x80)
        if command == (0x20, 0x02):
            return answer(0x90, bytes(8)) if present else answer(0x81)
        if command == (0x30, 0x01):
            return answer(0x90, base_info(self.card)) if self.card else answer(0x41)
        return answer(0x21)

    def _reply(self, command: tuple[int, int]) -> bytes:
        with self._cond:
            queued = self.script.get(command)
            reply = queued.pop(0) if queued else None
        if reply is None:
            return self._default(command)
        return reply(self) if callable(reply) else reply

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                pending += os.read(self.master, 4096)
            except OSError:
                continue
            while True:
                at = pending.find(PREAMBLE)
                if at < 0 or len(pending) < at + 7:
                    break
                length = int.from_bytes(pending[at + 5 : at + 7], "big")
                end = at + 7 + length
                if len(pending) < end:
                    break
                body, chk = pending[at + 5 : end - 1], pending[end - 1]
                pending = pending[end:]
                command = (body[2], body[3])
                if xor(body) != chk:
                    self.bad_requests += 1
                    out = answer(0x10)
                else:
                    out = self._reply(command)
                with self._cond:
                    self.requests.append(command)
                    self._cond.notify_all()
                if out:
                    os.write(self.master, out)

    def unplug(self) -> None:
        """Stops answering and closes the pty; removes the link."""
        self._stop.set()
        self._thread.join()
        if self.link is not None:
            self.link.unlink()
        os.close(self.master)
        os.close(self._slave)

    close = unplug
