"""Zalo webhook throughput against our fake Zalo API, next to two floors measured in the same run.

Every run is on 127.0.0.1 only and bounded (count and time). N signed ``user_send_text`` events from N
different citizens are posted to the webhook, at most CONCURRENCY at a time, the way Zalo's servers
would call it. We time until every call is acknowledged (200) and until every answer has reached the
fake Zalo API (POST /v3.0/oa/message/cs).

- floor 1, "verify + 200": a bare aiohttp handler that checks the signature and answers 200;
- floor 2, "verify + echo": the same, then echoes the text to the fake API from a background task;
- ours: the real web app (bot/web.py with ZALO_APP_ID set): signature, app id, duplicates, flood limit,
  catalogue search, record in SQLite, plain-text rendering, paging, send through the OA client.

Run: make bench   (or .venv/bin/python bench/bench_zalo.py [--events N])
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from bench_telegram import QUESTIONS as TELEGRAM_QUESTIONS  # bench/ is on the path when run as a script

from bot.channels.zalo import signature
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from knowledge import build_index
from tests.fake_zalo import OA_SECRET_KEY, FakeZalo, webhook, zalo_settings

QUESTIONS = TELEGRAM_QUESTIONS  # the same citizens' questions as the Telegram bench
CONCURRENCY = 32
TIME_LIMIT = 120.0  # seconds per measurement, whatever N is


def floor_app(fake: FakeZalo, echo: bool) -> web.Application:
    """A webhook that does the least a correct receiver must: check the signature (and maybe echo)."""
    tasks: set[asyncio.Task] = set()
    session: dict[str, aiohttp.ClientSession] = {}

    async def send(user: str, text: str) -> None:
        if "s" not in session:
            session["s"] = aiohttp.ClientSession()
        body = {"recipient": {"user_id": user}, "message": {"text": text}}
        async with session["s"].post(f"{fake.url}/v3.0/oa/message/cs", json=body, headers={"access_token": "at-1"}):
            pass

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        data = json.loads(raw)
        header = request.headers.get(signature.HEADER, "")
        if not signature.verify(header, str(data["app_id"]), raw, str(data["timestamp"]), OA_SECRET_KEY):
            return web.Response(status=403)
        if echo:
            task = asyncio.create_task(send(data["sender"]["id"], data["message"]["text"]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return web.Response(text="ok")

    async def close(app: web.Application) -> None:
        if tasks:
            await asyncio.wait(set(tasks), timeout=10)
        if "s" in session:
            await session["s"].close()

    app = web.Application()
    app.router.add_post("/zalo/webhook", receive)
    app.on_cleanup.append(close)
    return app


async def measure(make_app: Callable[[FakeZalo], web.Application], events: int) -> tuple[float, float, float]:
    """(acknowledged per second, answered per second (0 when nothing is sent), p50 ack ms)."""
    fake = FakeZalo(keep_calls=False)
    await fake.start()
    runner = web.AppRunner(make_app(fake), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/zalo/webhook"  # type: ignore[union-attr]
    calls = [
        webhook("user_send_text", str(9_000_000 + i), text=QUESTIONS[i % len(QUESTIONS)], msg_id=f"b{i}")
        for i in range(events + 1)
    ]
    gate = asyncio.Semaphore(CONCURRENCY)
    acks: list[float] = []
    try:
        async with aiohttp.ClientSession() as client:

            async def call(raw: bytes, headers: dict[str, str]) -> None:
                async with gate:
                    started = time.perf_counter()
                    async with client.post(url, data=raw, headers=headers) as response:
                        assert response.status == 200, response.status
                    acks.append((time.perf_counter() - started) * 1000)

            await call(*calls[0])  # warm-up: first search, first connection
            sends = make_app is not floor_verify
            if sends:
                await fake.wait_sent(1, timeout=30)
            acks.clear()
            start = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(call(*c) for c in calls[1:])), TIME_LIMIT)
            acked = time.perf_counter() - start
            answered_rate = 0.0
            if sends:
                await fake.wait_sent(events + 1, timeout=TIME_LIMIT)
                answered_rate = events / (time.perf_counter() - start)
        return events / acked, answered_rate, statistics.median(acks)
    finally:
        await runner.cleanup()
        await fake.stop()


def floor_verify(fake: FakeZalo) -> web.Application:
    return floor_app(fake, echo=False)


def floor_echo(fake: FakeZalo) -> web.Application:
    return floor_app(fake, echo=True)


async def main_async(events: int) -> int:
    index = build_index()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite")

        def ours(fake: FakeZalo) -> web.Application:
            return build_web_app(zalo_settings(fake), Engine(index), store, store)

        rows: list[tuple[str, tuple[float, float, float]]] = []
        for name, make in (("verify + 200", floor_verify), ("verify + echo", floor_echo), ("ours", ours)):
            rows.append((name, await measure(make, events)))
        store.close()
    print(f"Zalo webhook: {events} signed text events from {events} citizens, {CONCURRENCY} at a time, 127.0.0.1")
    print(f"  {'':<16} {'acknowledged/s':>15} {'answered/s':>12} {'p50 ack':>9}")
    for name, (ack_rate, answer_rate, p50) in rows:
        answered = f"{answer_rate:.0f}" if answer_rate else "–"
        print(f"  {name:<16} {ack_rate:>15.0f} {answered:>12} {p50:>7.1f}ms")
    ours_row, echo_row = rows[2][1], rows[1][1]
    print(
        f"\nOurs answers at {ours_row[1] / echo_row[1]:.0%} of the echo floor and acknowledges at "
        f"{ours_row[0] / rows[0][1][0]:.0%} of the bare signature check."
    )
    print("Ours also searches the catalogue, records every question in SQLite and renders plain text.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(main_async(min(args.events, 20_000)))


if __name__ == "__main__":
    sys.exit(main())
