"""One worker under chat load: the figures issue 8 asks for, rerunnable on any machine.

    .venv/bin/python bench/chat_load.py compare   [--database-url postgresql://...]   # needs ../shared/load
    .venv/bin/python bench/chat_load.py capacity  [--customers 1500]
    .venv/bin/python bench/chat_load.py idle      [--customers 1000]
    .venv/bin/python bench/chat_load.py leak      [--customers 1000]
    .venv/bin/python bench/chat_load.py flood     [--seconds 10]

compare   Llamita against the durable echo of ../shared/load, side by side in one run, at 1 and 100
          customers (a message every ~1.1 s) and 1,000 (every ~5 s); prints the harness's table.
capacity  the most messages a second one worker answers: many customers at the widget's rate limit.
idle      resident memory of the server for N connected customers who say nothing (per 1,000).
leak      N customers who close right after Llamita's reply; then how many chat sockets and
          listeners the server still holds (from /healthz): it must be zero.
flood     one address opening conversations as fast as it can while another customer chats:
          that customer's round trip, quiet and under the flood.

Every server here is a real `llamita serve` on a free port, with its data in a temporary directory
(or the given PostgreSQL database). The harness's customers all come from 127.0.0.1, so the
per-address limits are switched off for compare, capacity, idle and leak (flood keeps them on).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
LOAD = ROOT.parent / "shared" / "load"
LLAMITA = ROOT / ".venv" / "bin" / "llamita"
PYTHON = ROOT / ".venv" / "bin" / "python"
NO_ADDRESS_LIMITS = {"LLAMITA_NEW_CONVERSATIONS_PER_MINUTE": "0", "LLAMITA_MAX_CONNECTIONS_PER_ADDRESS": "0"}
QUESTION = "How many bags can I bring?"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def llamita(database_url: str | None, **env: str):
    """A real `llamita serve` in its own process group; yields (base url, pid)."""
    port = free_port()
    data = tempfile.mkdtemp(prefix="llamita-bench-")
    environment = {**os.environ, "LLAMITA_PORT": str(port), "LLAMITA_DATA_DIR": data, **env}
    if database_url:
        environment["DATABASE_URL"] = database_url
    log = open(Path(data) / "server.log", "w")
    process = subprocess.Popen([str(LLAMITA), "serve"], env=environment, stdout=subprocess.DEVNULL, stderr=log,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        async with client() as http:
            for _ in range(300):
                try:
                    async with http.get(url + "/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        yield url, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def client(**connector) -> aiohttp.ClientSession:
    """A client for many sockets at once (aiohttp's default holds a hundred and makes the rest wait)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, **connector))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def hello(http: aiohttp.ClientSession, url: str, **kwargs) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(url.replace("http", "ws") + "/chat/ws", **kwargs)
    await ws.send_json({"type": "hello"})
    while True:
        frame = json.loads((await ws.receive(timeout=30)).data)
        if frame["type"] == "welcome":
            return ws
        if frame["type"] == "error":
            raise RuntimeError(frame["code"])


async def ask(ws: aiohttp.ClientWebSocketResponse, text: str = QUESTION) -> float:
    """Seconds from sending a message to Llamita's answer."""
    started = time.perf_counter()
    await ws.send_json({"type": "message", "id": uuid.uuid4().hex, "text": text})
    while True:
        frame = json.loads((await ws.receive(timeout=30)).data)
        if frame["type"] == "message" and frame["author"] == "bot":
            return time.perf_counter() - started
        if frame["type"] == "error":
            raise RuntimeError(frame["code"])


def ms(samples: list[float], q: float) -> str:
    ordered = sorted(samples)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000:.1f}" if ordered else "-"


# ---------------------------------------------------------------------- the measures

def compare(args: argparse.Namespace) -> None:
    if not LOAD.exists():
        sys.exit(f"no load harness at {LOAD}")
    env = " ".join(f"{k}={v}" for k, v in NO_ADDRESS_LIMITS.items())
    if args.database_url:
        env += f" DATABASE_URL={args.database_url}"
    b_cmd = f"{env} LLAMITA_PORT={{port}} LLAMITA_DATA_DIR=/tmp/llamita-load-{{port}} {LLAMITA} serve"
    common = ["--a-name", "durable-echo",
              "--a-cmd", "{python} {here}/echo_server.py --port {port} --durable /tmp/floor-{port}.db",
              "--b-name", "llamita", "--b-cmd", b_cmd, "--b-url", "http://127.0.0.1:{port}",
              "--b-protocol", "llamita_protocol.py:Llamita", "--timeout", "15"]
    runs = [["--levels", "1,100", "--messages", "30,20", "--rounds", str(args.rounds), "--think", "1.1",
             "--ramp", "3", "--deadline", "90"],
            ["--levels", "1000", "--messages", "8", "--rounds", str(args.rounds), "--think", "5", "--ramp", "10",
             "--deadline", "150"]]
    for run in runs:
        subprocess.run([str(PYTHON), "compare.py", *common, *run], cwd=LOAD, check=False)


async def capacity(args: argparse.Namespace) -> None:
    """Customers at the widget's limit (one message a second each) until the worker cannot keep up."""
    async with llamita(args.database_url, **NO_ADDRESS_LIMITS) as (url, pid), client() as http:
        sockets = await asyncio.gather(*(hello(http, url) for _ in range(args.customers)))
        answered: list[float] = []
        stop = time.monotonic() + args.seconds

        async def customer(ws) -> None:
            while time.monotonic() < stop:
                began = time.monotonic()
                try:
                    answered.append(await ask(ws))
                except (RuntimeError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(max(0.0, 1.02 - (time.monotonic() - began)))

        cpu0 = _cpu(pid)
        started = time.monotonic()
        await asyncio.gather(*(customer(ws) for ws in sockets))
        elapsed = time.monotonic() - started
        print(f"capacity: {args.customers} customers at one message a second each, {elapsed:.0f} s")
        print(f"  answered {len(answered) / elapsed:.0f} messages/s (offered up to {args.customers}/s); "
              f"round trip p50 {ms(answered, 0.5)} ms, p99 {ms(answered, 0.99)} ms; "
              f"server CPU {(_cpu(pid) - cpu0) / elapsed * 100:.0f}% of a core")
        for ws in sockets:
            await ws.close()


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def idle(args: argparse.Namespace) -> None:
    async with llamita(args.database_url, **NO_ADDRESS_LIMITS) as (url, pid), client() as http:
        warm = await hello(http, url)
        await ask(warm)
        await asyncio.sleep(1)
        before = rss_mb(pid)
        sockets = []
        for start in range(0, args.customers, 100):
            sockets += await asyncio.gather(*(hello(http, url) for _ in range(min(100, args.customers - start))))
        await asyncio.sleep(2)
        after = rss_mb(pid)
        print(f"idle: {args.customers} connected customers: server RSS {before:.1f} -> {after:.1f} MB, "
              f"{(after - before) / args.customers * 1000:.1f} MB per 1,000")
        for ws in sockets + [warm]:
            await ws.close()


async def leak(args: argparse.Namespace) -> None:
    async with llamita(args.database_url, **NO_ADDRESS_LIMITS) as (url, _pid), \
            client() as http:
        async def customer() -> None:
            ws = await hello(http, url)
            await ask(ws)
            await ws.close()   # right after the answer

        for start in range(0, args.customers, 200):
            await asyncio.gather(*(customer() for _ in range(min(200, args.customers - start))))
        await asyncio.sleep(2)
        async with http.get(url + "/healthz") as response:
            chat = (await response.json())["chat"]
        print(f"leak: after {args.customers} customers closed right after the answer: "
              f"{chat['sockets']} chat sockets and {chat['listeners']} live-event listeners still held")


async def flood(args: argparse.Namespace) -> None:
    """A quiet customer's round trips (from 127.0.0.2) alone, then while 127.0.0.1 floods new conversations."""
    async with llamita(args.database_url) as (url, _pid), client() as http, \
            client(local_addr=("127.0.0.2", 0)) as quiet_http:
        quiet = await hello(quiet_http, url)

        async def measure() -> list[float]:
            samples = []
            for _ in range(args.samples):
                samples.append(await ask(quiet))
                await asyncio.sleep(1.05)
            return samples

        alone = await measure()
        refused, opened = 0, 0
        stop = asyncio.Event()

        async def flooder() -> None:
            nonlocal refused, opened
            while not stop.is_set():
                try:
                    ws = await hello(http, url)
                    opened += 1
                    await ws.close()
                except (RuntimeError, aiohttp.ClientError, asyncio.TimeoutError):
                    refused += 1

        flooders = [asyncio.create_task(flooder()) for _ in range(args.flooders)]
        crowded = await measure()
        stop.set()
        await asyncio.gather(*flooders, return_exceptions=True)
        print(f"flood: {args.flooders} connections from 127.0.0.1 opening conversations without pause "
              f"({opened} opened, {refused} refused)")
        print(f"  the other customer's round trip: quiet p50 {ms(alone, 0.5)} ms / max {ms(alone, 1.0)} ms; "
              f"under the flood p50 {ms(crowded, 0.5)} ms / max {ms(crowded, 1.0)} ms "
              f"({statistics.median(crowded) / statistics.median(alone):.2f}x)")
        await quiet.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("compare", "capacity", "idle", "leak", "flood"))
    parser.add_argument("--database-url", help="postgresql://... (default: SQLite in a temporary directory)")
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--flooders", type=int, default=20)
    args = parser.parse_args()
    defaults = {"capacity": 1500, "idle": 1000, "leak": 1000}
    args.customers = args.customers or defaults.get(args.what, 0)
    if args.what == "compare":
        compare(args)
    else:
        asyncio.run({"capacity": capacity, "idle": idle, "leak": leak, "flood": flood}[args.what](args))


if __name__ == "__main__":
    main()
