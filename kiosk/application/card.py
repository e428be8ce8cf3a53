"""What the application flow needs from the ID-card reader: a card (``devices.idcard``'s
:class:`IdCard`, its text only: the card's photo is never read into it) or the reason there
is none, in the resident's terms.
"""

from __future__ import annotations

from typing import Protocol

from devices.idcard.model import CardValidity, IdCard
from devices.idcard.reader import IdCardReader, ReadOutcome

__all__ = ["CardReadError", "CardReader", "CardValidity", "DeviceCardReader", "IdCard"]


class CardReadError(Exception):
    """No card this time; ``reason`` says why, for the resident's next step:

    ``no_card`` (nothing on the reader), ``unreadable`` (a damaged card, or not a resident
    ID card), ``pulled`` (the card moved away mid-read), ``offline`` (the reader is not
    working: no reader, or a line fault).
    """

    REASONS = ("no_card", "unreadable", "pulled", "offline")

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason if reason in self.REASONS else "unreadable"
        self.detail = detail


class CardReader(Protocol):
    """Reads the card on the reader, waiting up to ``timeout_s`` for one to be placed."""

    def read_card(self, timeout_s: float) -> IdCard:
        """The card, or raises :class:`CardReadError`."""
        ...


_REASON = {
    ReadOutcome.NO_CARD: "no_card",
    ReadOutcome.UNREADABLE: "unreadable",
    ReadOutcome.UNSUPPORTED_CARD: "unreadable",
    ReadOutcome.CARD_REMOVED: "pulled",
}


class DeviceCardReader:
    """The reader device as the flow sees it: a card, or a :class:`CardReadError`."""

    def __init__(self, device: IdCardReader) -> None:
        self.device = device

    def read_card(self, timeout_s: float) -> IdCard:
        """Looks for a card for up to ``timeout_s``, then reads it."""
        result = self.device.read(wait_s=timeout_s)
        if result.ok and result.card is not None:
            return result.card
        raise CardReadError(_REASON.get(result.outcome, "offline"), result.detail)
