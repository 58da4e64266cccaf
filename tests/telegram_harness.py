"""Run the real python-telegram-bot Application against the fake Bot API server, on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.config import Settings
from knowledge import Index, SearchResult
from tests.fake_telegram import FakeTelegram

TOKEN = "123456:TEST-token"


class MemoryRecorder:
    def __init__(self, fail: bool = False) -> None:
        self.questions: list[dict[str, Any]] = []
        self.feedbacks: list[dict[str, Any]] = []
        self.candidates: list[dict[str, Any]] = []
        self.fail = fail

    def question(self, *, channel: str, user_id: int | str, text: str, result: SearchResult) -> None:
        if self.fail:
            raise OSError("database is locked")
        self.questions.append({"channel": channel, "user_id": user_id, "text": text, "result": result})

    def feedback(self, *, channel: str, user_id: int | str, entry_id: str, helpful: bool, **extra: Any) -> None:
        if self.fail:
            raise OSError("database is locked")
        self.feedbacks.append({"user_id": user_id, "entry_id": entry_id, "helpful": helpful})

    def candidate(self, *, question: str, entry_id: str, source: str) -> None:
        self.candidates.append({"question": question, "entry_id": entry_id, "source": source})


Scenario = Callable[[FakeTelegram, Application, MemoryRecorder], Awaitable[None]]


async def run_bot(index: Index, scenario: Scenario, recorder: Any = None, store: Any = None, **settings: Any) -> None:
    fake = FakeTelegram()
    await fake.start()
    recorder = recorder or MemoryRecorder()
    config = dataclasses.replace(Settings(), telegram_token=TOKEN, telegram_api_url=fake.base_url, **settings)
    app = build_application(config, index, recorder, store=store)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        await scenario(fake, app, recorder)
    finally:
        fake.closing = True
        fake._new_update.set()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()


def play(index: Index, scenario: Scenario, timeout: float = 60, **kwargs: Any) -> None:
    asyncio.run(asyncio.wait_for(run_bot(index, scenario, **kwargs), timeout))
