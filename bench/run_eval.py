"""`make eval`: run `llamita triage` over every labelled set in ../shared/eval and score it.

For each *.jsonl under ../shared/eval (dev/ and public/), the cases go through `llamita triage`
(the installed command, exactly as the contract in ../shared/eval/README.md runs it; in-process
through bot.triage when the command is not installed, with the same output), then
../shared/eval/score.py prints its report with the project's floors. Exits 1 when any set is below
a floor, 0 otherwise, and 0 with a clear message when ../shared/eval is not there.

When a language model is configured (OPENAI_API_KEY, LLAMITA_MODEL, OPENAI_BASE_URL: the same
variables as `llamita serve`), every set also goes through `llamita triage --brain llm`, and the two
are printed side by side. The offline run is always `--brain offline`, so its figures never move
because a key happens to be set. A model run costs tokens: `--llm-limit N` takes the first N cases of
each set (the offline column of the comparison is then scored on the same N).

    python bench/run_eval.py [--in-process] [--only NAME] [--show N] [--brain offline|both] [--llm-limit N]
    LLAMITA_EVAL_DIR=/other/eval python bench/run_eval.py   # another directory of labelled sets
"""
from __future__ import annotations

import argparse
import io
import json
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


def triage_with_command(cases: Path, out: Path, brain: str = "offline") -> None:
    with cases.open("rb") as stdin, out.open("wb") as stdout:
        subprocess.run([str(LLAMITA), "triage", "--brain", brain], stdin=stdin, stdout=stdout, check=True, cwd=REPO)


def triage_in_process(cases: Path, out: Path, brain: str = "offline") -> None:
    if brain != "offline":
        raise SystemExit("make eval: the model run needs the installed `llamita` command (make test installs it)")
    sys.path.insert(0, str(REPO))
    from bot.offline import OfflineBrain
    from bot.triage import triage_stream
    from routing.config import load_operator_config

    policy = load_operator_config().policy()
    buffer = io.StringIO()
    with cases.open(encoding="utf-8") as lines:
        triage_stream(OfflineBrain(policy), lines, buffer, policy)
    out.write_text(buffer.getvalue(), encoding="utf-8")


def configured_model() -> str | None:
    """The model `llamita triage` would use with this environment, or None (the same reading as serve)."""
    sys.path.insert(0, str(REPO))
    from routing.config import load_llm_settings

    env = dict(os.environ)
    env.pop("LLAMITA_BRAIN", None)
    settings = load_llm_settings(env)
    return f"{settings.model} at {settings.endpoint}" if settings else None


def first_cases(cases: Path, out: Path, limit: int) -> Path:
    with cases.open(encoding="utf-8") as lines:
        kept = [line for line in lines if line.strip()][:limit]
    out.write_text("".join(kept), encoding="utf-8")
    return out


def count_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def metrics_of(score: Path, cases: Path, decisions: Path) -> dict:
    result = subprocess.run([sys.executable, str(score), str(cases), str(decisions), "--json"], cwd=REPO,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["metrics"]


def print_side_by_side(name: str, model: str, offline: dict, with_model: dict) -> None:
    print(f"\n=== {name}: offline brain | with {model}")
    print(f"  {'metric':24} {'offline':>8} {'model':>8} {'change':>8}")
    for metric in FLOORS:
        a, b = offline.get(metric), with_model.get(metric)
        change = f"{b - a:+.3f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) else ""
        print(f"  {metric:24} {_shown(a):>8} {_shown(b):>8} {change:>8}")


def _shown(value) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--in-process", action="store_true", help="use bot.triage directly, not `llamita triage`")
    parser.add_argument("--only", action="append", default=[], help="only sets whose path contains this")
    parser.add_argument("--show", type=int, default=20, help="how many wrong cases the scorer lists per set")
    parser.add_argument("--brain", choices=("offline", "both"), default="both",
                        help="both (default): the offline brain, and the language model when one is configured")
    parser.add_argument("--llm-limit", type=int, default=0, help="the model sees only the first N cases of each set")
    args = parser.parse_args()
    model = configured_model() if args.brain == "both" else None

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
    side_by_side: list[tuple[str, dict, dict]] = []
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
            if model:
                if not use_command:
                    print("make eval: the model run needs the installed `llamita` command; skipped")
                    continue
                compared = cases if not args.llm_limit else first_cases(cases, Path(tmp) / cases.name, args.llm_limit)
                by_model = Path(tmp) / (cases.stem + ".model.jsonl")
                started = time.perf_counter()
                triage_with_command(compared, by_model, "llm")
                seconds = time.perf_counter() - started
                print(f"\n=== {name} with the language model {model} ({count_lines(compared)} cases, {seconds:.1f} s)")
                sys.stdout.flush()
                result = subprocess.run([sys.executable, str(score), str(compared), str(by_model), *floors,
                                         f"--show={args.show}"], cwd=REPO)
                if result.returncode != 0:
                    failed.append(f"{name} (model)")
                side_by_side.append((name, metrics_of(score, compared, decisions),
                                     metrics_of(score, compared, by_model)))
    for name, offline, with_model in side_by_side:
        print_side_by_side(name, model, offline, with_model)
    print()
    if failed:
        print("below a floor: " + ", ".join(failed))
        return 1
    print(f"all {len(files)} sets meet every floor: " + ", ".join(
        f"{k} {'<=' if k.endswith('_rate') else '>='} {v}" for k, v in FLOORS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
