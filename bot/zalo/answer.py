"""What to say to a Zalo citizen, as plain texts: the seam the conversation core will replace.

``reply_texts`` searches the catalogue, records the question (channel "zalo"), and renders the result for
a channel without buttons: choices become numbered lines "1. …" the citizen answers with "1", "2", "3";
links stay plain official URLs (render_text already writes them so). Kept to one function on purpose:
the lead's bot/conversation/ core takes its place.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot import texts
from bot.engine import Engine
from bot.metrics import METRICS
from bot.records import Recorder, safely
from bot.render_text import render_entry
from knowledge import SearchResult, Status

CHANNEL = "zalo"
PENDING_SECONDS = 15 * 60  # a numbered list can be answered for this long
MAX_PENDING = 10_000  # users with an open list; the oldest are forgotten first


@dataclass(frozen=True)
class Offer:
    expires: float
    question: str
    entry_ids: tuple[str, ...]
    learn: bool  # a pick from "Có phải bạn muốn hỏi" teaches a phrasing, as a tap on Telegram does


class PendingChoices:
    """The last numbered list shown to each user, with an expiry; bounded in memory."""

    def __init__(self, ttl: float = PENDING_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._offers: OrderedDict[str, Offer] = OrderedDict()

    def offer(self, user_id: str, question: str, entry_ids: list[str], learn: bool) -> None:
        self._offers.pop(user_id, None)
        if entry_ids:
            self._offers[user_id] = Offer(self.clock() + self.ttl, question, tuple(entry_ids), learn)
            while len(self._offers) > MAX_PENDING:
                self._offers.popitem(last=False)

    def pick(self, user_id: str, number: int) -> tuple[Offer, str] | None:
        held = self._offers.get(user_id)
        if held is None or held.expires < self.clock():
            self._offers.pop(user_id, None)
            return None
        if not 1 <= number <= len(held.entry_ids):
            return None
        return held, held.entry_ids[number - 1]

    def forget(self, user_id: str) -> None:
        self._offers.pop(user_id, None)


class AnswerContext(Protocol):
    engine: Engine
    recorder: Recorder
    pending: PendingChoices


def _numbered(titles: list[str]) -> list[str]:
    numbers = ", ".join(str(i) for i in range(1, len(titles) + 1))
    return [f"{i}. {title}" for i, title in enumerate(titles, 1)] + ["", texts.ZALO_PICK.format(numbers=numbers)]


def render(result: SearchResult) -> tuple[str, list[str]]:
    """The reply text and the entry ids it numbers (empty when there is nothing to pick)."""
    if result.status is Status.ANSWERED and result.best:
        return render_entry(result.best.entry), []
    if result.status is Status.SUGGESTED:
        entries = [c.entry for c in result.choices]
        return "\n".join([texts.DID_YOU_MEAN, *_numbered([e.title for e in entries])]), [e.id for e in entries]
    entries = [c.entry for c in result.suggestions]
    lines = [f"{texts.NOT_FOUND} {texts.RECORDED}"]
    if entries:
        lines += ["", texts.CLOSEST, *_numbered([e.title for e in entries])]
    lines += ["", texts.HUMAN_HELP]
    return "\n".join(lines), [e.id for e in entries]


async def reply_texts(app_context: AnswerContext, user_id: str, text: str) -> list[str]:
    """The messages to send for what a citizen typed (each may still be paged by the client)."""
    text = text.strip()[:4096]
    if not text:
        return [texts.EMPTY_QUESTION]
    index = app_context.engine.index
    if text.isdecimal():  # isdigit() would let "²" through to int()
        picked = app_context.pending.pick(user_id, int(text))
        if picked is not None:
            offer, entry_id = picked
            entry = index.catalogue.entries.get(entry_id)
            if entry is None:  # the catalogue was reloaded since
                return [texts.UNKNOWN_ENTRY]
            if offer.learn:
                record = app_context.recorder.candidate
                safely("candidate", record, question=offer.question, entry_id=entry_id, source="tap")
            return [render_entry(entry)]
    started = time.perf_counter()
    result = index.search(text)
    METRICS.question(CHANNEL, result.status.value)
    safely("question", app_context.recorder.question, channel=CHANNEL, user_id=user_id, text=text, result=result)
    reply, numbered = render(result)
    app_context.pending.offer(user_id, text, numbered, learn=result.status is Status.SUGGESTED)
    METRICS.reply_latency(time.perf_counter() - started)
    return [reply]
