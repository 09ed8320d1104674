"""The floors of the issue, measured by the eval's own scorer on the shared labelled sets.

Runs only where ../shared/eval exists beside the repository (it is not part of the project and
never used as training data). The large public single-turn set (about ten seconds) runs when
LLAMITA_EVAL_FULL=1; `make eval` always runs every set.
"""
from __future__ import annotations

import importlib.util
import io
import json
import os
from pathlib import Path

import pytest

from bot.triage import triage_stream

EVAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
FLOORS = {
    "critical_recall": 0.98, "escalation_recall": 0.95, "false_escalation_rate": 0.05, "on_time": 0.90,
    "team_accuracy": 0.95, "language_accuracy": 0.97, "topic_accuracy": 0.90, "out_of_scope_held": 0.90,
}
SETS = ["dev/conversations.jsonl", "public/composed_dev.jsonl"]
if os.environ.get("LLAMITA_EVAL_FULL") == "1":
    SETS.append("public/single_turn_dev.jsonl")

pytestmark = pytest.mark.skipif(not (EVAL_DIR / "score.py").is_file(),
                                reason=f"no labelled eval sets at {EVAL_DIR}")


@pytest.fixture(scope="module")
def scorer():
    spec = importlib.util.spec_from_file_location("llamita_eval_score", EVAL_DIR / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SETS)
def test_every_floor_holds_on_the_shared_set(brain, policy, scorer, name):
    path = EVAL_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    out = io.StringIO()
    with path.open(encoding="utf-8") as lines:
        triage_stream(brain, lines, out, policy)
    decisions = [json.loads(line) for line in out.getvalue().splitlines()]

    metrics, _, wrong = scorer.score(scorer.load(str(path)), decisions)

    below = {name: metrics[name] for name, floor in FLOORS.items() if metrics[name] is not None and (
        metrics[name] > floor if name.endswith("_rate") else metrics[name] < floor)}
    assert metrics["missing_decisions"] == 0
    assert not below, f"below the floor: {below}; first problems: {wrong[:10]}"
