"""`llamita serve` (what `make run` starts) on a fresh data directory: it serves the chat and the desk on the
embedded defaults and says which integrations are off and how to turn them on."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.sockets import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_on_a_fresh_machine_answers_and_says_what_is_off(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "OPENAI_", "DATABASE_URL", "LLAMITA_", "CONNECTIONS__", "REDIS_URL",
                                  "LIBRETRANSLATE", "DEEPL", "TEAMS_"))}
    env.update(LLAMITA_DATA_DIR=str(tmp_path / "var"), LLAMITA_PORT=str(port))
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
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Slack: off. Set SLACK_BOT_TOKEN" in output
    assert "Teams: off." in output
    assert "Brain:      offline" in output
    assert f"http://127.0.0.1:{port}/desk?token=" in output
    assert (tmp_path / "var" / "llamita.sqlite3").exists()
    assert "Traceback" not in output
    assert "Adding job tentatively" not in output   # the scheduler's chatter stays out of the operator's log
