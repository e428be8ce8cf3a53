"""A request's progress, for a resident who scans the receipt's QR (``RQ1.``) at any kiosk
(no Qt).

::

    looking       (the job)            asks the center with the code and the receipt's token
    status        rate(satisfied=...) | done    received, assigned to a department, in hand,
                                       done (with what was done), closed (with the reason);
                                       a finished request not yet rated asks 满意 / 不满意
    rating        (the job)            sends the answer; the status comes back with it
    not_found     done                 a code the center does not know (or a wrong token)
    unreachable   retry | done         the center cannot be reached now

The answer carries only masked personal data; the session's end wipes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.framework.clock import Clock
from kiosk.framework.flow import DONE, Busy, Event, FailsafeMonitor, Flow, Step, on
from kiosk.framework.jobs import Job, Runner
from kiosk.platform.requests_config import RequestsConfig
from kiosk.requests.model import FINAL_STATUSES, RequestStatus
from kiosk.requests.service import RequestNotFound, RequestService, RequestServiceError

LOOKING = "looking"
STATUS = "status"
RATING = "rating"
NOT_FOUND = "not_found"
UNREACHABLE = "unreachable"
PROGRESS = ("received", "assigned", "in_progress", "done")
"""The public steps of a request in order (``closed`` ends it instead of ``done``)."""


@dataclass
class StatusData:
    """The scanned code, the answer and the rating; :meth:`wipe` forgets them."""

    code: str = ""
    token: str = ""
    status: RequestStatus | None = None
    rating: bool | None = None  # what the resident answered, while it is being sent
    rating_problem: str = ""  # translation key: why the rating was not taken
    rated_now: bool = False  # the answer was taken in this visit: say thank you

    def wipe(self) -> None:
        """Forgets everything."""
        self.code = self.token = self.rating_problem = ""
        self.status = self.rating = None
        self.rated_now = False


def rateable(status: RequestStatus | None) -> bool:
    """Whether the resident may say now whether they are satisfied."""
    return status is not None and status.status in FINAL_STATUSES and status.satisfied is None


class Looking(Busy["RequestStatusFlow"]):
    """Asks the center."""

    name = LOOKING
    prompt = "requests.prompt.looking"

    def job(self, flow: RequestStatusFlow) -> Job[RequestStatus]:
        flow.data.code, flow.data.token = flow.scanned
        service, (code, token) = flow.service, flow.scanned
        return lambda: service.status(code, token)

    def arrived(self, flow: RequestStatusFlow, value: Any) -> str | None:
        flow.data.status = value
        return STATUS

    def failed(self, flow: RequestStatusFlow, error: BaseException) -> str | None:
        if isinstance(error, RequestNotFound):
            return NOT_FOUND
        if isinstance(error, RequestServiceError):
            return UNREACHABLE
        raise error

    def deadline_s(self, flow: RequestStatusFlow) -> float:
        return 15.0

    def timed_out(self, flow: RequestStatusFlow) -> str | None:
        return UNREACHABLE


class Shown(Step["RequestStatusFlow"]):
    """The progress in plain words; 满意 / 不满意 once it is finished."""

    name = STATUS
    prompt = "requests.prompt.status"
    moves = on(done=DONE)

    def handle(self, flow: RequestStatusFlow, event: Event) -> None:
        if event.name == "rate" and rateable(flow.data.status):
            flow.data.rating = bool(event.data.get("satisfied"))
            flow.data.rating_problem = ""
            flow.go(RATING)


class Rating(Busy["RequestStatusFlow"]):
    """Sends the resident's answer."""

    name = RATING
    prompt = "requests.prompt.rating"

    def job(self, flow: RequestStatusFlow) -> Job[RequestStatus]:
        service, code, token = flow.service, flow.data.code, flow.data.token
        satisfied = bool(flow.data.rating)
        return lambda: service.rate(code, token, satisfied)

    def arrived(self, flow: RequestStatusFlow, value: Any) -> str | None:
        flow.data.status = value
        flow.data.rated_now = True
        return STATUS

    def failed(self, flow: RequestStatusFlow, error: BaseException) -> str | None:
        if not isinstance(error, RequestServiceError):
            raise error
        known = ("not_rateable", "already_rated")
        code = error.code if error.code in known else "unreachable"
        flow.data.rating_problem = f"requests.error.{code}"
        return STATUS

    def deadline_s(self, flow: RequestStatusFlow) -> float:
        return 15.0

    def timed_out(self, flow: RequestStatusFlow) -> str | None:
        flow.data.rating_problem = "requests.error.unreachable"
        return STATUS


class NotFound(Step["RequestStatusFlow"]):
    """The center does not know this code."""

    name = NOT_FOUND
    prompt = "requests.prompt.not_found"
    moves = on(done=DONE)


class Unreachable(Step["RequestStatusFlow"]):
    """The center cannot be reached now: try again, or later."""

    name = UNREACHABLE
    prompt = "requests.prompt.unreachable"
    moves = on(retry=LOOKING, done=DONE)


class RequestStatusFlow(Flow[StatusData]):
    """One status look-up from a scanned ``RQ1.`` code."""

    name = "requests_status"
    initial = LOOKING
    done_prompt = "requests.prompt.status_done"

    def __init__(
        self,
        clock: Clock,
        monitor: FailsafeMonitor,
        *,
        service: RequestService,
        code: str,
        token: str,
        settings: RequestsConfig | None = None,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(
            clock,
            monitor,
            [Looking(), Shown(), Rating(), NotFound(), Unreachable()],
            StatusData(),
            runner=runner,
        )
        self.service = service
        self.settings = settings  # the categories' names, where this terminal knows them
        self.scanned = (code, token)
