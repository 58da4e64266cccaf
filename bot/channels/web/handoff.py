"""Hand-off to staff from the web chat: the same tickets and staff group as Telegram and Zalo.

The unanswered reply offers "Gửi câu hỏi cho cán bộ"; the citizen sees exactly what will be shared and
agrees; the ticket goes to the Telegram staff group. The web has no push, so the chat asks
``/api/replies`` now and then while a ticket of this visitor is open, and shows the staff's replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot import texts
from bot import web_pages as pages
from bot.tickets import TicketDesk, WorkingHours, hand_over, ref

log = logging.getLogger("tro_ly_so.web")
CHANNEL = "web"
ANONYMOUS = "anonymous"  # what bot/channels/web/chat.py calls a visitor with neither cookie nor tab id


@dataclass
class WebHandoff:
    desk: TicketDesk
    hours: WorkingHours
    post: Callable[[dict], Awaitable[int]]  # posts a ticket to the staff group, returns the post's id


HANDOFF = web.AppKey("web_handoff", WebHandoff)


def offer_button() -> str:
    return f'<p><button class="light" data-handoff="ask">{pages.e(texts.ASK_STAFF)}</button></p>'


async def start(request: web.Request, visitor: str, last_question: str | None) -> web.Response:
    """POST /api/handoff {"step": "ask" | "yes" | "no"}."""
    handoff: WebHandoff | None = request.app.get(HANDOFF)
    if handoff is None:
        return web.json_response({"html": pages.e(texts.HANDOFF_OFF)})
    if visitor == ANONYMOUS:  # no cookie and no tab id: replies could not reach this person, nor only them
        return web.json_response({"html": pages.e(texts.HANDOFF_NEEDS_CHAT)})
    data = await request.json() if request.can_read_body else {}
    step = str(data.get("step", "")) if isinstance(data, dict) else ""
    desk = handoff.desk
    if step == "ask":
        if not last_question:
            return web.json_response({"html": pages.e(texts.HOTRO_TEXT_USAGE.replace("HOTRO", "câu hỏi"))})
        ticket_id = await asyncio.to_thread(desk.draft, 0, "", last_question, [], CHANNEL, visitor)
        ticket = await asyncio.to_thread(desk.get, ticket_id)
        consent = texts.CONSENT_SHARED.format(text=(ticket or {}).get("text", "")[:500]).split("\n")
        buttons = (
            f'<p><button class="light" data-handoff="yes">{pages.e(texts.CONSENT_YES)}</button> '
            f'<button class="light" data-handoff="no">{pages.e(texts.CONSENT_NO)}</button></p>'
        )
        return web.json_response({"html": "".join(f"<p>{pages.e(line)}</p>" for line in consent) + buttons})
    draft = await asyncio.to_thread(desk.latest_draft_of, CHANNEL, visitor)
    if step == "no" or draft is None:
        return web.json_response({"html": pages.e(texts.CONSENT_DECLINED if step == "no" else texts.STALE_BUTTON)})
    said, delivered = await hand_over(desk, handoff.hours, handoff.post, draft)
    return web.json_response({"html": pages.e(said), "ticket": True} if delivered else {"html": pages.e(said)})


async def replies(request: web.Request, visitor: str) -> web.Response:
    """GET /api/replies?after=<id>: the staff's replies to this visitor's tickets, and their closing."""
    handoff: WebHandoff | None = request.app.get(HANDOFF)
    if handoff is None or visitor == ANONYMOUS:
        return web.json_response({"replies": [], "open": False})
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        after = 0
    rows = await asyncio.to_thread(handoff.desk.staff_replies, CHANNEL, visitor, after)
    waiting = await asyncio.to_thread(handoff.desk.waiting_for, CHANNEL, visitor)
    out = [
        {"id": r["id"], "html": pages.e(texts.STAFF_REPLY.format(ref=ref(r["ticket"]), text=r["text"]))} for r in rows
    ]
    return web.json_response({"replies": out, "open": waiting})
