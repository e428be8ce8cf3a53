"""The ``local`` violation service: lookups against the embedded SQLite store.

The default back end, so the product runs out of the box; the center serves the same class
over HTTP. The late fee is computed at lookup time from the decision date and today's date
(it grows every day), so two lookups on different days differ: nothing is cached.
"""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from kiosk.framework.clock import Clock, SystemClock
from kiosk.framework.id_numbers import validate_id_number
from kiosk.framework.masking import mask_plate
from kiosk.platform.backend_config import DEFAULT_SEED
from kiosk.platform.service_errors import InvalidQuery, NotMatched
from kiosk.violations.demo_data import DEFAULT_VEHICLES, generate_demo
from kiosk.violations.local_store import RecordRow, ViolationStore
from kiosk.violations.plates import PLATE_TYPES, validate_plate
from kiosk.violations.regions import (
    RegionTable,
    SecretKind,
    expected_secret,
    load_regions,
    secret_format_ok,
    secret_matches,
)
from kiosk.violations.rules import ViolationRules, late_fee_fen, load_rules
from kiosk.violations.service import (
    LicenceQuery,
    LookupResult,
    StillFetching,
    VehicleQuery,
    ViolationRecord,
)

log = logging.getLogger(__name__)

PENDING_RETRY_AFTER_S = 30


class LocalViolationService:
    """Looks up violations in a :class:`ViolationStore`.

    Attributes:
        store: the SQLite store (tests change records through it).
        regions: which secret each plate's region asks for.
        rules: the late-fee rule.
        clock: today's date for the late fee, and ``fetched_at``.
    """

    def __init__(
        self,
        store: ViolationStore,
        *,
        regions: RegionTable | None = None,
        rules: ViolationRules | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.regions = regions or load_regions()
        self.rules = rules or load_rules()
        self.clock = clock or SystemClock()

    @classmethod
    def open_demo(
        cls,
        path: Path,
        *,
        seed: int = DEFAULT_SEED,
        vehicles: int = DEFAULT_VEHICLES,
        regions: RegionTable | None = None,
        rules: ViolationRules | None = None,
        clock: Clock | None = None,
    ) -> LocalViolationService:
        """Opens (creating and migrating) the store at ``path``; seeds demo data if empty."""
        store = ViolationStore(path)
        if store.is_empty() and store.seed_if_empty(generate_demo(seed, vehicles)):
            log.info("violation store seeded with demo data (seed %d)", seed)
        return cls(store, regions=regions, rules=rules, clock=clock)

    def lookup_vehicle(self, query: VehicleQuery) -> LookupResult | StillFetching:
        """Records of one vehicle, newest first; see :class:`ViolationService`."""
        if query.plate_type not in PLATE_TYPES:
            raise InvalidQuery("unknown plate type", field="plate_type")
        check = validate_plate(query.plate, query.plate_type)
        if not check.ok:
            raise InvalidQuery(f"plate: {check.problem}", field="plate")
        kind = self.regions.for_plate(check.plate).secret
        if kind is not SecretKind.NONE and not secret_format_ok(kind, query.secret):
            raise InvalidQuery(f"secret does not fit {kind}", field="secret")
        vehicle = self.store.vehicle(query.plate_type, check.plate)
        if vehicle is None or not secret_matches(
            kind,
            query.secret,
            expected_secret(
                kind,
                engine_number=vehicle.engine_number,
                vin=vehicle.vin,
                owner_name=vehicle.owner,
            ),
        ):
            log.info("vehicle lookup not matched: %s", mask_plate(check.plate))
            raise NotMatched("no vehicle matches the plate and secret")
        now = self.clock.now()
        if vehicle.provider_pending:
            return StillFetching(retry_after_s=PENDING_RETRY_AFTER_S, fetched_at=now)
        records = self.store.records_of_vehicle(vehicle.id)
        return LookupResult(records=tuple(self._record(r) for r in records), fetched_at=now)

    def lookup_licence(self, query: LicenceQuery) -> LookupResult | StillFetching:
        """Records of the holder's vehicles with the holder's points; see the interface."""
        number = validate_id_number(query.licence_number, self.clock.now().date())
        if not number.ok:
            raise InvalidQuery(f"licence number: {number.problem}", field="licence_number")
        file_number = "".join(query.file_number.split())
        if len(file_number) != 12 or not (file_number.isascii() and file_number.isdigit()):
            raise InvalidQuery("file number must be 12 digits", field="file_number")
        licence = self.store.licence(number.number)
        if licence is None or not hmac.compare_digest(
            file_number.encode("ascii"), licence.file_number.encode("ascii")
        ):
            log.info("licence lookup not matched")
            raise NotMatched("no licence matches the number and file number")
        now = self.clock.now()
        if self.store.vehicles_of_licence_pending(licence.number):
            return StillFetching(retry_after_s=PENDING_RETRY_AFTER_S, fetched_at=now)
        records = self.store.records_of_licence(licence.number)
        return LookupResult(
            records=tuple(self._record(r) for r in records),
            fetched_at=now,
            licence_points=licence.cycle_points,
        )

    def _record(self, r: RecordRow) -> ViolationRecord:
        late: int | None
        if r.fine_fen is None or r.paid is None:
            late = None
        elif r.handled and r.paid is False and r.decided_on is not None:
            late = late_fee_fen(r.fine_fen, r.decided_on, self.clock.now().date(), self.rules)
        else:
            late = 0  # not decided yet, or paid: nothing due
        return ViolationRecord(
            id=r.id,
            plate_type=r.plate_type,
            plate=r.plate,
            occurred_at=r.occurred_at,
            place=r.place,
            behaviour_code=r.behaviour_code,
            behaviour_text=r.behaviour_text,
            fine_fen=r.fine_fen,
            late_fee_fen=late,
            points=r.points,
            handled=r.handled,
            paid=r.paid,
            authority=r.authority,
            decision_number=r.decision_number,
            decided_on=r.decided_on,
            capture=r.capture,
        )

    def ping(self) -> None:
        """Raises if the store cannot be read."""
        self.store.is_empty()

    def close(self) -> None:
        """Closes the store."""
        self.store.close()
