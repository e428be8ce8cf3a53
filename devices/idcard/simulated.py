"""The ID-card reader's twin: demo cards and every outcome, chosen by scenario.

Scenarios: ``valid``, ``long_term`` (valid for life), ``expiring`` (45 days left),
``expired`` (30 days past), ``unreadable``, ``no_card``, ``card_removed`` (pulled away mid-read),
``offline`` (no reader). The validity dates are set from ``today()`` at each read, so a test or
the tour with a fake clock gets an expiring card on its own calendar.

The demo identities are obviously fake (样例 names, the 999999 area code no region has, a
演示 address), and their numbers pass the MOD 11-2 check so every flow accepts them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from devices.health import HealthLevel
from devices.idcard.model import NATIONS, SEXES, IdCard
from devices.idcard.reader import (
    REASON_OFFLINE,
    REASON_READY,
    REASON_STOPPED,
    IdCardReader,
    ReadOutcome,
    ReadResult,
)

__all__ = ["DEMO_IDENTITIES", "DemoIdentity", "Scenario", "SimulatedIdCardReader", "demo_card"]


class Scenario(StrEnum):
    """What the simulated reader does at the next read."""

    VALID = "valid"
    LONG_TERM = "long_term"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    UNREADABLE = "unreadable"
    NO_CARD = "no_card"
    CARD_REMOVED = "card_removed"
    OFFLINE = "offline"


@dataclass(frozen=True)
class DemoIdentity:
    """A fake resident: what does not depend on the day."""

    name: str
    sex_code: str
    nation_code: str
    birth_date: date
    id_number: str


_ADDRESS = "演示省样例市测试区示范路1号（演示数据）"
_ISSUER = "样例市公安局演示分局"

#: One fake resident per card scenario. Numbers: area 999999 (no such region), the birth
#: date, a sequence whose parity matches the sex, and a correct MOD 11-2 check character.
DEMO_IDENTITIES: dict[Scenario, DemoIdentity] = {
    Scenario.VALID: DemoIdentity("样例张三", "1", "01", date(1990, 3, 7), "999999199003071234"),
    Scenario.LONG_TERM: DemoIdentity(
        "样例李四", "2", "01", date(1960, 5, 20), "999999196005201246"
    ),
    Scenario.EXPIRING: DemoIdentity("样例王五", "1", "03", date(1985, 11, 2), "999999198511021271"),
    Scenario.EXPIRED: DemoIdentity("样例赵六", "2", "11", date(2001, 8, 15), "999999200108151287"),
}


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def demo_card(scenario: Scenario, today: date) -> IdCard:
    """The demo card of a card scenario, its validity set around ``today``.

    valid: issued 3 years ago for 20 years; long_term: issued 5 years ago, 长期; expiring:
    45 days left of 10 years; expired: ended 30 days ago after 10 years.

    Raises:
        KeyError: the scenario has no card (no_card, unreadable...).
    """
    who = DEMO_IDENTITIES[scenario]
    until: date | None
    if scenario is Scenario.VALID:
        since = _years_before(today, 3)
        until = _years_before(since, -20)
    elif scenario is Scenario.LONG_TERM:
        since, until = _years_before(today, 5), None
    elif scenario is Scenario.EXPIRING:
        until = today + timedelta(days=45)
        since = _years_before(until, 10)
    else:
        until = today - timedelta(days=30)
        since = _years_before(until, 10)
    return IdCard(
        name=who.name,
        sex=SEXES[who.sex_code],
        nation=NATIONS[who.nation_code],
        birth_date=who.birth_date,
        address=_ADDRESS,
        id_number=who.id_number,
        issuer=_ISSUER,
        valid_from=since,
        valid_until=until,
        sex_code=who.sex_code,
        nation_code=who.nation_code,
    )


_OUTCOMES = {
    Scenario.UNREADABLE: (ReadOutcome.UNREADABLE, "simulated: read failed, card still there"),
    Scenario.NO_CARD: (ReadOutcome.NO_CARD, "simulated: no card"),
    Scenario.CARD_REMOVED: (ReadOutcome.CARD_REMOVED, "simulated: card pulled away mid-read"),
    Scenario.OFFLINE: (ReadOutcome.OFFLINE, "simulated: reader unplugged"),
}


class SimulatedIdCardReader(IdCardReader):
    """A reader that answers every read with its scenario's outcome, at once.

    The scenario stays until changed (:meth:`set_scenario`), so a test can read the same
    outcome twice. A read with ``wait_s`` while there is no card waits until a scenario with a
    card is set or the time is up, as a resident placing a card would end the wait.

    Attributes:
        reads: how many reads were made (for tests).
    """

    def __init__(
        self,
        scenario: Scenario | str = Scenario.VALID,
        *,
        today: Callable[[], date] = date.today,
        name: str = "idcard",
        read_timeout_s: float = 5.0,
    ) -> None:
        super().__init__(name, read_timeout_s=read_timeout_s)
        self._today = today
        self._scenario = Scenario(scenario)
        self._changed = threading.Condition()
        self._started = False
        self.reads = 0

    def describe(self) -> str:
        return f"simulated ({self.scenario})"

    @property
    def scenario(self) -> Scenario:
        """What the next read gives."""
        with self._changed:
            return self._scenario

    def set_scenario(self, scenario: Scenario | str) -> None:
        """Chooses what the next reads give (raises ValueError for an unknown name)."""
        chosen = Scenario(scenario)
        with self._changed:
            self._scenario = chosen
            self._changed.notify_all()
        if self._started:
            self._publish()

    def start(self) -> None:
        self._started = True
        self._publish()

    def stop(self) -> None:
        self._started = False
        with self._changed:
            self._changed.notify_all()
        self._set_health(HealthLevel.OFFLINE, REASON_STOPPED)

    def _publish(self) -> None:
        if self.scenario is Scenario.OFFLINE:
            self._set_health(HealthLevel.OFFLINE, REASON_OFFLINE, "simulated: reader unplugged")
        else:
            self._set_health(HealthLevel.READY, REASON_READY)

    def read(self, timeout_s: float | None = None, *, wait_s: float = 0.0) -> ReadResult:
        with self._changed:
            self.reads += 1
            if wait_s > 0:
                self._changed.wait_for(lambda: self._scenario is not Scenario.NO_CARD, wait_s)
            scenario = self._scenario
        if scenario in DEMO_IDENTITIES:
            return ReadResult(ReadOutcome.OK, demo_card(scenario, self._today()), "simulated")
        outcome, detail = _OUTCOMES[scenario]
        return ReadResult(outcome, detail=detail)
