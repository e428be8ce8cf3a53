"""The http points service when the network or the center misbehaves: every failure is a typed
error, and through a proxy that loses requests and answers, retrying with the same key never
charges twice."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from kiosk.framework.earning import EarnStatus
from kiosk.platform.backend_config import ServiceConfig
from kiosk.platform.http_client import HttpClient
from kiosk.platform.points_config import QUIZ_REASON
from kiosk.platform.service_errors import (
    MalformedResponse,
    ServiceError,
    ServiceServerError,
    ServiceTimeout,
    ServiceUnreachable,
)
from kiosk.points.errors import NotEnoughPoints
from kiosk.points.http import HttpPointsService
from kiosk.points.model import CartLine, EntryKind
from tests.support.flaky_proxy import FlakyProxy
from tests.support.uvicorn_server import SilentServer, UvicornThread, closed_port
from tests.unit.kiosk.points.conftest import TERMINAL, serve_points_center

pytestmark = pytest.mark.timeout(60)
TOWEL = [CartLine(item_id="towel", quantity=1)]


class FixedAnswer:
    """An ASGI app that answers every request with one status and body."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        while (await receive()).get("more_body"):
            pass
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": self.body})


def client_for(url: str, **overrides: Any) -> HttpPointsService:
    values: dict[str, Any] = {
        "backend": "http",
        "base_url": url,
        "token": "t" * 40,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 0.5,
        "retries": 1,
        "backoff_s": 0.01,
    }
    values.update(overrides)
    return HttpPointsService(HttpClient(ServiceConfig(**values), TERMINAL))


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"error": {"code": "internal"}}, ServiceServerError),
        (503, {"error": {"code": "busy"}}, ServiceServerError),
        (200, {"unexpected": True}, MalformedResponse),
    ],
)
def test_a_failing_center(status: int, body: dict[str, Any], error: type[ServiceError]) -> None:
    with UvicornThread(FixedAnswer(status, json.dumps(body).encode())) as server:
        service = client_for(server.url)
        try:
            with pytest.raises(error):
                service.redeem("M20230517", TOWEL, uuid.uuid4().hex)
            with pytest.raises(error):
                service.member("M20230517")
            with pytest.raises(error):  # the quiz treats an exception as "unreachable"
                service.earn("M20230517", 1, uuid.uuid4().hex, QUIZ_REASON)
        finally:
            service.close()


def test_a_center_that_never_answers_is_a_timeout() -> None:
    with SilentServer() as silent:
        service = client_for(silent.url)
        try:
            with pytest.raises(ServiceTimeout):
                service.redeem("M20230517", TOWEL, uuid.uuid4().hex)
        finally:
            service.close()


def test_no_center_is_unreachable() -> None:
    service = client_for(f"http://127.0.0.1:{closed_port()}")
    try:
        with pytest.raises(ServiceUnreachable):
            service.catalogue()
        with pytest.raises(ServiceUnreachable):
            service.ping()
    finally:
        service.close()


def test_retries_through_a_lossy_network_never_charge_twice(tmp_path: Path) -> None:
    with serve_points_center(tmp_path) as center:
        ledger = center.ledger
        members = []
        for i in range(3):
            member_id = f"F{i:03d}"
            ledger.add_member(member_id, "测试")
            ledger.credit(
                member_id, 50, f"seed-key-{i}", reason="volunteer", terminal="t", staff="s"
            )
            members.append(member_id)
        # per-member limits would stop the loop before the points run out
        ledger.config = ledger.config.model_copy(
            update={
                "default_limits": ledger.config.default_limits.model_copy(
                    update={"per_day": None, "per_month": None}
                )
            }
        )
        acknowledged: dict[str, str] = {}
        with FlakyProxy(center.port, fail_rate=0.3, seed=7) as proxy:
            service = HttpPointsService(
                HttpClient(center.config(base_url=proxy.url, read_timeout_s=2.0), TERMINAL)
            )
            try:
                for member_id in members:
                    for _ in range(12):  # 50 points: ten towels, then refused
                        k = uuid.uuid4().hex
                        refused = False
                        for _attempt in range(30):
                            try:
                                acknowledged[k] = service.redeem(member_id, TOWEL, k).code
                                break
                            except NotEnoughPoints:
                                refused = True
                                break
                            except ServiceError:
                                continue  # unknown outcome: the same key again
                        else:
                            pytest.fail("no answer in 30 attempts")
                        if refused:
                            break
            finally:
                service.close()
        stats = proxy.stats
        assert stats.requests_dropped + stats.requests_reset > 0
        assert stats.responses_dropped + stats.responses_reset > 0
        assert len(acknowledged) == 30 and len(set(acknowledged.values())) == 30
        for member_id in members:
            holds = [e for e in ledger.entries(member_id) if e.kind is EntryKind.HOLD]
            assert len(holds) == 10
            assert ledger.balance(member_id).available == 0
        assert {v.code for v in ledger.vouchers() if v.member_id in members} == set(
            acknowledged.values()
        )
        assert ledger.verify() == []


def test_earning_through_a_lossy_network_earns_once(tmp_path: Path) -> None:
    with serve_points_center(tmp_path) as center:
        center.ledger.add_member("Q001", "测试")
        with FlakyProxy(center.port, fail_rate=0.3, seed=3) as proxy:
            service = HttpPointsService(
                HttpClient(center.config(base_url=proxy.url, read_timeout_s=2.0), TERMINAL)
            )
            try:
                k = uuid.uuid4().hex
                answers = []
                for _ in range(20):
                    try:
                        answers.append(service.earn("Q001", 1, k, QUIZ_REASON).status)
                    except ServiceError:
                        continue
                    if len(answers) == 3:
                        break
            finally:
                service.close()
        assert answers and answers[1:] == [EarnStatus.ALREADY_EARNED] * (len(answers) - 1)
        assert center.ledger.balance("Q001").available == 1
