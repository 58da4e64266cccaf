"""Hand-off to a person: consent, a ticket, the staff group, replies relayed back, follow-up, closing."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections import defaultdict
from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import ContextTypes

from bot import texts
from bot.channels.telegram import callbacks
from bot.channels.telegram.render import button
from bot.tickets import VIETNAM, TicketDesk, hand_over, ref, waited

log = logging.getLogger("tro_ly_so.handoff")


class Undelivered(Exception):
    """A message to a citizen on another channel (Zalo) could not be delivered."""


UNDELIVERABLE = (Forbidden, BadRequest, NetworkError, TimedOut, Undelivered)


async def to_citizen(bot_data: dict, bot, ticket: dict, text: str) -> None:
    """Send to the citizen of a ticket on the channel they asked from. Staff always answer on Telegram or
    in the console; the citizen gets it where they are. Raises one of UNDELIVERABLE."""
    channel = ticket.get("channel") or "telegram"
    if channel == "telegram":
        await bot.send_message(ticket["chat_id"], escape(text)[:4000], parse_mode="HTML")
        return
    relay = bot_data.get("relays", {}).get(channel)
    if relay is None:
        raise Undelivered(f"kênh {channel} chưa được bật")
    if not await relay(ticket["citizen"], text):
        raise Undelivered(f"kênh {channel} không gửi được")


async def post_ticket(bot, staff_chat: int, ticket: dict) -> int:
    """Post an opened ticket to the staff group with its "Đã xong" button; the post's message id."""
    suggested = ", ".join(json.loads(ticket["suggested"] or "[]")) or "—"
    post = texts.STAFF_POST.format(
        ref=ref(ticket["id"]),
        time=datetime.now(VIETNAM).strftime("%d/%m %H:%M"),
        name=ticket["first_name"] or "—",
        text=ticket["text"],
        suggested=suggested,
    )
    done = InlineKeyboardMarkup([[button(texts.STAFF_DONE, callbacks.CloseTicket(ticket["id"]))]])
    posted = await bot.send_message(staff_chat, escape(post)[:4000], parse_mode="HTML", reply_markup=done)
    return posted.message_id


def _desk(context: ContextTypes.DEFAULT_TYPE) -> TicketDesk | None:
    return context.bot_data.get("desk")


def ask_staff_button(ticket_id: int) -> InlineKeyboardButton:
    return button(texts.ASK_STAFF, callbacks.Handoff(ticket_id))


async def draft_for(
    context: ContextTypes.DEFAULT_TYPE, message: Message, text: str, suggested: list[str]
) -> int | None:
    """A draft ticket for an unanswered question, so the citizen can choose to send it."""
    desk = _desk(context)
    if desk is None or message.from_user is None:
        return None
    return await asyncio.to_thread(desk.draft, message.chat_id, message.from_user.first_name or "", text, suggested)


async def show_consent(context: ContextTypes.DEFAULT_TYPE, message: Message, ticket_id: int) -> None:
    desk = _desk(context)
    ticket = await asyncio.to_thread(desk.get, ticket_id) if desk else None
    if ticket is None or ticket["chat_id"] != message.chat_id:
        await message.reply_html(escape(texts.UNKNOWN_ENTRY))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                button(texts.CONSENT_YES, callbacks.Consent(ticket_id, True)),
                button(texts.CONSENT_NO, callbacks.Consent(ticket_id, False)),
            ]
        ]
    )
    text = texts.CONSENT.format(text=ticket["text"][:500], name=ticket["first_name"] or "—")
    await message.reply_html(escape(text), reply_markup=keyboard)


async def hotro(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/hotro [câu hỏi]: hand a question to staff at any time."""
    message = update.effective_message
    desk = _desk(context)
    if desk is None or context.bot_data.get("staff_chat_id") is None:
        await message.reply_html(escape(texts.HANDOFF_OFF))
        return
    text = " ".join(context.args or []).strip()
    if text:
        ticket_id = await draft_for(context, message, text, [])
    else:
        draft = await asyncio.to_thread(desk.latest_draft, message.chat_id)
        ticket_id = draft["id"] if draft else None
    if ticket_id is None:
        await message.reply_html(escape(texts.HOTRO_USAGE))
        return
    await show_consent(context, message, ticket_id)


async def _own_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int) -> dict[str, Any] | None:
    """The ticket a citizen's button is about, if it is theirs; else the button is answered as stale."""
    query = update.callback_query
    desk = _desk(context)
    ticket = await asyncio.to_thread(desk.get, ticket_id) if desk else None
    if ticket is None or not query.message or ticket["chat_id"] != query.message.chat_id:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return None
    return ticket


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.Consent) -> None:
    query = update.callback_query
    ticket = await _own_ticket(update, context, action.ticket_id)
    if ticket is None:
        return
    desk = _desk(context)
    await query.answer()
    if not action.yes:
        await query.message.reply_html(escape(texts.CONSENT_DECLINED))
        return
    if ticket["state"] != "draft":  # a second tap: already sent
        await query.message.reply_html(escape(texts.TICKET_SENT.format(ref=ref(ticket["id"]), expectation="")))
        return
    post = functools.partial(post_ticket, context.bot, context.bot_data["staff_chat_id"])
    said, delivered = await hand_over(desk, context.bot_data["work_hours"], post, ticket, UNDELIVERABLE)
    follow = InlineKeyboardMarkup([[button(texts.FOLLOW_UP, callbacks.FollowUp(ticket["id"]))]])
    await query.message.reply_html(escape(said), reply_markup=follow if delivered else None)


async def follow_up_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.FollowUp) -> None:
    query = update.callback_query
    ticket = await _own_ticket(update, context, action.ticket_id)
    if ticket is None:
        return
    desk = _desk(context)
    if await asyncio.to_thread(desk.want_followup, ticket["id"]):
        await query.answer()
        await query.message.reply_html(escape(texts.FOLLOW_UP_PROMPT))
    else:
        await query.answer(texts.FOLLOW_UP_USED, show_alert=True)


async def take_follow_up(context: ContextTypes.DEFAULT_TYPE, message: Message) -> bool:
    """If this citizen asked to add something to an open ticket, this message is it. True if taken."""
    desk = _desk(context)
    if desk is None:
        return False
    ticket = await asyncio.to_thread(desk.pending_followup, message.chat_id)
    if ticket is None:
        return False
    text = message.text or ""
    await asyncio.to_thread(desk.add_message, ticket["id"], "citizen", text)
    await asyncio.to_thread(desk.followup_done, ticket["id"])
    try:
        await context.bot.send_message(
            context.bot_data["staff_chat_id"],
            escape(texts.STAFF_FOLLOWUP.format(ref=ref(ticket["id"]), text=text))[:4000],
            parse_mode="HTML",
            reply_to_message_id=ticket["staff_message_id"],
        )
    except UNDELIVERABLE as exc:
        log.error("could not pass a follow-up of %s to staff: %s", ref(ticket["id"]), exc)
        await asyncio.to_thread(desk.add_note, ticket["id"], f"bổ sung chưa chuyển được: {exc}")
    await message.reply_html(escape(texts.FOLLOW_UP_SENT.format(ref=ref(ticket["id"]))))
    return True


async def staff_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In the staff group: a reply to a ticket post goes to the citizen; anything else is left alone."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if message is None or replied is None or not message.text:
        return
    if not replied.from_user or replied.from_user.id != context.bot.id:
        return  # staff talking among themselves
    desk = _desk(context)
    ticket = await asyncio.to_thread(desk.by_staff_message, replied.message_id) if desk else None
    if ticket is None:
        await message.reply_text(texts.STAFF_HINT)
        return
    if ticket["state"] == "closed":
        await message.reply_text(texts.STAFF_TICKET_CLOSED.format(ref=ref(ticket["id"])))
        return
    locks: defaultdict[int, asyncio.Lock] = context.bot_data["ticket_locks"]
    async with locks[ticket["id"]]:  # several replies reach the citizen in the order staff wrote them
        await asyncio.to_thread(desk.add_message, ticket["id"], "staff", message.text)
        await asyncio.to_thread(desk.audit, message.from_user, "trả lời người hỏi", ticket["id"])
        text = texts.STAFF_REPLY.format(ref=ref(ticket["id"]), text=message.text)
        try:
            await to_citizen(context.bot_data, context.bot, ticket, text)
        except UNDELIVERABLE as exc:
            reason = "người hỏi đã chặn trợ lý" if isinstance(exc, Forbidden) else str(exc)
            log.warning("staff reply to %s not delivered: %s", ref(ticket["id"]), exc)
            await asyncio.to_thread(desk.add_note, ticket["id"], f"trả lời chưa tới người hỏi: {reason}")
            await message.reply_text(texts.STAFF_DELIVERY_FAILED.format(ref=ref(ticket["id"]), reason=reason))


async def close_button(update: Update, context: ContextTypes.DEFAULT_TYPE, action: callbacks.CloseTicket) -> None:
    query = update.callback_query
    desk = _desk(context)
    in_staff_group = query.message is not None and query.message.chat_id == context.bot_data.get("staff_chat_id")
    ticket = await asyncio.to_thread(desk.get, action.ticket_id) if desk and in_staff_group else None
    if ticket is None:  # not from the staff group, or unknown: ordinary members cannot act as staff
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    if ticket["state"] == "closed":
        await query.answer(texts.STAFF_TICKET_CLOSED.format(ref=ref(ticket["id"])))
        return
    await asyncio.to_thread(desk.close, ticket["id"])
    await asyncio.to_thread(desk.audit, query.from_user, "đóng", ticket["id"])
    await query.answer(f"Đã đóng {ref(ticket['id'])}")
    try:
        await to_citizen(
            context.bot_data, context.bot, ticket, texts.TICKET_CLOSED_CITIZEN.format(ref=ref(ticket["id"]))
        )
    except UNDELIVERABLE as exc:
        await asyncio.to_thread(desk.add_note, ticket["id"], f"báo đóng chưa tới người hỏi: {exc}")


async def tickets_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    desk = _desk(context)
    message = update.effective_message
    if desk is None:
        await message.reply_html(escape(texts.NO_DATABASE))
        return
    active = await asyncio.to_thread(desk.active)
    if not active:
        await message.reply_html(escape(texts.TICKETS_NONE))
        return
    lines = [
        f"{ref(t['id'])} · {t['state']} · chờ {waited(t['opened'])} · {escape(t['text'][:60])}" for t in active[:30]
    ]
    await message.reply_html("\n".join(lines))
