"""The attract loop through thousands of items on a fast clock: does memory grow?

The real attract screen (offscreen Qt), the real scheduler and playlist, real image and
video media through QtMultimedia; a fake clock jumps to each item's end so a day of
signage passes in a minute or two.

    .venv/bin/python bench/attract_soak.py [--items 2000] [--json]

Last line: {"items": ..., "rss_start_mb": ..., "rss_end_mb": ..., "growth_mb": ..., ...}
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from kiosk.content.library import MEDIA_DIR, load_content
    from kiosk.content.media import MediaStore
    from kiosk.content.playlist import Scheduler
    from kiosk.framework.clock import FakeClock
    from ui.shell.attract import AttractScreen

    app = QApplication.instance() or QApplication(["attract-soak"])
    clock = FakeClock()
    library = load_content()
    scheduler = Scheduler(library.playlist, clock, MediaStore([MEDIA_DIR]))
    scheduler.check_media()
    screen = AttractScreen(scheduler, library, clock)
    screen.resize(1080, 1920)
    screen.show()
    kinds: Counter[str] = Counter()
    screen.item_shown.connect(lambda item_id: None)

    def step() -> None:
        item = screen.item
        assert item is not None
        kinds[item.kind] += 1
        for _ in range(3):  # let Qt paint and the player start
            app.processEvents()
        clock.advance(item.seconds + 0.01)
        screen.advance(clock.monotonic())

    screen.next_item()
    for _ in range(100):  # warm-up: every kind loaded once, caches filled
        step()
    gc.collect()
    start_mb = rss_mb()
    started = time.monotonic()
    kinds.clear()
    for _ in range(args.items):
        step()
    gc.collect()
    for _ in range(10):
        app.processEvents()
    end_mb = rss_mb()
    elapsed = time.monotonic() - started
    screen.stop()
    health = scheduler.health
    print(f"{args.items} items in {elapsed:.1f} s ({dict(kinds)})")
    growth = end_mb - start_mb
    print(f"resident memory: {start_mb:.1f} -> {end_mb:.1f} MB ({growth:+.1f} MB); target < +20 MB")
    print(f"content health: {health.level} {health.reason}")
    line = {
        "items": args.items,
        "rss_start_mb": round(start_mb, 1),
        "rss_end_mb": round(end_mb, 1),
        "growth_mb": round(end_mb - start_mb, 1),
        "kinds": dict(kinds),
        "seconds": round(elapsed, 1),
    }
    if args.json:
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
