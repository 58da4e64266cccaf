"""Console page "Áp phích QR" (/admin/posters): choose the whole assistant, a sector or one entry, see the
poster, download it as PDF (to print) or PNG (for social media). Behind the console's login like every
/admin page (bot/web.py's middleware); downloads are GETs that change nothing, so they need no CSRF token.

The bot's username comes from Telegram's getMe (python-telegram-bot's Bot, against TELEGRAM_API_URL),
asked once and kept for an hour: the web server does not own the running Application.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from telegram import Bot
from telegram.error import TelegramError

from bot import posters
from bot import web_pages as pages
from bot.config import Settings
from bot.deeplinks import WHOLE, Target
from bot.web import CSRF, ENGINE, SETTINGS, STORE, html
from knowledge import Catalogue

log = logging.getLogger("tro_ly_so.posters")

USERNAME_TTL = 3600.0  # seconds; a bot is renamed rarely, and a restart asks again
_usernames: dict[tuple[str, str], tuple[float, str]] = {}

NO_TOKEN = (
    "Chưa có TELEGRAM_BOT_TOKEN nên chưa biết tên bot Telegram để làm mã QR. Hãy đặt biến này (mã của bot "
    "lấy từ @BotFather) rồi chạy lại trợ lý. Dòng lệnh cũng làm được: python -m bot poster --bot-username TÊN_BOT."
)
NO_USERNAME = "Không hỏi được Telegram tên của bot (getMe): {error}. Kiểm tra TELEGRAM_BOT_TOKEN và mạng, rồi tải lại."


class UsernameUnavailable(Exception):
    """No token, or Telegram did not answer getMe; the message is for staff, in Vietnamese."""


async def bot_username(settings: Settings) -> str:
    """The bot's @username from Telegram's getMe, cached for USERNAME_TTL seconds."""
    if not settings.telegram_token:
        raise UsernameUnavailable(NO_TOKEN)
    key = (settings.telegram_token, settings.telegram_api_url)
    cached = _usernames.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        async with Bot(settings.telegram_token, base_url=settings.telegram_api_url) as bot:  # initialize = getMe
            username = bot.username
    except TelegramError as exc:
        log.warning("getMe failed: %s", exc)
        raise UsernameUnavailable(NO_USERNAME.format(error=exc)) from exc
    _usernames[key] = (time.monotonic() + USERNAME_TTL, username)
    return username


def content(settings: Settings, catalogue: Catalogue, target: Target, username: str) -> posters.PosterContent:
    return posters.poster_content(
        target,
        catalogue,
        bot_username=username,
        office_name=settings.office_name,
        web_chat_url=settings.public_web_chat_url,
        zalo_link=settings.zalo_oa_link,
    )


def _target(request: web.Request) -> Target:
    return Target.from_key(request.query.get("target", "all")[:120]) or WHOLE


def _options(catalogue: Catalogue, chosen: Target) -> str:
    def option(target: Target, label: str) -> str:
        selected = " selected" if target == chosen else ""
        return f'<option value="{pages.e(target.key)}"{selected}>{pages.e(label)}</option>'

    groups = [option(WHOLE, "Toàn bộ trợ lý (mọi câu hỏi)")]
    sectors = "".join(option(Target("sector", s.id), s.title) for s in catalogue.sectors.values())
    groups.append(f'<optgroup label="Một lĩnh vực">{sectors}</optgroup>')
    for sector in catalogue.sectors.values():
        entries = "".join(option(Target("entry", x.id), x.title) for x in catalogue.in_sector(sector.id))
        if entries:
            groups.append(f'<optgroup label="Một mục – {pages.e(sector.title)}">{entries}</optgroup>')
    return "".join(groups)


def missing_settings(settings: Settings) -> list[str]:
    """What staff may still want to set for a complete poster."""
    notes = []
    if not settings.office_name:
        notes.append("Chưa đặt OFFICE_NAME: áp phích chưa ghi tên xã, phường.")
    if not posters.public_address(settings.public_web_chat_url):
        notes.append(
            f"Địa chỉ trò chuyện trên web ({settings.public_web_chat_url}) là của chính máy này, điện thoại người "
            "dân không mở được: đặt WEB_CHAT_URL (địa chỉ công khai) để áp phích có dòng hỏi trên web."
        )
    if not settings.zalo_oa_link:
        notes.append("Chưa đặt ZALO_OA_LINK: áp phích không có dòng Zalo.")
    return notes


def _opens_table(request: web.Request, catalogue: Catalogue) -> str:
    store = request.app[STORE]
    if not hasattr(store, "poster_opens"):
        return ""
    rows = []
    for r in store.poster_opens(30):
        if r["kind"] == "all":
            label = "Toàn bộ trợ lý"
        elif r["kind"] == "sector":
            sector = catalogue.sectors.get(r["target"])
            label = f"Lĩnh vực: {sector.title if sector else r['target']}"
        else:
            entry = catalogue.entries.get(r["target"])
            label = entry.title if entry else r["target"]
        rows.append(f"<tr><td>{pages.e(label)}</td><td>{pages.e(r['channel'])}</td><td>{r['n']}</td></tr>")
    body = "".join(rows) or '<tr><td colspan="3" class="muted">Chưa có lượt mở nào.</td></tr>'
    return (
        '<div class="card"><h3>Lượt mở từ mã QR, 30 ngày qua</h3><table id="opens">'
        f"<tr><th>Áp phích</th><th>Kênh</th><th>Số lượt</th></tr>{body}</table></div>"
    )


async def posters_page(request: web.Request) -> web.Response:
    settings: Settings = request.app[SETTINGS]
    catalogue = request.app[ENGINE].index.catalogue
    target = _target(request)
    body = (
        '<form method="get" class="card"><label for="target">Áp phích cho</label> '
        '<select id="target" name="target" style="font-size:1rem;padding:.4rem;max-width:100%">'
        f"{_options(catalogue, target)}</select>"
        '<p><button type="submit">Xem áp phích</button></p></form>'
    )
    try:
        username = await bot_username(settings)
        link = content(settings, catalogue, target, username).telegram_link
    except (UsernameUnavailable, posters.PosterError) as exc:
        body += f'<p class="warn" id="missing">{pages.e(exc)}</p>'
    else:
        query = f"?target={pages.e(target.key)}"
        body += (
            '<div class="card"><p>Mã QR mở: <code id="link">'
            f"{pages.e(link)}</code></p>"
            f'<p><a id="pdf" href="/admin/posters/poster.pdf{query}">Tải PDF (A4, để in)</a> · '
            f'<a id="png" href="/admin/posters/poster.png{query}" download>Tải PNG (đăng mạng xã hội)</a></p>'
            f'<img id="preview" src="/admin/posters/poster.png{query}" alt="Áp phích" '
            'style="max-width:100%;width:24rem;border:1px solid #ccc"></div>'
        )
    notes = "".join(f'<li class="muted">{pages.e(n)}</li>' for n in missing_settings(settings))
    if notes:
        body += f'<div class="card"><ul id="notes">{notes}</ul></div>'
    body += _opens_table(request, catalogue)
    return html(pages.page("Áp phích QR", body, request[CSRF]))


async def poster_file(request: web.Request) -> web.Response:
    fmt = request.match_info["fmt"]
    settings: Settings = request.app[SETTINGS]
    target = _target(request)
    try:
        username = await bot_username(settings)
        poster = content(settings, request.app[ENGINE].index.catalogue, target, username)
    except (UsernameUnavailable, posters.PosterError) as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc
    data = await asyncio.to_thread(posters.render, poster, fmt)  # ~0.1-0.3 s of CPU: off the event loop
    name = posters.file_name(target, fmt)
    return web.Response(
        body=data,
        content_type="application/pdf" if fmt == "pdf" else "image/png",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def register_poster_routes(app: web.Application) -> None:
    app.router.add_get("/admin/posters", posters_page)
    app.router.add_get("/admin/posters/poster.{fmt:pdf|png}", poster_file)
