"""Running the Telegram bot: long polling, or a webhook on the project's aiohttp server.

Both shut down gracefully on SIGTERM/SIGINT: no new updates are accepted, every update already
accepted is answered, then the process exits.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import signal
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import Settings

log = logging.getLogger("tro_ly_so.runner")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_routes(application: Application, secret: str, path: str) -> web.Application:
    """An aiohttp app whose POST ``path`` puts Telegram's updates on the application's queue."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json(loads=json.loads)
            update = Update.de_json(data, application.bot)
        except Exception:  # malformed JSON or not an update: tell the sender, keep serving
            log.warning("malformed webhook body rejected")
            return web.Response(status=400, text="bad update")
        if update is None:
            return web.Response(status=400, text="bad update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    return app


async def serve_webhook(
    settings: Settings, application: Application, stop: asyncio.Event | None = None, register: bool = True
) -> None:
    """Serve until ``stop`` is set (by SIGTERM/SIGINT when not given), then drain and shut down."""
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    path = urlsplit(settings.webhook_url).path or "/telegram"
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    await application.start()
    if register:
        await application.bot.set_webhook(
            url=settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
    runner = web.AppRunner(webhook_routes(application, secret, path), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("webhook listening on %s:%s%s", settings.host, settings.port, path)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: no new updates accepted, answering the accepted ones")
    await runner.cleanup()  # stop accepting; requests in flight finish first
    await application.stop()  # processes everything already on the queue
    await application.shutdown()


def run_telegram(settings: Settings, application: Application) -> None:
    if settings.webhook_url:
        asyncio.run(serve_webhook(settings, application))
    else:
        # run_polling stops on SIGINT/SIGTERM/SIGABRT and answers pending updates before exiting.
        application.run_polling(allowed_updates=Update.ALL_TYPES)
