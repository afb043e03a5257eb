"""The /stats chart: questions asked and answered per week as bars, the answer rate as a line.

CPU work (a few hundred ms): it runs in a worker thread. It builds its own Figure on the Agg
canvas, never pyplot's global state; matplotlib's font caches are not thread-safe, so charts
are drawn one at a time. Labels come translated: this module speaks no language of its own."""

import asyncio
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.services.stats import StatsReport, StatsService, Week

MAX_TICKS = 12
_DRAWING = threading.Lock()  # one chart at a time: matplotlib is not thread-safe


@dataclass(frozen=True, slots=True)
class ChartLabels:
    title: str
    asked: str
    answered: str
    rate: str  # the answer rate axis and line, e.g. "Answer rate (%)"
    weeks: Sequence[str]  # one label per week, e.g. "Nov 2"


async def report_with_chart(
    stats: StatsService,
    community_id: int,
    period: str,
    labels: Callable[[str, Sequence[Week]], ChartLabels],
) -> tuple[StatsReport, bytes | None]:
    """The report and its chart (None: nothing was asked). The weeks are read first; the chart
    is drawn in a worker thread while the database counts the rest (SQLite and PostgreSQL's
    driver wait outside the GIL, so both proceed at once). `labels` runs here, in the event
    loop, where the update's language is known."""
    weekly = await stats.weekly(community_id, period)
    if not weekly.asked:
        return await stats.report(community_id, period, weekly), None
    chart = asyncio.ensure_future(
        asyncio.to_thread(render_chart, weekly.weeks, labels(weekly.title, weekly.weeks))
    )
    try:
        report = await stats.report(community_id, period, weekly)
    finally:
        png = await chart
    return report, png


def render_chart(weeks: Sequence[Week], labels: ChartLabels) -> bytes:
    """A PNG of `weeks` (at least one)."""
    with _DRAWING:
        return _render(weeks, _plain(labels))


def _render(weeks: Sequence[Week], labels: ChartLabels) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(weeks)))
    width = 0.4
    axes.bar(
        [x - width / 2 for x in positions],
        [w.asked for w in weeks],
        width,
        label=labels.asked,
        color="#4C72B0",
    )
    axes.bar(
        [x + width / 2 for x in positions],
        [w.answered for w in weeks],
        width,
        label=labels.answered,
        color="#55A868",
    )
    figure.suptitle(labels.title, y=0.97)
    axes.yaxis.get_major_locator().set_params(integer=True)
    step = max(1, -(-len(weeks) // MAX_TICKS))
    axes.set_xticks(positions[::step], list(labels.weeks)[::step], rotation=30, ha="right")
    rate = figure.axes[0].twinx()
    rate.plot(
        positions,
        [100 * w.answered / w.asked if w.asked else float("nan") for w in weeks],
        color="#C44E52",
        marker="o",
        markersize=3 if len(weeks) > 20 else 5,
        label=labels.rate,
    )
    rate.set_ylim(0, 105)
    rate.set_ylabel(labels.rate)
    handles = axes.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    figure.legend(
        handles[0] + more[0],
        handles[1] + more[1],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.92),
        ncols=3,
        frameon=False,
        fontsize="small",
    )
    # Fixed margins: tight_layout would draw the figure once more to measure it.
    figure.subplots_adjust(left=0.07, right=0.92, bottom=0.16, top=0.84)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _plain(labels: ChartLabels) -> ChartLabels:
    """Labels as they are written: a "$" would start matplotlib's math notation."""

    def plain(text: str) -> str:
        return text.replace("$", r"\$")

    return ChartLabels(
        plain(labels.title),
        plain(labels.asked),
        plain(labels.answered),
        plain(labels.rate),
        [plain(week) for week in labels.weeks],
    )
