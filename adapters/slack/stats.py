"""Supervisors' stats and trainers' notes in Slack, registering their own Bolt listeners.

  /llamita stats [today|7d|30d] [team]   an ephemeral Block Kit report with a chart, for the supervisors
                                          named in the operator file (others are told plainly they can't)
  /llamita note <case id> <text>         a note for the people who train Llamita
  "Note for trainers" message shortcut   the same from any message in a case's thread (a modal asks for it)

The command is acknowledged at once (Slack allows 3 s); the report is computed and posted afterwards
through the command's response_url, ephemeral. The chart is drawn off the event loop and uploaded with
Slack's external-upload API (files.getUploadURLExternal, the upload, files.completeUploadExternal,
which slack_sdk's files_upload_v2 does) as a private file, shown through an image block's slack_file.
If it cannot be drawn, uploaded or shown, the text report goes alone.

SlackChannel (channel.py) calls `SlackStats(channel).register(app)` before its own /llamita listener:
the matcher here takes `stats` and `note`, everything else goes on to the channel's listener.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from adapters.charts import chart_png
from adapters.report_text import USAGE, helpful, mood, parse_stats, rating, share, spread_time, team_ids, title, top
from adapters.slack.text import mrkdwn_literal, plain
from routing.cases import MAX_CASE_ID
from routing.report import PERIODS, Report
from routing.service import CaseNotFound
from routing.views import StaffMember

if TYPE_CHECKING:
    from adapters.slack.channel import SlackChannel

log = logging.getLogger(__name__)

NOTE_SHORTCUT = "llamita_training_note"
NOTE_VIEW = "llamita_training_note_view"
NOTE_BLOCK, NOTE_INPUT = "note", "text"
CHART_SECONDS = 15.0          # drawing and uploading the chart, at most; then the text goes alone
NOTE_USAGE = "Usage: /llamita note <case id> <what the trainers should know>"


def report_blocks(report: Report, file_id: str | None = None) -> tuple[str, list[dict]]:
    """The ten-second report: (notification text, blocks)."""
    heading = title(report)
    if report.empty:
        text = f"No conversations in {report.period.label}" + (
            f" for {report.team_name or report.team}" if report.team else "") + "."
        return text, [{"type": "header", "text": plain(heading, 150)},
                      {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn_literal(text)}}]
    who = f"Handed to {report.team_name or report.team}" if report.team else "Handed to people"
    figures = [("Conversations", str(report.conversations)), (who, share(report.handed_over))]
    if report.kept_by_llamita is not None:
        figures.append(("Kept by Llamita", share(report.kept_by_llamita)))
    figures += [("Time to claim", spread_time(report.time_to_claim)),
                ("Time to resolve", spread_time(report.time_to_resolve)),
                ("Abandoned", share(report.abandoned)),
                ("Ratings", rating(report)),
                ("Did this help?", helpful(report)),
                ("Insisted after a no", share(report.insisted_after_no)),
                ("For the trainers", share(report.flagged))]
    fields = [{"type": "mrkdwn", "text": f"*{label}*\n{mrkdwn_literal(value)}"} for label, value in figures[:10]]
    blocks: list[dict] = [{"type": "header", "text": plain(heading, 150)}, {"type": "section", "fields": fields}]
    context = [f"*Why people:* {mrkdwn_literal(top(report.by_reason))}",
               f"*Abandoned, on:* {mrkdwn_literal(top(report.topics_unresolved))}",
               f"*Mood:* {mrkdwn_literal(mood(report.sentiment))}"]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line} for line in context]})
    if file_id:
        blocks.append({"type": "image", "slack_file": {"id": file_id},
                       "alt_text": f"Hand-overs by reason, times to claim and resolve, ratings: {report.scope}"})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "Every figure, with the cases behind it: `llamita stats` on the server, or the desk's stats page.")}]})
    text = (f"{heading}: {report.conversations} conversations, {share(report.handed_over)} handed to people, "
            f"ratings {rating(report)}")
    return mrkdwn_literal(text), blocks


class SlackStats:
    def __init__(self, channel: "SlackChannel"):
        self.channel = channel
        self.service = channel.service

    def register(self, app) -> None:
        app.command("/llamita", matchers=[self._ours])(self._on_command)
        app.shortcut(NOTE_SHORTCUT)(self._on_note_shortcut)
        app.view(NOTE_VIEW)(self._on_note_submitted)

    @staticmethod
    async def _ours(command: dict) -> bool:
        words = (command.get("text") or "").split()
        return bool(words) and words[0].lower() in ("stats", "note")

    # ---------------------------------------------------------------- /llamita stats and note

    async def _on_command(self, ack, command: dict, respond) -> None:
        words = (command.get("text") or "").split()
        if words[0].lower() == "note":
            await self._note_command(ack, command, words[1:], respond)
            return
        try:
            period, team = parse_stats(words[1:], team_ids(self.service.operator))
        except ValueError:
            await ack(response_type="ephemeral", text=USAGE)
            return
        user = command.get("user_id", "")
        if self.service.operator.supervisor("slack", user) is None:
            await ack(response_type="ephemeral", text=(
                "Sorry, only supervisors can see the stats. Ask whoever runs Llamita to add your Slack member id "
                "under `supervisors:` in the operator file."))
            return
        await ack(response_type="ephemeral", text=f"Gathering the stats for {PERIODS[period]}…")
        self.channel.spawn(self._send_report(period, team, respond))

    async def _send_report(self, period_name: str, team: str | None, respond) -> None:
        try:
            report = await self.service.learning.report(self.service.learning.period(period_name), team)
        except Exception:
            log.exception("the stats report failed")
            await respond(response_type="ephemeral", replace_original=False,
                          text="Sorry, the stats could not be gathered just now; please try again in a minute.")
            return
        file_id = None if report.empty else await self._chart(report)
        text, layout = report_blocks(report, file_id)
        answer = await respond(response_type="ephemeral", replace_original=False, text=text, blocks=layout)
        if file_id and getattr(answer, "status_code", 200) != 200:
            # Slack would not show the chart (say, still processing it): the words go alone.
            log.warning("Slack refused the stats with their chart (%s); sending the text alone",
                        getattr(answer, "body", ""))
            text, layout = report_blocks(report, None)
            await respond(response_type="ephemeral", replace_original=False, text=text, blocks=layout)

    async def _chart(self, report: Report) -> str | None:
        """Draw and upload the chart privately; its file id, or None if it could not be done."""
        try:
            async with asyncio.timeout(CHART_SECONDS):
                png = await asyncio.get_running_loop().run_in_executor(None, chart_png, report)
                uploaded = await self.channel.client.files_upload_v2(
                    content=png, filename="llamita-stats.png", title=title(report),
                    alt_txt=f"Llamita stats chart: {report.scope}")
            return (uploaded.get("file") or {}).get("id")
        except Exception as error:
            log.warning("the stats chart could not be drawn or uploaded: %s", error)
            return None

    async def _note_command(self, ack, command: dict, words: list[str], respond) -> None:
        number = words[0].lstrip("#") if words else ""
        text = " ".join(words[1:])
        if not number.isdigit() or not 0 < int(number) <= MAX_CASE_ID or not text:
            await ack(response_type="ephemeral", text=NOTE_USAGE)
            return
        await ack()
        self.channel.spawn(self._store_note(int(number), command.get("user_id", ""), text, respond=respond))

    async def _store_note(self, case_id: int, user: str, text: str, *, respond=None,
                          channel: str | None = None, thread_ts: str | None = None) -> bool:
        name = await self.channel.people.display_name(user)
        try:
            await self.service.learning.add_note(case_id, StaffMember(f"slack:{user}", name, "slack"), text)
            answer = f"Thanks: your note on case #{case_id} is with the people who train Llamita."
        except CaseNotFound:
            answer = f"There is no case {case_id}."
        except ValueError as refused:
            answer = f"The note was not kept: {mrkdwn_literal(str(refused))}."
        if respond is not None:
            await respond(response_type="ephemeral", replace_original=False, text=answer)
        else:
            await self.channel.ephemeral(channel, user, answer, thread_ts)
        return answer.startswith("Thanks")

    # ---------------------------------------------------------------- the message shortcut

    async def _on_note_shortcut(self, ack, body: dict) -> None:
        await ack()
        self.channel.spawn(self._open_note(body))

    async def _open_note(self, body: dict) -> None:
        user = (body.get("user") or {}).get("id", "")
        channel = (body.get("channel") or {}).get("id")
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        case_id = await self.service.case_for_thread("slack", thread, target=channel) if thread else None
        if case_id is None:
            await self.channel.ephemeral(channel, user, "Notes for the trainers go on a case: use this on a case "
                                          "card or a message in its thread.")
            return
        await self.channel.client.views_open(trigger_id=body.get("trigger_id"), view={
            "type": "modal", "callback_id": NOTE_VIEW,
            "private_metadata": json.dumps({"case": case_id, "channel": channel, "thread": thread}),
            "title": plain("Note for trainers", 24), "submit": plain("Save", 24), "close": plain("Cancel", 24),
            "blocks": [
                {"type": "section", "text": plain(
                    f"Case #{case_id}: what should the people who train Llamita learn from it?", 3000)},
                {"type": "input", "block_id": NOTE_BLOCK, "label": plain("Note", 2000), "element": {
                    "type": "plain_text_input", "action_id": NOTE_INPUT, "multiline": True, "max_length": 2000}},
            ]})

    async def _on_note_submitted(self, ack, body: dict, view: dict) -> None:
        values = ((view.get("state") or {}).get("values") or {}).get(NOTE_BLOCK, {})
        text = ((values.get(NOTE_INPUT) or {}).get("value") or "").strip()
        if not text:
            await ack(response_action="errors", errors={NOTE_BLOCK: "Write what the trainers should know."})
            return
        await ack()
        try:
            where = json.loads(view.get("private_metadata") or "{}")
            case_id = int(where["case"])
        except (ValueError, KeyError, TypeError):
            return
        user = (body.get("user") or {}).get("id", "")
        self.channel.spawn(self._store_note(case_id, user, text, channel=where.get("channel"),
                                             thread_ts=where.get("thread")))
