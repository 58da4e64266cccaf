"""The local web server: a citizen web chat at ``/`` and the administrators' console at ``/admin``.

Server-rendered HTML, no build step. The console needs a personal account (bot/console/accounts.py;
ADMIN_TOKEN only creates the first administrator), keeps a session in an HttpOnly SameSite=Strict
cookie, checks a CSRF token on every POST and refuses every POST of a read-only account. A Content-Security-Policy
forbids inline script, and everything citizens typed is escaped where it is shown.
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import io
import logging
import secrets
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from bot import web_pages as pages
from bot.channels.web import chat as web_chat
from bot.channels.web import handoff as web_handoff
from bot.channels.web.handoff import HANDOFF as WEB_HANDOFF
from bot.channels.zalo import register_zalo_routes
from bot.config import Settings
from bot.console import dashboard as dashboards
from bot.console.accounts import (
    AccountError,
    Accounts,
    Audit,
    SessionStore,
    Throttle,
    User,
    clean_username,
    password_matches,
)
from bot.console.upgrades import register_upgrade_routes
from bot.conversation import Conversation, wants_a_person
from bot.engine import Engine
from bot.faq_editor import EditRefused, add_phrasing
from bot.flood import FloodGuard
from bot.grouping import Group, draft_entry, group_questions
from bot.metrics import METRICS
from bot.records import Recorder
from bot.render_text import explain_text
from bot.store import Store, connect, migrate
from bot.tickets import TicketDesk, ref, waited

log = logging.getLogger("tro_ly_so.web")

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "tls_admin"
CHAT_COOKIE = "tls_uid"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


# Console sessions live in SQLite (bot/console/accounts.py); the old name stays for other pages' imports.
Sessions = SessionStore

ENGINE = web.AppKey("engine", Engine)
STORE = web.AppKey("store", object)
RECORDER = web.AppKey("recorder", object)
SETTINGS = web.AppKey("settings", Settings)
CONVERSATION = web.AppKey("conversation", Conversation)
ADDRESS_FLOOD = web.AppKey("address_flood", FloodGuard)
SESSIONS = web.AppKey("sessions", SessionStore)
ACCOUNTS = web.AppKey("accounts", Accounts)
AUDIT = web.AppKey("audit", Audit)
THROTTLE = web.AppKey("throttle", Throttle)
CSRF = web.RequestKey("csrf", str)
USER = web.RequestKey("user", User)  # the signed-in member of staff, on every console request

OPEN_PATHS = ("/admin/login", "/admin/setup")
# What a viewer may still POST: ending their own sessions, changing their own password.
VIEWER_POSTS = ("/admin/logout", "/admin/logout-all", "/admin/password")
ADMIN_ONLY = ("/admin/users", "/admin/audit")
VIEWER_REFUSED = "Tài khoản của bạn chỉ được xem, không được thay đổi dữ liệu. Nhờ quản trị viên cấp quyền biên tập."
ADMIN_REFUSED = "Chỉ quản trị viên mới vào được trang này."


# -- middleware -------------------------------------------------------------------------------


@web.middleware
async def security(request: web.Request, handler) -> web.StreamResponse:
    path = request.path
    if path.startswith("/admin") and path not in OPEN_PATHS:
        session = request.app[SESSIONS].lookup(request.cookies.get(SESSION_COOKIE))
        if session is None:
            if request.method == "GET":
                raise web.HTTPFound("/admin/login")
            raise web.HTTPForbidden(text="Cần đăng nhập. Phiên có thể đã hết hạn: hãy đăng nhập lại.")
        if request.method == "POST":
            form = await request.post()
            if not hmac.compare_digest(str(form.get("csrf", "")).encode(), session.csrf.encode()):
                raise web.HTTPForbidden(text="Phiên làm việc không hợp lệ (CSRF). Hãy tải lại trang.")
            if not session.user.can_edit and path not in VIEWER_POSTS:
                raise web.HTTPForbidden(text=VIEWER_REFUSED)
        if path.startswith(ADMIN_ONLY) and not session.user.is_admin:
            raise web.HTTPForbidden(text=ADMIN_REFUSED)
        request[CSRF] = session.csrf
        request[USER] = session.user
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", CSP)  # /embed opens frame-ancestors (channels/web/chat.py)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


# -- citizen web chat -------------------------------------------------------------------------


async def chat_page(request: web.Request) -> web.Response:
    response = html(web_chat.chat_html(request.app[ENGINE].index.catalogue))
    if CHAT_COOKIE not in request.cookies:
        response.set_cookie(
            CHAT_COOKIE, secrets.token_urlsafe(16), httponly=True, samesite="Strict", max_age=86400 * 30
        )
    return response


async def _json(request: web.Request) -> dict:
    if request.content_type != "application/json":  # also stops cross-site form posts (CORS preflight)
        raise web.HTTPUnsupportedMediaType(text="application/json")
    try:
        data = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text="bad json") from exc
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="bad json")
    return data


def _visitor(request: web.Request) -> str:
    return request.cookies.get(CHAT_COOKIE) or web_chat.tab_visitor(request)  # no cookie in a portal's frame


def _flooded(request: web.Request, visitor: str) -> web.Response | None:
    """Per visitor (the conversation core's limit) and per address (scripts that drop the cookie):
    a polite message in the chat, 429 for whoever ignores it."""
    conversation: Conversation = request.app[CONVERSATION]
    notice = conversation.allow("web", visitor)
    address = request.remote or "unknown"
    by_address: FloodGuard = request.app[ADDRESS_FLOOD]
    if notice is None and by_address.allow(address):
        return None
    text = notice.text if notice is not None and notice.text else pages.texts.SLOW_DOWN
    return web.json_response({"html": pages.e(text), "status": "slow_down"}, status=429, headers={"Retry-After": "10"})


async def ask(request: web.Request) -> web.Response:
    data = await _json(request)
    question = str(data.get("q", ""))[:4096]
    if not question.strip():
        return web.json_response({"html": pages.e(pages.texts.EMPTY_QUESTION)})
    visitor = _visitor(request)
    flooded = _flooded(request, visitor)
    if flooded is not None:
        return flooded
    started = time.perf_counter()
    reply = request.app[CONVERSATION].ask("web", visitor, question)
    METRICS.reply_latency(time.perf_counter() - started)
    result = getattr(reply, "result", None)
    status = result.status.value if result is not None else "notice"
    body = pages.reply_html(reply)
    if WEB_HANDOFF in request.app and wants_a_person(reply):
        body += web_handoff.offer_button()
    return web.json_response({"status": status, "html": body})


async def handoff(request: web.Request) -> web.Response:
    """The web chat's "Gửi câu hỏi cho cán bộ": consent, then a ticket for the staff group."""
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="application/json")
    visitor = _visitor(request)
    flooded = _flooded(request, visitor)
    if flooded is not None:
        return flooded
    last = request.app[CONVERSATION].last_question("web", visitor)
    return await web_handoff.start(request, visitor, last)


async def staff_replies(request: web.Request) -> web.Response:
    return await web_handoff.replies(request, _visitor(request))


async def open_entry(request: web.Request) -> web.Response:
    data = await _json(request)
    visitor = _visitor(request)
    flooded = _flooded(request, visitor)
    if flooded is not None:
        return flooded
    conversation: Conversation = request.app[CONVERSATION]
    place = str(data.get("place", ""))[:100]
    if place:  # a choice of a merger reply (old commune, office, reverse list)
        reply = conversation.place_choice("web", visitor, place)
    else:
        reply = conversation.open("web", visitor, str(data.get("id", "")), from_choices=bool(data.get("choice")))
    return web.json_response({"html": pages.reply_html(reply)})


async def forget(request: web.Request) -> web.Response:
    """ "Xoá cuộc trò chuyện": the page forgets what it showed, and the server what it remembered."""
    request.app[CONVERSATION].forget("web", _visitor(request))
    return web.json_response({"ok": True})


async def feedback(request: web.Request) -> web.Response:
    data = await _json(request)
    entry_id = str(data.get("entry", ""))
    if entry_id not in request.app[ENGINE].index.catalogue.entries:
        raise web.HTTPBadRequest(text="unknown entry")
    helpful = bool(data.get("helpful"))
    request.app[CONVERSATION].feedback("web", _visitor(request), entry_id, helpful)
    return web.json_response({"text": pages.texts.THANKS_HELPFUL if helpful else pages.texts.THANKS_NOT_HELPFUL})


async def healthz(request: web.Request) -> web.Response:
    """200 when the catalogue is loaded and the records database takes writes; 503 otherwise."""
    entries = len(request.app[ENGINE].index.catalogue)
    store = _store(request)
    database = "absent" if store is None else ("ok" if await asyncio.to_thread(store.writable) else "failing")
    healthy = entries > 0 and database != "failing"
    body = {"status": "ok" if healthy else "unhealthy", "entries": entries, "database": database}
    # serving still works when staff edits cannot be saved: reported, not unhealthy
    body["knowledge"] = "read-only" if request.app[ENGINE].read_only else "writable"
    return web.json_response(body, status=200 if healthy else 503)


async def metrics(request: web.Request) -> web.Response:
    store = _store(request)
    extra = {"trolyso_catalogue_entries": len(request.app[ENGINE].index.catalogue)}
    if store is not None:
        extra["trolyso_records_pending"] = store.pending
    return web.Response(text=METRICS.render(extra), content_type="text/plain", charset="utf-8")


# -- console ----------------------------------------------------------------------------------


def audit(request: web.Request, action: str, target: str = "", detail: str = "", username: str = "") -> None:
    """One line in the audit log: who (the signed-in account), what, on what, from where."""
    user = request.get(USER)
    who = username or (user.username if user else "")
    try:
        request.app[AUDIT].add(who, action, target, detail, request.remote or "")
    except Exception:  # the log must never stop the work it records
        log.exception("could not write the audit log")


def _too_many(request: web.Request, seconds: int) -> web.Response:
    message = f"Có nhiều lần thử đăng nhập (sai, hoặc cùng một lúc). Hãy đợi {seconds} giây rồi thử lại."
    response = html(pages.login(message, setup=request.app[ACCOUNTS].count() == 0), status=429)
    response.headers["Retry-After"] = str(seconds)
    return response


def _signed_in(request: web.Request, username: str) -> web.Response:
    token, _ = request.app[SESSIONS].create(username)
    response = web.HTTPFound("/admin")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/admin")
    raise response


async def login_page(request: web.Request) -> web.Response:
    return html(pages.login(setup=request.app[ACCOUNTS].count() == 0))


async def login(request: web.Request) -> web.Response:
    """Personal accounts; throttled per account and per address, one guess at a time each."""
    form = await request.post()
    accounts: Accounts = request.app[ACCOUNTS]
    if "token" in form and "username" not in form:
        return await _token_login(request, str(form.get("token", "")))
    username, password = clean_username(form.get("username")), str(form.get("password", ""))[:512]
    keys = [f"address:{request.remote}", f"account:{username}"]
    throttle: Throttle = request.app[THROTTLE]
    wait = throttle.retry_after(keys)
    if wait:
        return _too_many(request, wait)
    throttle.begin(keys)
    ok = False
    try:
        ok = await asyncio.to_thread(password_matches, accounts.password_hash(username), password)
    finally:
        throttle.end(keys, ok)
    if not ok:
        audit(request, "login_failed", username, username="?")
        return html(pages.login("Tên đăng nhập hoặc mật khẩu không đúng.", setup=accounts.count() == 0), status=403)
    accounts.logged_in(username, password)
    audit(request, "login", username=username)
    return _signed_in(request, username)


def _token_matches(request: web.Request, given: str) -> bool:
    """ADMIN_TOKEN, checked under the same throttle as passwords (one shared key: it is one secret)."""
    keys = [f"address:{request.remote}", "account:(setup)"]
    throttle: Throttle = request.app[THROTTLE]
    expected = request.app[SETTINGS].admin_token
    throttle.begin(keys)
    ok = bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
    throttle.end(keys, ok)
    if not ok:
        audit(request, "login_failed", "(ADMIN_TOKEN)", username="?")
    return ok


async def _token_login(request: web.Request, given: str) -> web.Response:
    """``token=`` alone (scripts, the first console): on a database without accounts only, a setup
    session with administrator rights that ends as soon as a personal account exists."""
    accounts: Accounts = request.app[ACCOUNTS]
    if accounts.count():
        message = "ADMIN_TOKEN chỉ dùng khi chưa có tài khoản nào. Hãy đăng nhập bằng tài khoản của bạn."
        return html(pages.login(message), status=403)
    wait = request.app[THROTTLE].retry_after([f"address:{request.remote}", "account:(setup)"])
    if wait:
        return _too_many(request, wait)
    if not _token_matches(request, given):
        return html(pages.login("Mã ADMIN_TOKEN không đúng. Mã được in ra khi khởi động trợ lý.", setup=True), 403)
    username = accounts.setup_user()
    audit(request, "login", username=username)
    return _signed_in(request, username)


async def setup(request: web.Request) -> web.Response:
    """A fresh database: ADMIN_TOKEN creates the first administrator, and is never a login after that."""
    form = await request.post()
    accounts: Accounts = request.app[ACCOUNTS]
    if accounts.count():
        return html(pages.login("Đã có tài khoản: hãy đăng nhập bằng tài khoản của bạn."), status=403)
    keys = [f"address:{request.remote}", "account:(setup)"]
    throttle: Throttle = request.app[THROTTLE]
    wait = throttle.retry_after(keys)
    if wait:
        return _too_many(request, wait)
    if not _token_matches(request, str(form.get("token", ""))):
        return html(pages.login("Mã ADMIN_TOKEN không đúng. Mã được in ra khi khởi động trợ lý.", setup=True), 403)
    username = clean_username(form.get("username"))
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        return html(pages.login("Hai lần nhập mật khẩu không giống nhau. Hãy nhập lại.", setup=True), 400)
    try:
        accounts.add(username, password, "admin", str(form.get("display_name", "")))
    except AccountError as exc:
        return html(pages.login(str(exc), setup=True), 400)
    audit(request, "user_add", username, "admin (tài khoản đầu tiên, bằng ADMIN_TOKEN)", username=username)
    audit(request, "login", username=username)
    return _signed_in(request, username)


async def logout(request: web.Request) -> web.Response:
    request.app[SESSIONS].drop(request.cookies.get(SESSION_COOKIE))
    audit(request, "logout")
    response = web.HTTPFound("/admin/login")
    response.del_cookie(SESSION_COOKIE, path="/admin")
    raise response


async def logout_everywhere(request: web.Request) -> web.Response:
    ended = request.app[SESSIONS].drop_user(request[USER].username)
    audit(request, "logout_all", detail=f"{ended} phiên")
    response = web.HTTPFound("/admin/login")
    response.del_cookie(SESSION_COOKIE, path="/admin")
    raise response


def _store(request: web.Request) -> Store | None:
    store = request.app[STORE]
    return store if isinstance(store, Store) else None


async def dashboard(request: web.Request) -> web.Response:
    store = _store(request)
    if store is None:
        return html(pages.page("Tổng quan", f'<p class="warn">{pages.e(pages.texts.NO_DATABASE)}</p>', request[CSRF]))
    settings = request.app[SETTINGS]
    data = dashboards.gather(
        store,
        request.app[ENGINE].index,
        review_months=settings.review_months,
        handoff=settings.staff_chat_id is not None,
    )
    return html(pages.page("Tổng quan", dashboards.render(data), request[CSRF]))


def _filters(request: web.Request) -> tuple[str, str, str, bool]:
    q = request.query
    since = q.get("from", "") or (date.today() - timedelta(days=30)).isoformat()
    until = q.get("to", "") or date.today().isoformat()
    for value in (since, until):
        try:
            date.fromisoformat(value)
        except ValueError as exc:
            raise web.HTTPBadRequest(text="Ngày không hợp lệ") from exc
    return since, until, q.get("q", "")[:200], q.get("show") == "all"


CHANNELS = {"telegram": "Telegram", "web": "Web", "zalo": "Zalo"}


def _channel(request: web.Request) -> str:
    """The channel filter of the console's lists: one of CHANNELS, or "" for all."""
    channel = request.query.get("channel", "")
    return channel if channel in CHANNELS else ""


def _groups(request: web.Request) -> tuple[list[Group], dict[str, str]]:
    store = _store(request)
    if store is None:
        return [], {}
    since, until, text, show_all = _filters(request)
    end = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
    rows = store.questions(status="unanswered", since=since, until=end, contains=text, channel=_channel(request))
    groups = group_questions(rows, request.app[ENGINE].index.normalizer)
    states = store.group_states()
    if not show_all:
        groups = [g for g in groups if states.get(g.key) not in ("resolved", "ignored")]
    return groups, states


async def unanswered(request: web.Request) -> web.Response:
    since, until, text, show_all = _filters(request)
    groups, states = _groups(request)
    csrf = pages.csrf_field(request[CSRF])
    channel = _channel(request)
    query = pages.e(urlencode({"from": since, "to": until, "q": text, "channel": channel}))  # URL-encoded, escaped
    options = "".join(
        f'<option value="{key}"{" selected" if key == channel else ""}>{label}</option>'
        for key, label in (("", "Mọi kênh"), *CHANNELS.items())
    )
    rows = []
    for g in groups:
        examples = "<br>".join(pages.e(x) for x in g.examples())
        actions = "".join(
            f'<form method="post" action="/admin/groups" class="inline">{csrf}'
            f'<input type="hidden" name="key" value="{pages.e(g.key)}"><input type="hidden" name="state" value="{s}">'
            f'<button class="light">{label}</button></form> '
            for s, label in (("resolved", "Đã xử lý"), ("ignored", "Bỏ qua"))
        )
        rows.append(
            f'<tr data-group="{pages.e(g.key)}"><td><b>{g.count}</b></td><td>{examples}</td>'
            f"<td>{pages.e(pages.local_time(g.first))}<br>{pages.e(pages.local_time(g.last))}</td>"
            f"<td>{pages.e(states.get(g.key, 'mới'))}</td><td>{actions}"
            f'<a href="/admin/draft?key={pages.e(g.key)}&amp;{query}">Soạn mục</a></td></tr>'
        )
    body = (
        '<form method="get" class="card">'
        f'Từ <input type="date" name="from" value="{pages.e(since)}"> '
        f'đến <input type="date" name="to" value="{pages.e(until)}">'
        f'<input type="text" name="q" value="{pages.e(text)}" placeholder="Lọc theo nội dung">'
        f'<label>Kênh <select name="channel">{options}</select></label> '
        f'<label><input type="checkbox" name="show" value="all"{" checked" if show_all else ""}> '
        "cả nhóm đã xử lý/bỏ qua</label>"
        "<p><button>Lọc</button></p></form>"
        f'<p><a href="/admin/unanswered.csv?{query}{"&amp;show=all" if show_all else ""}">Tải CSV</a> · '
        f"{len(groups)} nhóm, {sum(g.count for g in groups)} câu hỏi</p>"
        '<div class="card"><table><tr><th>Số câu</th><th>Ví dụ</th><th>Lần đầu / cuối</th>'
        "<th>Trạng thái</th><th></th></tr>" + "".join(rows) + "</table></div>"
    )
    return html(pages.page("Câu hỏi chưa trả lời", body, request[CSRF]))


async def unanswered_csv(request: web.Request) -> web.Response:
    groups, states = _groups(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "count", "first_seen", "last_seen", "state", "question"])
    for g in groups:
        for row in g.rows:
            text = row["text"]
            if text[:1] in "=+-@\t\r":  # a spreadsheet would run it as a formula
                text = "'" + text
            writer.writerow([g.key, g.count, g.first, g.last, states.get(g.key, "new"), text])
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"),
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cau-hoi-chua-tra-loi.csv"'},
    )


async def set_group(request: web.Request) -> web.Response:
    form = await request.post()
    state = str(form.get("state", ""))
    key = str(form.get("key", ""))[:40]
    store = _store(request)
    if state not in ("resolved", "ignored", "new") or not key or store is None:
        raise web.HTTPBadRequest(text="bad request")
    store.set_group_state(key, state)
    audit(request, "group", key, state)
    raise web.HTTPFound(request.headers.get("Referer") or "/admin/unanswered")


async def draft(request: web.Request) -> web.Response:
    key = request.query.get("key", "")
    groups, _ = _groups(request)
    group = next((g for g in groups if g.key == key), None)
    if group is None:
        raise web.HTTPNotFound(text="Không tìm thấy nhóm này.")
    body = (
        "<p>Dán đoạn dưới đây vào cuối <code>faq.yaml</code> (dưới <code>entries:</code>), viết câu trả lời, "
        "ghi nguồn, rồi chạy <code>python -m bot validate</code>.</p>"
        f'<pre id="draft">{pages.e(draft_entry(group))}</pre>'
    ) + _editor_link([("id", f"moi-{group.key}"), ("title", group.label[:80])] + [("q", x) for x in group.examples(10)])
    return html(pages.page("Soạn mục mới", body, request[CSRF]))


def _editor_link(fields: list[tuple[str, str]]) -> str:
    """The same draft opened in the console's entry editor (bot/console/editor.py)."""
    href = pages.e("/admin/entries/new?" + urlencode(fields))
    return f'<p><a class="button" id="open-editor" href="{href}">Soạn ngay trong trình soạn mục</a></p>'


async def try_question(request: web.Request) -> web.Response:
    question = request.query.get("q", "")[:2000]
    body = (
        '<form method="get" class="card"><input type="text" name="q" '
        f'value="{pages.e(question)}" placeholder="Gõ câu hỏi"><p><button>Thử</button></p></form>'
    )
    if question.strip():
        result = request.app[ENGINE].index.search(question, explain=True)
        body += (
            f'<div class="card"><p>Kết luận: <b>{pages.e(result.status.value)}</b></p>'
            f"{pages.answer_html(result, recorded=False)}</div>"
            f'<pre id="explain">{pages.e(explain_text(result))}</pre>'
        )
    return html(pages.page("Thử câu hỏi", body, request[CSRF]))


async def learning(request: web.Request) -> web.Response:
    """Phrasings citizens used (tapped suggestions, 'Hữu ích'), per entry, for staff to accept or reject."""
    store = _store(request)
    csrf = pages.csrf_field(request[CSRF])
    index = request.app[ENGINE].index
    notice = request.query.get("msg", "")[:500] or (pages.texts.EDITS_OFF if request.app[ENGINE].read_only else "")
    body = f'<p class="warn" id="notice">{pages.e(notice)}</p>' if notice else ""
    rows = []
    for c in store.candidates() if store else []:
        entry = index.catalogue.entries.get(c["entry_id"])
        result = index.search(c["question"])
        handled = result.status.value == "answered" and result.best and result.best.entry.id == c["entry_id"]
        actions = "".join(
            f'<form method="post" action="/admin/candidates" class="inline">{csrf}'
            f'<input type="hidden" name="entry" value="{pages.e(c["entry_id"])}">'
            f'<input type="hidden" name="question" value="{pages.e(c["question"])}">'
            f'<input type="hidden" name="action" value="{action}"><button class="light">{label}</button></form> '
            for action, label in (("accept", "Thêm vào mục"), ("reject", "Bỏ"))
        )
        rows.append(
            f'<tr data-candidate="{pages.e(c["question"])}"><td>{pages.e(entry.title if entry else c["entry_id"])}</td>'
            f"<td>{pages.e(c['question'])}</td><td>{c['n']}</td>"
            f"<td>{pages.e(pages.local_time(c['first']))}<br>{pages.e(pages.local_time(c['last']))}</td>"
            f"<td>{'đã trả lời đúng' if handled else 'chưa'}</td><td>{actions}</td></tr>"
        )
    body += (
        '<div class="card"><h2>Cách hỏi mới của người dân</h2><p class="muted">Từ các lần bấm gợi ý và '
        "“Hữu ích”. “Thêm vào mục” ghi câu hỏi vào tệp (kiểm tra trước, có bản sao lưu) rồi nạp lại.</p>"
        "<table><tr><th>Mục</th><th>Câu hỏi</th><th>Số lần</th><th>Lần đầu / cuối</th>"
        "<th>Trợ lý hiện nay</th><th></th></tr>" + "".join(rows) + "</table></div>"
    )
    wrong = store.wrong_answers() if store else []
    body += (
        '<div class="card"><h2>Có thể trả lời sai (“Chưa đúng”)</h2><table>'
        "<tr><th>Thời gian</th><th>Mục đã trả lời</th><th>Điểm</th><th>Câu hỏi</th></tr>"
        + "".join(
            f"<tr><td>{pages.e(pages.local_time(w['at']))}</td><td>{pages.e(w['entry_id'])}</td>"
            f"<td>{(w['score'] or 0):.2f}</td><td>{pages.e(w['question'])}</td></tr>"
            for w in wrong
        )
        + "</table></div>"
    )
    return html(pages.page("Cách hỏi mới", body, request[CSRF]))


async def decide_candidate(request: web.Request) -> web.Response:
    form = await request.post()
    entry_id, question, action = str(form.get("entry", "")), str(form.get("question", "")), str(form.get("action", ""))
    store = _store(request)
    engine = request.app[ENGINE]
    entry = engine.index.catalogue.entries.get(entry_id)
    if store is None or entry is None or action not in ("accept", "reject") or not question:
        raise web.HTTPBadRequest(text="bad request")
    if action == "reject":
        store.set_candidate_state(entry_id, question, "rejected")
        audit(request, "candidate_reject", entry_id, question)
        raise web.HTTPFound("/admin/learning")
    if engine.read_only:
        raise web.HTTPFound("/admin/learning?" + urlencode({"msg": pages.texts.EDITS_OFF}))
    from bot.console.history import console_change

    path = Path(entry.file)
    async with console_change(request, entry_id, note=f"thêm cách hỏi: {question}"):  # in the entry's history
        try:
            await asyncio.to_thread(add_phrasing, path, entry_id, question, knowledge=engine.files)
        except EditRefused as refused:
            message = "Không thêm được: " + "; ".join(refused.problems)[:400]
            raise web.HTTPFound("/admin/learning?" + urlencode({"msg": message})) from refused
        store.set_candidate_state(entry_id, question, "accepted")
        audit(request, "candidate_accept", entry_id, question)
        report = await asyncio.to_thread(engine.reload)
    raise web.HTTPFound("/admin/learning?" + urlencode({"msg": report.summary().splitlines()[0]}))


async def tickets_page(request: web.Request) -> web.Response:
    store = _store(request)
    desk = TicketDesk(store) if store else None
    rows = []
    for t in desk.all() if desk else []:
        # until the first staff reply; unanswered: until closing, or until now while still open
        waiting = waited(t["opened"], t["first_reply"] or (t["closed"] if t["state"] == "closed" else None))
        rows.append(
            f"<tr><td>{pages.e(ref(t['id']))}</td><td>{pages.e(t['state'])}</td>"
            f"<td>{pages.e(pages.local_time(t['opened']))}</td><td>{pages.e(waiting)}</td>"
            f"<td>{pages.e(t['text'])}</td><td>{pages.e(t['note'] or '')}</td>"
            f'<td><a href="/admin/tickets/draft?id={t["id"]}">Soạn mục</a></td></tr>'
        )
    body = (
        '<div class="card"><table><tr><th>Mã</th><th>Trạng thái</th><th>Gửi lúc</th><th>Chờ trả lời</th>'
        "<th>Câu hỏi</th><th>Ghi chú</th><th></th></tr>" + "".join(rows) + "</table></div>"
    )
    return html(pages.page("Câu hỏi gửi cán bộ", body, request[CSRF]))


async def ticket_draft(request: web.Request) -> web.Response:
    store = _store(request)
    try:
        ticket_id = int(request.query.get("id", ""))
    except ValueError as exc:
        raise web.HTTPBadRequest(text="bad id") from exc
    desk = TicketDesk(store) if store else None
    ticket = desk.get(ticket_id) if desk else None
    if ticket is None:
        raise web.HTTPNotFound(text="Không tìm thấy câu hỏi này.")
    answer = "\n".join(m["text"] for m in desk.messages(ticket_id) if m["author"] == "staff")
    group = Group(f"ht{ticket_id}", ticket["text"], [{"at": ticket["opened"], "text": ticket["text"]}])
    draft = draft_entry(group, answer=answer or None)
    body = (
        "<p>Từ câu hỏi và câu trả lời của cán bộ. Kiểm tra, ghi nguồn, rồi dán vào <code>faq.yaml</code>.</p>"
        f'<pre id="draft">{pages.e(draft)}</pre>'
    ) + _editor_link([("id", f"moi-ht{ticket_id}"), ("q", ticket["text"][:300]), ("answer", answer)])
    return html(pages.page("Soạn mục từ câu hỏi", body, request[CSRF]))


# -- wiring -----------------------------------------------------------------------------------


def build_web_app(
    settings: Settings,
    engine: Engine,
    recorder: Recorder,
    store: Store | None,
    conversation: Conversation | None = None,
) -> web.Application:
    app = web.Application(middlewares=[security], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[ENGINE] = engine
    app[RECORDER] = recorder
    app[STORE] = store
    app[CONVERSATION] = conversation or Conversation(
        lambda: engine.index,
        recorder,
        FloodGuard(settings.flood_messages, settings.flood_seconds),
        home_province=settings.home_old_province,
    )
    # Several people may share one address (a commune office's Wi-Fi): a looser limit than per visitor.
    app[ADDRESS_FLOOD] = FloodGuard(settings.flood_address_messages, settings.flood_seconds)
    # Accounts, sessions and the audit log live in the records database, on a connection of their own used
    # only from this event loop (maintenance jobs use the store's connection from worker threads). Without
    # a database file, in memory: ADMIN_TOKEN then creates a first administrator again after each start.
    on_disk = isinstance(store, Store) and store.path != ":memory:"
    db = connect(store.path if on_disk else ":memory:")
    migrate(db)
    app[ACCOUNTS] = Accounts(db)
    app[AUDIT] = Audit(db)
    app[SESSIONS] = SessionStore(db, idle_seconds=settings.session_idle_minutes * 60)
    app[THROTTLE] = Throttle()
    app.router.add_get("/", chat_page)
    app.router.add_static("/static", STATIC)
    app.router.add_post("/api/ask", ask)
    app.router.add_post("/api/open", open_entry)
    app.router.add_post("/api/feedback", feedback)
    app.router.add_post("/api/forget", forget)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/admin/login", login_page)
    app.router.add_post("/admin/login", login)
    app.router.add_post("/admin/setup", setup)
    app.router.add_post("/admin/logout", logout)
    app.router.add_post("/admin/logout-all", logout_everywhere)
    app.router.add_get("/admin", dashboard)
    app.router.add_get("/admin/unanswered", unanswered)
    app.router.add_get("/admin/unanswered.csv", unanswered_csv)
    app.router.add_post("/admin/groups", set_group)
    app.router.add_get("/admin/draft", draft)
    app.router.add_get("/admin/try", try_question)
    app.router.add_get("/admin/learning", learning)
    app.router.add_post("/admin/candidates", decide_candidate)
    app.router.add_get("/admin/tickets", tickets_page)
    app.router.add_get("/admin/tickets/draft", ticket_draft)
    register_zalo_routes(app, settings, engine, recorder, store, app[CONVERSATION])  # only with ZALO_APP_ID
    from bot.console.posters import register_poster_routes  # it imports this module: here, not at the top

    register_poster_routes(app)
    register_upgrade_routes(app)
    app.router.add_post("/api/handoff", handoff)
    app.router.add_get("/api/replies", staff_replies)
    web_chat.register_chat_routes(app, lambda: app[ENGINE].index.catalogue, CSP, settings.embed_origins)
    from bot.console import register_console  # the console pages import this module

    register_console(app)
    return app
