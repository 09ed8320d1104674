"""The `llamita` command line.

    llamita serve                 run everything (web chat, desk, configured staff channels)
    llamita triage < cases.jsonl  decide each conversation with the real brain (../shared/eval contract)
    llamita check-config FILE     validate an operator file and say what is wrong, line by line
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from routing.config import ConfigError, load_operator_config, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llamita", description="Llamita: website chat to human support staff.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the chat, the desk and the configured staff channels")
    serve.add_argument("--config", type=Path, help="operator file (default: LLAMITA_CONFIG or the demo)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1, or LLAMITA_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8080, or LLAMITA_PORT)")

    triage = commands.add_parser("triage", help="read cases as JSON lines on stdin, write decisions on stdout")
    triage.add_argument("--config", type=Path, help="operator file (default: the Llama Travel demo)")

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
    print(startup_report(settings), flush=True)
    if settings.chat_limits.connections and open_files < settings.chat_limits.connections + 100:
        print(f"  Note: this process may open {open_files} files; chat sockets beyond about {open_files - 100} "
              "will be refused by the system (raise `ulimit -n`).", flush=True)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None,
                access_log_class=AccessLogger)
    return 0


def triage_command(args: argparse.Namespace) -> int:
    from bot.offline import OfflineBrain
    from bot.triage import triage_stream

    policy = load_operator_config(args.config).policy()
    triage_stream(OfflineBrain(policy), sys.stdin, sys.stdout, policy)
    return 0


def check_command(args: argparse.Namespace) -> int:
    config = load_operator_config(args.file)
    print(f"{args.file}: OK ({len(config.teams)} teams, {len(config.hot_topics)} hot topics, "
          f"staff languages {', '.join(config.staff_languages)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
