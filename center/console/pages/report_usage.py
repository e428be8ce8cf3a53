"""The usage report as charts: ``/console/usage?from=D&to=D`` (default: the last 7 days)
and the same figures as CSV, ``/console/usage.csv`` (what ``center report`` writes).

The charts are SVG drawn on the server (bars, no script): residents served per day, the
services they used, requests filed, resolved and closed, vouchers redeemed, photos taken,
quiz completions. For staff and operators; nothing personal is on them. Each view and
export is audited.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint annotations at run time.
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from center.console.blocking import off_loop
from center.console.context import ConsoleContext
from center.console.rendering import SECURITY_HEADERS, render
from center.console.security import Guard, Refused, client_address
from center.report.figures import MAX_DAYS, UsageReport, report_csv, usage_report
from center.report.usage import UsageLog
from center.requests.store import RequestStore
from center.staff.model import Role, Session
from kiosk.framework.i18n import tr

DEFAULT_DAYS = 7
WIDTH, HEIGHT = 1000, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 22, 34


@dataclass(frozen=True)
class Bar:
    """One bar: where, how big, its tone (a CSS class) and its value."""

    x: float
    y: float
    width: float
    height: float
    tone: str
    value: int


@dataclass(frozen=True)
class Chart:
    """A bar chart, laid out for an SVG ``viewBox`` of ``width`` x ``height``."""

    id: str
    title_key: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    labels: tuple[tuple[float, str], ...]
    ticks: tuple[tuple[float, int], ...]
    legend: tuple[tuple[str, str], ...]
    total: int
    left: int = LEFT


def nice_top(value: int) -> int:
    """The axis's top: ``value`` rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power: int = 10 ** (len(str(value)) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def bar_chart(
    chart_id: str,
    title_key: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
) -> Chart:
    """Bars grouped by label, one per series (``(legend key, tone, values)``)."""
    n, k = max(1, len(labels)), max(1, len(series))
    top = nice_top(max((v for _, _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / n
    bar_w = group * 0.8 / k
    bars = []
    for s, (_, tone, values) in enumerate(series):
        for i, value in enumerate(values):
            h = plot_h * value / top
            x = LEFT + i * group + group * 0.1 + s * bar_w
            bars.append(
                Bar(
                    round(x, 1),
                    round(TOP + plot_h - h, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    tone,
                    value,
                )
            )
    every = max(1, math.ceil(n / 12))
    shown = tuple(
        (round(LEFT + i * group + group / 2, 1), label)
        for i, label in enumerate(labels)
        if i % every == 0
    )
    marks = (0, top // 2, top) if top % 2 == 0 else (0, top)
    ticks = tuple((round(TOP + plot_h - plot_h * m / top, 1), m) for m in marks)
    return Chart(
        chart_id,
        title_key,
        WIDTH,
        HEIGHT,
        tuple(bars),
        shown,
        ticks,
        tuple((key, tone) for key, tone, _ in series),
        sum(sum(values) for _, _, values in series),
    )


def charts_of(report: UsageReport, service_name: Callable[[str], str]) -> list[Chart]:
    """The page's charts."""
    days = [d.day.strftime("%m-%d") for d in report.days]

    def per_day(name: str) -> list[int]:
        return [d.figure(name) for d in report.days]

    return [
        bar_chart(
            "residents",
            "console.usage.residents_served",
            days,
            [("console.usage.residents_served", "info", per_day("residents_served"))],
        ),
        bar_chart(
            "services",
            "console.usage.served_by_service",
            [service_name(s) for s in report.services],
            [
                (
                    "console.usage.served",
                    "ok",
                    [report.total(f"served.{s}") for s in report.services],
                )
            ],
        ),
        bar_chart(
            "requests",
            "console.usage.requests",
            days,
            [
                ("console.usage.requests_filed", "info", per_day("requests_filed")),
                ("console.usage.requests_resolved", "ok", per_day("requests_resolved")),
                ("console.usage.requests_closed", "warn", per_day("requests_closed")),
            ],
        ),
        bar_chart(
            "vouchers",
            "console.usage.vouchers_redeemed",
            days,
            [("console.usage.vouchers_redeemed", "ok", per_day("vouchers_redeemed"))],
        ),
        bar_chart(
            "photos",
            "console.usage.photos_taken",
            days,
            [("console.usage.photos_taken", "info", per_day("photos_taken"))],
        ),
        bar_chart(
            "quizzes",
            "console.usage.quiz_completions",
            days,
            [("console.usage.quiz_completions", "warn", per_day("quiz_completions"))],
        ),
    ]


def usage_routes(
    ctx: ConsoleContext,
    guard: Guard,
    *,
    requests: RequestStore | None = None,
    photos: Any = None,
    usage: UsageLog | None = None,
) -> APIRouter:
    """The charts page and its CSV."""
    router = APIRouter()
    Reader = Annotated[Session, Depends(guard.role(Role.STAFF, Role.OPERATOR))]

    def window(first: str, last: str) -> tuple[date, date]:
        try:
            end = date.fromisoformat(last) if last else datetime.now().date()
            start = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
        except ValueError as e:
            raise Refused(422, "console.usage.bad_range") from e
        if end < start or (end - start).days >= MAX_DAYS:
            raise Refused(422, "console.usage.bad_range")
        return start, end

    def report(start: date, end: date) -> UsageReport:
        return usage_report(
            start,
            end,
            usage=usage,
            requests=requests,
            ledger=ctx.points,
            photos=photos,
        )

    @router.get("/usage")
    @off_loop
    def usage_page(
        request: Request,
        session: Reader,
        to: str = "",
    ) -> Response:
        """The figures of a range of days as charts, with their totals."""
        start, end = window(request.query_params.get("from", ""), to)
        figures = report(start, end)
        ctx.audit_action(
            session,
            client_address(request),
            "view.usage",
            f"{start.isoformat()}..{end.isoformat()}",
        )

        def service_name(service: str) -> str:
            return tr(f"console.usage.service.{service}", "zh_CN")

        return render(
            request,
            "usage.html",
            report=figures,
            charts=charts_of(figures, service_name),
            first=start,
            last=end,
            sources={
                "usage": usage is not None,
                "requests": requests is not None,
                "points": ctx.points is not None,
                "photos": photos is not None,
            },
        )

    @router.get("/usage.csv")
    @off_loop
    def usage_csv(request: Request, session: Reader, to: str = "") -> Response:
        """The same figures as CSV (UTF-8 with a BOM, for spreadsheet programs)."""
        start, end = window(request.query_params.get("from", ""), to)
        body = report_csv(report(start, end)).encode("utf-8-sig")
        ctx.audit_action(
            session,
            client_address(request),
            "usage.export",
            f"{start.isoformat()}..{end.isoformat()}",
        )
        name = f"usage-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
