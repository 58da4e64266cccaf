"""What ``make run`` starts: the web server (chat and console), and the Telegram bot when a token is set.

The bot long-polls, or receives a webhook on the same aiohttp server. On SIGTERM/SIGINT no new updates
are accepted, every update already accepted is answered, records are flushed, then the process exits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import functools
import hmac
import json
import logging
import secrets
import signal
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import weekly
from bot.channels.telegram.app import build_application, notify_admins
from bot.channels.telegram.handoff import post_ticket
from bot.channels.web.handoff import HANDOFF as WEB_HANDOFF
from bot.channels.web.handoff import WebHandoff
from bot.channels.zalo.handoff import ZaloHandoff
from bot.channels.zalo.webhook import ZALO
from bot.config import Settings
from bot.conversation import Conversation
from bot.engine import Engine, ReloadReport, watch
from bot.flood import FloodGuard
from bot.records import LogRecorder, Recorder
from bot.store import Store
from bot.tickets import TicketDesk, WorkingHours
from bot.web import build_web_app

log = logging.getLogger("tro_ly_so.runner")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class PortBusy(Exception):
    """The web server's address is taken (a second `make run`, or another program)."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"{host}:{port} is in use")
        self.host, self.port = host, port


def add_webhook_route(app: web.Application, application: Application, secret: str, path: str) -> None:
    """POST ``path`` puts Telegram's updates on the application's queue, if the secret matches."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            update = Update.de_json(await request.json(loads=json.loads), application.bot)
        except Exception:  # malformed JSON or not an update: tell the sender, keep serving
            log.warning("malformed webhook body rejected")
            return web.Response(status=400, text="bad update")
        if update is None:
            return web.Response(status=400, text="bad update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    app.router.add_post(path, receive)


def open_store(settings: Settings) -> Store | None:
    try:
        return Store(settings.database_path, settings.user_hash_salt, settings.retention_days)
    except Exception:
        log.exception("records database %s unusable; questions go to the log only", settings.database_path)
        return None


async def _stored_for_the_web_chat(citizen: str, text: str) -> bool:
    """The web chat has no push: staff replies are already stored on the ticket and fetched by the chat."""
    return True


async def _every(seconds: float, job: Callable[[], int | list[int]], done: str) -> None:
    """Run a blocking maintenance job in a thread now and every ``seconds``; a failure is logged, not fatal."""
    while True:
        try:
            result = await asyncio.to_thread(job)
            count = len(result) if isinstance(result, list) else result
            if count:
                log.info(done, count)
        except Exception:
            log.exception("maintenance job failed: %s", done)
        await asyncio.sleep(seconds)


async def serve(
    settings: Settings,
    engine: Engine,
    store: Store | None = None,
    stop: asyncio.Event | None = None,
    register_webhook: bool = True,
) -> None:
    """Run until ``stop`` is set (by SIGTERM/SIGINT when not given), then drain and shut down."""
    recorder: Recorder = store or LogRecorder(settings.user_hash_salt)
    # One conversation core for every channel: the same answers, records, follow-ups and flood limits.
    conversation = Conversation(
        lambda: engine.index,
        recorder,
        FloodGuard(settings.flood_messages, settings.flood_seconds),
        home_province=settings.home_old_province,
    )
    web_app = build_web_app(settings, engine, recorder, store, conversation)
    application: Application | None = None
    if settings.telegram_token:
        webhook = bool(settings.webhook_url)
        application = build_application(
            settings, engine, recorder, updater=not webhook, store=store, conversation=conversation
        )
        if webhook:
            secret = settings.webhook_secret or secrets.token_urlsafe(32)
            path = urlsplit(settings.webhook_url).path or "/telegram"
            add_webhook_route(web_app, application, secret, path)
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.start()
        if webhook and register_webhook:
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
            )
        elif not webhook:
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)

    if application and store is not None and settings.staff_chat_id is not None:
        # Citizens of every channel are handed to the one staff group on Telegram; staff replies go back on
        # the citizen's channel (Zalo: sent; web chat: stored on the ticket, fetched by the chat).
        post = functools.partial(post_ticket, application.bot, settings.staff_chat_id)
        hours = WorkingHours.parse(settings.work_hours, settings.work_days)
        relays = application.bot_data.setdefault("relays", {})
        web_app[WEB_HANDOFF] = WebHandoff(TicketDesk(store), hours, post)
        relays["web"] = _stored_for_the_web_chat
        if ZALO in web_app:
            zalo = web_app[ZALO]
            relays["zalo"] = zalo.client.send_text
            zalo.handoff = ZaloHandoff(TicketDesk(store), hours, post)

    runner = web.AppRunner(web_app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port).start()
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        await runner.cleanup()
        if application:
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()
            await application.shutdown()
        raise PortBusy(settings.host, settings.port) from exc
    log.info("web chat and console on http://%s:%s", settings.host, settings.port)

    async def tell(report: ReloadReport) -> None:
        log.info(report.summary())
        if application:
            await notify_admins(application, report)

    tasks = [asyncio.create_task(watch(engine, tell))]
    if store:
        tasks.append(asyncio.create_task(_every(86400, store.purge, "retention: %d old record(s) removed")))
        if settings.staff_chat_id is not None:
            desk = TicketDesk(store)
            close_idle = functools.partial(desk.close_stale, settings.ticket_idle_hours)
            tasks.append(asyncio.create_task(_every(600, close_idle, "closed %d idle ticket(s)")))
    tasks += weekly.start(settings, engine, store, application)  # Monday 08:00 report to administrators
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        log.info("stopping: no new updates accepted, answering the accepted ones")
        for task in tasks:
            task.cancel()
        await runner.cleanup()  # stop accepting; requests in flight finish first
        if application:
            if application.updater and application.updater.running:
                await application.updater.stop()
            await application.stop()  # processes everything already on the queue
            await application.shutdown()
        if store:
            await asyncio.to_thread(store.close)


def banner(settings: Settings) -> str:
    url = f"http://{settings.host}:{settings.port}"
    lines = [
        f"Trợ lý số đang chạy: {url}  (trò chuyện trên web)",
        f"Bảng quản trị: {url}/admin  — mã ADMIN_TOKEN (chỉ để tạo tài khoản quản trị đầu tiên): "
        f"{settings.admin_token}",
    ]
    if settings.telegram_token:
        mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
        lines.append(f"Telegram: đã bật ({mode}).")
    else:
        lines.append("Telegram: chưa bật. Đặt TELEGRAM_BOT_TOKEN=<mã từ @BotFather> rồi chạy lại `make run`.")
    if settings.zalo_app_id:
        lines.append(f"Zalo OA: đã bật — webhook {url}/zalo/webhook (đăng ký địa chỉ https công khai tương ứng).")
    lines.append("Dừng: Ctrl+C.")
    return "\n".join(lines)


def run(settings: Settings, engine: Engine) -> None:
    if not settings.admin_token:
        settings = dataclasses.replace(settings, admin_token=secrets.token_urlsafe(12))
    print(banner(settings), flush=True)
    asyncio.run(_run(settings, engine))


async def _run(settings: Settings, engine: Engine) -> None:
    store = await asyncio.to_thread(open_store, settings)
    await serve(settings, engine, store)
