"""Demo members for the ``local`` back end and a new center: ``config/demo/points_members.toml``.

Seeding happens once, into an empty ledger: each member is registered, their service hours
are credited (1 point per hour by default) and any demo voucher is issued, all with fixed
idempotency keys, so seeding twice changes nothing.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from kiosk.framework.clock import Clock
from kiosk.platform.database import Database
from kiosk.platform.points_config import PointsConfig
from kiosk.platform.project import CONFIG_DIR
from kiosk.points.catalogue import DEFAULT_CATALOGUE, CatalogueSpec, load_catalogue_spec
from kiosk.points.errors import PointsRejected
from kiosk.points.ledger import Ledger
from kiosk.points.model import MEMBER_ID_PATTERN, CartLine
from kiosk.points.tokens import TokenSigner

log = logging.getLogger(__name__)

DEMO_MEMBERS = CONFIG_DIR / "demo" / "points_members.toml"
DEMO_TERMINAL = "demo-seed"


class DemoMember(BaseModel):
    """One demo member."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=MEMBER_ID_PATTERN)
    name: str = Field(min_length=1, max_length=40)
    hours: float = Field(0, ge=0, le=100000)
    card_no: int = Field(1, ge=1)
    unprinted_voucher: tuple[CartLine, ...] = ()
    note: str = ""


class DemoMembers(BaseModel):
    """The demo members file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    member: tuple[DemoMember, ...] = ()


def load_demo_members(path: Path = DEMO_MEMBERS) -> DemoMembers:
    """Reads and validates a demo members file."""
    with path.open("rb") as f:
        return DemoMembers.model_validate(tomllib.load(f))


def open_demo_ledger(
    path: Path | Database,
    config: PointsConfig | None = None,
    clock: Clock | None = None,
    *,
    catalogue: CatalogueSpec | None = None,
    members: DemoMembers | None = None,
    expiry_terminal: str | None = None,
) -> Ledger:
    """Opens (creating) the ledger at ``path`` (a SQLite file or a database) ready to
    serve: the catalogue synced (the packaged one by default), the demo members seeded if
    it has none and, with
    ``expiry_terminal``, an expiry run in its name. Closed again if any step fails."""
    ledger = Ledger(path, config, clock)
    try:
        ledger.sync_catalogue(catalogue or load_catalogue_spec(DEFAULT_CATALOGUE))
        seed_demo_members(ledger, members)
        if expiry_terminal is not None:
            ledger.run_expiry(expiry_terminal)
    except BaseException:
        ledger.close()
        raise
    return ledger


def seed_demo_members(ledger: Ledger, members: DemoMembers | None = None) -> bool:
    """Seeds the demo members into an empty ledger; whether it did."""
    if ledger.has_members():
        return False
    data = members or load_demo_members()
    rate = ledger.config.points_per_hour
    for m in data.member:
        ledger.add_member(m.id, m.name, card_no=m.card_no)
        hours_centi = round(m.hours * 100)
        if hours_centi:
            ledger.credit(
                m.id,
                hours_centi * rate // 100,
                f"demo-hours:{m.id}",
                hours_centi=hours_centi,
                reason="volunteer",
                terminal=DEMO_TERMINAL,
                staff="demo",
            )
        if m.unprinted_voucher:
            try:
                ledger.redeem(m.id, m.unprinted_voucher, f"demo-voucher:{m.id}", DEMO_TERMINAL)
            except PointsRejected as e:  # a site catalogue without the demo's items
                log.warning("demo voucher not issued: %s", e.code)
    return True


def demo_tokens(signer: TokenSigner, now: float) -> dict[str, str]:
    """Member tokens for every situation the demo members show, signed by ``signer`` and
    issued at ``now`` (epoch seconds; a flow uses ``clock.now().timestamp()``).

    For UI tests and the tour: make ``signer = TokenSigner.generate()``, give the kiosk
    ``signer.config()`` (or ``signer.config(points_config)``) and scan one of these:

    - ``rich``: 王建国 M20230517, 120 points;
    - ``few_points``: 陈晓梅 M20240102, 8 points (rice is "not enough points");
    - ``no_points``: 李秀英 M20220815, 0 points;
    - ``unprinted_voucher``: 张伟 M20210309, 34 available, 11 held by an unprinted voucher;
    - ``current_card``: 刘洋 M20250001's card 2 (a printed-card token);
    - ``revoked_card``: 刘洋's old card 1 (refused: card revoked);
    - ``unknown_member``: a genuine token for an id nobody has;
    - ``expired``: 王建国's app token from ten minutes ago;
    - ``forged``: 王建国's token signed by another key.
    """
    return {
        "rich": signer.issue("M20230517", now=now),
        "few_points": signer.issue("M20240102", now=now),
        "no_points": signer.issue("M20220815", now=now),
        "unprinted_voucher": signer.issue("M20210309", now=now),
        "current_card": signer.issue("M20250001", now=now, kind="card", card_no=2),
        "revoked_card": signer.issue("M20250001", now=now, kind="card", card_no=1),
        "unknown_member": signer.issue("M99999999", now=now),
        "expired": signer.issue("M20230517", now=now - 600, valid_s=120),
        "forged": TokenSigner.generate().issue("M20230517", now=now),
    }
