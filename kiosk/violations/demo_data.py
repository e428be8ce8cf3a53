"""Deterministic demo data for the violation lookup: seeded random vehicles plus well-known ones.

Everything comes from ``config/demo/``: regions (lookup secrets, places, authorities),
behaviours (codes, fines, points) and the well-known vehicles and licences documented in
``config/demo/README.md``. The same seed always gives the same data, so tests, the tour
and the benchmark agree on plates and secrets.

The generated set covers every state a screen must show: unhandled; handled and unpaid with
a decision number; paid; unknown fine, points, handled or paid; camera-recorded and on-site;
eligible and not eligible for self-service; every plate type; every region's secret kind;
and a few vehicles whose provider answers "still fetching".
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.framework.id_numbers import check_character
from kiosk.platform.backend_config import DEFAULT_SEED
from kiosk.platform.project import PROJECT_ROOT
from kiosk.violations.plates import DIGITS, NEW_ENERGY_SMALL_FIRST, SERIAL_CHARS, SERIAL_LETTERS
from kiosk.violations.regions import RegionTable, expected_secret, load_regions
from kiosk.violations.service import Capture

DEMO_DIR = PROJECT_ROOT / "config" / "demo"
DEFAULT_VEHICLES = 1200
REFERENCE_DATE = date(2026, 11, 20)  # generated records end here: the data must not move

_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # VINs use no I, O or Q
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕晓东玉兰文斌"
_OTHER_PROVINCES = "鲁鄂湘川豫闽皖赣桂渝"
# plate-type code -> weight in the generated fleet
_TYPE_WEIGHTS = {
    "02": 56,
    "52": 12,
    "01": 8,
    "51": 3,
    "07": 6,
    "08": 3,
    "15": 4,
    "16": 4,
    "26": 2,
    "27": 2,
}


@dataclass(frozen=True)
class Behaviour:
    """A behaviour from ``behaviours.toml``."""

    code: str
    text: str
    fine_yuan: int
    points: int
    capture: tuple[Capture, ...]
    weight: int


@dataclass(frozen=True)
class DemoRecord:
    """One violation as stored (fen, tri-state flags)."""

    id: str
    occurred_at: datetime
    place: str
    behaviour_code: str
    behaviour_text: str
    fine_fen: int | None
    points: int | None
    handled: bool | None
    paid: bool | None
    authority: str
    decision_number: str | None
    decided_on: date | None
    capture: Capture


@dataclass(frozen=True)
class StoredVehicle:
    """A vehicle as stored: its plate, lookup secrets, owner and licence."""

    plate_type: str
    plate: str
    engine_number: str
    vin: str
    owner: str
    licence: str | None
    provider_pending: bool = False


@dataclass(frozen=True)
class DemoVehicle(StoredVehicle):
    """A vehicle with its lookup secrets and records (newest first)."""

    records: list[DemoRecord] = field(default_factory=list)


@dataclass
class DemoLicence:
    """A driving licence: number (= identity number), file number, points (None = unknown)."""

    number: str
    file_number: str
    holder: str
    cycle_points: int | None


@dataclass
class DemoData:
    """The whole demo set."""

    seed: int
    licences: list[DemoLicence]
    vehicles: list[DemoVehicle]

    def secret_for(self, vehicle: DemoVehicle, regions: RegionTable) -> str:
        """The secret a lookup of ``vehicle`` must carry in its region."""
        kind = regions.for_plate(vehicle.plate).secret
        return expected_secret(
            kind, engine_number=vehicle.engine_number, vin=vehicle.vin, owner_name=vehicle.owner
        )


def load_behaviours(path: Path = DEMO_DIR / "behaviours.toml") -> list[Behaviour]:
    """The behaviour catalogue."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    return [
        Behaviour(
            str(b["code"]),
            b["text"],
            int(b["fine_yuan"]),
            int(b["points"]),
            tuple(Capture(c) for c in b["capture"]),
            int(b.get("weight", 1)),
        )
        for b in data["behaviour"]
    ]


def _well_known(
    path: Path, behaviours: dict[str, Behaviour], regions: RegionTable
) -> tuple[list[DemoLicence], list[DemoVehicle]]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    licences = [
        DemoLicence(lic["number"], lic["file_number"], lic["holder"], lic.get("cycle_points"))
        for lic in data.get("licence", [])
    ]
    vehicles = []
    for vi, v in enumerate(data.get("vehicle", [])):
        region = regions.for_plate(v["plate"])
        vehicle = DemoVehicle(
            v["plate_type"],
            v["plate"],
            v["engine_number"],
            v["vin"],
            v["owner"],
            v.get("licence"),
            bool(v.get("provider_pending", False)),
        )
        for ri, r in enumerate(v.get("record", [])):
            b = behaviours[str(r["code"])]
            fine = r.get("fine_yuan")
            decided = r.get("decided_on")
            vehicle.records.append(
                DemoRecord(
                    id=f"WK{vi:02d}-{ri:02d}",
                    occurred_at=datetime.fromisoformat(r["occurred_at"]),
                    place=r["place"],
                    behaviour_code=b.code,
                    behaviour_text=b.text,
                    fine_fen=None if fine is None else int(fine) * 100,
                    points=r.get("points"),
                    handled=r.get("handled"),
                    paid=r.get("paid"),
                    authority=r.get("authority", region.authority),
                    decision_number=r.get("decision_number"),
                    decided_on=_as_date(decided),
                    capture=Capture(r["capture"]),
                )
            )
        vehicle.records.sort(key=lambda rec: (rec.occurred_at, rec.id), reverse=True)
        vehicles.append(vehicle)
    return licences, vehicles


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class _Generator:
    def __init__(
        self, seed: int, regions: RegionTable, behaviours: list[Behaviour], taken: set[str]
    ) -> None:
        self.rng = random.Random(seed)
        self.regions = regions
        self.behaviours = behaviours
        self.taken = set(taken)
        self.region_prefixes = [p for r in regions.regions for p in r.prefixes if len(p) == 1]

    def name(self) -> str:
        rng = self.rng
        return rng.choice(_SURNAMES) + "".join(
            rng.choice(_GIVEN) for _ in range(rng.choice((1, 2)))
        )

    def id_number(self) -> str:
        rng = self.rng
        region = rng.choice(self.regions.regions)
        area = region.area_code or "110101"
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
        body = f"{area}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        return body + check_character(body)

    def licence(self) -> DemoLicence:
        rng = self.rng
        points = rng.choice((0, 0, 0, 1, 3, 4, 6, 7, 9, 11, None))
        return DemoLicence(
            self.id_number(), "".join(rng.choice(DIGITS) for _ in range(12)), self.name(), points
        )

    def plate(self, code: str) -> str:
        rng = self.rng
        while True:
            if code in ("26", "27"):
                head = "粤Z"
            else:
                province = rng.choice(self.region_prefixes + list(_OTHER_PROVINCES))
                head = province + rng.choice("ABCDEFGHJKLMNPQRSTUVWXY")
            if code == "52":
                first = rng.choice("DDDDFFF" + NEW_ENERGY_SMALL_FIRST)
                serial = first + rng.choice(SERIAL_CHARS) + self.digits(4)
            elif code == "51":
                serial = self.digits(5) + rng.choice("DF")
            elif code in ("15", "16", "26", "27"):
                suffix = {"15": "挂", "16": "学", "26": "港", "27": "澳"}[code]
                serial = self.serial(4) + suffix
            else:
                serial = self.serial(5)
            plate = head + serial
            if plate not in self.taken:
                self.taken.add(plate)
                return plate

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(DIGITS) for _ in range(n))

    def serial(self, n: int) -> str:
        # Most serials are digits with at most two letters, as issued plates are.
        chars = [self.rng.choice(DIGITS) for _ in range(n)]
        for i in self.rng.sample(range(n), self.rng.choice((0, 1, 1, 2))):
            chars[i] = self.rng.choice(SERIAL_LETTERS)
        return "".join(chars)

    def vehicle(self, index: int, owner: DemoLicence) -> DemoVehicle:
        rng = self.rng
        code = rng.choices(list(_TYPE_WEIGHTS), weights=list(_TYPE_WEIGHTS.values()))[0]
        plate = self.plate(code)
        engine = "".join(rng.choice(SERIAL_CHARS) for _ in range(rng.randrange(8, 13)))
        vin = "L" + "".join(rng.choice(_VIN_CHARS) for _ in range(16))
        vehicle = DemoVehicle(
            code,
            plate,
            engine,
            vin,
            owner.holder,
            owner.number,
            provider_pending=rng.random() < 0.01,
        )
        region = self.regions.for_plate(plate)
        for n in range(rng.randint(0, 15)):
            vehicle.records.append(self.record(f"V{index:05d}-{n:02d}", region.id))
        vehicle.records.sort(key=lambda rec: (rec.occurred_at, rec.id), reverse=True)
        return vehicle

    def record(self, record_id: str, region_id: str) -> DemoRecord:
        rng = self.rng
        region = self.regions.by_id(region_id)
        b = rng.choices(self.behaviours, weights=[x.weight for x in self.behaviours])[0]
        capture = b.capture[0] if len(b.capture) == 1 else rng.choices(b.capture, (4, 1))[0]
        occurred = datetime.combine(
            REFERENCE_DATE - timedelta(days=rng.randrange(0, 730)), datetime.min.time()
        ) + timedelta(minutes=rng.randrange(6 * 60, 23 * 60))
        handled: bool | None
        if rng.random() < 0.02:
            handled = None
        elif capture is Capture.ON_SITE:
            handled = True  # an officer decides on the spot
        else:
            handled = rng.random() < 0.45
        decision: str | None = None
        decided: date | None = None
        paid: bool | None
        if handled:
            decided = (
                occurred.date()
                if capture is Capture.ON_SITE
                else min(REFERENCE_DATE, occurred.date() + timedelta(days=rng.randrange(1, 60)))
            )
            decision = (region.area_code or "000000") + self.digits(10)
            roll = rng.random()
            paid = True if roll < 0.7 else (False if roll < 0.95 else None)
        else:
            paid = None if handled is None else False
        fine = None if rng.random() < 0.03 else b.fine_yuan * 100
        points = None if rng.random() < 0.03 else b.points
        return DemoRecord(
            id=record_id,
            occurred_at=occurred,
            place=rng.choice(region.places or ["—"]),
            behaviour_code=b.code,
            behaviour_text=b.text,
            fine_fen=fine,
            points=points,
            handled=handled,
            paid=paid,
            authority=region.authority,
            decision_number=decision,
            decided_on=decided,
            capture=capture,
        )


@lru_cache(maxsize=4)
def generate_demo(
    seed: int = DEFAULT_SEED, vehicles: int = DEFAULT_VEHICLES, demo_dir: Path = DEMO_DIR
) -> DemoData:
    """The demo set: the well-known vehicles plus ``vehicles`` seeded random ones.

    Cached: the result is deterministic, and treated as read-only by every caller.
    """
    regions = load_regions(demo_dir / "regions.toml")
    behaviours = load_behaviours(demo_dir / "behaviours.toml")
    by_code = {b.code: b for b in behaviours}
    licences, known = _well_known(demo_dir / "well_known.toml", by_code, regions)
    gen = _Generator(seed, regions, behaviours, {v.plate for v in known})
    owners = [gen.licence() for _ in range(max(1, vehicles * 2 // 3))]
    generated = []
    for i in range(vehicles):
        owner = owners[i] if i < len(owners) else gen.rng.choice(owners)
        generated.append(gen.vehicle(i, owner))
    return DemoData(seed, licences + owners, known + generated)
