"""Console page "Cập nhật nội dung" (/admin/upgrades): shipped entries that are new or changed, each
taken in or left by staff. Registered by ``register_upgrade_routes(app)`` in ``build_web_app``; the
console's login and CSRF middleware (bot/web.py) guard it like every /admin page."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web

from bot import texts
from bot import web_pages as pages
from bot.faq_editor import EditRefused
from bot.upgrades import leave, pending, take
from knowledge import content
from knowledge.content import KnowledgeDir

SHIPPED = web.AppKey("shipped", KnowledgeDir)  # where upgrades come from: the package (tests: a folder)
KIND = {"new": "mới", "changed": "đã đổi"}
NOTHING_IN_CHECKOUT = "Đang dùng trực tiếp nội dung có sẵn (bản mã nguồn): không có gì để cập nhật."


def _page(body: str, csrf: str) -> web.Response:
    text = pages.page("Cập nhật nội dung", body, csrf)
    return web.Response(text=text, content_type="text/html", charset="utf-8")


def register_upgrade_routes(app: web.Application, shipped: KnowledgeDir | None = None) -> None:
    app[SHIPPED] = shipped or content.shipped()
    app.router.add_get("/admin/upgrades", upgrades_page)
    app.router.add_post("/admin/upgrades", decide_upgrade)


def _engine(request: web.Request):
    from bot.web import ENGINE  # bot.web registers this module: import at call time

    return request.app[ENGINE]


def _csrf(request: web.Request) -> str:
    from bot.web import CSRF

    return request[CSRF]


async def upgrades_page(request: web.Request) -> web.Response:
    engine = _engine(request)
    staff = engine.files
    csrf = _csrf(request)
    notice = request.query.get("msg", "")[:500]
    body = f'<p class="warn" id="notice">{pages.e(notice)}</p>' if notice else ""
    if engine.read_only:
        body += f'<p class="warn">{pages.e(texts.EDITS_OFF)}</p>'
    body += (
        f'<p class="muted">Nội dung cán bộ sửa nằm trong <code>{pages.e(staff.root)}</code>'
        f"{'' if staff.faq_file is None else f' (hỏi đáp: <code>{pages.e(staff.faq_file)}</code>)'}. "
        "Bản cập nhật của phần mềm không ghi đè lên đó: các mục mới hoặc đã đổi trong nội dung có sẵn được "
        "liệt kê dưới đây để cán bộ chọn “Nhận vào” (kiểm tra cả danh mục, có bản sao lưu) hoặc “Để nguyên”.</p>"
    )
    ups = await asyncio.to_thread(pending, staff, request.app[SHIPPED])
    if staff.same_files_as(request.app[SHIPPED]):
        body += f'<div class="card"><p>{NOTHING_IN_CHECKOUT}</p></div>'
        return _page(body, csrf)
    field = pages.csrf_field(csrf)
    rows = []
    for up in ups:
        actions = "".join(
            f'<form method="post" action="/admin/upgrades" class="inline">{field}'
            f'<input type="hidden" name="key" value="{pages.e(up.key)}">'
            f'<input type="hidden" name="action" value="{action}"><button class="light">{label}</button></form> '
            for action, label in (("take", "Nhận vào"), ("leave", "Để nguyên"))
        )
        shown = up.diff() if up.staff_text else up.shipped_text
        rows.append(
            f'<tr data-upgrade="{pages.e(up.key)}"><td>{pages.e(up.title)}<br><small class="muted">'
            f"{pages.e(up.key)}</small></td><td>{KIND.get(up.kind, up.kind)}</td>"
            f"<td><details><summary>Xem</summary><pre>{pages.e(shown)}</pre></details></td><td>{actions}</td></tr>"
        )
    if rows:
        body += (
            f'<div class="card"><h2>{len(rows)} mục chờ cán bộ quyết định</h2><table><tr><th>Mục</th><th>Loại</th>'
            "<th>Nội dung</th><th></th></tr>" + "".join(rows) + "</table></div>"
        )
    else:
        body += '<div class="card"><p>Không có mục nào chờ cập nhật.</p></div>'
    return _page(body, csrf)


async def decide_upgrade(request: web.Request) -> web.Response:
    form = await request.post()
    key, action = str(form.get("key", ""))[:300], str(form.get("action", ""))
    if not key or action not in ("take", "leave"):
        raise web.HTTPBadRequest(text="bad request")
    engine = _engine(request)
    if engine.read_only:
        raise web.HTTPFound("/admin/upgrades?" + urlencode({"msg": texts.EDITS_OFF}))
    try:
        if action == "leave":
            await asyncio.to_thread(leave, engine.files, key, request.app[SHIPPED])
            message = "Đã để nguyên bản của cán bộ; mục này sẽ không được đề nghị lại."
        else:
            await asyncio.to_thread(take, engine.files, key, request.app[SHIPPED])
            report = await asyncio.to_thread(engine.reload)
            message = "Đã nhận vào. " + report.summary().splitlines()[0]
    except EditRefused as refused:
        message = "Không nhận được: " + "; ".join(refused.problems)[:400]
    except OSError as exc:
        message = f"{texts.EDITS_OFF} ({exc.strerror or exc})"
    raise web.HTTPFound("/admin/upgrades?" + urlencode({"msg": message}))
