"""The trainers' export: flagged conversations as JSON lines, one conversation a line, with the trainers'
notes, personal data masked (docs/training-export.md). Through the service and through `llamita
export-training` on the same database."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from routing.conversations import Identity
from tests.stats.history import ANA, START, Clock, service_on

CARLOS = Identity("carlos.mendez", "Carlos Méndez", "carlos.mendez@example.com", "standard")
PERSONAL = ["Carlos", "Méndez", "carlos.mendez@example.com", "c.mendez@gmail.com", "+34 612 345 678",
            "(555) 123-4567", "4111 1111 1111 1111", "4111111111111111", "LT-40127", "LT-40388", "ACC-1002",
            "carlos.mendez"]


async def signed_in_hand_over(service, clock) -> tuple[str, int]:
    chat = await service.start_conversation(CARLOS)
    said = ["Hi, this is Carlos Méndez, my backup mail is c.mendez@gmail.com and my phone +34 612 345 678",
            "My card 4111 1111 1111 1111 was charged twice for LT-40127, I want to talk to a person"]
    for text in said:
        receipt = await service.receive(chat.conversation_id, text)
        await service.respond(chat.conversation_id, receipt.pending)
        clock.advance(5)
    [case] = await service.open_cases()
    await service.claim(case.id, ANA)
    await service.staff_message(case.id, ANA, "Hello Carlos, I see LT-40388 too; call (555) 123-4567 if you prefer.")
    clock.advance(300)
    await service.resolve(case.id, ANA)
    await service.learning.rate(chat.conversation_id, case.id, 1, "Carlos here: write to carlos.mendez@example.com")
    await service.learning.add_note(case.id, ANA, "Carlos Méndez gave his card 4111111111111111 in the chat; "
                                                  "Llamita should warn before.")
    return chat.conversation_id, case.id


async def test_the_export_masks_every_kind_of_personal_data_and_round_trips_through_the_command(
        store, hub, operator, database_url, tmp_path):
    clock = Clock(START)
    service = service_on(store, hub, operator, clock)
    conversation_id, case_id = await signed_in_hand_over(service, clock)
    kept = await service.start_conversation()            # a question Llamita answered: not flagged
    await service.respond(kept.conversation_id, (await service.receive(kept.conversation_id,
                                                                       "How many bags can I bring?")).pending)

    records = [record async for record in service.learning.export()]
    [record] = records
    dumped = json.dumps(record, ensure_ascii=False)
    for secret in PERSONAL:
        assert secret.lower() not in dumped.lower(), secret
    for placeholder in ("[name]", "[email]", "[phone]", "[card ending 1111]", "[reference]"):
        assert placeholder in dumped, placeholder

    assert record["format"] == "llamita-training/1" and record["conversation"] == conversation_id
    assert record["reasons"] == ["handed_over", "bad_rating", "noted"]
    [case] = record["cases"]
    assert case["case"] == case_id and case["reason"] == "human_request" and case["team"] == "general"
    assert case["outcome"]["state"] == "resolved" and case["outcome"]["rating"] == 1
    assert case["outcome"]["seconds_to_resolve"] == 305.0
    assert case["outcome"]["rating_comment"] == "[name] here: write to [email]"
    assert [note["text"] for note in case["notes"]] == [
        "[name] gave his card [card ending 1111] in the chat; Llamita should warn before."]
    assert "human_request.asks_for_person" in case["signals"]
    authors = [message["author"] for message in record["messages"]]
    assert authors[:4] == ["customer", "bot", "customer", "bot"] and "staff" in authors and "system" in authors

    # Filters: by reason, and by date.
    assert [r["conversation"] async for r in service.learning.export(reasons=frozenset({"bad_rating"}))] == \
        [conversation_id]
    assert [r async for r in service.learning.export(reasons=frozenset({"abandoned"}))] == []
    assert [r async for r in service.learning.export(since=START + timedelta(days=1))] == []

    # The command line writes the same records, one JSON object a line.
    out = tmp_path / "training.jsonl"
    env = {**os.environ, "DATABASE_URL": database_url.replace("+psycopg", "").replace("+aiosqlite", ""),
           "LLAMITA_DATA_DIR": str(tmp_path / "cli")}
    done = subprocess.run([sys.executable, "-m", "adapters.cli", "export-training", "--since", "2026-11-01",
                           "--reason", "noted", "-o", str(out)], env=env, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 conversation written" in done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records
