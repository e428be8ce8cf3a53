"""The quiz's daily points: one member, two terminals, two finished quizzes, one payment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kiosk.antifraud.quiz import QuizReward
from kiosk.framework.clock import FakeClock
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.points_config import PointsConfig
from kiosk.points.factory import build_points_service

MEMBER = "M20230517"


def test_same_member_same_day_two_terminals_earns_once(tmp_path: Path) -> None:
    clock = FakeClock()
    reward = QuizReward(points_per_day=1)
    services = [
        build_points_service(
            ServiceConfig(), PointsConfig(), data_dir=tmp_path, terminal_id=terminal, clock=clock
        )
        for terminal in ("kiosk-a", "kiosk-b")
    ]
    try:
        before = services[0].member(MEMBER).balance.available
        key = reward.idempotency_key(MEMBER, date(2026, 11, 23))
        first = services[0].earn(MEMBER, 1, key, reward.reason)
        second = services[1].earn(MEMBER, 1, key, reward.reason)
        assert (str(first.status), str(second.status)) == ("earned", "already_earned")
        after = services[1].member(MEMBER).balance.available
        assert after - before == 1  # in the ledger both terminals share
        clock.advance(24 * 3600)
        tomorrow = reward.idempotency_key(MEMBER, date(2026, 11, 24))
        assert str(services[1].earn(MEMBER, 1, tomorrow, reward.reason).status) == "earned"
        assert MEMBER not in key  # the key does not carry the member id
    finally:
        for service in services:
            service.close()
