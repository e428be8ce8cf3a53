"""A GA 450 desktop reader on a serial port (RS-232, or USB serial: /dev/ttyUSB0), via pyserial.

A watcher thread opens the port, asks the SAM's status every ``poll_interval_s`` and reopens
the port after ``reconnect_s`` when it is gone, so health is current without a read. ``read``
holds the port for one find / select / read-base-information exchange (see
:mod:`devices.idcard.protocol`), each answer within ``answer_timeout_s`` and the whole within
the read's timeout.

When a card leaves during a read the reader answers "select failed" (``81``) or "read failed"
(``41``), or the answer stops short. The reader then looks for the card once more: no card
means it was pulled away (``card_removed``); a card still there means it cannot be read
(``unreadable``). Some readers do not find a card again until it has been lifted off, so a
damaged card may be reported as pulled; either way the resident is asked to place it again.

pyserial is imported when the port is first opened. Nothing from the card is logged.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from devices.health import HealthLevel
from devices.idcard.protocol import (
    FIND_CARD,
    READ_BASE,
    SAM_STATUS,
    SELECT_CARD,
    Answer,
    AnswerParser,
    CardDataError,
    FrameError,
    FrameProblem,
    Sw3,
    encode_request,
    parse_base_info,
)
from devices.idcard.reader import (
    REASON_NOT_FOUND,
    REASON_OFFLINE,
    REASON_PROTOCOL_ERROR,
    REASON_READER_FAULT,
    REASON_READY,
    REASON_STOPPED,
    IdCardReader,
    ReadOutcome,
    ReadResult,
)

log = logging.getLogger(__name__)

__all__ = ["SerialIdCardReader"]

_PROBLEM_OUTCOME = {
    FrameProblem.GARBAGE: ReadOutcome.GARBAGE,
    FrameProblem.TRUNCATED: ReadOutcome.TRUNCATED,
    FrameProblem.BAD_CHECKSUM: ReadOutcome.BAD_CHECKSUM,
}
# The card is there but will not be read: authentication or verification failed.
_CARD_UNREADABLE = {
    Sw3.CARD_REJECTED_READER,
    Sw3.READER_REJECTED_CARD,
    Sw3.VERIFY_FAILED,
    Sw3.RANDOM_FAILED,
    Sw3.NO_CONTENT,
}
# The reader itself cannot work.
_READER_FAULT = {Sw3.SELF_TEST_FAILED, Sw3.NOT_AUTHORISED}
_READ_CHUNK = 4096
_PORT_TIMEOUT_S = 0.02  # one wait for bytes; answers are awaited in a loop up to a deadline
_FIND_INTERVAL_S = 0.25  # between looks for a card while waiting for one


class _Failed(Exception):
    """An exchange ended without an answer; carries the read's result."""

    def __init__(self, outcome: ReadOutcome, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


def _sw(answer: Answer) -> str:
    return f"SW {answer.sw1:02X} {answer.sw2:02X} {answer.sw3:02X}"


class SerialIdCardReader(IdCardReader):
    """A GA 450 reader speaking the SAM frame protocol on a serial port.

    Args:
        port: a device path or a pyserial URL.
        baudrate: the reader's rate (GA 450 default 115200).
        read_timeout_s: the most one read takes once a card is found.
        answer_timeout_s: the most one answer may take to arrive whole.
        reconnect_s: the wait before reopening a port that failed.
        poll_interval_s: how often the watcher asks the SAM's status while all is well.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        *,
        read_timeout_s: float = 5.0,
        answer_timeout_s: float = 3.0,
        reconnect_s: float = 2.0,
        poll_interval_s: float = 5.0,
        name: str = "idcard",
    ) -> None:
        super().__init__(name, read_timeout_s=read_timeout_s)
        self.port, self.baudrate = port, baudrate
        self.answer_timeout_s = answer_timeout_s
        self.reconnect_s = reconnect_s
        self.poll_interval_s = poll_interval_s
        self._conn: Any = None  # the open serial.Serial, or None
        self._io_lock = threading.Lock()  # one conversation with the reader at a time
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._fault = False  # the last read's answer said the reader itself cannot work

    def describe(self) -> str:
        return f"serial {self.port} @{self.baudrate}"

    # -- life cycle

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._watch, name=f"{self.name}-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self.answer_timeout_s + 5)
        with self._io_lock:
            self._close()
        self._set_health(HealthLevel.OFFLINE, REASON_STOPPED)

    def _watch(self) -> None:
        while not self._stopping.is_set():
            well = self._probe()
            self._wake.wait(self.poll_interval_s if well else self.reconnect_s)
            self._wake.clear()

    def _probe(self) -> bool:
        """Opens the port if needed and asks the SAM's status; True when the reader is well."""
        with self._io_lock:
            if not self._open():  # health says not_found
                return False
            try:
                answer = self._exchange(SAM_STATUS, time.monotonic() + self.answer_timeout_s)
            except _Failed as failed:
                failure: _Failed | None = failed
            else:
                failure = None
        if failure is not None:
            self._note_failure(failure.outcome, failure.detail)
            return False
        if answer.sw3 in _READER_FAULT:
            self._set_health(HealthLevel.OFFLINE, REASON_READER_FAULT, f"status: {_sw(answer)}")
            return False
        if answer.sw3 != Sw3.SUCCESS:
            self._set_health(HealthLevel.DEGRADED, REASON_PROTOCOL_ERROR, f"status: {_sw(answer)}")
            return False
        self._set_health(HealthLevel.READY, REASON_READY)
        return True

    # -- the port

    def _open(self) -> bool:
        if self._conn is not None:
            return True
        import serial  # pyserial: imported here so building a reader costs nothing

        try:
            self._conn = serial.serial_for_url(
                self.port,
                self.baudrate,
                timeout=_PORT_TIMEOUT_S,
                write_timeout=self.answer_timeout_s,
            )
        except (serial.SerialException, OSError, ValueError) as e:
            self._set_health(HealthLevel.OFFLINE, REASON_NOT_FOUND, f"{self.port}: {e}")
            return False
        log.info("%s: opened %s", self.name, self.describe())
        return True

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.close()
        except Exception:
            log.debug("%s: closing %s failed", self.name, self.port, exc_info=True)

    def _exchange(self, command: tuple[int, int], deadline: float) -> Answer:
        """Sends one request and waits for its answer until ``deadline``. Raises _Failed."""
        conn = self._conn
        if conn is None:
            raise _Failed(ReadOutcome.OFFLINE, f"{self.port} is not open")
        parser = AnswerParser()
        try:
            conn.reset_input_buffer()  # a late answer to an earlier request is not this one's
            conn.write(encode_request(command))
            while True:
                try:
                    answer = parser.take()
                except FrameError as e:
                    raise _Failed(_PROBLEM_OUTCOME[e.problem], f"{command[0]:02X}: {e}") from None
                if answer is not None:
                    return answer
                if time.monotonic() >= deadline:
                    problem = parser.give_up()
                    if problem is None:
                        raise _Failed(ReadOutcome.OFFLINE, f"no answer to {command[0]:02X}")
                    raise _Failed(_PROBLEM_OUTCOME[problem.problem], f"{command[0]:02X}: {problem}")
                parser.feed(conn.read(max(1, min(conn.in_waiting, _READ_CHUNK))))
        except _Failed:
            raise
        except Exception as e:  # SerialException, OSError: the port went away
            self._close()
            raise _Failed(ReadOutcome.OFFLINE, f"{type(e).__name__}: {e}") from None

    def _note_failure(self, outcome: ReadOutcome, detail: str, *, fault: bool = False) -> None:
        """Health after an exchange that did not work (called without the I/O lock)."""
        if outcome is ReadOutcome.OFFLINE:
            with self._io_lock:
                self._close()  # reopened by the watcher, or by the next read
            self._set_health(HealthLevel.OFFLINE, REASON_OFFLINE, detail)
            self._wake.set()
        elif fault:
            self._set_health(HealthLevel.OFFLINE, REASON_READER_FAULT, detail)
        elif outcome.protocol_error or outcome is ReadOutcome.READER_ERROR:
            self._set_health(HealthLevel.DEGRADED, REASON_PROTOCOL_ERROR, detail)

    # -- reading

    def read(self, timeout_s: float | None = None, *, wait_s: float = 0.0) -> ReadResult:
        with self._io_lock:
            self._fault = False
            if not self._open():  # health says not_found
                return ReadResult(ReadOutcome.OFFLINE, detail=f"{self.port} cannot be opened")
            try:
                result = self._read(timeout_s, wait_s)
            except _Failed as failed:
                result = ReadResult(failed.outcome, detail=failed.detail)
            except Exception as e:  # never let a reader fault reach the caller's thread
                log.exception("%s: read failed unexpectedly", self.name)
                result = ReadResult(ReadOutcome.READER_ERROR, detail=type(e).__name__)
            fault = self._fault
        if result.outcome in (ReadOutcome.OFFLINE, ReadOutcome.READER_ERROR):
            self._note_failure(result.outcome, result.detail, fault=fault)
        elif result.outcome.protocol_error:
            self._note_failure(result.outcome, result.detail)
        else:
            self._set_health(HealthLevel.READY, REASON_READY)
        log.info("%s: read %s (%s)", self.name, result.outcome, result.detail)
        return result

    def _read(self, timeout_s: float | None, wait_s: float) -> ReadResult:
        answer_s = self.answer_timeout_s
        look_until = time.monotonic() + max(0.0, wait_s)
        while True:
            found = self._exchange(FIND_CARD, time.monotonic() + answer_s)
            if found.sw3 == Sw3.FOUND:
                break
            if found.sw3 != Sw3.FIND_FAILED:
                return self._status_result(found, "find")
            if time.monotonic() + _FIND_INTERVAL_S > look_until or self._stopping.is_set():
                return ReadResult(ReadOutcome.NO_CARD, detail=_sw(found))
            self._stopping.wait(_FIND_INTERVAL_S)
        deadline = time.monotonic() + (self.read_timeout_s if timeout_s is None else timeout_s)

        def answer_by() -> float:
            return min(deadline, time.monotonic() + answer_s)

        selected = self._exchange(SELECT_CARD, answer_by())
        if selected.sw3 == Sw3.SELECT_FAILED:
            return self._gone_or_unreadable(f"select: {_sw(selected)}")
        if selected.sw3 != Sw3.SUCCESS:
            return self._status_result(selected, "select")
        try:
            answer = self._exchange(READ_BASE, answer_by())
        except _Failed as failed:
            if failed.outcome is not ReadOutcome.TRUNCATED:
                raise
            # an answer that stopped short: the card may have gone mid-read
            result = self._gone_or_unreadable(failed.detail)
            if result.outcome is ReadOutcome.CARD_REMOVED:
                return result
            raise
        if answer.sw3 == Sw3.READ_FAILED:
            return self._gone_or_unreadable(f"read: {_sw(answer)}")
        if answer.sw3 != Sw3.SUCCESS:
            return self._status_result(answer, "read")
        try:
            card = parse_base_info(answer.data)
        except CardDataError as e:
            outcome = (
                ReadOutcome.UNSUPPORTED_CARD if e.kind == "unsupported" else ReadOutcome.GARBAGE
            )
            return ReadResult(outcome, detail=e.detail)
        return ReadResult(ReadOutcome.OK, card, _sw(answer))

    def _gone_or_unreadable(self, detail: str) -> ReadResult:
        """After a failed select or read: looks for the card again (one more answer's time,
        even past the read's timeout). Raises _Failed if the reader does not answer well."""
        again = self._exchange(FIND_CARD, time.monotonic() + self.answer_timeout_s)
        if again.sw3 == Sw3.FIND_FAILED:
            return ReadResult(ReadOutcome.CARD_REMOVED, detail=detail)
        return ReadResult(ReadOutcome.UNREADABLE, detail=detail)

    def _status_result(self, answer: Answer, stage: str) -> ReadResult:
        """A read's result for a status that is not the expected one."""
        detail = f"{stage}: {_sw(answer)}"
        self._fault = answer.sw3 in _READER_FAULT
        if answer.sw3 in _CARD_UNREADABLE or answer.sw3 == Sw3.READ_FAILED:
            return ReadResult(ReadOutcome.UNREADABLE, detail=detail)
        if answer.sw3 == Sw3.WRONG_CARD:
            return ReadResult(ReadOutcome.UNSUPPORTED_CARD, detail=detail)
        if answer.sw3 in (Sw3.FIND_FAILED, Sw3.SELECT_FAILED):
            return ReadResult(ReadOutcome.CARD_REMOVED, detail=detail)
        return ReadResult(ReadOutcome.READER_ERROR, detail=detail)
