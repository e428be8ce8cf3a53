"""The ID-card reader as the application sees it: ``read()`` gives a typed result, never raises.

Health (reason codes the application translates):

- ready, ``idcard.ready``: the reader answers (whether or not a card is on it);
- degraded, ``idcard.protocol_error``: the last exchange was garbage, cut off or had a bad
  checksum (a wrong baud rate, a bad cable); the next good exchange makes it ready again;
- offline, ``idcard.not_found`` (the port cannot be opened), ``idcard.offline`` (the reader
  does not answer), ``idcard.reader_fault`` (the reader reports its SAM failed or is not
  authorised), ``idcard.stopped``.

"No card" is a read's outcome, not a health state: a reader with nothing on it is well.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum

from devices.health import HealthPublisher
from devices.idcard.model import IdCard

__all__ = [
    "REASON_NOT_FOUND",
    "REASON_OFFLINE",
    "REASON_PROTOCOL_ERROR",
    "REASON_READER_FAULT",
    "REASON_READY",
    "REASON_STOPPED",
    "IdCardReader",
    "ReadOutcome",
    "ReadResult",
]

REASON_READY = "idcard.ready"
REASON_PROTOCOL_ERROR = "idcard.protocol_error"
REASON_NOT_FOUND = "idcard.not_found"
REASON_OFFLINE = "idcard.offline"
REASON_READER_FAULT = "idcard.reader_fault"
REASON_STOPPED = "idcard.stopped"


class ReadOutcome(StrEnum):
    """How one read ended. ``reason`` is the translation key, e.g. ``idcard.no_card``."""

    OK = "ok"
    NO_CARD = "no_card"
    UNREADABLE = "unreadable"  # a card is there but cannot be read (damaged chip, failed auth)
    CARD_REMOVED = "card_removed"  # the card went away during the read
    UNSUPPORTED_CARD = "unsupported_card"  # another card type (e.g. a foreigner's card)
    GARBAGE = "garbage"  # bytes that are no answer
    TRUNCATED = "truncated"  # an answer cut off
    BAD_CHECKSUM = "bad_checksum"
    READER_ERROR = "reader_error"  # the reader reported a fault of its own
    OFFLINE = "offline"  # no reader: the port is missing, or nothing answered

    @property
    def reason(self) -> str:
        """The translation key: ``idcard.<outcome>``."""
        return f"idcard.{self.value}"

    @property
    def protocol_error(self) -> bool:
        """Garbage, a truncated answer or a bad checksum: the line, not the card."""
        return self in (ReadOutcome.GARBAGE, ReadOutcome.TRUNCATED, ReadOutcome.BAD_CHECKSUM)

    @property
    def card_problem(self) -> bool:
        """The resident can act on it: place the card (again), or use another card."""
        return self in (
            ReadOutcome.NO_CARD,
            ReadOutcome.UNREADABLE,
            ReadOutcome.CARD_REMOVED,
            ReadOutcome.UNSUPPORTED_CARD,
        )


@dataclass(frozen=True)
class ReadResult:
    """One read's outcome, with the card when it worked.

    ``detail`` is for technicians and logs: status bytes, lengths, never card contents.
    The card's own ``repr`` is masked, so this one is too.
    """

    outcome: ReadOutcome
    card: IdCard | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether a card was read."""
        return self.outcome is ReadOutcome.OK and self.card is not None

    @property
    def reason(self) -> str:
        """The outcome's translation key."""
        return self.outcome.reason


class IdCardReader(HealthPublisher, ABC):
    """A desktop ID-card reader. ``read`` may be called from any thread, one read at a time.

    Attributes:
        read_timeout_s: the most one read takes once it starts (find, select, read).
    """

    def __init__(self, name: str = "idcard", *, read_timeout_s: float = 5.0) -> None:
        super().__init__(name)
        self.read_timeout_s = read_timeout_s

    @abstractmethod
    def describe(self) -> str:
        """Where the reader is, for logs and the technician (e.g. ``serial /dev/ttyUSB0``)."""

    @abstractmethod
    def start(self) -> None:
        """Starts watching the reader (health, reconnection)."""

    @abstractmethod
    def stop(self) -> None:
        """Stops watching and closes the port; returns when its thread is gone."""

    @abstractmethod
    def read(self, timeout_s: float | None = None, *, wait_s: float = 0.0) -> ReadResult:
        """Reads the card on the reader. Never raises for anything the reader or card does.

        Args:
            timeout_s: the most the read may take once a card is found (default
                ``read_timeout_s``).
            wait_s: how long to keep looking for a card before answering ``no_card``
                (0: look once).
        """
