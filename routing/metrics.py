"""The supervisors' figures as SQL aggregates over what is stored (cases, feedback, ratings, trainers'
notes, llmusage), for any period, team and language.

A few queries, each one pass over the period's cases (`ix_case_opened_at` for a short period): a "cube"
of case counts by (reason, team, topic, state, handed over, claimed), which Python rolls up into every
breakdown; the mood in one row of averages; the hand-over durations (seconds computed in SQL, medians
exact); the messages per case as a histogram (the count each case carries, so no message is read);
ratings and "Did this help?" through their small tables. Nothing is cached: the report is what the database says
now. Written for SQLite and PostgreSQL alike on the driver's connection (Raw), as the message path is.
bench/stats_report.py times it over 100,000 conversations.
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
        cube, moods, messages, durations = q.cases(team)
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

        claims = [claim for _, _, claim, _ in durations if claim is not None]
        resolves = [(reason, seconds) for reason, state, _, seconds in durations
                    if state == "resolved" and seconds is not None]
        by_reason: dict[str, list[float]] = defaultdict(list)
        for reason, seconds in resolves:
            by_reason[reason or "unknown"].append(seconds)
        resolve_by_reason = sorted(
            (Line(reason, REASON_LABELS.get(reason, reason), len(values), Spread.of(values).median)
             for reason, values in by_reason.items()), key=lambda line: (-line.n, line.key))

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
        helpful_all = sum(n for _, _, _, n, _ in feedback)
        helpful_yes = helpful_all - sum(down for _, _, down, _, _ in feedback)
        per_topic: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
        for topic, _, down, n, _ in feedback:
            per_topic[topic][0] += n
            per_topic[topic][1] += down
        feedback_topics = sorted((Line(topic or "", topic_label(topic), n, down / n, down)
                                  for topic, (n, down) in per_topic.items() if down),
                                 key=lambda line: (-(line.extra or 0), -line.n, line.key))[:TOP]

        side = q.side_flags(team)
        flags = {"handed_over": handed_n, "abandoned": count(abandoned),
                 "bad_rating": sum(n for _, score, n in scored if score <= low),
                 "unhelpful_answer": side["unhelpful_answer"], "insisted_after_no": count(insisted),
                 "noted": side["noted"]}
        flagged_total = count(mine, lambda row: row.handed or row.state == "abandoned") + \
            side["unhelpful_answer_kept"] + side["noted_kept"] - side["both_kept"]
        flagged_by_reason = [Line(reason, FLAG_LABELS[reason], n, n / conversations if conversations else None)
                             for reason, n in flags.items() if n]
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
            **moods,
            topics_handed_over=lines(handed, lambda row: row.topic, topic_label, handed_n, TOP),
            topics_unresolved=lines(abandoned, lambda row: row.topic, topic_label, count(abandoned), TOP),
            feedback_topics=feedback_topics,
            unhelpful_answers=q.unhelpful_answers(feedback),
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
            flagged=Share(flagged_total, count(mine)),
            flagged_by_reason=flagged_by_reason,
            model_turns=sum(n for _, n, _ in model),
            model_fallbacks=sum(n for outcome, n, _ in model if outcome not in ("ok", "repaired")),
            model_tokens=sum(tokens for _, _, tokens in model),
            notes=["Conversations Llamita kept have no team: with a team, the figures are that team's "
                   "hand-overs."] if team_scope else [],
        )


class _Row:
    __slots__ = ("reason", "team", "topic", "state", "handed", "claimed", "n")

    def __init__(self, reason, team, topic, state, handed, claimed, n):
        self.reason, self.team, self.topic, self.state = reason, team, topic, state
        self.handed, self.claimed, self.n = bool(handed), bool(claimed), int(n)


MOOD_PAIRS = {   # name: (the first moment, the second) for Change
    "sentiment": ("first_sentiment",
                  "coalesce(closing_sentiment, CASE WHEN handed_over_at IS NULL THEN sentiment END)"),
    "sentiment_before_handover": ("first_sentiment", "handover_sentiment"),
    "sentiment_after_handover": ("handover_sentiment", "closing_sentiment"),
}


class _Query:
    """The period's SQL; `team` narrows the queries whose figures are per team (the cube is filtered in Python).

    SQLite cannot tell how much of the table a range on `opened_at` selects (that needs STAT4, which Python's
    sqlite3 is not built with) and always walks the index, fetching every row from the table by id: ten
    times slower than reading the table once when the period holds most of it (a 30-day report). So when
    the index says the period holds more than a third of all cases, the case passes read the table
    (NOT INDEXED); a short period (today) still goes through the index. PostgreSQL's planner decides alone.
    Tables joined to cases (ratings, feedback, notes, model turns) are small: they lead the join (CROSS JOIN,
    which SQLite keeps in the written order) and find their case by its id.
    """

    def __init__(self, sql: Raw, period: Period, language: str | None):
        self.sql = sql
        self.params = {"start": sql.stamp(period.start), "end": sql.stamp(period.end), "language": language}
        self.language = language
        self.cases_table = '"case"'
        if not sql.sqlite:
            # Each of these queries is a few tens of milliseconds alone; parallel workers would each build the
            # same hash of a small table (three times the work on two cores). This transaction only.
            sql.run("SET LOCAL max_parallel_workers_per_gather = 0")
        if sql.sqlite:
            in_period = sql.value('SELECT count(*) FROM "case" WHERE opened_at >= :start AND opened_at < :end',
                                  **self.params)
            if in_period * 3 > (sql.value('SELECT max(id) FROM "case"') or 0):
                self.cases_table = '"case" NOT INDEXED'

    def where(self, team: str | None = None) -> str:
        clause = '"case".opened_at >= :start AND "case".opened_at < :end'
        if self.language:
            clause += ' AND "case".language = :language'
        if team:
            clause += ' AND "case".team = :team'
        return clause

    def run(self, query: str, team: str | None = None, **extra) -> list:
        return self.sql.all(query, **self.params, **({"team": team} if team else {}), **extra)

    def seconds(self, since: str, until: str) -> str:
        if self.sql.sqlite:
            return f"(julianday({until}) - julianday({since})) * 86400.0"
        return f"CAST(EXTRACT(EPOCH FROM ({until} - {since})) AS double precision)"   # not numeric: no Decimals

    def cases(self, team: str | None) -> tuple[list[_Row], dict[str, Change], dict[str, dict[int, int]], list]:
        """The period's cases: (the cube of counts by reason, team, topic, state, handed over, claimed; the mood
        changes; messages per case {kind: {messages: cases}}; the hand-over durations (reason, state, seconds
        to the first claim, seconds to the close)). `team` narrows all but the cube."""
        return self.cube(), self.moods(team), self.messages_per_case(team), self.durations(team)

    def cube(self) -> list[_Row]:
        return [_Row(*row) for row in self.run(
            'SELECT reason, team, topic, state, handed_over_at IS NOT NULL, claimed_at IS NOT NULL, count(*) '
            f"FROM {self.cases_table} WHERE {self.where()} GROUP BY reason, team, topic, state, "
            "handed_over_at IS NOT NULL, claimed_at IS NOT NULL")]

    def moods(self, team: str | None) -> dict[str, Change]:
        # a + b is NULL unless both are known; nullif(x, false) counts only the true comparisons: no CASE to
        # evaluate for every row, in either database.
        columns = [f"count({a} + {b}), avg({a} + 0 * {b}), avg({b} + 0 * {a}), count(nullif({b} > {a}, false)), "
                   f"count(nullif({b} < {a}, false))" for a, b in MOOD_PAIRS.values()]
        row = self.run(f'SELECT {", ".join(columns)} FROM {self.cases_table} WHERE {self.where(team)}', team)[0]
        return {name: Change(int(row[k * 5]), _float(row[k * 5 + 1]), _float(row[k * 5 + 2]), int(row[k * 5 + 3]),
                             int(row[k * 5 + 4])) for k, name in enumerate(MOOD_PAIRS)}

    def messages_per_case(self, team: str | None) -> dict[str, dict[int, int]]:
        """{kind: {messages: cases}}: "llamita" for conversations Llamita kept, "people" for hand-overs people
        resolved; messages the customer saw exchanged (theirs, Llamita's, staff's; not status lines)."""
        rows = self.run(
            "SELECT handed_over_at IS NULL, messages, count(*) "
            f"FROM {self.cases_table} WHERE {self.where(team)} AND ((handed_over_at IS NULL AND state <> 'abandoned') "
            "OR (handed_over_at IS NOT NULL AND state = 'resolved')) GROUP BY handed_over_at IS NULL, messages", team)
        found: dict[str, dict[int, int]] = {"llamita": {}, "people": {}}
        for kept, n, cases in rows:
            found["llamita" if kept else "people"][int(n)] = int(cases)
        return found

    def durations(self, team: str | None) -> list[tuple[str | None, str, float | None, float | None]]:
        """(reason, state, seconds to the first claim, seconds to the close) of every hand-over; the close only
        for resolved ones (state "resolved", else "")."""
        rows = self.run(
            f'SELECT reason, {self.seconds("handed_over_at", "first_claimed_at")}, '
            f"CASE WHEN state = 'resolved' THEN {self.seconds('handed_over_at', 'closed_at')} END "
            f"FROM {self.cases_table} WHERE {self.where(team)} AND handed_over_at IS NOT NULL", team)
        return [(reason, "resolved" if close is not None else "", _seconds(claim), _seconds(close))
                for reason, claim, close in rows]

    def ratings(self, team: str | None) -> list[tuple[str | None, int | None, int]]:
        """(language, score or None when not rated, how many) of the ratings asked for."""
        return [(lang, score, int(n)) for lang, score, n in self.run(
            'SELECT "case".language, caserating.score, count(*) FROM caserating CROSS JOIN "case" '
            f'WHERE "case".id = caserating.case_id AND {self.where(team)} GROUP BY "case".language, caserating.score',
            team)]

    def answer_feedback(self, team: str | None) -> list[tuple[str | None, str | None, int, int, int | None]]:
        """"Did this help?" by the answer's (topic, language): (topic, language, unhelpful, rated, the id of the
        latest answer found unhelpful). An article's answer is the same words every time, so a (topic,
        language) is one answer; with a language model it is the answers on that topic."""
        return [(topic, language, int(down or 0), int(n), example) for topic, language, down, n, example in self.run(
            "SELECT answerfeedback.topic, answerfeedback.language, "
            "count(CASE WHEN answerfeedback.helpful = false THEN 1 END), count(*), "
            "max(CASE WHEN answerfeedback.helpful = false THEN answerfeedback.message_id END) "
            'FROM answerfeedback CROSS JOIN "case" WHERE "case".id = answerfeedback.case_id AND '
            f"{self.where(team)} GROUP BY answerfeedback.topic, answerfeedback.language", team)]

    def unhelpful_answers(self, feedback: list) -> list[Answer]:
        """The answers most often found unhelpful, each with how often it was rated, and the words of its
        latest unhelpful one."""
        worst = sorted((row for row in feedback if row[2]), key=lambda row: (-row[2], -row[3], str(row[0])))[:TOP]
        ids = {f"id{index}": row[4] for index, row in enumerate(worst)}
        texts = dict(self.run(f"SELECT id, text FROM message WHERE id IN ({', '.join(':' + k for k in ids)})",
                              **ids)) if ids else {}
        return [Answer(topic, _excerpt(texts.get(example, "")), down, n, language)
                for topic, language, down, n, example in worst]

    def side_flags(self, team: str | None) -> dict[str, int]:
        """The flags a conversation Llamita kept can have (an unhelpful answer, a staff note): how many cases have
        each, and how many of those are not already flagged as hand-overs or abandoned, counted once."""
        found = {}
        kept = "\"case\".handed_over_at IS NULL AND \"case\".state <> 'abandoned'"
        for name, table, condition in (("unhelpful_answer", "answerfeedback", "AND flagged.helpful = false"),
                                       ("noted", "trainingnote", "")):
            found[name], found[name + "_kept"] = self.run(
                f"SELECT count(DISTINCT flagged.case_id), count(DISTINCT CASE WHEN {kept} THEN flagged.case_id END) "
                f'FROM {table} flagged CROSS JOIN "case" WHERE "case".id = flagged.case_id AND {self.where(team)} '
                f"{condition}", team)[0]
        found["both_kept"] = self.run(
            "SELECT count(DISTINCT flagged.case_id) FROM trainingnote flagged CROSS JOIN \"case\" "
            f'WHERE "case".id = flagged.case_id AND {self.where(team)} AND {kept} AND EXISTS (SELECT 1 FROM '
            "answerfeedback WHERE answerfeedback.case_id = flagged.case_id AND answerfeedback.helpful = false)",
            team)[0][0]
        return {name: int(value) for name, value in found.items()}

    def model_usage(self, team: str | None) -> list[tuple[str, int, int]]:
        return [(outcome, int(n), int(tokens or 0)) for outcome, n, tokens in self.run(
            "SELECT llmusage.outcome, count(*), sum(llmusage.prompt_tokens + llmusage.completion_tokens) "
            f'FROM llmusage CROSS JOIN "case" WHERE "case".id = llmusage.case_id AND {self.where(team)} '
            "GROUP BY llmusage.outcome", team)]


def _float(value) -> float | None:
    return None if value is None else float(value)


def _seconds(value) -> float | None:
    """Seconds to the millisecond (SQLite's julianday arithmetic is a few microseconds off)."""
    return None if value is None else round(float(value), 3)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1].rstrip() + "…"
