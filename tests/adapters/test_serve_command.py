"""`llamita serve` (what `make run` starts) on a fresh data directory: it serves the chat and the desk on the
embedded defaults and says which integrations are off and how to turn them on."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.sockets import free_port

ROOT = Path(__file__).resolve().parents[2]


def fresh_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "OPENAI_", "DATABASE_URL", "LLAMITA_", "CONNECTIONS__", "REDIS_URL",
                                  "LIBRETRANSLATE", "DEEPL", "TEAMS_"))}
    env.update(LLAMITA_DATA_DIR=str(tmp_path / "var"), LLAMITA_PORT=str(port))
    return env


def test_serve_on_a_fresh_machine_answers_and_says_what_is_off(tmp_path):
    port = free_port()
    env = fresh_env(tmp_path, port)
    server = subprocess.Popen([sys.executable, "-m", "adapters.cli", "serve"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert health is not None, "the server did not answer /healthz"
        assert '"status": "ok"' in health and "SQLite" in health
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/widget.js", timeout=5) as script:
            assert script.status == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Slack: off. Set SLACK_BOT_TOKEN" in output
    assert "Teams: off." in output
    assert "Brain:      offline" in output
    assert f"http://127.0.0.1:{port}/desk?token=" in output
    assert (tmp_path / "var" / "llamita.sqlite3").exists()
    assert "Traceback" not in output
    assert "GET /healthz 200" in output and "GET /widget.js" not in output   # scripts and icons: no line each
    assert "Adding job tentatively" not in output   # the scheduler's chatter stays out of the operator's log


def test_a_port_already_in_use_is_said_plainly_with_what_to_do(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "adapters.cli", "serve"], cwd=ROOT, env=fresh_env(tmp_path, port),
                              capture_output=True, text=True, timeout=60)

    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr and "LLAMITA_PORT=" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "ready: chat" not in done.stdout + done.stderr
