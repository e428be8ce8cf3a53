"""An application's status, for a resident who scans the receipt's QR at any kiosk (no Qt).

::

    looking       (the job)          asks the center with the number and the receipt's token
    status        done | again       submitted, accepted, returned (with the reason), in
                                     production, ready for pickup, collected
    not_found     done               a code the center does not know (or a wrong token)
    unreachable   retry | done       the center cannot be reached now

The answer carries only masked personal data; nothing is kept after the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.application.model import ApplicationStatus
from kiosk.application.service import (
    ApplicationNotFound,
    ApplicationService,
    ApplicationServiceError,
)
from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Busy, FailsafeMonitor, Flow, Step, on
from kiosk.framework.jobs import Job, Runner

LOOKING = "looking"
STATUS = "status"
NOT_FOUND = "not_found"
UNREACHABLE = "unreachable"
STATUSES = ("submitted", "accepted", "returned", "in_production", "ready", "collected")


@dataclass
class StatusData:
    """The scanned code and the answer; :meth:`wipe` forgets both."""

    application_no: str = ""
    token: str = ""
    status: ApplicationStatus | None = None

    def wipe(self) -> None:
        """Forgets everything."""
        self.application_no = self.token = ""
        self.status = None


class Looking(Busy["StatusFlow"]):
    """Asks the center."""

    name = LOOKING
    prompt = "application.prompt.looking"

    def job(self, flow: StatusFlow) -> Job[ApplicationStatus]:
        flow.data.application_no, flow.data.token = flow.code
        service, (number, token) = flow.service, flow.code
        return lambda: service.status(number, token)

    def arrived(self, flow: StatusFlow, value: Any) -> str | None:
        flow.data.status = value
        return STATUS

    def failed(self, flow: StatusFlow, error: BaseException) -> str | None:
        if isinstance(error, ApplicationNotFound):
            return NOT_FOUND
        if isinstance(error, ApplicationServiceError):
            return UNREACHABLE
        raise error

    def deadline_s(self, flow: StatusFlow) -> float:
        return 15.0

    def timed_out(self, flow: StatusFlow) -> str | None:
        return UNREACHABLE


class Shown(Step["StatusFlow"]):
    """The status, in plain words, with the reason if it was returned."""

    name = STATUS
    prompt = "application.prompt.status"
    moves = on(done=DONE)


class NotFound(Step["StatusFlow"]):
    """The center does not know this code."""

    name = NOT_FOUND
    prompt = "application.prompt.not_found"
    moves = on(done=DONE)


class Unreachable(Step["StatusFlow"]):
    """The center cannot be reached now: try again, or later."""

    name = UNREACHABLE
    prompt = "application.prompt.unreachable"
    moves = on(retry=LOOKING, done=DONE)


class StatusFlow(Flow[StatusData]):
    """One status look-up from a scanned ``AP1.`` code."""

    name = "application_status"
    initial = LOOKING
    done_prompt = "application.prompt.status_done"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        *,
        service: ApplicationService,
        application_no: str,
        token: str,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [Looking(), Shown(), NotFound(), Unreachable()],
            StatusData(),
            runner=runner,
        )
        self.service = service
        self.code = (application_no, token)
