"""The traffic-violation lookup: its domain types and the service interface.

Two ways to look up:

- by vehicle: 号牌种类 (plate-type code), 号牌号码 (plate) and the region's extra secret
  (full engine number, last 6 of the engine number, last 6 of the VIN, the owner's name, or
  nothing; see :mod:`kiosk.violations.regions`);
- by driving licence: the licence number (the holder's 18-character identity number) and
  the 12-digit 档案编号 (file number) printed on the licence. It returns the records of the
  vehicles registered to the holder and the holder's points in the current 12-point cycle.

A lookup answers either a :class:`LookupResult` (records newest first) or
:class:`StillFetching` (the provider is gathering the records: check back later). Results are
never final: records are cancelled or change between lookups, so nothing here is cached.

Money is in fen (1 元 = 100 fen) so it is never a float. Fine, points, handled and paid are
tri-state: ``None`` means the provider did not say.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from kiosk.framework.masking import mask_id_number, mask_plate


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VehicleQuery(_Frozen):
    """Look up by vehicle. ``secret`` is whatever the plate's region asks for ('' if none)."""

    plate_type: str = Field(min_length=1, max_length=4)
    plate: str = Field(min_length=1, max_length=16)
    secret: str = Field("", max_length=64, repr=False)

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        return [("plate_type", self.plate_type), ("plate", mask_plate(self.plate))]


class LicenceQuery(_Frozen):
    """Look up by driving licence: licence number (= identity number) and file number."""

    licence_number: str = Field(min_length=1, max_length=32)
    file_number: str = Field(min_length=1, max_length=32, repr=False)

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        return [("licence_number", mask_id_number(self.licence_number))]


class Capture(StrEnum):
    """How a violation was recorded."""

    CAMERA = "camera"  # 非现场: recorded by a camera; may qualify for self-service
    ON_SITE = "on_site"  # 现场: an officer on the spot


class ViolationRecord(_Frozen):
    """One violation record as the provider reports it.

    Attributes:
        id: the provider's record id (stable between lookups).
        plate_type, plate: the vehicle (personal data: mask before showing to others).
        occurred_at: local time of the violation.
        place: where, as text.
        behaviour_code: GA 408.1 code, kept as a string (leading zeros, 4 or 5 digits).
        behaviour_text: the behaviour as the provider words it.
        fine_fen: the fine; None if unknown.
        late_fee_fen: the late fee due now (加处罚款); 0 if none; None if unknown.
        points: demerit points; None if unknown.
        handled: whether it was handled (a decision was made); None if unknown.
        paid: whether the fine was paid; None if unknown.
        authority: the collecting authority (采集机关).
        decision_number: 决定书编号, once handled.
        decided_on: the decision date, once handled (the late-fee clock starts here).
        capture: camera-recorded or on-site.
    """

    id: str
    plate_type: str
    plate: str
    occurred_at: datetime
    place: str
    behaviour_code: str
    behaviour_text: str
    fine_fen: int | None = Field(ge=0)
    late_fee_fen: int | None = Field(ge=0)
    points: int | None = Field(ge=0, le=12)
    handled: bool | None
    paid: bool | None
    authority: str
    decision_number: str | None = None
    decided_on: date | None = None
    capture: Capture

    def __repr_args__(self) -> list[tuple[str | None, object]]:
        return [("id", self.id), ("plate", mask_plate(self.plate)), ("code", self.behaviour_code)]


class LookupResult(_Frozen):
    """The records found, newest first.

    Attributes:
        records: newest first; empty when the vehicle has none.
        fetched_at: when the provider answered (results are a snapshot, never final).
        licence_points: the holder's points in the current cycle (licence lookups only);
            None when unknown or for vehicle lookups.
    """

    kind: Literal["result"] = "result"
    records: tuple[ViolationRecord, ...]
    fetched_at: datetime
    licence_points: int | None = Field(None, ge=0)


class StillFetching(_Frozen):
    """The provider is still gathering the records: check back in ``retry_after_s``."""

    kind: Literal["pending"] = "pending"
    retry_after_s: int = Field(ge=1, le=3600)
    fetched_at: datetime


LookupOutcome = Annotated[LookupResult | StillFetching, Field(discriminator="kind")]
OUTCOME_ADAPTER: TypeAdapter[LookupResult | StillFetching] = TypeAdapter(LookupOutcome)


class ViolationService(Protocol):
    """Looks up traffic violations. Implementations: ``local`` (SQLite) and ``http``.

    Every method raises a :class:`kiosk.platform.service_errors.ServiceError` subclass on failure:
    :class:`~kiosk.platform.service_errors.InvalidQuery` for malformed input,
    :class:`~kiosk.platform.service_errors.NotMatched` when identifiers and secret match nothing,
    and the transport errors (timeout, unreachable, TLS, 5xx, malformed) for ``http``.
    Calls block: run them off the UI thread.
    """

    def lookup_vehicle(self, query: VehicleQuery) -> LookupResult | StillFetching:
        """Records of one vehicle, newest first, or "still fetching"."""
        ...

    def lookup_licence(self, query: LicenceQuery) -> LookupResult | StillFetching:
        """Records of the vehicles registered to a licence holder, with the holder's points."""
        ...

    def ping(self) -> None:
        """Returns if the backend is usable; raises a ServiceError otherwise."""
        ...

    def close(self) -> None:
        """Releases connections."""
        ...
