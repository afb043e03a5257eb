"""The /stats chart: questions asked and answered per week as bars, the answer rate as a line.

CPU work (about 100 ms): call it in a worker thread (asyncio.to_thread). It builds its own
Figure on the Agg canvas, never pyplot's global state, so two charts may render at once.
Labels come translated: this module speaks no language of its own."""

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.stats import Week

MAX_TICKS = 12


@dataclass(frozen=True, slots=True)
class ChartLabels:
    title: str
    asked: str
    answered: str
    rate: str  # the answer rate axis and line, e.g. "Answer rate (%)"
    weeks: Sequence[str]  # one label per week, e.g. "Nov 2"


def render_chart(weeks: Sequence[Week], labels: ChartLabels) -> bytes:
    """A PNG of `weeks` (at least one)."""
    labels = _plain(labels)
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
    axes.set_title(labels.title)
    axes.yaxis.get_major_locator().set_params(integer=True)
    step = max(1, -(-len(weeks) // MAX_TICKS))
    axes.set_xticks(positions[::step], list(labels.weeks)[::step], rotation=30, ha="right")
    rate = figure.axes[0].twinx()
    rate.plot(
        positions,
        [100 * w.answered / w.asked if w.asked else float("nan") for w in weeks],
        color="#C44E52",
        marker="o",
        label=labels.rate,
    )
    rate.set_ylim(0, 105)
    rate.set_ylabel(labels.rate)
    handles = axes.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    axes.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize="small")
    figure.tight_layout()
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
