"""Teams' `stats` and `note` commands, from the same report and notes as Slack and the desk.

  @Llamita stats [today|7d|30d] [team]   the supervisors' report as markdown, only the asker sees it;
                                          supervisors only (the operator file names them by Entra object id)
  @Llamita note [case id] <text>         a note for the people who train Llamita (under a case's card the
                                          id is not needed)
"""
from __future__ import annotations

from microsoft_agents.activity import ChannelAccount

from adapters.report_text import parse_stats, sections, team_ids, title
from adapters.teams.text import literal
from routing.cases import MAX_CASE_ID
from routing.service import CaseNotFound, RoutingService
from routing.views import StaffMember

USAGE = "Usage: `stats [today|7d|30d] [team]`, e.g. `stats 7d compliance`"
NOTE_USAGE = "Usage: `note <case id> <what the trainers should know>` (under a case's card: `note <text>`)"
SECTIONS = 6      # the summary and the first breakdowns: a chat message, not the whole report


async def stats_answer(service: RoutingService, user: ChannelAccount, words: list[str]) -> str:
    try:
        period, team = parse_stats(words, team_ids(service.operator))
    except ValueError:
        return USAGE
    if service.operator.supervisor("teams", user.aad_object_id, user.id) is None:
        return ("Sorry, only supervisors can see the stats. Ask whoever runs Llamita to add your Entra object id "
                "under `supervisors:` in the operator file.")
    report = await service.learning.report(service.learning.period(period), team)
    lines = [f"**{literal(title(report))}**"]
    if report.empty:
        return lines[0] + "\n\nNo conversations in this period."
    for heading, rows in sections(report)[:SECTIONS]:
        lines.append(f"**{literal(heading)}**")
        lines.extend(f"- {literal(label)}: {literal(value)}" for label, value in rows)
    lines.append("The whole report: `llamita stats` on the server, or the desk's stats page.")
    return "\n\n".join(lines)


async def note_answer(service: RoutingService, staff: StaffMember, words: list[str], here: int | None) -> str:
    if words and words[0].lstrip("#").isdigit():
        number, words = int(words[0].lstrip("#")), words[1:]
    elif here is not None:
        number = here
    else:
        return NOTE_USAGE
    if not words or not 0 < number <= MAX_CASE_ID:
        return NOTE_USAGE
    try:
        await service.learning.add_note(number, staff, " ".join(words))
    except CaseNotFound:
        return f"There is no case {number}."
    except ValueError as refused:
        return f"The note was not kept: {literal(str(refused))}."
    return f"Thanks: your note on case #{number} is with the people who train Llamita."
