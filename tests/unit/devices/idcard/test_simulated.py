"""The simulated reader: demo cards dated by an injected calendar, and every outcome."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from devices.health import HealthLevel
from devices.idcard.model import CardValidity
from devices.idcard.reader import ReadOutcome
from devices.idcard.simulated import DEMO_IDENTITIES, Scenario, SimulatedIdCardReader, demo_card
from kiosk.framework.id_numbers import birth_date, validate_id_number

TODAY = date(2026, 11, 23)  # the kiosk's FakeClock day


@pytest.mark.parametrize(
    ("scenario", "validity"),
    [
        (Scenario.VALID, CardValidity.VALID),
        (Scenario.LONG_TERM, CardValidity.VALID),
        (Scenario.EXPIRING, CardValidity.EXPIRING),
        (Scenario.EXPIRED, CardValidity.EXPIRED),
    ],
)
@pytest.mark.parametrize("today", [TODAY, date(2031, 2, 28), date(2024, 2, 29)])
def test_demo_cards_stand_as_named_on_the_injected_day(
    scenario: Scenario, validity: CardValidity, today: date
) -> None:
    reader = SimulatedIdCardReader(scenario, today=lambda: today)
    result = reader.read()
    assert result.ok and result.card is not None
    card = result.card
    assert card.validity(today) is validity
    assert card.valid_from <= today
    if scenario is Scenario.EXPIRING:
        left = card.days_left(today)
        assert left is not None and 0 < left <= 90
    if scenario is Scenario.LONG_TERM:
        assert card.long_term and card.valid_until_text == "长期"


def test_the_calendar_is_read_at_each_read() -> None:
    day = [TODAY]
    reader = SimulatedIdCardReader(Scenario.EXPIRING, today=lambda: day[0])
    first = reader.read().card
    day[0] = date(2030, 1, 1)
    second = reader.read().card
    assert first is not None and second is not None
    assert second.validity(day[0]) is CardValidity.EXPIRING
    assert first.valid_until != second.valid_until


@pytest.mark.parametrize(
    ("scenario", "outcome"),
    [
        (Scenario.UNREADABLE, ReadOutcome.UNREADABLE),
        (Scenario.NO_CARD, ReadOutcome.NO_CARD),
        (Scenario.CARD_REMOVED, ReadOutcome.CARD_REMOVED),
        (Scenario.OFFLINE, ReadOutcome.OFFLINE),
    ],
)
def test_each_failure_scenario_gives_its_outcome_every_time(
    scenario: Scenario, outcome: ReadOutcome
) -> None:
    reader = SimulatedIdCardReader(scenario)
    for _ in range(2):
        result = reader.read()
        assert result.outcome is outcome and result.card is None
        assert result.reason == f"idcard.{outcome.value}"
    assert reader.reads == 2


def test_demo_identities_are_fake_but_pass_the_kiosks_checks() -> None:
    for scenario, who in DEMO_IDENTITIES.items():
        check = validate_id_number(who.id_number, today=TODAY)
        assert check.ok, (scenario, check.problem)
        assert birth_date(who.id_number) == who.birth_date
        assert check.male is (who.sex_code == "1")
        assert who.id_number.startswith("999999")  # no region has this code
        card = demo_card(scenario, TODAY)
        assert card.name.startswith("样例") and "演示" in card.address and "演示" in card.issuer
    assert len({who.id_number for who in DEMO_IDENTITIES.values()}) == len(DEMO_IDENTITIES)


def test_health_follows_start_stop_and_the_offline_scenario() -> None:
    reader = SimulatedIdCardReader()
    assert reader.health.reason == "device.not_started"
    reader.start()
    assert (reader.health.level, reader.health.reason) == (HealthLevel.READY, "idcard.ready")
    reader.set_scenario("offline")
    assert (reader.health.level, reader.health.reason) == (HealthLevel.OFFLINE, "idcard.offline")
    reader.set_scenario(Scenario.NO_CARD)  # no card is not a fault
    assert reader.health.level is HealthLevel.READY
    reader.stop()
    assert reader.health.reason == "idcard.stopped"
    with pytest.raises(ValueError):
        reader.set_scenario("lost_in_space")


def test_a_read_waiting_for_a_card_ends_when_one_is_placed() -> None:
    reader = SimulatedIdCardReader(Scenario.NO_CARD)
    results = []
    worker = threading.Thread(target=lambda: results.append(reader.read(wait_s=30)))
    worker.start()
    deadline = time.monotonic() + 10
    pause = threading.Event()
    while reader.reads < 1:  # the read has begun (and holds the lock until it waits)
        assert time.monotonic() < deadline
        pause.wait(0.005)
    reader.set_scenario(Scenario.VALID)
    worker.join(10)
    assert not worker.is_alive()
    assert results[0].ok


def test_a_read_without_waiting_answers_no_card_at_once() -> None:
    reader = SimulatedIdCardReader(Scenario.NO_CARD)
    assert reader.read(wait_s=0).outcome is ReadOutcome.NO_CARD
