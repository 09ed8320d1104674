"""/llamita for the people on the cases: queue, resolve and help (stats and notes are in stats.py).

Acknowledged at once (Slack allows 3 s); the work goes on in the channel's background tasks and answers
through the command's response_url, seen only by the person who typed it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.slack import blocks
from adapters.slack.blocks import staff_mention
from adapters.slack.text import mrkdwn_literal
from routing.service import CaseNotFound
from routing.views import format_wait

if TYPE_CHECKING:
    from adapters.slack.channel import SlackChannel

QUEUE_LISTED = 10   # cases per team that /llamita queue lists
HELP = (
    "*Llamita* hands web-chat customers over to you here. Each hand-over is a card in its team's channel:\n"
    "• *Claim* takes the case; then everything you write in the card's thread goes to the customer "
    "under your display name. Colleagues' replies in the thread stay internal notes unless they *Take over*.\n"
    "• *Transfer* sends it to another team; *Resolve* closes it.\n"
    "• *Unfreeze account* (on cards whose customer's account is frozen): once you have confirmed who the "
    "customer is, they can book and pay again.\n"
    "Commands:\n"
    "• `/llamita queue`: open cases per team\n"
    "• `/llamita resolve [case id]`: resolve a case you hold (the id is on the card)\n"
    "• `/llamita note <case id> <text>`: a note for the people who train Llamita (or the *Note for trainers* "
    "shortcut on a message in the case's thread)\n"
    "• `/llamita stats [today|7d|30d] [team]`: how Llamita and the teams are doing (supervisors)\n"
    "• `/llamita help`: this help"
)


class SlackCommands:
    def __init__(self, channel: SlackChannel):
        self.channel = channel
        self.service = channel.service

    def register(self, app) -> None:
        app.command("/llamita")(self._on_command)

    async def _on_command(self, ack, command: dict, respond) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        if sub == "queue":
            await ack()
            self.channel.spawn(self._queue(respond))
        elif sub == "resolve":
            await ack()
            self.channel.spawn(self._resolve_command(command, words[1:], respond))
        elif sub == "help":
            await ack(response_type="ephemeral", text=HELP)
        else:
            await ack(response_type="ephemeral",
                      text=f"I don't know `{mrkdwn_literal(sub[:40])}`.\n\n{HELP}")

    async def _queue(self, respond) -> None:
        lines = []
        for team in self.service.operator.teams:
            # The longest-waiting few of each team, and how many in all: a queue of hundreds stays readable.
            page = await self.service.open_case_page(team.id, limit=QUEUE_LISTED, recent=0)
            channel = self.channel.target_for(team)
            where = f" in <#{channel}>" if channel else ""
            lines.append(f"*{mrkdwn_literal(team.name)}*{where}: "
                         + (f"{page.total} open" if page.total else "nothing open"))
            for case in page.cases:
                if case.state == "claimed":
                    state = f"claimed by {staff_mention(case.claimed_by, case.claimed_by_name)}"
                else:
                    state = f"waiting {format_wait(case.waited_seconds)}"
                lines.append(f"• #{case.id} {mrkdwn_literal(blocks.reason_label(case))}: {state}")
            if page.total > len(page.cases):
                lines.append(f"• … and {page.total - len(page.cases)} more")
        await respond(response_type="ephemeral", replace_original=False, text="\n".join(lines) or "No teams.")

    async def _resolve_command(self, command: dict, arguments: list[str], respond) -> None:
        user = command.get("user_id", "")
        staff_id = f"slack:{user}"
        if arguments:
            number = arguments[0].lstrip("#")
            try:
                case = await self.service.case(int(number), recent=0)
            except (ValueError, CaseNotFound):
                await respond(response_type="ephemeral", text=f"There is no case {mrkdwn_literal(number[:20])}.")
                return
        else:
            # Slack does not say which thread a command was typed in: take the one case this person holds.
            held = [case for case in await self.service.open_cases() if case.claimed_by == staff_id]
            if len(held) != 1:
                listing = ", ".join(f"#{case.id}" for case in held)
                text = (f"You hold {len(held)} cases ({listing}); say which: `/llamita resolve <case id>`."
                        if held else "You hold no case. Say which one: `/llamita resolve <case id>` "
                                     "(the id is on the card).")
                await respond(response_type="ephemeral", text=text)
                return
            case = held[0]
        answer = await self.channel.resolve_case(case, user)
        await respond(response_type="ephemeral", text=answer or f"Resolved case #{case.id}.")
