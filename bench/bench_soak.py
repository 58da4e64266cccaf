"""Soak run: 20,000 updates from 2,000 simulated users through the fake Bot API server.

The real bot with the real SQLite records store. Updates arrive in waves; we report throughput, reply
latency, process memory before and after (bound: growth under 64 MiB once warm), and lost updates
(questions without a reply, or without a record). Loopback only; bounded in count and time.

Run: make soak   (or .venv/bin/python bench/bench_soak.py [--updates N --users N])
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from array import array
from collections import defaultdict, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.telegram.app import build_application
from bot.config import Settings
from bot.store import Store
from knowledge import build_index
from tests.fake_telegram import FakeTelegram

TOKEN = "123456:SOAK"
MEMORY_BOUND_MIB = 64
QUESTIONS = [
    "mất căn cước phải làm sao",
    "VNeID là gì",
    "dang ky tam tru o dau",
    "quen mk vneid",
    "giá vàng hôm nay",
    "căn cước",
    "ad ơi cho em hỏi làm giấy khai sinh cho con trên mạng được không ạ",
    "số tôi 0912 345 678, đổi số vneid thế nào",
    "<b>thử</b> & kiểm tra",
    "chuyeenr ddooir soos laf gif",
]


def rss_mib() -> float:
    """Current resident memory (Linux /proc), in MiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


async def soak(updates: int, users: int, wave: int) -> int:
    index = build_index()
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    store = Store(folder / "records.sqlite")
    fake = FakeTelegram(keep_calls=False)
    await fake.start()
    settings = dataclasses.replace(
        Settings(), telegram_token=TOKEN, telegram_api_url=fake.base_url, send_rate=0, flood_messages=10**6
    )
    app = build_application(settings, index, store, store=store)
    await app.initialize()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        for i in range(200):  # warm up caches, connections and the allocator before measuring
            fake.text(QUESTIONS[i % len(QUESTIONS)], user_id=1)
        await fake.wait_for("sendMessage", 200, timeout=120)
        store.flush()
        gc.collect()
        before = rss_mib()
        # Constant-size bookkeeping: per user, the push times not yet answered; latencies in an array.
        waiting: dict[int, deque[float]] = defaultdict(deque)
        latencies = array("d")
        unexpected = 0

        def on_send(chat_id: int, at: float) -> None:
            nonlocal unexpected
            if waiting[chat_id]:
                latencies.append((at - waiting[chat_id].popleft()) * 1000)
            else:
                unexpected += 1

        fake.on_send = on_send
        start = time.perf_counter()
        sent = 0
        while sent < updates:
            for _ in range(min(wave, updates - sent)):
                user = 10_000 + sent % users
                waiting[user].append(time.monotonic())
                fake.text(QUESTIONS[sent % len(QUESTIONS)], user_id=user)
                sent += 1
            await fake.wait_for("sendMessage", 200 + sent, timeout=600)
        elapsed = time.perf_counter() - start
        store.flush(timeout=60)
        gc.collect()
        after = rss_mib()
    finally:
        fake.closing = True
        fake._new_update.set()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()
        store.close()

    lost = sum(len(q) for q in waiting.values())
    ordered = sorted(latencies)
    with sqlite3.connect(folder / "records.sqlite") as db:
        recorded = db.execute("SELECT count(*) FROM questions").fetchone()[0] - 200
    growth = after - before
    p50, p99 = statistics.median(ordered), ordered[int(len(ordered) * 0.99)]
    print(f"{updates} updates from {users} users, waves of {wave}; real bot + SQLite records; fake API on loopback")
    print(f"  throughput               {updates / elapsed:8.0f} updates/s ({elapsed:.1f} s)")
    print(f"  reply latency p50 / p99  {p50:8.0f} / {p99:.0f} ms (a wave is queued at once)")
    print(f"  memory                   {before:8.1f} MiB before, {after:.1f} MiB after", end=" ")
    print(f"({growth:+.1f} MiB; bound {MEMORY_BOUND_MIB})")
    print(f"  lost updates             {lost:8d} unanswered, {updates - recorded} unrecorded")
    ok = lost == 0 and unexpected == 0 and recorded == updates and growth < MEMORY_BOUND_MIB
    print("held" if ok else "FAILED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--wave", type=int, default=2_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(soak(args.updates, args.users, args.wave))


if __name__ == "__main__":
    sys.exit(main())
