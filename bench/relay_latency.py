"""How much Llamita adds to the network: message round trips through the real server, over loopback.

    .venv/bin/python bench/relay_latency.py [--messages 200] [--database-url postgresql://...]

Measures, on a freshly started server (SQLite in a temporary directory unless --database-url):
  baseline   a bare aiohttp WebSocket echo on the same machine (the network and framing alone)
  ack        customer message -> stored -> acknowledged
  answer     customer message -> Llamita's answer on the customer's socket
  relay      staff reply on the desk API -> on the customer's socket
and prints median and p95 in milliseconds.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.chat_client import ChatClient  # noqa: E402
from tests.servers import STAFF_TOKEN, free_port, running_server  # noqa: E402

QUESTIONS = ["How many bags can I bring?", "Can my cat travel in the cabin?", "How do I check in online?",
             "When will I get my refund?", "What documents do I need for Peru?"]


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    median = statistics.median(ordered)
    return f"{name:10} median {median * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms   (n={len(ordered)})"


async def baseline(count: int) -> list[float]:
    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            await ws.send_str(message.data)
        return ws

    app = web.Application()
    app.router.add_get("/echo", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    samples = []
    async with aiohttp.ClientSession() as http, http.ws_connect(f"ws://127.0.0.1:{port}/echo") as ws:
        for n in range(count):
            started = time.perf_counter()
            await ws.send_json({"type": "message", "id": str(n), "text": QUESTIONS[n % len(QUESTIONS)]})
            await ws.receive()
            samples.append(time.perf_counter() - started)
    await runner.cleanup()
    return samples


async def through_llamita(count: int, database_url: str | None) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"ack": [], "answer": [], "relay": []}
    with tempfile.TemporaryDirectory() as data_dir:
        url = database_url or f"sqlite+aiosqlite:///{data_dir}/bench.sqlite3"
        async with running_server(Path(data_dir), url) as server, aiohttp.ClientSession() as http:
            customer = ChatClient(http, server.ws_url)
            await customer.connect()
            for n in range(count):
                customer.frames.clear()
                started = time.perf_counter()
                await customer.send(QUESTIONS[n % len(QUESTIONS)], client_id=f"q{n}")
                results["ack"].append(time.perf_counter() - started)
                await customer.message_from("bot")
                results["answer"].append(time.perf_counter() - started)
                await asyncio.sleep(1.0)  # stay under the customer rate limit (1 message/s sustained)
                if n % 10 == 9:
                    print(f"  {n + 1}/{count} questions", file=sys.stderr)

            await customer.send("I want to talk to a person", client_id="handover")
            await customer.message_from("bot")
            desk = {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": "Ana"}
            [case] = await (await http.get(server.url + "/desk/api/cases", headers=desk)).json()
            await http.post(f"{server.url}/desk/api/cases/{case['id']}/claim", headers=desk)
            for n in range(count):
                customer.frames.clear()
                started = time.perf_counter()
                await http.post(f"{server.url}/desk/api/cases/{case['id']}/messages", headers=desk,
                                json={"text": f"reply {n}", "id": f"r{n}"})
                expected = f"reply {n}"
                await customer.next_frame(lambda f, text=expected: f["type"] == "message" and f["text"] == text)
                results["relay"].append(time.perf_counter() - started)
            await customer.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=30, help="customer questions (paced at 1/s) and staff replies")
    parser.add_argument("--database-url", help="e.g. postgresql+psycopg://postgres@127.0.0.1/test (default: SQLite)")
    args = parser.parse_args()
    print(summary("baseline", await baseline(max(args.messages, 100))))
    for name, samples in (await through_llamita(args.messages, args.database_url)).items():
        print(summary(name, samples))


if __name__ == "__main__":
    asyncio.run(main())
