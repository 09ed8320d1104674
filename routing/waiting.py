"""The waiting customer, kept informed: their place in the team's queue, the expected wait, when a team
that is away is back, and a short answer to what they write while they wait.

`WaitingRoom` holds what every worker knows of each team (name, working hours, service levels, and
its recent pick-up times, refreshed by the scheduler's tick) and turns it into `Standing`s and lines
in the customer's language. The transaction bodies below are the few statements a waiting case costs:
a count of the cases ahead (one indexed query) and, at most once a minute, a line from Llamita.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.status_lines import back_phrase, minutes_phrase, status_line
from routing import conversations
from routing.config import OperatorConfig
from routing.models import Author
from routing.service_levels import Hours, expected_wait_minutes, is_open, next_opening, typical_pick_up
from routing.store import Raw
from routing.views import MessageView

ACK_EVERY = timedelta(minutes=1)      # a message written while waiting is answered at most this often
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+(?![\w-])")
MAX_EMAIL = 254


def email_in(text: str) -> str | None:
    """The first e-mail address in a customer's message, if any."""
    match = _EMAIL.search(text)
    return match.group(0)[:MAX_EMAIL] if match else None


def mask_email(email: str) -> str:
    """How an e-mail address shows in staff channels: 'an•••@example.com' (the desk shows it whole)."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}•••@{domain}" if domain else "•••"


@dataclass(frozen=True)
class Standing:
    """Where a waiting customer stands: shown in the widget's header and told in lines."""
    team: str
    team_name: str
    position: int                  # 1: next in line
    wait_minutes: int | None       # None while the team is away
    back_at: datetime | None       # while the team is away: when it is back
    back: str | None = None        # ... said in English for the header ("on Monday at 08:00 UTC-03")

    def to_status(self) -> dict:
        """The `queue` field of a `status` frame (docs/webchat-protocol.md)."""
        status = {"team": self.team_name, "position": self.position, "open": self.back_at is None}
        if self.wait_minutes is not None:
            status["wait_minutes"] = self.wait_minutes
        if self.back_at is not None:
            status["back_at"] = self.back_at.isoformat()
            status["back"] = self.back
        return status


class WaitingRoom:
    def __init__(self, operator: OperatorConfig):
        self.names = {team.id: team.name for team in operator.teams}
        self.hours = {team.id: Hours.of(team.working_hours) for team in operator.teams}
        self.fallback = operator.fallback_team
        self.typical_seconds: dict[str, float] = {}   # recent pick-up times per team (the scheduler refreshes it)

    def team_hours(self, team: str | None) -> Hours | None:
        return self.hours.get(team or self.fallback)

    def is_open(self, team: str | None, now: datetime) -> bool:
        return is_open(self.team_hours(team), now)

    def standing(self, team: str | None, position: int, waited_seconds: float, now: datetime) -> Standing:
        team = team or self.fallback
        name = self.names.get(team, team)
        hours = self.team_hours(team)
        if is_open(hours, now):
            minutes = expected_wait_minutes(position, self.typical_seconds.get(team, typical_pick_up(())),
                                            waited_seconds)
            return Standing(team, name, position, minutes, None)
        back_at = next_opening(hours, now)
        return Standing(team, name, position, None, back_at,
                        self.back(team, back_at, now, "en") if back_at else None)

    def back(self, team: str, back_at: datetime, now: datetime, language: str | None) -> str:
        """When the team is back, in its own time zone: "tomorrow at 08:00 (UTC-03)"."""
        hours = self.team_hours(team)
        zone = hours.zone if hours else None
        local = back_at.astimezone(zone) if zone else back_at
        abbreviation = local.tzname() or ""
        if abbreviation[:1] in "+-":
            abbreviation = "UTC" + abbreviation
        days_ahead = (local.date() - now.astimezone(zone).date()).days if zone else 0
        return back_phrase(days_ahead, local.weekday(), f"{local:%H:%M} {abbreviation}".strip(), language)

    def line(self, kind: str, standing: Standing, language: str | None, now: datetime) -> str:
        """What Llamita tells the customer: kind "handed_over" (on the hand-over), "ack" (to a message
        written while waiting) or "moved" (the place in the queue moved)."""
        if standing.back_at is not None:
            when = self.back(standing.team, standing.back_at, now, language)
            return status_line("closed" if kind == "handed_over" else "still_closed", language,
                               team=standing.team_name, when=when)
        wait = minutes_phrase(standing.wait_minutes or 1, language)
        first = standing.position <= 1
        template = {"handed_over": ("queue_next", "queue"), "ack": ("still_waiting_next", "still_waiting"),
                    "moved": ("moved_next", "moved_up")}[kind][0 if first else 1]
        return status_line(template, language, team=standing.team_name, position=str(standing.position),
                           wait=wait)


# ---------------------------------------------------------------------- transaction bodies

def position_of(sql: Raw, case_id: int, team: str, handed_over_at: datetime) -> int:
    """The case's place in its team's queue (oldest hand-over first, as the desk lists them)."""
    stamp = sql.stamp(handed_over_at)
    return sql.value('SELECT count(*) FROM "case" WHERE state = \'waiting\' AND team = :team '
                     "AND (handed_over_at < :at OR (handed_over_at = :at AND id <= :id))",
                     team=team, at=stamp, id=case_id) or 1


@dataclass(frozen=True)
class Reassured:
    lines: tuple[MessageView, ...]
    standing: Standing | None
    email_stored: bool


def reassure(sql: Raw, room: WaitingRoom, conversation_id: str, case_id: int, email: str | None,
             now: datetime, agent_name: str) -> Reassured:
    """A customer wrote while their case waits for a person: keep a follow-up e-mail address they gave,
    and, at most once a minute and only while nobody has claimed the case, tell them where they stand."""
    lines: list[MessageView] = []
    email_stored = False
    if email is not None:
        row = sql.one('UPDATE "case" SET follow_up_email = :email WHERE id = :id AND state = \'waiting\' '
                      "RETURNING language", email=email, id=case_id)
        if row is not None:
            email_stored = conversations.queue_to_threads(sql, case_id, "card_update", None, now)
            lines.append(conversations.append(sql, conversation_id, Author.BOT,
                                              status_line("email_noted", row[0], email=email), now,
                                              case_id=case_id, agent_name=agent_name, language=row[0])[1])
    row = sql.one('UPDATE "case" SET informed_at = :now WHERE id = :id AND state = \'waiting\' '
                  "AND (informed_at IS NULL OR informed_at <= :cutoff) "
                  "RETURNING team, handed_over_at, language",
                  now=sql.stamp(now), cutoff=sql.stamp(now - ACK_EVERY), id=case_id)
    if row is None:
        return Reassured(tuple(lines), None, email_stored)
    team, handed_over_at, language = row
    handed_over_at = _aware(handed_over_at)
    position = position_of(sql, case_id, team, handed_over_at)
    standing = room.standing(team, position, (now - handed_over_at).total_seconds(), now)
    if not email_stored:
        lines.append(conversations.append(sql, conversation_id, Author.BOT, room.line("ack", standing, language, now),
                                          now, case_id=case_id, agent_name=agent_name, language=language)[1])
    sql.run('UPDATE "case" SET told_position = :position, queue_position = :position WHERE id = :id',
            position=position, id=case_id)
    return Reassured(tuple(lines), standing, email_stored)


def _aware(value) -> datetime:
    """A timestamp as the driver returns it (SQLite: naive UTC text) as an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
