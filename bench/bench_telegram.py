"""Bot throughput and reply latency through the fake Bot API server, next to a minimal PTB echo bot.

Both run the real python-telegram-bot Application, long-polling the same kind of fake server on
127.0.0.1, with the same concurrency. N updates from N different users are queued at once; we time
until every one is answered. The echo bot is the framework's floor: what a bot that does nothing
costs. Target: our bot at ≥ 70% of its throughput.

Run: make bench   (or .venv/bin/python bench/bench_telegram.py [--updates N])
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.channels.telegram.app import build_application
from bot.config import Settings
from bot.records import LogRecorder
from knowledge import build_index
from tests.fake_telegram import FakeTelegram

TOKEN = "123456:BENCH"
QUESTIONS = [
    "mất căn cước phải làm sao",
    "VNeID là gì",
    "dang ky tam tru o dau",
    "quen mk vneid",
    "giá vàng hôm nay",
    "căn cước",
    "ad ơi cho em hỏi làm giấy khai sinh cho con trên mạng được không ạ",
    "ko có điện thoại thông minh có làm dvc dc ko",
]
CONCURRENCY = 64


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def echo_bot(base_url: str) -> Application:
    app = ApplicationBuilder().token(TOKEN).base_url(base_url).concurrent_updates(CONCURRENCY).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def one_at_a_time(make_app, questions: int = 100) -> tuple[float, float]:
    """(p50 ms, p99 ms) round trip when a single citizen asks and waits: no queueing."""
    fake = FakeTelegram()
    await fake.start()
    app: Application = make_app(fake.base_url)
    await app.initialize()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        samples = []
        for i in range(questions + 5):
            start = time.perf_counter()
            fake.text(QUESTIONS[i % len(QUESTIONS)], user_id=1)
            await fake.wait_for("sendMessage", i + 1, timeout=30)
            if i >= 5:  # warm-up
                samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]
    finally:
        fake.closing = True
        fake._new_update.set()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


async def measure(make_app, updates: int) -> tuple[float, float, float]:
    """(updates per second, p50 ms, p99 ms) for ``updates`` questions from as many users."""
    fake = FakeTelegram()
    await fake.start()
    app: Application = make_app(fake.base_url)
    await app.initialize()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        fake.text("warm up", user_id=1)
        await fake.wait_for("sendMessage", chat_id=1, timeout=30)
        pushed: dict[int, float] = {}
        start = time.perf_counter()
        for i in range(updates):
            user = 100_000 + i
            pushed[user] = time.perf_counter()
            fake.text(QUESTIONS[i % len(QUESTIONS)], user_id=user)
        await fake.wait_for("sendMessage", updates + 1, timeout=600)
        elapsed = time.perf_counter() - start
        answered = {int(c.params["chat_id"]): c.at for c in fake.sent("sendMessage") if int(c.params["chat_id"]) != 1}
        # Call.at is time.monotonic(); convert push times to the same clock.
        offset = time.monotonic() - time.perf_counter()
        latencies = sorted((answered[u] - (t + offset)) * 1000 for u, t in pushed.items())
        return updates / elapsed, statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
    finally:
        fake.closing = True
        fake._new_update.set()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


async def main_async(updates: int) -> int:
    index = build_index()
    settings = dataclasses.replace(Settings(), telegram_token=TOKEN, send_rate=0, flood_messages=10**6)

    def ours(base_url: str) -> Application:
        return build_application(
            dataclasses.replace(settings, telegram_api_url=base_url), index, LogRecorder(), updater=True
        )

    echo_rate, echo_p50, echo_p99 = await measure(echo_bot, updates)
    our_rate, our_p50, our_p99 = await measure(ours, updates)
    echo_idle = await one_at_a_time(echo_bot)
    our_idle = await one_at_a_time(ours)
    print(
        f"{updates} updates from {updates} users, queued at once; concurrency {CONCURRENCY}; fake Bot API on 127.0.0.1"
    )
    print(f"  {'':<26} {'ours':>18} {'PTB echo bot':>18}")
    print(f"  {'updates per second':<26} {our_rate:>18.0f} {echo_rate:>18.0f}")
    ours_latency, echo_latency = f"{our_p50:.0f} / {our_p99:.0f} ms", f"{echo_p50:.0f} / {echo_p99:.0f} ms"
    print(f"  {'burst latency p50 / p99':<26} {ours_latency:>18} {echo_latency:>18}")
    ours_idle, echo_idle_s = f"{our_idle[0]:.1f} / {our_idle[1]:.1f} ms", f"{echo_idle[0]:.1f} / {echo_idle[1]:.1f} ms"
    print(f"  {'one citizen p50 / p99':<26} {ours_idle:>18} {echo_idle_s:>18}")
    share = our_rate / echo_rate
    print(f"\nOurs at {share:.0%} of the echo bot's throughput (target ≥ 70%): {'met' if share >= 0.7 else 'MISSED'}")
    print("Ours also searches the catalogue, renders HTML with keyboards and writes a record for every question.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(main_async(args.updates))


if __name__ == "__main__":
    sys.exit(main())
