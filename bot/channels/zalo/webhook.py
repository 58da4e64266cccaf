"""POST /zalo/webhook: check Zalo's signature, answer 200 at once, handle the event in the background.

Zalo wants a 200 within about two seconds or it retries (and in the end disables the webhook), so the
search and the sends run in a task after the answer. Order of checks: signature (nothing is trusted
before it) → app id → repeated delivery → flood limit → the event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from aiohttp import web

from bot import texts
from bot.channels.zalo import signature
from bot.channels.zalo.client import ZaloClient
from bot.channels.zalo.events import NON_TEXT, Event, describe, parse
from bot.channels.zalo.handoff import ZaloHandoff, folded_words
from bot.channels.zalo.tokens import TokenPair, TokenStore
from bot.config import Settings
from bot.conversation import Answer, Conversation, Notice, wants_a_person
from bot.engine import Engine
from bot.metrics import METRICS
from bot.records import Recorder
from bot.render_text import render_reply
from bot.store import Store

log = logging.getLogger("tro_ly_so.zalo")
# 👍 / 👎 typed after an answer (Zalo text messages have no buttons we could confirm the format of)
FEEDBACK = {"👍": True, "huu ich": True, "👎": False, "chua dung": False}
CHANNEL = "zalo"

PATH = "/zalo/webhook"
SEEN_EVENTS = 10_000  # deliveries remembered to answer a repeated one once
DRAIN_SECONDS = 20.0  # at shutdown, how long accepted events may take to be answered


class Seen:
    """A bounded LRU of event keys."""

    def __init__(self, size: int = SEEN_EVENTS) -> None:
        self.size = size
        self._keys: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)
        return True


@dataclass
class ZaloChannel:
    settings: Settings
    engine: Engine
    recorder: Recorder
    client: ZaloClient
    conversation: Conversation
    seen: Seen = field(default_factory=Seen)
    handoff: ZaloHandoff | None = None  # set by the runner when a Telegram staff group takes tickets
    tasks: set[asyncio.Task] = field(default_factory=set)

    async def handle(self, event: Event) -> None:
        """Answer one event. Every failure is logged with the event described, never raised."""
        try:
            for text in await self.replies(event):
                if not await self.client.send_text(event.user_id, text):
                    break  # the client logged why; later pages would make no sense alone
        except Exception:
            METRICS.error("zalo")
            log.exception("failed to handle zalo %s", describe(event, self.settings.user_hash_salt))

    async def replies(self, event: Event) -> list[str]:
        if event.kind == "text":
            text = event.text[:4096]
            if self.handoff is not None:
                last = self.conversation.last_question(CHANNEL, event.user_id)
                taken = await self.handoff.take(event.user_id, text, last)
                if taken is not None:
                    return taken
            helpful = FEEDBACK.get(folded_words(text))
            answered = self.conversation.last_answer(CHANNEL, event.user_id) if helpful is not None else None
            if answered:
                self.conversation.feedback(CHANNEL, event.user_id, answered, helpful)
                return [texts.THANKS_HELPFUL if helpful else texts.THANKS_NOT_HELPFUL]
            reply = self.conversation.ask(CHANNEL, event.user_id, text)
            if isinstance(reply, Notice) and not reply.text:
                return []
            # No buttons on Zalo: choices are numbered lines the citizen answers with "1", "2", "3".
            rendered = render_reply(reply, numbered=True)
            if isinstance(reply, Answer):
                rendered += "\n\n" + texts.ZALO_FEEDBACK_HINT
            if self.handoff is not None and wants_a_person(reply):
                rendered += "\n\n" + self.handoff.offer_line()
            return [rendered]
        if event.kind in NON_TEXT:
            return [texts.NON_TEXT]
        if event.kind == "follow":
            return [texts.ZALO_GREETING]
        return []  # unfollow: Zalo does not let an OA write to someone who left


ZALO = web.AppKey("zalo", ZaloChannel)


def register_zalo_routes(
    app: web.Application,
    settings: Settings,
    engine: Engine,
    recorder: Recorder,
    store: Store | None,
    conversation: Conversation,
) -> None:
    """Serve the webhook when ZALO_APP_ID is set; otherwise do nothing."""
    if not settings.zalo_app_id:
        return
    if not settings.zalo_oa_secret_key:
        log.error("ZALO_APP_ID is set but ZALO_OA_SECRET_KEY is not: every Zalo webhook call will be refused")
    tokens = TokenStore(settings.zalo_app_id, TokenPair(settings.zalo_access_token, settings.zalo_refresh_token), store)
    app[ZALO] = ZaloChannel(settings, engine, recorder, ZaloClient(settings, tokens), conversation)
    app.router.add_post(PATH, receive)
    app.on_cleanup.append(_drain)


async def receive(request: web.Request) -> web.Response:
    channel = request.app[ZALO]
    settings = channel.settings
    header = request.headers.get(signature.HEADER, "")
    if not header:
        log.warning("zalo webhook call without a signature refused")
        return web.Response(status=401, text="signature required")
    raw = await request.read()
    # Parsed only to find the signed fields; nothing is trusted before the check. The mac covers the app id
    # Zalo put in the body, so an event for another app, validly signed, is then ignored (not refused).
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not signature.verify(
        header, str(data.get("app_id", "")), raw, str(data.get("timestamp", "")), settings.zalo_oa_secret_key
    ):
        log.warning("zalo webhook call with a wrong signature refused")
        return web.Response(status=403, text="bad signature")
    event = parse(data)
    if event.app_id != settings.zalo_app_id:
        log.info("zalo event for another app id ignored (%s)", event.name or "-")
        return web.Response(text="ignored")
    if not event.user_id or not channel.seen.first_time(event.key):
        return web.Response(text="ok")
    if event.kind not in ("follow", "unfollow"):
        notice = channel.conversation.allow(CHANNEL, event.user_id)
        if notice is not None:
            if notice.text:
                _spawn(channel, channel.client.send_text(event.user_id, notice.text))
            return web.Response(text="ok")
    _spawn(channel, channel.handle(event))
    return web.Response(text="ok")


def _spawn(channel: ZaloChannel, work) -> None:
    task = asyncio.create_task(work)
    channel.tasks.add(task)  # a strong reference until done (asyncio keeps only weak ones)
    task.add_done_callback(channel.tasks.discard)


async def _drain(app: web.Application) -> None:
    """At shutdown: answer the events already accepted, then close the HTTP session."""
    channel = app[ZALO]
    if channel.tasks:
        _, late = await asyncio.wait(set(channel.tasks), timeout=DRAIN_SECONDS)
        for task in late:
            task.cancel()
        if late:
            log.warning("stopping: %d zalo event(s) not answered in time", len(late))
    await channel.client.close()
