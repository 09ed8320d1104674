"""The `llamita` command line.

    llamita serve                 run everything (web chat, desk, configured staff channels)
    llamita triage < cases.jsonl  decide each conversation with the real brain (../shared/eval contract)
    llamita check-config FILE     validate an operator file and say what is wrong, line by line
    llamita stats [today|7d|30d]  the supervisors' report (--team, --language, --since/--until, --json)
    llamita export-training       flagged conversations as JSON lines, personal data masked (docs/training-export.md)
"""
from __future__ import annotations

import argparse
import asyncio
import errno
import json
import sys
from datetime import date, datetime, time, timezone
from pathlib import Path

from routing.config import ConfigError, load_llm_settings, load_operator_config, load_settings
from routing.training import REASONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llamita", description="Llamita: website chat to human support staff.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the chat, the desk and the configured staff channels")
    serve.add_argument("--config", type=Path, help="operator file (default: LLAMITA_CONFIG or the demo)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, or LLAMITA_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8080, or LLAMITA_PORT)")

    triage = commands.add_parser("triage", help="read cases as JSON lines on stdin, write decisions on stdout")
    triage.add_argument("--config", type=Path, help="operator file (default: the Llama Travel demo)")
    triage.add_argument("--brain", choices=("auto", "offline", "llm"), default=None,
                        help="auto (default, or LLAMITA_BRAIN): the language model when OPENAI_API_KEY is set, "
                             "else the offline brain")
    triage.add_argument("--parallel", type=int, default=4, help="cases decided at once with a language model")

    check = commands.add_parser("check-config", help="validate an operator file")
    check.add_argument("file", type=Path)

    stats = commands.add_parser("stats", help="the supervisors' report (docs/stats.md)")
    stats.add_argument("period", nargs="?", default="7d", choices=("today", "7d", "30d"),
                       help="today (since 00:00 UTC), 7d or 30d (default 7d)")
    stats.add_argument("--since", type=date.fromisoformat, help="from this day (YYYY-MM-DD, UTC) instead")
    stats.add_argument("--until", type=date.fromisoformat, help="to this day, included (with --since)")
    stats.add_argument("--team", help="one team's hand-overs (its id in the operator file)")
    stats.add_argument("--language", help="conversations in one language (two letters, e.g. es)")
    stats.add_argument("--json", action="store_true", help="the report as JSON, for scripts")
    stats.add_argument("--config", type=Path, help="operator file (default: LLAMITA_CONFIG or the demo)")

    export = commands.add_parser("export-training", help="flagged conversations as JSONL, personal data masked")
    export.add_argument("--since", type=date.fromisoformat, help="cases opened on or after this day (YYYY-MM-DD)")
    export.add_argument("--reason", action="append", choices=REASONS, metavar="REASON",
                        help=f"only conversations flagged for this reason (repeatable): {', '.join(REASONS)}")
    export.add_argument("--output", "-o", type=Path, help="write to this file (default: standard output)")
    export.add_argument("--config", type=Path, help="operator file (default: LLAMITA_CONFIG or the demo)")

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve_command(args)
        if args.command == "triage":
            return triage_command(args)
        if args.command == "stats":
            return stats_command(args)
        if args.command == "export-training":
            return export_command(args)
        return check_command(args)
    except ConfigError as error:
        print(f"llamita: {error}", file=sys.stderr)
        return 2


def serve_command(args: argparse.Namespace) -> int:
    import gc
    import os

    from aiohttp import web

    from adapters.logs import configure_logging, raise_open_files_limit
    from adapters.server import AccessLogger, create_app, startup_report

    env = dict(os.environ)
    if args.host:
        env["LLAMITA_HOST"] = args.host
    if args.port:
        env["LLAMITA_PORT"] = str(args.port)
    settings = load_settings(env, args.config)
    if problem := port_taken(settings.host, settings.port):
        print(problem, file=sys.stderr)
        return 2
    configure_logging()
    open_files = raise_open_files_limit()
    # Database work runs in threads (routing/store.py) and hands results back in many short steps; a
    # thread waiting for the interpreter lock would otherwise wait up to 5 ms while the loop computes.
    sys.setswitchinterval(0.0005)
    print(startup_report(settings), flush=True)
    if settings.chat_limits.connections and open_files < settings.chat_limits.connections + 100:
        print(f"  Note: this process may open {open_files} files; chat sockets beyond about {open_files - 100} "
              "will be refused by the system (raise `ulimit -n`).", flush=True)
    app = create_app(settings)
    # The brain's lexicon and classifier are tens of thousands of objects that live as long as the process:
    # kept out of the collector's full passes, which otherwise walk them all (~16 ms) in some customer's turn.
    gc.collect()
    gc.freeze()
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None, access_log_class=AccessLogger)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(port_taken(settings.host, settings.port) or f"llamita: {error.strerror}", file=sys.stderr)
        return 2
    return 0


def port_taken(host: str, port: int) -> str | None:
    """Why `llamita serve` cannot listen on host:port (another program has it), and what to do; None if free."""
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as the server binds
            probe.bind((host, port))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            return None   # the server's own bind reports anything else
        return (f"llamita: port {port} on {host} is already in use (another Llamita, or another program).\n"
                f"  Stop it, or choose another port: LLAMITA_PORT={port + 1} make run  (or llamita serve --port "
                f"{port + 1})")
    return None


def triage_command(args: argparse.Namespace) -> int:
    import os

    from bot.offline import OfflineBrain
    from bot.triage import triage_stream

    operator = load_operator_config(args.config)
    policy = operator.policy()
    env = dict(os.environ)
    if args.brain:
        env["LLAMITA_BRAIN"] = args.brain
    llm = load_llm_settings(env)   # the same configuration as `llamita serve`
    if llm is None:
        triage_stream(OfflineBrain(policy), sys.stdin, sys.stdout, policy)
        return 0
    from adapters.llm import build_llm_brain, close_brain
    from bot.triage import triage_stream_async

    brain = build_llm_brain(llm, policy, company=operator.company, agent_name=operator.agent_name)

    async def run() -> None:
        try:
            await triage_stream_async(brain, sys.stdin, sys.stdout, policy, parallel=args.parallel)
        finally:
            await close_brain(brain)

    asyncio.run(run())
    print(f"llamita triage: {llm.model} at {llm.endpoint}: {brain.outcomes_line()}", file=sys.stderr)
    return 0


async def _with_service(settings, work):
    """Run `work(service)` against the configured database (migrated first, as `llamita serve` does)."""
    from routing.hub import LocalHub
    from routing.service import RoutingService
    from routing.store import Store

    store = Store(settings.database_url)
    try:
        await store.migrate()
        # The report and the export never ask the brain; a light one stands in for the real one.
        service = RoutingService(store, LocalHub(), settings.operator, brain=_NoBrain())
        return await work(service)
    finally:
        await store.close()


class _NoBrain:
    def decide(self, *_args, **_kwargs):   # never called: the report and the export read what is stored
        raise RuntimeError("no brain in `llamita stats`")


def _settings(args: argparse.Namespace):
    import os

    return load_settings(dict(os.environ), args.config)


def stats_command(args: argparse.Namespace) -> int:
    from adapters.report_text import table
    from routing.report import Period

    settings = _settings(args)
    now = datetime.now(timezone.utc)
    if args.until and not args.since:
        print("llamita stats: --until needs --since", file=sys.stderr)
        return 2
    try:
        period = Period.between(args.since, args.until, now) if args.since else Period.named(args.period, now)
    except ValueError as error:
        print(f"llamita stats: {error}", file=sys.stderr)
        return 2
    if args.team and args.team not in {team.id for team in settings.operator.teams}:
        known = ", ".join(team.id for team in settings.operator.teams)
        print(f"llamita stats: no team {args.team!r}; teams are {known}", file=sys.stderr)
        return 2
    report = asyncio.run(_with_service(settings, lambda service: service.learning.report(
        period, args.team, args.language.lower() if args.language else None)))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(table(report))
    return 0


def export_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    since = datetime.combine(args.since, time(), tzinfo=timezone.utc) if args.since else None
    reasons = frozenset(args.reason) if args.reason else None
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout

    async def export(service) -> int:
        count = 0
        async for record in service.learning.export(since, reasons):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count

    try:
        count = asyncio.run(_with_service(settings, export))
    finally:
        if args.output:
            out.close()
    print(f"llamita export-training: {count} conversation{'s' if count != 1 else ''}"
          + (f" written to {args.output}" if args.output else ""), file=sys.stderr)
    return 0


def check_command(args: argparse.Namespace) -> int:
    config = load_operator_config(args.file)
    print(f"{args.file}: OK ({len(config.teams)} teams, {len(config.hot_topics)} hot topics, "
          f"staff languages {', '.join(config.staff_languages)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
