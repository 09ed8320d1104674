"""The supervisors' report (routing/report.py) in words: the numbers formatted once, for every place that
shows them. `summary_lines` is the ten-second read (Slack, Teams); `sections` the whole report, which
`table` lays out for the command line and the desk page shows as it is.
"""
from __future__ import annotations

from routing.config import OperatorConfig
from routing.report import PERIODS, Change, Line, Report, Share, Spread

USAGE = "Usage: /llamita stats [today|7d|30d] [team]  (e.g. /llamita stats 7d compliance)"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def share(part: Share | None) -> str:
    if part is None:
        return "— (no team)"
    return f"{part.n} of {part.of} ({percent(part.share)})" if part.of else "0"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest and minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def spread_time(spread: Spread) -> str:
    if not spread.n:
        return "no cases yet"
    return f"median {duration(spread.median)}, 90% within {duration(spread.p90)} (n={spread.n})"


def spread_count(spread: Spread) -> str:
    if not spread.n:
        return "no cases yet"
    return f"median {spread.median:g}, 90% within {spread.p90:g} (n={spread.n})"


def mood(change: Change) -> str:
    if not change.n:
        return "no cases yet"
    return (f"{change.before:+.2f} → {change.after:+.2f} ({change.change:+.2f}; better {change.improved}, "
            f"worse {change.worsened}, n={change.n})")


def top(lines: list[Line], limit: int = 3) -> str:
    return ", ".join(f"{line.label} {line.n}" for line in lines[:limit]) or "none"


def rating(report: Report) -> str:
    if not report.ratings.n:
        return f"no ratings yet ({report.ratings.of} asked)" if report.ratings.of else "no ratings yet"
    return (f"{report.rating_mean:.1f}/5 from {report.ratings.n} ({percent(report.satisfied.share)} gave 4-5; "
            f"{report.ratings.n} of {report.ratings.of} asked answered)")


def helpful(report: Report) -> str:
    if not report.helpful.of:
        return "no answers rated yet"
    return f"{percent(report.helpful.share)} yes of {report.helpful.of} answers rated"


def title(report: Report) -> str:
    return f"Llamita stats · {report.scope}"


def summary_lines(report: Report) -> list[tuple[str, str]]:
    """The figures a supervisor reads first: (label, value)."""
    if report.empty:
        return [("Conversations", "none in this period")]
    handed = f"{share(report.handed_over)}" + (f": {top(report.by_reason)}" if report.by_reason else "")
    lines = [
        ("Conversations", str(report.conversations)),
        ("Handed to people" if not report.team else f"Handed to {report.team_name or report.team}", handed),
    ]
    if report.kept_by_llamita is not None:
        lines.append(("Kept by Llamita", share(report.kept_by_llamita)))
    lines += [
        ("Time to claim", spread_time(report.time_to_claim)),
        ("Time to resolve", spread_time(report.time_to_resolve)),
        ("Abandoned", share(report.abandoned)),
        ("Ratings", rating(report)),
        ("Did this help?", helpful(report)),
        ("Mood, start → end", mood(report.sentiment)),
        ("Insisted after a no", share(report.insisted_after_no)
         + (f": {top(report.insisted_topics)}" if report.insisted_topics else "")),
        ("For the trainers", share(report.flagged)),
    ]
    return lines


def sections(report: Report) -> list[tuple[str, list[tuple[str, str]]]]:
    """The whole report: (section, [(label, value)])."""
    if report.empty:
        return [("Summary", summary_lines(report))]
    def breakdown(lines: list[Line], value=lambda line: percent(line.value)) -> list[tuple[str, str]]:
        return [(line.label, f"{value(line)} (n={line.n})") for line in lines] or [("—", "none")]

    result = [
        ("Summary", summary_lines(report)),
        ("Hand-overs by reason", breakdown(report.by_reason)),
        ("Hand-overs by team", breakdown(report.by_team)),
        ("Messages until resolved", [("Llamita alone", spread_count(report.messages_llamita)),
                                     ("With people", spread_count(report.messages_people))]),
        ("Abandonment", [("All", share(report.abandoned)),
                         ("With Llamita", share(report.abandoned_with_llamita)),
                         ("Waiting for a person", share(report.abandoned_waiting)),
                         ("With a person", share(report.abandoned_with_person))]),
        ("Mood (sentiment -1..+1)", [("Start → end", mood(report.sentiment)),
                                     ("Start → hand-over", mood(report.sentiment_before_handover)),
                                     ("Hand-over → end", mood(report.sentiment_after_handover))]),
        ("Topics handed over", breakdown(report.topics_handed_over)),
        ("Topics abandoned", breakdown(report.topics_unresolved)),
        ("Topics with unhelpful answers", breakdown(
            report.feedback_topics, lambda line: f"{line.extra:g} not helpful, {percent(line.value)}")),
        ("Answers found unhelpful", [(f"[{answer.language or '?'}] {answer.excerpt}",
                                      f"{answer.unhelpful} of {answer.n}")
                                     for answer in report.unhelpful_answers] or [("—", "none")]),
        ("Satisfaction", [("Ratings", rating(report))]
         + [(f"{'★' * score}", str(count)) for score, count in sorted(report.rating_counts.items())]
         + [("Did this help?", helpful(report))]),
        ("Insisted on a person after a no", [("Of the hand-overs", share(report.insisted_after_no))]
         + breakdown(report.insisted_topics, lambda line: f"{line.n}")),
        ("Time to resolve by reason", breakdown(report.resolve_by_reason,
                                                lambda line: f"median {duration(line.value)}")),
        ("Rating by language", breakdown(report.rating_by_language, lambda line: f"{line.value:.1f}/5")),
        ("Hand-over rate by topic", breakdown(report.handover_by_topic)),
        ("For the trainers", [("Flagged conversations", share(report.flagged))]
         + breakdown(report.flagged_by_reason, lambda line: f"{line.n}")),
    ]
    if report.model_turns:
        result.append(("Language model", [("Turns", str(report.model_turns)),
                                          ("Offline brain decided instead", str(report.model_fallbacks)),
                                          ("Tokens", f"{report.model_tokens:,}")]))
    return result


def table(report: Report) -> str:
    """The whole report as aligned plain text (the command line)."""
    out = [title(report), "=" * len(title(report))]
    for heading, rows in sections(report):
        out += ["", heading]
        width = min(48, max((len(label) for label, _ in rows), default=0))
        for label, value in rows:
            label = label if len(label) <= 48 else label[:47] + "…"
            out.append(f"  {label:<{width}}  {value}")
    for note in report.notes:
        out += ["", f"Note: {note}"]
    return "\n".join(out)


def parse_stats(words: list[str], team_ids: dict[str, str]) -> tuple[str, str | None]:
    """(period, team id) from the words after `stats`; ValueError for anything else. `team_ids` maps
    lower-case team ids and names to ids ("compliance", "customer engagement")."""
    period, team = None, None
    rest = " ".join(words).lower()
    for name, team_id in sorted(team_ids.items(), key=lambda item: -len(item[0])):
        if f" {name} " in f" {rest} ":
            team, rest = team_id, f" {rest} ".replace(f" {name} ", " ", 1).strip()
            break
    for word in rest.split():
        if word in PERIODS and period is None:
            period = word
        else:
            raise ValueError(f"not a period or a team: {word!r}")
    return period or "7d", team


def team_ids(operator: OperatorConfig) -> dict[str, str]:
    """Lower-case team ids and names -> ids, for `parse_stats`."""
    names = {}
    for team in operator.teams:
        names[team.id.lower()] = team.id
        names[" ".join(team.name.lower().split())] = team.id
    return names
