"""The supervisors' figures as SQL aggregates over what is stored (cases, their claims, messages,
feedback, ratings, trainers' notes, llmusage), for any period, team and language.

A handful of queries, each one pass over the period's cases through `ix_case_opened_at`: a "cube"
of case counts by (reason, team, topic, language, state, handed over, claimed) that Python rolls up
into every breakdown; the hand-over durations (seconds computed in SQL); a histogram of messages per
case (an index-only count through `ix_message_case_author`, so the median is exact without fetching
every case); the mood; ratings and "Did this help?" by their small tables. Nothing is cached: the
report is always what the database says now. Written for both SQLite and PostgreSQL on the driver's
connection (Raw), as the message path is: a report reads tens of thousands of rows.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from routing.config import OperatorConfig
from routing.report import Answer, Change, Line, Period, Report, Share, Spread
from routing.store import Raw

TOP = 5                      # lines in a "most common" list
EXCERPT_CHARS = 140
REASON_LABELS = {
    "security": "Security", "legal": "Legal", "distress": "Customer in distress",
    "human_request": "Asked for a person", "hot_topic": "Hot topic", "edge_case": "Edge case",
}
FLAG_LABELS = {"handed_over": "Handed over", "abandoned": "Abandoned", "bad_rating": "Badly rated",
               "unhelpful_answer": "Answer not helpful", "insisted_after_no": "Insisted after a no",
               "noted": "Staff note"}
NO_TOPIC = "(no topic)"


def topic_label(topic: str | None) -> str:
    return topic.replace("_", " ") if topic else NO_TOPIC


class Metrics:
    def __init__(self, operator: OperatorConfig):
        self.operator = operator
        self.team_names = {team.id: team.name for team in operator.teams}

    # ------------------------------------------------------------------ the whole report

    def report(self, sql: Raw, period: Period, team: str | None, language: str | None, now: datetime) -> Report:
        q = _Query(sql, period, language)
        cube = q.cube()
        mine = [row for row in cube if team is None or row.team == team]
        conversations = sum(row.n for row in cube)
        handed = [row for row in mine if row.handed]
        handed_n = sum(row.n for row in handed)
        kept = [row for row in cube if not row.handed and row.state != "abandoned"]
        llamita_cases = sum(row.n for row in cube if not row.handed)

        def count(rows, where=lambda row: True) -> int:
            return sum(row.n for row in rows if where(row))

        def lines(rows, key, label, of: int | None = None, limit: int | None = None) -> list[Line]:
            totals: Counter = Counter()
            for row in rows:
                totals[key(row)] += row.n
            ordered = sorted(totals.items(), key=lambda item: (-item[1], str(item[0])))[:limit]
            return [Line(str(k) if k is not None else "", label(k), n, n / of if of else None) for k, n in ordered]

        firm = set(self.operator.training.firm_policy_topics)
        insisted = [row for row in handed if row.reason == "human_request" and row.topic in firm]
        abandoned = [row for row in mine if row.state == "abandoned"]

        topic_totals: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
        for row in mine:
            topic_totals[row.topic][0] += row.n
            topic_totals[row.topic][1] += row.n if row.handed else 0
        handover_by_topic = sorted(
            (Line(topic or "", topic_label(topic), n, handed_on / n) for topic, (n, handed_on) in topic_totals.items()
             if topic is not None), key=lambda line: (-line.n, line.key))

        durations = q.durations(team)
        claims = [claim for _, _, claim, _ in durations if claim is not None]
        resolves = [(reason, seconds) for reason, state, _, seconds in durations
                    if state == "resolved" and seconds is not None]
        by_reason: dict[str, list[float]] = defaultdict(list)
        for reason, seconds in resolves:
            by_reason[reason or "unknown"].append(seconds)
        resolve_by_reason = sorted(
            (Line(reason, REASON_LABELS.get(reason, reason), len(values), Spread.of(values).median)
             for reason, values in by_reason.items()), key=lambda line: (-line.n, line.key))

        messages = q.messages_per_case(team)
        ratings = q.ratings(team)
        asked = sum(n for _, _, n in ratings)
        scored = [(lang, score, n) for lang, score, n in ratings if score is not None]
        rated = sum(n for _, _, n in scored)
        rating_counts = {score: 0 for score in range(1, 6)}
        by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for lang, score, n in scored:
            rating_counts[score] = rating_counts.get(score, 0) + n
            by_language[lang or "unknown"][0] += n
            by_language[lang or "unknown"][1] += score * n
        rating_by_language = sorted((Line(lang, lang, n, total / n) for lang, (n, total) in by_language.items()),
                                    key=lambda line: (-line.n, line.key))
        low = self.operator.training.low_rating

        feedback = q.answer_feedback(team)
        helpful_yes = sum(n for _, ok, n in feedback if ok)
        helpful_all = sum(n for _, _, n in feedback)
        per_topic: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
        for topic, ok, n in feedback:
            per_topic[topic][0] += n
            per_topic[topic][1] += 0 if ok else n
        feedback_topics = sorted((Line(topic or "", topic_label(topic), n, down / n, down)
                                  for topic, (n, down) in per_topic.items() if down),
                                 key=lambda line: (-(line.extra or 0), -line.n, line.key))[:TOP]

        flags = q.flags(team, low, firm)
        flagged_by_reason = [Line(reason, FLAG_LABELS[reason], n, n / conversations if conversations else None)
                             for reason, n in flags.items() if reason != "total" and n]
        model = q.model_usage(team)
        team_scope = team is not None
        return Report(
            period=period, team=team, team_name=self.team_names.get(team) if team else None, language=language,
            generated_at=now, conversations=conversations,
            handed_over=Share(handed_n, conversations),
            by_reason=lines(handed, lambda row: row.reason or "unknown",
                            lambda key: REASON_LABELS.get(key, key), handed_n),
            by_team=lines(handed, lambda row: row.team or "unknown",
                          lambda key: self.team_names.get(key, key), handed_n),
            kept_by_llamita=None if team_scope else Share(count(kept), conversations),
            messages_llamita=Spread.of_histogram({} if team_scope else messages.get("llamita", {})),
            messages_people=Spread.of_histogram(messages.get("people", {})),
            abandoned=Share(count(abandoned), count(mine)),
            abandoned_with_llamita=None if team_scope else Share(
                count(cube, lambda row: not row.handed and row.state == "abandoned"), llamita_cases),
            abandoned_waiting=Share(count(handed, lambda row: row.state == "abandoned" and not row.claimed), handed_n),
            abandoned_with_person=Share(count(handed, lambda row: row.state == "abandoned" and row.claimed), handed_n),
            time_to_claim=Spread.of(claims),
            time_to_resolve=Spread.of([seconds for _, seconds in resolves]),
            **q.sentiment(team),
            topics_handed_over=lines(handed, lambda row: row.topic, topic_label, handed_n, TOP),
            topics_unresolved=lines(abandoned, lambda row: row.topic, topic_label, count(abandoned), TOP),
            feedback_topics=feedback_topics,
            unhelpful_answers=q.unhelpful_answers(team),
            helpful=Share(helpful_yes, helpful_all),
            ratings=Share(rated, asked),
            rating_mean=sum(score * n for _, score, n in scored) / rated if rated else None,
            rating_counts=rating_counts,
            satisfied=Share(sum(n for _, score, n in scored if score >= 4), rated),
            insisted_after_no=Share(count(insisted), handed_n),
            insisted_topics=lines(insisted, lambda row: row.topic, topic_label, count(insisted)),
            resolve_by_reason=resolve_by_reason,
            rating_by_language=rating_by_language,
            handover_by_topic=handover_by_topic,
            flagged=Share(flags["total"], count(mine)),
            flagged_by_reason=flagged_by_reason,
            model_turns=sum(n for _, n, _ in model),
            model_fallbacks=sum(n for outcome, n, _ in model if outcome not in ("ok", "repaired")),
            model_tokens=sum(tokens for _, _, tokens in model),
            notes=["Conversations Llamita kept have no team: with a team, the figures are that team's "
                   "hand-overs."] if team_scope else [],
        )


class _Row:
    __slots__ = ("reason", "team", "topic", "language", "state", "handed", "claimed", "n")

    def __init__(self, reason, team, topic, language, state, handed, claimed, n):
        self.reason, self.team, self.topic, self.language, self.state = reason, team, topic, language, state
        self.handed, self.claimed, self.n = bool(handed), bool(claimed), int(n)


class _Query:
    """The period's SQL; `team` narrows the queries whose figures are per team (the cube is filtered in Python)."""

    def __init__(self, sql: Raw, period: Period, language: str | None):
        self.sql = sql
        self.params = {"start": sql.stamp(period.start), "end": sql.stamp(period.end), "language": language}
        self.language = language

    def where(self, team: str | None = None, alias: str = '"case"') -> str:
        clause = f"{alias}.opened_at >= :start AND {alias}.opened_at < :end"
        if self.language:
            clause += f" AND {alias}.language = :language"
        if team:
            clause += f" AND {alias}.team = :team"
        return clause

    def run(self, query: str, team: str | None = None, **extra) -> list:
        return self.sql.all(query, **self.params, **({"team": team} if team else {}), **extra)

    def seconds(self, since: str, until: str) -> str:
        if self.sql.sqlite:
            return f"(julianday({until}) - julianday({since})) * 86400.0"
        return f"EXTRACT(EPOCH FROM ({until} - {since}))"

    def cube(self) -> list[_Row]:
        return [_Row(*row) for row in self.run(
            'SELECT reason, team, topic, language, state, handed_over_at IS NOT NULL, claimed_at IS NOT NULL, '
            f'count(*) FROM "case" WHERE {self.where()} GROUP BY reason, team, topic, language, state, '
            "handed_over_at IS NOT NULL, claimed_at IS NOT NULL")]

    def durations(self, team: str | None) -> list[tuple[str | None, str, float | None, float | None]]:
        """(reason, state, seconds to the first claim, seconds to the close) of every hand-over."""
        first_claim = '(SELECT min(claim.claimed_at) FROM claim WHERE claim.case_id = "case".id)'
        rows = self.run(
            f'SELECT reason, state, {self.seconds("handed_over_at", first_claim)}, '
            f'{self.seconds("handed_over_at", "closed_at")} FROM "case" '
            f"WHERE {self.where(team)} AND handed_over_at IS NOT NULL", team)
        return [(reason, state, _seconds(claim), _seconds(close)) for reason, state, claim, close in rows]

    def messages_per_case(self, team: str | None) -> dict[str, dict[int, int]]:
        """{kind: {messages: cases}}: "llamita" for conversations Llamita kept, "people" for hand-overs people
        resolved; messages the customer saw exchanged (theirs, Llamita's, staff's; not status lines)."""
        rows = self.run(
            "SELECT kind, n, count(*) FROM (SELECT CASE WHEN handed_over_at IS NULL THEN 'llamita' ELSE 'people' END "
            "AS kind, (SELECT count(*) FROM message WHERE message.case_id = \"case\".id "
            "AND message.author IN ('customer', 'bot', 'staff')) AS n FROM \"case\" "
            f"WHERE {self.where(team)} AND ((handed_over_at IS NULL AND state <> 'abandoned') "
            "OR (handed_over_at IS NOT NULL AND state = 'resolved'))) counted GROUP BY kind, n", team)
        found: dict[str, dict[int, int]] = defaultdict(dict)
        for kind, n, cases in rows:
            found[kind][int(n)] = int(cases)
        return found

    def sentiment(self, team: str | None) -> dict[str, Change]:
        end = "coalesce(closing_sentiment, CASE WHEN handed_over_at IS NULL THEN sentiment END)"
        pairs = {"sentiment": ("first_sentiment", end),
                 "sentiment_before_handover": ("first_sentiment", "handover_sentiment"),
                 "sentiment_after_handover": ("handover_sentiment", "closing_sentiment")}
        columns = []
        for before, after in pairs.values():
            both = f"{before} IS NOT NULL AND {after} IS NOT NULL"
            columns.append(f"count(CASE WHEN {both} THEN 1 END), avg(CASE WHEN {both} THEN {before} END), "
                           f"avg(CASE WHEN {both} THEN {after} END), "
                           f"count(CASE WHEN {both} AND {after} > {before} THEN 1 END), "
                           f"count(CASE WHEN {both} AND {after} < {before} THEN 1 END)")
        row = self.run(f'SELECT {", ".join(columns)} FROM "case" WHERE {self.where(team)}', team)[0]
        changes = {}
        for index, name in enumerate(pairs):
            n, before, after, up, down = row[index * 5:index * 5 + 5]
            changes[name] = Change(int(n), _float(before), _float(after), int(up), int(down))
        return changes

    def ratings(self, team: str | None) -> list[tuple[str | None, int | None, int]]:
        """(language, score or None when not rated, how many) of the ratings asked for."""
        return [(lang, score, int(n)) for lang, score, n in self.run(
            'SELECT "case".language, caserating.score, count(*) FROM caserating JOIN "case" ON "case".id = '
            f"caserating.case_id WHERE {self.where(team)} GROUP BY \"case\".language, caserating.score", team)]

    def answer_feedback(self, team: str | None) -> list[tuple[str | None, bool, int]]:
        return [(topic, bool(ok), int(n)) for topic, ok, n in self.run(
            'SELECT answerfeedback.topic, answerfeedback.helpful, count(*) FROM answerfeedback JOIN "case" ON '
            f'"case".id = answerfeedback.case_id WHERE {self.where(team)} '
            "GROUP BY answerfeedback.topic, answerfeedback.helpful", team)]

    def unhelpful_answers(self, team: str | None) -> list[Answer]:
        rows = self.run(
            "SELECT answerfeedback.topic, message.text, "
            "count(CASE WHEN answerfeedback.helpful = false THEN 1 END) AS down, count(*) FROM answerfeedback "
            'JOIN "case" ON "case".id = answerfeedback.case_id JOIN message ON message.id = answerfeedback.message_id '
            f"WHERE {self.where(team)} GROUP BY answerfeedback.topic, message.text "
            "HAVING count(CASE WHEN answerfeedback.helpful = false THEN 1 END) > 0 "
            f"ORDER BY down DESC, count(*) DESC LIMIT {TOP}", team)
        return [Answer(topic, _excerpt(text), int(down), int(n)) for topic, text, down, n in rows]

    def flags(self, team: str | None, low_rating: int, firm: set[str]) -> dict[str, int]:
        """Conversations flagged for the trainers, per reason and in all (routing/training.py: the same rules)."""
        topics = sorted(firm) or ["-"]
        marks = ", ".join(f":firm{index}" for index in range(len(topics)))
        firm_params = {f"firm{index}": topic for index, topic in enumerate(topics)}
        handed, abandoned, insisted, total = self.run(
            "SELECT count(CASE WHEN handed_over_at IS NOT NULL THEN 1 END), "
            "count(CASE WHEN state = 'abandoned' THEN 1 END), "
            "count(CASE WHEN reason = 'human_request' AND handed_over_at IS NOT NULL "
            f"AND topic IN ({marks}) THEN 1 END), "
            "count(CASE WHEN handed_over_at IS NOT NULL OR state = 'abandoned' THEN 1 END) "
            f'FROM "case" WHERE {self.where(team)}', team, **firm_params)[0]
        bad_rating = self.run(
            'SELECT count(*) FROM caserating JOIN "case" ON "case".id = caserating.case_id '
            f"WHERE {self.where(team)} AND caserating.score <= :low", team, low=low_rating)[0][0]
        # Feedback and notes are the only flags a conversation Llamita kept can have: count those apart,
        # driven by their small tables, so the total counts each conversation once.
        side = {}
        for name, table, condition in (("unhelpful_answer", "answerfeedback", "AND flagged.helpful = false"),
                                       ("noted", "trainingnote", "")):
            side[name], extra = self.run(
                f"SELECT count(DISTINCT flagged.case_id), count(DISTINCT CASE WHEN \"case\".handed_over_at IS NULL "
                f"AND \"case\".state <> 'abandoned' THEN flagged.case_id END) FROM {table} flagged "
                f'JOIN "case" ON "case".id = flagged.case_id WHERE {self.where(team)} {condition}', team)[0]
            side[name + "_extra"] = extra
        both = self.run(
            'SELECT count(DISTINCT "case".id) FROM "case" JOIN answerfeedback ON answerfeedback.case_id = "case".id '
            "AND answerfeedback.helpful = false JOIN trainingnote ON trainingnote.case_id = \"case\".id "
            f"WHERE {self.where(team)} AND \"case\".handed_over_at IS NULL AND \"case\".state <> 'abandoned'",
            team)[0][0]
        return {"handed_over": int(handed), "abandoned": int(abandoned), "bad_rating": int(bad_rating),
                "unhelpful_answer": int(side["unhelpful_answer"]), "insisted_after_no": int(insisted),
                "noted": int(side["noted"]),
                "total": int(total) + int(side["unhelpful_answer_extra"]) + int(side["noted_extra"]) - int(both)}

    def model_usage(self, team: str | None) -> list[tuple[str, int, int]]:
        return [(outcome, int(n), int(tokens or 0)) for outcome, n, tokens in self.run(
            "SELECT llmusage.outcome, count(*), sum(llmusage.prompt_tokens + llmusage.completion_tokens) "
            f'FROM llmusage JOIN "case" ON "case".id = llmusage.case_id WHERE {self.where(team)} '
            "GROUP BY llmusage.outcome", team)]


def _float(value) -> float | None:
    return None if value is None else float(value)


def _seconds(value) -> float | None:
    """Seconds to the millisecond (SQLite's julianday arithmetic is a few microseconds off)."""
    return None if value is None else round(float(value), 3)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"
