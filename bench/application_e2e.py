"""Resident-ID applications end to end, through a lossy network, to a real center over HTTPS.

Starts the real center (``center.cli serve`` in its own process, TLS with a CA and a server
certificate made here with ``cryptography``, never written outside a temporary folder) over
a fresh data directory with one registered terminal, and puts
``tests/support/flaky_proxy.py`` in front of it, losing ``--fail-rate`` (default 20%) of the
requests and, independently, of the responses (dropped or reset; a lost response is work
the center did that the kiosk never heard of).

The kiosk side is the Qt-free path the application flow takes, as the flow calls it: for
each of ``--applications`` applications (a valid ID number, a real JPEG of an ID photo's
size, a mobile, window or post), ``service.submit`` with a fresh idempotency key; on a
retryable failure the application goes into the sealed outbox (:class:`~kiosk.application.
outbox.ApplicationOutbox`) and the resident's submit step ends there. "submit ms" is that
step, as the resident waits for it. Then the outbox is retried, pass after pass, until it is
empty (at most ``--max-passes``).

Checked against the center's own store (opened after the center stopped) and the kiosk's
data directory:

- arrived_once: keys that made exactly one application at the center;
- duplicates: applications beyond one per key, plus any the kiosk never sent;
- photo_mismatches: photos that are not bit-exact (personal fields are compared too, and
  receipts the kiosk got against the center's numbers; both reported);
- left_on_kiosk_files: files under the kiosk's data dir other than the outbox's key,
  plus any file that holds an ID number, a name, a mobile, an address or a photo in clear.

    .venv/bin/python bench/application_e2e.py [--json] [--applications 50] [--fail-rate 0.2]

Human-readable lines first; the LAST line is one JSON object:
{"applications": 50, "arrived_once": ..., "duplicates": ..., "photo_mismatches": ...,
"left_on_kiosk_files": ..., "p95_submit_ms": ...}
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from center.applications.store import open_center_applications  # noqa: E402
from center.auth import TerminalRegistry  # noqa: E402
from kiosk.application.factory import (  # noqa: E402
    build_application_outbox,
    build_application_service,
    outbox_key_file,
)
from kiosk.application.model import ApplicationSubmission, SubmitReceipt  # noqa: E402
from kiosk.application.service import ApplicationServiceError  # noqa: E402
from kiosk.framework.id_numbers import check_character  # noqa: E402
from kiosk.platform.application_config import ApplicationConfig  # noqa: E402
from kiosk.platform.backend_config import ServiceConfig  # noqa: E402
from tests.support.flaky_proxy import FlakyProxy  # noqa: E402
from tests.support.uvicorn_server import closed_port, make_tls_material  # noqa: E402

TERMINAL = "bench-kiosk"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
log = logging.getLogger("bench")


# -- the applications ----------------------------------------------------------------------
def id_photo(rng: random.Random) -> bytes:
    """A JPEG the size and weight of a resident-ID photo (358x441, quality 70): a light
    background, a head and shoulders, a little sensor noise."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.new("RGB", (358, 441), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    skin = (rng.randint(190, 235), rng.randint(150, 195), rng.randint(120, 170))
    cx, top = 179 + rng.randint(-6, 6), 40 + rng.randint(-5, 5)
    draw.ellipse((cx - 105, top, cx + 105, top + 260), fill=(30, 25, 20))  # hair
    draw.ellipse((cx - 95, top + 35, cx + 95, top + 285), fill=skin)  # face
    draw.rectangle((cx - 35, top + 270, cx + 35, top + 330), fill=skin)  # neck
    draw.ellipse((cx - 175, top + 310, cx + 175, top + 560), fill=(35, 45, 70))  # shoulders
    for dx in (-40, 40):
        draw.ellipse((cx + dx - 12, top + 140, cx + dx + 12, top + 152), fill=(40, 30, 25))
    noise = Image.effect_noise((358, 441), 60).convert("RGB")  # texture: ~14-20 KB in all
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(1.0)), noise, 0.09)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def make_application(i: int, rng: random.Random, now: datetime) -> ApplicationSubmission:
    """A complete application: 换领 by the card, or 补领 by typed number; window or post."""
    born = datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    body = f"{rng.choice(['110101', '120101', '310104', '440305'])}{born:%Y%m%d}{i:03d}"
    number = body + check_character(body)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    lost = i % 5 == 4
    post = i % 3 == 0
    return ApplicationSubmission(
        business="replace_lost" if lost else "renew_expired",
        id_number=number,
        name=name,
        sex="" if lost else ("男" if int(number[16]) % 2 else "女"),
        nation="" if lost else "汉",
        birth_date="" if lost else f"{born:%Y-%m-%d}",
        card_address="" if lost else f"天津市和平区南京路{100 + i}号",
        card_valid_until="" if lost else "2026-11-30",
        mobile=f"13{rng.randint(3, 9)}{rng.randint(0, 99_999_999):08d}",
        pickup="post" if post else "window",
        post_address=f"天津市河西区友谊路{i + 1}号{rng.randint(1, 20)}单元" if post else "",
        fee_yuan="40.00" if lost else "20.00",
        photo_jpeg=id_photo(rng),
        photo_preset="resident-id",
        terminal_id=TERMINAL,
        submitted_at=now,
    )


def secrets_of(app: ApplicationSubmission) -> list[bytes]:
    """What must never be readable on the kiosk's disk once handed over."""
    texts = [app.id_number, app.name, app.mobile, app.card_address, app.post_address]
    out = [t.encode("utf-8") for t in texts if t]
    out += [json.dumps(t).strip('"').encode("ascii") for t in texts if t]
    middle = len(app.photo_jpeg) // 2
    return [*out, app.photo_jpeg[middle : middle + 64]]


# -- the center process --------------------------------------------------------------------
class Center:
    """``center.cli serve`` over HTTPS in its own process."""

    def __init__(self, data_dir: Path, cert: Path, key: Path, ca: Path) -> None:
        self.data_dir, self.ca = data_dir, ca
        self.port = closed_port()
        self.url = f"https://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "center.cli",
            "--data-dir",
            str(data_dir),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--tls-cert",
            str(cert),
            "--tls-key",
            str(key),
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT)

    def wait_healthy(self, timeout_s: float = 60.0) -> float:
        """Seconds until ``/v1/health`` answered over TLS (pinned to the CA)."""
        import requests

        began = time.monotonic()
        with requests.Session() as s:
            s.trust_env = False
            while time.monotonic() - began < timeout_s:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the center exited with {self.proc.returncode}")
                try:
                    resp = s.get(self.url + "/v1/health", timeout=0.5, verify=str(self.ca))
                    if resp.status_code == 200:
                        return time.monotonic() - began
                except requests.RequestException:
                    pass
                time.sleep(0.05)
        raise RuntimeError("the center did not start")

    def stop(self) -> None:
        """SIGTERM, then wait (uvicorn shuts down gracefully and closes the store)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


# -- the run -------------------------------------------------------------------------------
@dataclass
class Run:
    """What the kiosk side saw."""

    submit_ms: list[float] = field(default_factory=list)
    direct: dict[str, SubmitReceipt] = field(default_factory=dict)  # key -> receipt
    queued: dict[str, str] = field(default_factory=dict)  # outbox id -> key
    refused: dict[str, str] = field(default_factory=dict)  # key -> code
    from_outbox: dict[str, SubmitReceipt] = field(default_factory=dict)  # key -> receipt
    passes: int = 0
    expired: int = 0
    failure_codes: dict[str, int] = field(default_factory=dict)


def drive(
    apps: dict[str, ApplicationSubmission], config: ServiceConfig, data_dir: Path, passes: int
) -> Run:
    """Submits every application the way the flow does, then empties the outbox."""
    run = Run()
    service = build_application_service(config, data_dir=data_dir, terminal_id=TERMINAL)
    outbox = build_application_outbox(ApplicationConfig(), data_dir=data_dir)
    try:
        for key, app in apps.items():
            began = time.perf_counter()
            try:
                run.direct[key] = service.submit(app, key)
            except ApplicationServiceError as e:
                run.failure_codes[e.code] = run.failure_codes.get(e.code, 0) + 1
                if e.retryable:
                    run.queued[outbox.put(app, key)] = key  # the receipt says "waiting"
                else:
                    run.refused[key] = e.code  # the flow's "refused" screen
            run.submit_ms.append((time.perf_counter() - began) * 1000)
        while outbox.pending() and run.passes < passes:
            run.passes += 1
            outcome = outbox.retry(service)
            run.expired += len(outcome.expired)
            for outbox_id, receipt in outcome.sent.items():
                run.from_outbox[run.queued[outbox_id]] = receipt
    finally:
        service.close()
    return run


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method)."""
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=50)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--max-passes", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="end with the JSON line")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    tmp = Path(tempfile.mkdtemp(prefix="application-e2e-"))
    center_dir, kiosk_dir = tmp / "center", tmp / "kiosk"
    center_dir.mkdir()
    kiosk_dir.mkdir()
    tls = make_tls_material(tmp / "tls", "bench-center")
    token = TerminalRegistry(center_dir / "terminals.json").add(TERMINAL)
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    apps = {uuid.uuid4().hex: make_application(i, rng, now) for i in range(args.applications)}
    sizes = [len(a.photo_jpeg) for a in apps.values()]

    center = Center(center_dir, tls.server_cert, tls.server_key, tls.ca_cert)
    try:
        started = center.wait_healthy()
        with FlakyProxy(center.port, fail_rate=args.fail_rate, seed=args.seed) as proxy:
            config = ServiceConfig(
                backend="http",
                base_url=f"https://127.0.0.1:{proxy.port}",
                terminal_id=TERMINAL,
                token=token,
                ca_file=str(tls.ca_cert),
            )  # the kiosk's defaults otherwise: timeouts, 2 retries, 0.2 s back-off
            began = time.monotonic()
            run = drive(apps, config, kiosk_dir, args.max_passes)
            took = time.monotonic() - began
            stats = proxy.stats
    finally:
        center.stop()

    # -- the center's store ---------------------------------------------------------------
    store = open_center_applications(center_dir)
    by_key = store.numbers_by_key()
    total = store.count()
    arrived_once = sum(1 for k in apps if len(by_key.get((TERMINAL, k), [])) == 1)
    ours = sum(len(by_key.get((TERMINAL, k), [])) for k in apps)
    duplicates = (ours - sum(1 for k in apps if by_key.get((TERMINAL, k)))) + (total - ours)
    photo_mismatches = field_mismatches = receipt_mismatches = 0
    for key, app in apps.items():
        numbers = by_key.get((TERMINAL, key), [])
        if not numbers:
            continue
        number = numbers[0]
        if store.photo(number, account="bench-check") != app.photo_jpeg:
            photo_mismatches += 1
        personal = store.show(number, unmasked=True, account="bench-check").personal
        expected = app.fields()
        if any(personal[f] != expected[f] for f in personal):
            field_mismatches += 1
        receipt = run.direct.get(key) or run.from_outbox.get(key)
        if receipt is None or receipt.application_no != number:
            receipt_mismatches += 1
            log.error("receipt mismatch for %s: %r", number, receipt)
        else:
            status = store.status(number, receipt.status_token)
            if status is None or status.status != "submitted":
                receipt_mismatches += 1
    store.close()

    # -- the kiosk's data dir -------------------------------------------------------------
    key_file = outbox_key_file(kiosk_dir)
    needles = [s for app in apps.values() for s in secrets_of(app)]
    left: set[str] = set()
    for path in kiosk_dir.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path != key_file or any(n in data for n in needles):
            left.add(str(path.relative_to(kiosk_dir)))

    ms = run.submit_ms
    print(f"center: HTTPS on 127.0.0.1:{center.port}, up in {started:.2f} s")
    print(
        f"proxy: {stats.requests} requests, {stats.failures} lost "
        f"({stats.requests_dropped} dropped + {stats.requests_reset} reset before the center, "
        f"{stats.responses_dropped} dropped + {stats.responses_reset} reset after it) "
        f"over {stats.connections} connections"
    )
    print(f"photos: {min(sizes)}-{max(sizes)} bytes (median {statistics.median(sizes):.0f})")
    print(
        f"submit step: {len(run.direct)} handed over at once, {len(run.queued)} queued, "
        f"{len(run.refused)} refused {sorted(set(run.refused.values()))}; failure codes "
        f"{dict(sorted(run.failure_codes.items()))}"
    )
    print(f"submit ms: median {statistics.median(ms):.0f}, p95 {p95(ms):.0f}, max {max(ms):.0f}")
    print(
        f"outbox: {len(run.from_outbox)} handed over in {run.passes} pass(es), "
        f"{run.expired} expired; whole run {took:.1f} s"
    )
    print(
        f"center: {total} application(s); {arrived_once} keys arrived once, "
        f"{duplicates} duplicate(s), {photo_mismatches} photo and {field_mismatches} field "
        f"mismatch(es), {receipt_mismatches} receipt mismatch(es)"
    )
    print(f"kiosk data dir: {sorted(left) or 'nothing but the outbox key'}")
    if args.keep:
        print(f"kept {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "applications": len(apps),
        "arrived_once": arrived_once,
        "duplicates": duplicates,
        "photo_mismatches": photo_mismatches,
        "left_on_kiosk_files": len(left),
        "p95_submit_ms": round(p95(ms), 1),
    }
    if args.json:
        print(json.dumps(result))
    ok = (
        arrived_once == len(apps)
        and duplicates == 0
        and photo_mismatches == 0
        and not left
        and p95(ms) <= 500
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
