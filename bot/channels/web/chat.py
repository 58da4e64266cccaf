"""The citizen web chat page, its embed mode, and the one-line widget for commune portals.

A portal adds ``<script src="https://<assistant>/widget.js" async></script>``; the script shows a chat
button that opens ``/embed`` (the same chat page, compact) in an iframe. Only origins listed in
EMBED_ORIGINS may frame ``/embed`` (CSP ``frame-ancestors``); every other page keeps
``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``. The iframe talks only to its own origin, so no
CORS header is needed anywhere (widget.js is a plain script, which browsers load cross-origin).

The page carries no inline script (the CSP forbids it): its texts travel to ``chat.js`` as data
attributes, and the whole chat is escaped here or on the server's JSON answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot import texts
from bot.web_pages import choice_buttons, e
from knowledge import Catalogue

log = logging.getLogger("tro_ly_so.web")

STATIC = Path(__file__).resolve().parents[2] / "static"  # bot/static, beside the console's
CATALOGUE = web.AppKey("chat_catalogue", object)  # () -> Catalogue: the index is replaced on reload
EMBED_ANCESTORS = web.AppKey("embed_ancestors", str)

# An origin as CSP writes it: scheme://host[:port], the host maybe starting with "*." — nothing that
# could end the directive or add another one.
_ORIGIN = re.compile(r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?")


def parse_origins(raw: str) -> tuple[str, ...]:
    """EMBED_ORIGINS ("https://a.gov.vn, https://b.gov.vn") as CSP sources; anything else is dropped
    with a warning (a trailing slash is forgiven)."""
    origins = []
    for item in raw.replace(" ", ",").split(","):
        origin = item.strip().lower().rstrip("/")
        if not origin:
            continue
        if _ORIGIN.fullmatch(origin):
            origins.append(origin)
        else:
            log.warning("EMBED_ORIGINS: %r is not an origin like https://xa.example.gov.vn; ignored", item)
    return tuple(dict.fromkeys(origins))


def embed_csp(base_csp: str, origins: tuple[str, ...]) -> str:
    """The page CSP with frame-ancestors opened to our own origin and the configured ones only."""
    ancestors = " ".join(("'self'", *origins))
    return re.sub(r"frame-ancestors [^;]*", f"frame-ancestors {ancestors}", base_csp)


# In a portal's frame the chat is a third-party page: its SameSite=Strict cookie is never sent, so
# every embedded citizen would be one "anonymous" visitor, sharing follow-up context and the
# per-visitor flood limit. chat.js sends a random id per browser tab instead; the cookie wins when
# present. An id proves nothing (neither does a cookie): the per-address limit is what stops scripts.
VISITOR_HEADER = "X-Chat-Visitor"
_VISITOR = re.compile(r"[A-Za-z0-9_-]{16,64}")


def tab_visitor(request: web.Request) -> str:
    """The tab's id sent by chat.js (``X-Chat-Visitor``), or "anonymous" when missing or malformed."""
    given = request.headers.get(VISITOR_HEADER, "")
    return f"tab-{given}" if _VISITOR.fullmatch(given) else "anonymous"


# -- markup -----------------------------------------------------------------------------------


def _chip(label: str, **data: str) -> str:
    attributes = "".join(f' data-{name}="{e(value)}"' for name, value in data.items())
    return f'<button type="button" class="chip"{attributes}>{e(label)}</button>'


def welcome_html(catalogue: Catalogue) -> str:
    """The first screen, as /start on Telegram: a greeting, example questions and the sectors."""
    examples = "".join(_chip(q, ask=q) for q in texts.WEB_EXAMPLES)
    sectors = "".join(
        _chip(f"{s.icon} {s.title}".strip(), sector=s.id)
        for s in catalogue.sectors.values()
        if catalogue.in_sector(s.id)
    )
    return (
        f'<div class="msg bot welcome"><p>{e(texts.WEB_GREETING)}</p>'
        f'<p class="label">{e(texts.WEB_EXAMPLES_LABEL)}</p><div class="chips">{examples}</div>'
        f'<p class="label">{e(texts.WEB_SECTORS_LABEL)}</p><div class="chips">{sectors}</div></div>'
    )


def chat_html(catalogue: Catalogue, *, embed: bool = False) -> str:
    strings = {
        "waiting": texts.WEB_WAITING,
        "failed": texts.WEB_FAILED,
        "busy": texts.SLOW_DOWN,
    }
    data = "".join(f' data-{name}="{e(value)}"' for name, value in strings.items())
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        # resizes-content: the phone keyboard shrinks the page, so the input box stays above it
        '<meta name="viewport" content="width=device-width,initial-scale=1,interactive-widget=resizes-content">'
        f'<title>{e(texts.WEB_TITLE)}</title><link rel="stylesheet" href="/static/chat.css"></head>'
        f'<body class="chat{" embed" if embed else ""}"{data}><div class="app">'
        f'<header><strong>Trợ lý số</strong><span class="sub"> · Hỏi đáp</span>'
        f'<button type="button" id="clear" class="light">{e(texts.WEB_CLEAR)}</button></header>'
        f'<main id="log" role="log" aria-live="polite" aria-label="Cuộc trò chuyện" tabindex="-1">'
        f"{welcome_html(catalogue)}</main>"
        '<form id="ask" autocomplete="off">'
        f'<label for="q" class="sr-only">{e(texts.WEB_INPUT_LABEL)}</label>'
        f'<textarea id="q" name="q" rows="1" maxlength="2000" placeholder="{e(texts.WEB_PLACEHOLDER)}" '
        f'aria-describedby="hint" enterkeyhint="send" required></textarea>'
        f'<button type="submit" id="send">{e(texts.WEB_SEND)}</button>'
        f'<p id="hint" class="hint">{e(texts.WEB_HINT)}</p></form>'
        '</div><script src="/static/chat.js"></script></body></html>'
    )


def sector_html(catalogue: Catalogue, sector_id: str) -> str:
    sector = catalogue.sectors.get(sector_id)
    entries = catalogue.in_sector(sector_id) if sector else []
    if not entries:
        return f"<p>{e(texts.UNKNOWN_ENTRY)}</p>"
    title = f"{sector.icon} {sector.title}".strip()
    return f"<p>{e(texts.WEB_SECTOR_ENTRIES.format(title=title))}</p>" + choice_buttons(entries)


# -- handlers ---------------------------------------------------------------------------------


def _catalogue(request: web.Request) -> Catalogue:
    return request.app[CATALOGUE]()


def _html(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html", charset="utf-8")


async def embed_page(request: web.Request) -> web.Response:
    """The chat in an iframe on a portal: frameable by the EMBED_ORIGINS only (see security())."""
    response = _html(chat_html(_catalogue(request), embed=True))
    csp = request.app[EMBED_ANCESTORS]
    response.headers["Content-Security-Policy"] = csp
    if "frame-ancestors 'self';" in csp:  # no portal configured: the legacy header says the same
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


async def widget_js(request: web.Request) -> web.FileResponse:
    response = web.FileResponse(STATIC / "widget.js", headers={"Cache-Control": "public, max-age=3600"})
    response.content_type = "text/javascript"
    return response


async def sector(request: web.Request) -> web.Response:
    if request.content_type != "application/json":  # as every /api/ call: no cross-site form posts
        raise web.HTTPUnsupportedMediaType(text="application/json")
    try:
        data = await request.json()
    except ValueError:
        data = None
    sector_id = str(data.get("id", "")) if isinstance(data, dict) else ""
    return web.json_response({"html": sector_html(_catalogue(request), sector_id)})


def register_chat_routes(app: web.Application, catalogue: Callable[[], Catalogue], base_csp: str, origins: str) -> None:
    """The embed page, widget.js and the sector chips' list; ``origins``: the EMBED_ORIGINS setting."""
    app[CATALOGUE] = catalogue
    app[EMBED_ANCESTORS] = embed_csp(base_csp, parse_origins(origins))
    app.router.add_get("/embed", embed_page)
    app.router.add_get("/widget.js", widget_js)
    app.router.add_post("/api/sector", sector)
