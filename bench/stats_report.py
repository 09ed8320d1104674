"""How long the supervisors' whole report takes over a large history.

    .venv/bin/python bench/stats_report.py [--conversations 100000] [--days 30] [--database-url postgresql://...]

Seeds a fresh database (SQLite in a temporary directory unless --database-url names a PostgreSQL server,
where a throw-away database is created and dropped) with a realistic mix: most conversations kept by
Llamita, about three in ten handed over (reasons, teams, languages and topics in plausible shares), most
of those claimed and resolved, some abandoned while waiting, "Did this help?" on a third of the answers,
ratings on half the resolved hand-overs, a few trainers' notes and model turns. Rows are written straight
through the driver (the real message path would take hours for this many). Then it times the 30-day report
(and today's, and one team's), each the best and median of several runs, and prints the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from throwaway_db import throwaway_database  # noqa: E402

from routing.config import load_operator_config  # noqa: E402
from routing.learning import Learning  # noqa: E402
from routing.report import Period  # noqa: E402
from routing.store import Store  # noqa: E402

REASONS = [("human_request", 40, "general"), ("legal", 15, "compliance"), ("security", 15, "technical"),
           ("distress", 10, "general"), ("hot_topic", 10, "accounts"), ("edge_case", 10, "general")]
LANGUAGES = [("en", 50), ("es", 25), ("pt", 15), ("de", 4), ("fr", 3), ("it", 2), ("nl", 1)]
SUMMARY = ("The customer writes in English. Handed over for a reason to a team: the signals that fired, with the "
           "words that fired them. Latest message: a sentence or two from the customer. First message: another one. "
           "Already answered from: a topic. Collected: booking LT-0000, dates. Mood: upset (-0.5) after 4 messages. ")
TOPICS = ["baggage", "refund", "cancellation", "booking_change", "flight_status", "check_in", "payment",
          "travel_documents", "loyalty", "pets", "insurance", "premium_package", None]


def pick(rng: random.Random, weighted: list[tuple]) -> tuple:
    return rng.choices(weighted, weights=[item[1] for item in weighted])[0]


def seed_rows(count: int, days: int, now: datetime, rng: random.Random, stamp) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {name: [] for name in ("customer", "conversation", "case", "message", "claim",
                                                          "answerfeedback", "caserating", "trainingnote", "llmusage")}
    message_id = 0
    for n in range(1, count + 1):
        opened = now - timedelta(seconds=rng.uniform(0, days * 86400 - 3600))
        conversation = uuid.uuid4().hex[:24]
        language = pick(rng, LANGUAGES)[0]
        rows["customer"].append((n, stamp(opened)))
        rows["conversation"].append((conversation, n, "webchat", uuid.uuid4().hex, language, "", 0,
                                     stamp(opened), stamp(opened)))
        handed = rng.random() < 0.3
        topic = rng.choice(TOPICS)
        first = round(rng.uniform(-0.6, 0.4), 2)
        reason = team = handed_at = claimed_at = closed_at = None
        handover_sentiment = closing = None
        state = "bot"
        if handed:
            reason, _, team = pick(rng, REASONS)
            handed_at = opened + timedelta(seconds=rng.uniform(20, 600))
            handover_sentiment = round(rng.uniform(-0.9, 0.2), 2)
            fate = rng.random()
            if fate < 0.80:
                claimed_at = handed_at + timedelta(seconds=rng.lognormvariate(5, 1))
                closed_at = claimed_at + timedelta(seconds=rng.lognormvariate(6.5, 0.8))
                state, closing = "resolved", round(rng.uniform(-0.5, 0.8), 2)
            elif fate < 0.85:
                closed_at, state = handed_at + timedelta(hours=1), "abandoned"
            elif fate < 0.87:
                claimed_at = handed_at + timedelta(seconds=rng.lognormvariate(5, 1))
                closed_at, state = claimed_at + timedelta(hours=1), "abandoned"
            elif fate < 0.94:
                state = "waiting"
            else:
                claimed_at, state = handed_at + timedelta(seconds=rng.lognormvariate(5, 1)), "claimed"
        elif rng.random() < 0.1:
            state, closed_at = "abandoned", opened + timedelta(hours=1)
        summary = SUMMARY if handed else ""       # hand-overs carry a paragraph for the person taking over
        signals = f'["language.{language}", "topic.{topic}"' + (f', "{reason}.rule", "classifier.{reason}"]'
                                                                 if handed else "]")
        case_row = [n, conversation, state, reason, team, topic, language, first, first, handover_sentiment,
                    closing, summary, signals, "[]", stamp(opened), stamp(handed_at), stamp(claimed_at),
                    stamp(claimed_at), stamp(closed_at), 0, 0]
        rows["case"].append(case_row)
        if claimed_at:
            rows["claim"].append((n, f"desk:staff{rng.randint(1, 40)}", "Staff", "desk", stamp(claimed_at)))
        turns = rng.randint(1, 3) if not handed else rng.randint(2, 4)
        seq, moment = 0, opened
        for turn in range(turns):
            for author in ("customer", "bot"):
                seq += 1
                message_id += 1
                moment += timedelta(seconds=5)
                answer_topic = topic if author == "bot" and not (handed and turn == turns - 1) else None
                rows["message"].append((message_id, conversation, seq, n, author, "words " * 8, language,
                                        answer_topic, True, stamp(moment)))
                if answer_topic and rng.random() < 0.33:
                    rows["answerfeedback"].append((conversation, seq, message_id, n, answer_topic, language,
                                                   rng.random() < 0.75, stamp(moment)))
        if handed and claimed_at:
            for _ in range(rng.randint(1, 6)):
                seq += 1
                message_id += 1
                rows["message"].append((message_id, conversation, seq, n, rng.choice(("staff", "customer")),
                                        "more words " * 5, language, None, True, stamp(claimed_at)))
        case_row[-1] = seq                     # every message here is one the customer saw
        rows["case"][-1] = tuple(case_row)
        if state == "resolved" and rng.random() < 0.6:
            score = rng.choices([1, 2, 3, 4, 5], weights=[5, 5, 10, 30, 50])[0] if rng.random() < 0.8 else None
            rows["caserating"].append((n, score, None, stamp(closed_at), stamp(closed_at) if score else None, False))
        if handed and rng.random() < 0.02:
            rows["trainingnote"].append((n, "desk:ana", "Ana", "desk", "a note for the trainers", stamp(opened)))
        if rng.random() < 0.2:
            rows["llmusage"].append((conversation, n, "gpt-4o-mini", rng.choice(("ok", "ok", "ok", "timeout")),
                                     1, 900, 120, 800, stamp(opened)))
    return rows


INSERTS = {
    "customer": "INSERT INTO customer (id, created_at) VALUES (?, ?)",
    "conversation": "INSERT INTO conversation (id, customer_id, channel, token_hash, language, brain_memory, last_seq, "
                    "created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "case": 'INSERT INTO "case" (id, conversation_id, state, reason, team, topic, language, sentiment, '
            "first_sentiment, handover_sentiment, closing_sentiment, summary, signals, actions, opened_at, "
            "handed_over_at, claimed_at, first_claimed_at, closed_at, reminders_sent, messages) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "message": "INSERT INTO message (id, conversation_id, seq, case_id, author, text, language, topic, handled, "
               "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "claim": "INSERT INTO claim (case_id, staff_id, staff_name, channel, claimed_at) VALUES (?, ?, ?, ?, ?)",
    "answerfeedback": "INSERT INTO answerfeedback (conversation_id, seq, message_id, case_id, topic, language, "
                      "helpful, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "caserating": "INSERT INTO caserating (case_id, score, comment, asked_at, rated_at, dismissed) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
    "trainingnote": "INSERT INTO trainingnote (case_id, author_id, author_name, channel, text, at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
    "llmusage": "INSERT INTO llmusage (conversation_id, case_id, model, outcome, calls, prompt_tokens, "
                "completion_tokens, latency_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
}


def load(store: Store, rows: dict[str, list[tuple]]) -> None:
    raw = store._write_engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        if store.is_sqlite:
            cursor.execute("BEGIN")     # the store's SQLite connections manage transactions by hand
        for table, sql in INSERTS.items():
            if not store.is_sqlite:
                sql = sql.replace("?", "%s")
            cursor.executemany(sql, rows[table])
        if not store.is_sqlite:
            for table in ("customer", "case", "message"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                               f"(SELECT max(id) FROM \"{table}\"))")
        cursor.execute("ANALYZE")
        raw.driver_connection.commit()
    finally:
        raw.close()


async def timed(learning: Learning, period: Period, team: str | None, runs: int) -> tuple[float, float, object]:
    samples, report = [], None
    for _ in range(runs):
        started = time.perf_counter()
        report = await learning.report(period, team)
        samples.append(time.perf_counter() - started)
    return min(samples), statistics.median(samples), report


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30, help="spread the conversations over this many days")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="postgresql://user@host/postgres (a throw-away database is made)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database (and print where it is)")
    args = parser.parse_args()

    # The seeding writes straight through the synchronous driver; the report reads through the Store.
    with throwaway_database(args.database_url, driver="pysqlite", keep=args.keep) as url:
        await report_on(url, args)


async def report_on(url: str, args: argparse.Namespace) -> None:
    store = Store(url)
    try:
        await store.migrate()
        now = datetime.now(timezone.utc)
        sqlite = store.is_sqlite

        def stamp(moment):
            if moment is None:
                return None
            return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else moment

        started = time.perf_counter()
        rows = seed_rows(args.conversations, args.days, now, random.Random(13), stamp)
        await asyncio.get_running_loop().run_in_executor(None, load, store, rows)
        print(f"{'SQLite' if sqlite else 'PostgreSQL'}: seeded {args.conversations:,} conversations "
              f"({len(rows['message']):,} messages, {len(rows['claim']):,} claims, {len(rows['answerfeedback']):,} "
              f"answer ratings, {len(rows['caserating']):,} case ratings) over {args.days} days "
              f"in {time.perf_counter() - started:.1f} s")
        learning = Learning(store, load_operator_config(), lambda: now)
        for label, period, team in (("30-day report", Period.named("30d", now), None),
                                    ("30-day report, one team", Period.named("30d", now), "general"),
                                    ("today's report", Period.named("today", now), None)):
            best, median, report = await timed(learning, period, team, args.runs)
            print(f"  {label:26} best {best * 1000:7.1f} ms   median {median * 1000:7.1f} ms   "
                  f"({report.conversations:,} conversations, {report.handed_over.n:,} hand-overs)")
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
