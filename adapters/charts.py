"""The report's chart: one PNG (matplotlib, Agg backend) with the hand-overs by reason, the times to claim
and resolve, and the ratings. matplotlib is imported on the first chart, never at server start (it
takes a second and tens of megabytes), and drawing runs off the event loop (`chart_png` is sync:
callers run it in a thread).
"""
from __future__ import annotations

import io
import threading

from routing.report import Report

_LOCK = threading.Lock()     # pyplot's state is global: one figure at a time
COLOURS = ("#5b3a8c", "#a8431f", "#2f7d6d", "#c28e0e", "#4a6fa5", "#8c3a5b")


class NoChart(ValueError):
    """Nothing to draw (a period with no conversations)."""


def chart_png(report: Report) -> bytes:
    if report.empty:
        raise NoChart("no conversations in this period")
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    with _LOCK:
        figure, (reasons, times, ratings) = pyplot.subplots(1, 3, figsize=(10, 3.4), dpi=100)
        try:
            figure.suptitle(f"Llamita · {report.scope}", fontsize=11)
            labels = [line.label for line in report.by_reason] or ["none"]
            counts = [line.n for line in report.by_reason] or [0]
            reasons.barh(labels[::-1], counts[::-1], color=COLOURS[0])
            reasons.set_title(f"Hand-overs by reason ({report.handed_over.n})", fontsize=9)
            reasons.tick_params(labelsize=8)
            reasons.xaxis.set_major_locator(MaxNLocator(integer=True))

            names = ["claim", "resolve"]
            medians = [(spread.median or 0) / 60 for spread in (report.time_to_claim, report.time_to_resolve)]
            p90s = [(spread.p90 or 0) / 60 for spread in (report.time_to_claim, report.time_to_resolve)]
            positions = range(len(names))
            times.bar([p - 0.2 for p in positions], medians, 0.4, label="median", color=COLOURS[1])
            times.bar([p + 0.2 for p in positions], p90s, 0.4, label="90%", color=COLOURS[3])
            times.set_xticks(list(positions), [f"to {name}" for name in names])
            times.set_ylabel("minutes", fontsize=8)
            times.set_title("After a hand-over", fontsize=9)
            times.legend(fontsize=7)
            times.tick_params(labelsize=8)

            scores = sorted(report.rating_counts)
            ratings.bar([str(score) for score in scores], [report.rating_counts[s] for s in scores], color=COLOURS[2])
            mean = f", mean {report.rating_mean:.1f}" if report.rating_mean is not None else ""
            ratings.set_title(f"Ratings ({report.ratings.n}{mean})", fontsize=9)
            ratings.tick_params(labelsize=8)
            ratings.yaxis.set_major_locator(MaxNLocator(integer=True))
            figure.tight_layout()
            out = io.BytesIO()
            figure.savefig(out, format="png")
            return out.getvalue()
        finally:
            pyplot.close(figure)
