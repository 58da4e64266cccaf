"""The Telegram bot: short handlers that read the update, ask the knowledge core, and reply.

Wiring (builder, handlers, error handler) is in ``build_application``, top to bottom.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from html import escape
from uuid import uuid4

from telegram import (
    BotCommand,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import deeplinks, render_text, texts
from bot.channels.telegram import callbacks, handoff
from bot.channels.telegram import render as render_telegram
from bot.config import Settings
from bot.conversation import Answer, AskBack, Choices, Conversation, NoAnswer, Notice, Place, Reply
from bot.engine import Engine, ReloadReport
from bot.flood import FloodGuard
from bot.grouping import group_questions
from bot.metrics import METRICS
from bot.records import Recorder, safely
from bot.redact import redact, user_hash
from bot.store import Store, iso
from bot.tickets import TicketDesk, WorkingHours
from knowledge import Entry, Index

log = logging.getLogger("tro_ly_so.telegram")

CHANNEL = "telegram"
TYPING_AFTER = 1.0  # seconds: shorter waits go unnoticed, and each "typing…" is one more API call
SEND_ATTEMPTS = 3  # for network failures and 5xx; RetryAfter is the rate limiter's job


# -- helpers ----------------------------------------------------------------------------------


def _index(context: ContextTypes.DEFAULT_TYPE) -> Index:
    return context.bot_data["engine"].index  # read per update: a reload swaps it


def _recorder(context: ContextTypes.DEFAULT_TYPE) -> Recorder:
    return context.bot_data["recorder"]


def _conversation(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    return context.bot_data["conversation"]


async def _send(call, *args, **kwargs):
    """Send with a few retries on transient failures. Forbidden (blocked bot) and bad requests are not
    retried: they would fail the same way again."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call(*args, **kwargs)
        except (Forbidden, BadRequest, RetryAfter):
            raise
        except (TimedOut, NetworkError):
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(0.2 * 2**attempt)
    return None


def _pages(context: ContextTypes.DEFAULT_TYPE, entry: Entry) -> tuple[str, ...]:
    return render_telegram.entry_pages(entry, context.bot_data["page_chars"])


async def _reply_entry(
    context: ContextTypes.DEFAULT_TYPE, message: Message, entry: Entry, related: tuple[Entry, ...] | None = None
) -> None:
    if related is None:
        related = tuple(_index(context).catalogue.same_topic(entry.id))
    pages = _pages(context, entry)
    await _send(
        message.reply_html,
        pages[0],
        reply_markup=render_telegram.entry_keyboard(entry, 0, len(pages), related),
        disable_web_page_preview=True,
    )


def _addressed_to_bot(message: Message, bot_id: int, username: str) -> bool:
    """Private chats always; groups only when the bot is mentioned or replied to."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return True
    mention = f"@{username}".lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.lower() == mention:
            return True
    return False


def _strip_mention(text: str, username: str) -> str:
    return text.replace(f"@{username}", " ").strip()


# -- handlers ---------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    catalogue = _index(context).catalogue
    # deep link t.me/<bot>?start=<payload>, printed as a QR code on posters (bot/deeplinks.py)
    target = deeplinks.resolve(context.args[0], catalogue) if context.args else None
    if target is not None:
        safely("deep link", deeplinks.record_open, context.bot_data["store"], CHANNEL, target)
        if target.kind == "entry":
            user = update.effective_user
            who = user.id if user else message.chat_id
            await _reply(context, message, _conversation(context).open(CHANNEL, who, target.id), "")
            return
        if target.kind == "sector":
            await _send(
                message.reply_html,
                texts.SECTOR_ENTRIES.format(title=escape(catalogue.sectors[target.id].title)),
                reply_markup=render_telegram.entry_list_keyboard(catalogue.in_sector(target.id)),
            )
            return
    await _welcome(context, message, update.effective_user)


async def _welcome(context: ContextTypes.DEFAULT_TYPE, message: Message, user: User | None) -> None:
    """The greeting with the sectors to browse: /start, and "xin chào" typed."""
    name = f", {escape(user.first_name)}" if user and user.first_name else ""
    await _send(
        message.reply_html,
        texts.GREETING.format(name=name),
        reply_markup=render_telegram.sectors_keyboard(_index(context).catalogue),
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send(update.effective_message.reply_html, texts.HELP)


async def sectors_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send(
        update.effective_message.reply_html,
        texts.SECTORS,
        reply_markup=render_telegram.sectors_keyboard(_index(context).catalogue),
    )


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = " ".join(context.args or []).strip()
    message = update.effective_message
    if not query:
        await _send(message.reply_html, escape(texts.SEARCH_USAGE))
        return
    result = _index(context).search(query, limit=7)
    found = [c.entry for c in result.ranked]
    if not found:
        await _send(message.reply_html, escape(texts.SEARCH_NONE.format(query=query)))
        return
    await _send(
        message.reply_html,
        escape(texts.SEARCH_RESULTS.format(query=query)),
        reply_markup=render_telegram.entry_list_keyboard(found),
    )


async def tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if _is_admin(update, context) or (chat and chat.id == context.bot_data.get("staff_chat_id")):
        await handoff.tickets_command(update, context)
    else:
        await help_command(update, context)


def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return bool(user and user.id in context.bot_data["admins"])


def _admin_only(handler):
    """Administrators' commands: anyone else gets the ordinary help, as for any command they may not use."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not _is_admin(update, context):
            await help_command(update, context)
            return
        await handler(update, context)

    return guarded


async def _store_or_say(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Store | None:
    store: Store | None = context.bot_data["store"]
    if store is None:
        await _send(update.effective_message.reply_html, escape(texts.NO_DATABASE))
    return store


@_admin_only
async def admin_unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    store = await _store_or_say(update, context)
    if store is None:
        return
    days = int(context.args[0]) if context.args and context.args[0].isdigit() else 7
    since = iso(datetime.now(UTC) - timedelta(days=days))
    groups = group_questions(store.questions(status="unanswered", since=since), _index(context).normalizer)
    lines = [f"<b>Câu hỏi chưa trả lời được, {days} ngày qua: {sum(g.count for g in groups)}</b>"]
    lines += [f"{g.count}× {escape(g.label[:100])}" for g in groups[:15]]
    await _send(update.effective_message.reply_html, "\n".join(lines)[:4000])


@_admin_only
async def admin_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    store = await _store_or_say(update, context)
    if store is None:
        return
    s = store.stats(30)
    by = s["by_status"]
    votes = s["helpful"] + s["not_helpful"]
    text = (
        f"<b>30 ngày qua</b>: {s['total']} câu hỏi\n"
        f"trả lời: {by.get('answered', 0)}, gợi ý: {by.get('suggested', 0)}, chưa trả lời: {by.get('unanswered', 0)}\n"
        f"góp ý hữu ích: {s['helpful']}/{votes}\n"
        f"mục trong danh mục: {len(_index(context).catalogue)}"
    )
    await _send(update.effective_message.reply_html, text)


@_admin_only
async def admin_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    report = await asyncio.to_thread(context.bot_data["engine"].reload)
    await _send(update.effective_message.reply_text, report.summary()[:4000])


async def notify_admins(application: Application, report: ReloadReport) -> None:
    """Tell every administrator what a reload did (or why it was refused)."""
    for admin in application.bot_data["admins"]:
        try:
            await application.bot.send_message(admin, report.summary()[:4000])
        except (Forbidden, BadRequest, NetworkError) as exc:
            log.warning("could not notify administrator: %s", exc)


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    if not _addressed_to_bot(message, context.bot.id, context.bot.username):
        return
    conversation = _conversation(context)
    notice = conversation.allow(CHANNEL, user.id)
    if notice is not None:
        if notice.text:
            await _send(message.reply_html, escape(notice.text))
        return
    if await handoff.take_follow_up(context, message):
        return
    text = _strip_mention(message.text, context.bot.username)
    answered = asyncio.Event()
    started = time.perf_counter()
    context.application.create_task(_typing_if_slow(context, message.chat_id, answered), update=update)
    try:
        reply = conversation.ask(CHANNEL, user.id, text)
        await _reply(context, message, reply, text)
        METRICS.reply_latency(time.perf_counter() - started)
    finally:
        answered.set()  # a typing request already on the wire finishes; one still waiting never starts


async def _typing_if_slow(context: ContextTypes.DEFAULT_TYPE, chat_id: int, answered: asyncio.Event) -> None:
    """Show "typing…" when the answer is not out within TYPING_AFTER seconds (a slow network, a busy
    rate limiter). Instant answers skip it: it would be invisible and double the API calls."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(answered.wait(), TYPING_AFTER)
        return
    with contextlib.suppress(TimedOut, NetworkError, RetryAfter, Forbidden):  # never costs the answer
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)


async def _reply(context: ContextTypes.DEFAULT_TYPE, message: Message, reply: Reply, text: str) -> None:
    """One reply of the conversation core as Telegram messages and keyboards."""
    match reply:
        case Answer(entry=entry, parts=(), carried_from=None, related=related):
            await _reply_entry(context, message, entry, related)
        case Answer(parts=()):
            pages = _pages(context, reply.entry)
            about = escape(texts.ABOUT.format(title=reply.carried_from.title)) + "\n\n"
            await _send(
                message.reply_html,
                about + pages[0],
                reply_markup=render_telegram.entry_keyboard(reply.entry, 0, len(pages), reply.related),
                disable_web_page_preview=True,
            )
        case Answer():
            await _send(
                message.reply_html,
                render_telegram.part_message(reply),
                reply_markup=render_telegram.entry_keyboard(reply.entry, 0, 1, reply.related, whole=True),
                disable_web_page_preview=True,
            )
        case Choices():
            await _send(
                message.reply_html,
                escape(texts.DID_YOU_MEAN),
                reply_markup=render_telegram.entry_list_keyboard(list(reply.entries)),
            )
        case NoAnswer():
            closest = list(reply.closest)
            rows = list(render_telegram.entry_list_keyboard(closest).inline_keyboard) if closest else []
            ticket_id = await handoff.draft_for(context, message, text, [e.title for e in closest])
            if ticket_id is not None:
                rows.append((handoff.ask_staff_button(ticket_id),))
            keyboard = InlineKeyboardMarkup(rows) if rows else None
            await _send(
                message.reply_html,
                render_telegram.not_found(reply.result, recorded=True),
                reply_markup=keyboard,
                disable_web_page_preview=True,
            )
        case AskBack():
            await _send(message.reply_html, escape(render_text.ask_back(reply)))
        case Place():
            rows = [[render_telegram.button(label[:60], callbacks.PlaceChoice(p))] for label, p in reply.choices]
            rows += [[render_telegram.button(e.title[:60], callbacks.Open(e.id))] for e in reply.related]
            if reply.offer_handoff:
                ticket_id = await handoff.draft_for(context, message, text, [])
                if ticket_id is not None:
                    rows.append([handoff.ask_staff_button(ticket_id)])
            await _send(
                message.reply_html,
                escape(reply.text)[:4000],
                reply_markup=InlineKeyboardMarkup(rows) if rows else None,
                disable_web_page_preview=True,
            )
        case Notice(kind="greeting"):
            await _welcome(context, message, message.from_user)
        case Notice(kind="not_helped"):
            # "sai rồi" after an answer: the staff ticket is about the question it answered, not "sai rồi".
            asked = message.from_user and _conversation(context).last_question(CHANNEL, message.from_user.id)
            ticket_id = await handoff.draft_for(context, message, asked, []) if asked else None
            keyboard = InlineKeyboardMarkup([[handoff.ask_staff_button(ticket_id)]]) if ticket_id else None
            await _send(message.reply_html, escape(reply.text), reply_markup=keyboard, disable_web_page_preview=True)
        case Notice():
            if reply.text:
                await _send(message.reply_html, escape(reply.text))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    action = callbacks.decode(query.data)
    catalogue = _index(context).catalogue
    match action:
        case callbacks.Open(entry_id) if entry_id in catalogue.entries:
            await query.answer()
            if query.message:
                user = update.effective_user
                reply = _conversation(context).open(
                    CHANNEL,
                    user.id if user else query.message.chat_id,
                    entry_id,
                    from_choices=query.message.text == texts.DID_YOU_MEAN,  # a tapped suggestion teaches
                )
                await _reply(context, query.message, reply, "")
        case callbacks.PlaceChoice(payload):
            await query.answer()
            if query.message:
                user = update.effective_user
                who = user.id if user else query.message.chat_id
                await _reply(context, query.message, _conversation(context).place_choice(CHANNEL, who, payload), "")
        case callbacks.Page(entry_id, page) if entry_id in catalogue.entries:
            entry = catalogue.entries[entry_id]
            pages = _pages(context, entry)
            if not 0 <= page < len(pages):
                await query.answer(texts.STALE_BUTTON, show_alert=True)
                return
            await query.answer()
            try:
                await _send(
                    query.edit_message_text,
                    pages[page],
                    parse_mode=ParseMode.HTML,
                    reply_markup=render_telegram.entry_keyboard(
                        entry, page, len(pages), tuple(catalogue.same_topic(entry.id))
                    ),
                    disable_web_page_preview=True,
                )
            except BadRequest as exc:  # "message is not modified" after a double tap
                log.info("page edit refused: %s", exc)
        case callbacks.Feedback(entry_id, helpful):
            user = update.effective_user
            _conversation(context).feedback(CHANNEL, user.id if user else 0, entry_id, helpful)
            await query.answer(texts.THANKS_HELPFUL if helpful else texts.THANKS_NOT_HELPFUL)
        case callbacks.Sector(sector_id) if sector_id in catalogue.sectors:
            await query.answer()
            if query.message:
                entries = catalogue.in_sector(sector_id)
                await _send(
                    query.message.reply_html,
                    texts.SECTOR_ENTRIES.format(title=escape(catalogue.sectors[sector_id].title)),
                    reply_markup=render_telegram.entry_list_keyboard(entries),
                )
        case callbacks.Noop():
            await query.answer()
        case callbacks.Handoff(ticket_id):
            await query.answer()
            if query.message:
                await handoff.show_consent(context, query.message, ticket_id)
        case callbacks.Consent():
            await handoff.consent(update, context, action)
        case callbacks.FollowUp():
            await handoff.follow_up_button(update, context, action)
        case callbacks.CloseTicket():
            await handoff.close_button(update, context, action)
        case _:
            await query.answer(texts.STALE_BUTTON if action is None else texts.UNKNOWN_ENTRY, show_alert=True)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    index = _index(context)
    text = query.query.strip()
    if text:
        result = index.search(text, limit=9)
        entries = [c.entry for c in result.ranked]
    else:
        entries = []
    results = [
        InlineQueryResultArticle(
            id=uuid4().hex,
            title=entry.title[:100],
            description=entry.answer.strip().splitlines()[0][:120],
            input_message_content=InputTextMessageContent(
                _pages(context, entry)[0], parse_mode=ParseMode.HTML, disable_web_page_preview=True
            ),
        )
        for entry in entries[:10]
    ]
    await _send(query.answer, results, cache_time=60, is_personal=False)


async def non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message and message.chat.type == ChatType.PRIVATE:
        await _send(message.reply_html, escape(texts.NON_TEXT))


def describe(update: object, salt: str = "") -> str:
    """An update for the logs: what happened and to whom, without personal data."""
    if not isinstance(update, Update):
        return repr(update)[:200]
    message = update.effective_message
    user = update.effective_user
    parts = [f"update_id={update.update_id}"]
    kinds = ("message", "edited_message", "channel_post", "callback_query", "inline_query")
    parts += [f"type={k}" for k in kinds if getattr(update, k, None)][:1]
    if message:
        parts.append(f"chat_type={message.chat.type}")
    if user:
        parts.append(f"user={user_hash(user.id, salt)}")
    text = (message.text if message else None) or (update.inline_query.query if update.inline_query else None)
    if text:
        parts.append(f"text={redact(text)[:200]!r}")
    if update.callback_query:
        parts.append(f"data={update.callback_query.data!r}")
    return " ".join(parts)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every failure with the update that caused it; the application keeps running."""
    error = context.error
    METRICS.error("blocked" if isinstance(error, Forbidden) else "telegram")
    summary = describe(update, context.bot_data.get("salt", ""))
    if isinstance(error, Forbidden):
        log.warning("blocked or removed by the user, not retrying: %s update=%s", error, summary)
        return
    log.error("failed to handle update %s", summary, exc_info=error)


async def post_init(application: Application) -> None:
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in texts.COMMANDS])
    except (TimedOut, NetworkError, RetryAfter) as exc:  # the menu is cosmetic; start anyway
        log.warning("could not set the command menu: %s", exc)


# -- wiring -----------------------------------------------------------------------------------


def build_application(
    settings: Settings,
    knowledge: Index | Engine,
    recorder: Recorder,
    *,
    updater: bool = True,
    store: Store | None = None,
    conversation: Conversation | None = None,
) -> Application:
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.send_rate, max_retries=3))
        .concurrent_updates(64)
        .post_init(post_init)
    )
    if not updater:  # webhook mode: our own aiohttp server feeds the update queue
        builder = builder.updater(None)
    application = builder.build()
    engine = knowledge if isinstance(knowledge, Engine) else Engine(knowledge)
    application.bot_data["engine"] = engine
    application.bot_data["conversation"] = conversation or Conversation(
        lambda: engine.index,
        recorder,
        FloodGuard(settings.flood_messages, settings.flood_seconds),
        home_province=settings.home_old_province,
    )
    application.bot_data["store"] = store
    application.bot_data["admins"] = settings.admin_ids
    application.bot_data["staff_chat_id"] = settings.staff_chat_id
    application.bot_data["desk"] = TicketDesk(store) if store is not None and settings.staff_chat_id else None
    application.bot_data["work_hours"] = WorkingHours.parse(settings.work_hours, settings.work_days)
    application.bot_data["ticket_locks"] = defaultdict(asyncio.Lock)
    application.bot_data["recorder"] = recorder
    application.bot_data["page_chars"] = settings.page_chars
    application.bot_data["salt"] = settings.user_hash_salt

    new = filters.UpdateType.MESSAGE  # edited messages and channel posts are not questions
    application.add_handler(CommandHandler("start", start, filters=new))
    application.add_handler(CommandHandler(["help", "trogiup"], help_command, filters=new))
    application.add_handler(CommandHandler("linhvuc", sectors_command, filters=new))
    application.add_handler(CommandHandler("timkiem", search_command, filters=new))
    application.add_handler(CommandHandler("unanswered", admin_unanswered, filters=new))
    application.add_handler(CommandHandler("stats", admin_stats, filters=new))
    application.add_handler(CommandHandler("reload", admin_reload, filters=new))
    if settings.staff_chat_id is not None:  # before the question handler: staff text is never a question
        staff = filters.Chat(chat_id=settings.staff_chat_id)
        application.add_handler(MessageHandler(new & staff & filters.TEXT & ~filters.COMMAND, handoff.staff_message))
    application.add_handler(CommandHandler("hotro", handoff.hotro, filters=new))
    application.add_handler(CommandHandler("tickets", tickets, filters=new))
    application.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, question))
    application.add_handler(
        MessageHandler(
            new
            & (
                filters.PHOTO
                | filters.Sticker.ALL
                | filters.VOICE
                | filters.AUDIO
                | filters.VIDEO
                | filters.VIDEO_NOTE
                | filters.ANIMATION
                | filters.Document.ALL
                | filters.LOCATION
                | filters.CONTACT
            ),
            non_text,
        )
    )
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))
    application.add_error_handler(on_error)
    return application
