"""A kiosk process that prints one receipt to a network printer, for the kill -9 test.

``python -m tests.unit.devices.printer.child_printer STORE HOST PORT`` builds the printer
on the job store ``STORE``, submits :func:`make_receipt`, writes the job id on a line of its own
and then waits on stdin: the test kills it with SIGKILL when it wants to.
"""

from __future__ import annotations

import sys

from devices.printer.build import build_printer
from tests.unit.devices.printer.printer_support import PROFILE, make_receipt


def main(store: str, host: str, port: str) -> None:
    settings = {
        "backend": "network",
        "host": host,
        "port": int(port),
        "status_timeout_s": 60.0,  # the test kills this process while it waits for an answer
        "job_timeout_s": 60.0,
        "poll_interval_s": None,
    }
    printer = build_printer(settings, store, PROFILE)
    printer.start()
    job_id = printer.submit(make_receipt())
    print(int(job_id), flush=True)
    sys.stdin.read()  # until killed (or the test closes stdin)
    printer.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
