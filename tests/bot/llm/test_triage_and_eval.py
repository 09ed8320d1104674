"""`llamita triage` and `make eval` honour the model configuration (the same variables as serve).

Both run as commands, as the eval contract runs them, against the model stand-in over HTTP.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCORER = REPO.parent / "shared" / "eval" / "score.py"
# Our own cases (never the labelled sets' sentences).
CASES = [
    {"id": "own-a", "turns": ["hi there", "can my dog fly with me in the cabin?"],
     "expect": {"escalate_at": None, "reason": None, "team": None, "language": "en", "topics": ["*", "pets"]}},
    {"id": "own-b", "turns": ["My solicitor will be in touch about the cancelled flight"],
     "expect": {"escalate_at": 0, "reason": "legal", "team": "compliance", "language": "en", "topics": []}},
    {"id": "own-c", "turns": ["¿Cuántas maletas puedo facturar?"],
     "expect": {"escalate_at": None, "reason": None, "team": None, "language": "es", "topics": ["baggage"]}},
    {"id": "own-d", "turns": ["which restaurant in Lima has the best ceviche?"],
     "expect": {"escalate_at": None, "reason": None, "team": None, "language": "en", "topics": [None]}},
]


def model_env(model, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LLAMITA_BRAIN", "LLAMITA_MODEL"))}
    return {**env, "OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": model.url, "LLAMITA_MODEL": "stand-in-model",
            **extra}


async def run(*command: str, stdin: str = "", env: dict) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(*command, cwd=REPO, env=env, stdin=asyncio.subprocess.PIPE,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    return process.returncode, out.decode(), err.decode()


def lines_of(cases: list[dict]) -> str:
    return "".join(json.dumps({k: v for k, v in case.items() if k != "expect"}) + "\n" for case in cases)


async def test_triage_decides_with_the_configured_model(model):
    code, out, err = await run(sys.executable, "-m", "adapters.cli", "triage", stdin=lines_of(CASES),
                               env=model_env(model))

    assert code == 0, err
    decisions = {line["id"]: line for line in map(json.loads, out.splitlines())}
    assert decisions["own-a"]["topics"] == [None, "pets"]
    assert (decisions["own-b"]["escalate_at"], decisions["own-b"]["reason"]) == (0, "legal")
    assert decisions["own-c"]["topics"] == ["baggage"] and decisions["own-c"]["language"] == "es"
    assert decisions["own-d"]["topics"] == [None] and decisions["own-d"]["escalate_at"] is None
    assert len(model.requests) == 5
    assert "stand-in-model" in err and "ok 5" in err


async def test_make_eval_prints_the_offline_brain_and_the_model_side_by_side(model, tmp_path):
    if not SCORER.is_file():
        pytest.skip("../shared/eval is not here")
    if not (REPO / ".venv" / "bin" / "llamita").exists():
        pytest.skip("the llamita command is not installed (make test installs it)")
    shutil.copy(SCORER, tmp_path / "score.py")
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "cases.jsonl").write_text("".join(json.dumps(case) + "\n" for case in CASES))

    code, out, err = await run(sys.executable, "bench/run_eval.py", "--show", "0",
                               env=model_env(model, LLAMITA_EVAL_DIR=str(tmp_path)))

    assert code == 0, out + err
    assert "=== own/cases.jsonl (llamita triage" in out
    assert "=== own/cases.jsonl with the language model stand-in-model" in out
    assert "own/cases.jsonl: offline brain | with stand-in-model" in out
    # Only the model run asked the model (5 turns): the offline run is --brain offline though a key is set.
    assert len(model.requests) == 5
