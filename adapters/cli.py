"""The `llamita` command line.

    llamita serve                 run everything (web chat, desk, configured staff channels)
    llamita triage < cases.jsonl  decide each conversation with the real brain (../shared/eval contract)
    llamita check-config FILE     validate an operator file and say what is wrong, line by line
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from routing.config import ConfigError, load_llm_settings, load_operator_config, load_settings


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

    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve_command(args)
        if args.command == "triage":
            return triage_command(args)
        return check_command(args)
    except ConfigError as error:
        print(f"llamita: {error}", file=sys.stderr)
        return 2


def serve_command(args: argparse.Namespace) -> int:
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
    configure_logging()
    open_files = raise_open_files_limit()
    # Database work runs in threads (routing/store.py) and hands results back in many short steps; a
    # thread waiting for the interpreter lock would otherwise wait up to 5 ms while the loop computes.
    sys.setswitchinterval(0.0005)
    print(startup_report(settings), flush=True)
    if settings.chat_limits.connections and open_files < settings.chat_limits.connections + 100:
        print(f"  Note: this process may open {open_files} files; chat sockets beyond about {open_files - 100} "
              "will be refused by the system (raise `ulimit -n`).", flush=True)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None,
                access_log_class=AccessLogger)
    return 0


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
    import asyncio

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


def check_command(args: argparse.Namespace) -> int:
    config = load_operator_config(args.file)
    print(f"{args.file}: OK ({len(config.teams)} teams, {len(config.hot_topics)} hot topics, "
          f"staff languages {', '.join(config.staff_languages)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
