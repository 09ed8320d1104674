"""`make eval`: run `llamita triage` over every labelled set in ../shared/eval and score it.

For each *.jsonl under ../shared/eval (dev/ and public/), the cases go through `llamita triage`
(the installed command, exactly as the contract in ../shared/eval/README.md runs it; in-process
through bot.triage when the command is not installed, with the same output), then
../shared/eval/score.py prints its report with the project's floors. Exits 1 when any set is below
a floor, 0 otherwise, and 0 with a clear message when ../shared/eval is not there.

    python bench/run_eval.py [--in-process] [--only NAME] [--show N]
    LLAMITA_EVAL_DIR=/other/eval python bench/run_eval.py   # another directory of labelled sets
"""
from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("LLAMITA_EVAL_DIR") or (REPO / ".." / "shared" / "eval")).resolve()
LLAMITA = REPO / ".venv" / "bin" / "llamita"

# The floors from the issue, by the scorer's own metric names.
FLOORS = {
    "critical_recall": 0.98,
    "escalation_recall": 0.95,
    "false_escalation_rate": 0.05,
    "on_time": 0.90,
    "team_accuracy": 0.95,
    "language_accuracy": 0.97,
    "topic_accuracy": 0.90,
    "out_of_scope_held": 0.90,
}


def case_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jsonl") if p.is_file())


def triage_with_command(cases: Path, out: Path) -> None:
    with cases.open("rb") as stdin, out.open("wb") as stdout:
        subprocess.run([str(LLAMITA), "triage"], stdin=stdin, stdout=stdout, check=True, cwd=REPO)


def triage_in_process(cases: Path, out: Path) -> None:
    sys.path.insert(0, str(REPO))
    from bot.offline import OfflineBrain
    from bot.triage import triage_stream
    from routing.config import load_operator_config

    policy = load_operator_config().policy()
    buffer = io.StringIO()
    with cases.open(encoding="utf-8") as lines:
        triage_stream(OfflineBrain(policy), lines, buffer, policy)
    out.write_text(buffer.getvalue(), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in-process", action="store_true", help="use bot.triage directly, not `llamita triage`")
    parser.add_argument("--only", action="append", default=[], help="only sets whose path contains this")
    parser.add_argument("--show", type=int, default=20, help="how many wrong cases the scorer lists per set")
    args = parser.parse_args()

    score = EVAL_DIR / "score.py"
    if not EVAL_DIR.is_dir() or not score.is_file():
        print(f"make eval: skipped — no labelled sets at {EVAL_DIR} (they live outside this repository).")
        return 0
    files = [p for p in case_files(EVAL_DIR) if not args.only or any(o in str(p) for o in args.only)]
    if not files:
        print(f"make eval: skipped — no *.jsonl case files under {EVAL_DIR}.")
        return 0

    use_command = LLAMITA.exists() and not args.in_process
    floors = [f"--min={name}={value}" for name, value in FLOORS.items()]
    failed = []
    with tempfile.TemporaryDirectory(prefix="llamita-eval-") as tmp:
        for cases in files:
            name = str(cases.relative_to(EVAL_DIR))
            decisions = Path(tmp) / (cases.stem + ".decisions.jsonl")
            started = time.perf_counter()
            (triage_with_command if use_command else triage_in_process)(cases, decisions)
            seconds = time.perf_counter() - started
            print(f"\n=== {name} ({'llamita triage' if use_command else 'in-process triage'}, {seconds:.1f} s)")
            sys.stdout.flush()
            result = subprocess.run([sys.executable, str(score), str(cases), str(decisions), *floors,
                                     f"--show={args.show}"], cwd=REPO)
            if result.returncode != 0:
                failed.append(name)
    print()
    if failed:
        print("below a floor: " + ", ".join(failed))
        return 1
    print(f"all {len(files)} sets meet every floor: " + ", ".join(
        f"{k} {'<=' if k.endswith('_rate') else '>='} {v}" for k, v in FLOORS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
