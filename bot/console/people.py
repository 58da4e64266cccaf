"""Console pages for people: one's own account, the accounts (administrators) and the audit log."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web

from bot import web_pages as pages
from bot.console.accounts import ROLE_LABELS, ROLES, SETUP_USER, AccountError, Accounts, password_matches
from bot.web import ACCOUNTS, AUDIT, CSRF, SESSIONS, THROTTLE, USER, audit, html

ACTIONS = {
    "login": "đăng nhập",
    "login_failed": "đăng nhập sai",
    "logout": "đăng xuất",
    "logout_all": "đăng xuất mọi nơi",
    "password": "đổi mật khẩu",
    "user_add": "tạo tài khoản",
    "user_disable": "khoá tài khoản",
    "user_enable": "mở khoá tài khoản",
    "user_reset": "đặt lại mật khẩu",
    "user_role": "đổi vai trò",
    "entry_create": "tạo mục",
    "entry_edit": "sửa mục",
    "entry_retire": "ngừng dùng mục",
    "entry_unretire": "dùng lại mục",
    "entry_restore": "khôi phục phiên bản",
    "review": "đã kiểm tra",
    "candidate_accept": "thêm cách hỏi",
    "candidate_reject": "bỏ cách hỏi",
    "group": "xử lý nhóm câu hỏi",
    "ticket": "xử lý câu hỏi gửi cán bộ",
}


def _notice(request: web.Request) -> str:
    msg = request.query.get("msg", "")[:300]
    err = request.query.get("err", "")[:300]
    return (f'<p class="ok" role="status">{pages.e(msg)}</p>' if msg else "") + (
        f'<p class="warn" role="alert">{pages.e(err)}</p>' if err else ""
    )


def _back(path: str, **query: str) -> web.HTTPFound:
    return web.HTTPFound(path + ("?" + urlencode(query) if query else ""))


async def account_page(request: web.Request) -> web.Response:
    user = request[USER]
    csrf = pages.csrf_field(request[CSRF])
    sessions = request.app[SESSIONS].count(user.username)
    admin = (
        '<p><a href="/admin/users">Quản lý tài khoản</a> · <a href="/admin/audit">Nhật ký thao tác</a></p>'
        if user.is_admin
        else ""
    )
    body = (
        _notice(request)
        + f'<div class="card"><h2>{pages.e(user.label)}</h2><p>Tên đăng nhập: <b>{pages.e(user.username)}</b> · '
        f"Vai trò: <b>{pages.e(ROLE_LABELS.get(user.role, user.role))}</b></p>{admin}"
        f"<p>Đang đăng nhập ở {sessions} nơi (trình duyệt, máy).</p>"
        f'<form method="post" action="/admin/logout-all">{csrf}'
        "<button>Đăng xuất khỏi mọi nơi</button></form></div>"
        f'<form method="post" action="/admin/password" class="card">{csrf}<h2>Đổi mật khẩu</h2>'
        '<label for="old">Mật khẩu hiện tại</label>'
        '<input type="password" id="old" name="old" required autocomplete="current-password">'
        '<label for="new">Mật khẩu mới (ít nhất 10 ký tự)</label>'
        '<input type="password" id="new" name="new" required autocomplete="new-password">'
        '<label for="new2">Nhập lại mật khẩu mới</label>'
        '<input type="password" id="new2" name="new2" required autocomplete="new-password">'
        "<p><button>Đổi mật khẩu</button></p></form>"
    )
    return html(pages.page("Tài khoản của tôi", body, request[CSRF]))


async def change_password(request: web.Request) -> web.Response:
    form = await request.post()
    user = request[USER]
    accounts: Accounts = request.app[ACCOUNTS]
    if user.username == SETUP_USER:
        raise _back("/admin/users", err="Phiên ADMIN_TOKEN không có mật khẩu. Hãy tạo tài khoản quản trị của bạn.")
    old, new = str(form.get("old", ""))[:512], str(form.get("new", ""))[:512]
    keys = [f"account:{user.username}"]  # guesses of the current password are throttled like logins
    throttle = request.app[THROTTLE]
    wait = throttle.retry_after(keys)
    if wait:
        raise _back("/admin/account", err=f"Nhập sai nhiều lần. Hãy đợi {wait} giây rồi thử lại.")
    throttle.begin(keys)
    ok = False
    try:
        ok = await asyncio.to_thread(password_matches, accounts.password_hash(user.username), old)
    finally:
        throttle.end(keys, ok)
    if not ok:
        raise _back("/admin/account", err="Mật khẩu hiện tại không đúng. Hãy nhập lại.")
    if new != str(form.get("new2", "")):
        raise _back("/admin/account", err="Hai lần nhập mật khẩu mới không giống nhau. Hãy nhập lại.")
    try:
        accounts.reset(user.username, new)
    except AccountError as exc:
        raise _back("/admin/account", err=str(exc)) from exc
    request.app[SESSIONS].drop_user(user.username)  # other browsers must log in with the new one
    audit(request, "password", user.username)
    response = web.HTTPFound("/admin/login")
    raise response


def _role_select(name: str, current: str = "editor") -> str:
    options = "".join(
        f'<option value="{r}"{" selected" if r == current else ""}>{ROLE_LABELS[r]} ({r})</option>' for r in ROLES
    )
    return f'<select name="{name}" id="{name}">{options}</select>'


async def users_page(request: web.Request) -> web.Response:
    accounts: Accounts = request.app[ACCOUNTS]
    csrf = pages.csrf_field(request[CSRF])
    rows = []
    for u in accounts.all():
        name = pages.e(u["username"])
        toggle = "enable" if not u["active"] else "disable"
        toggle_label = "Mở khoá" if not u["active"] else "Khoá"
        rows.append(
            f'<tr data-user="{name}"><td><b>{name}</b><br>{pages.e(u["display_name"] or "")}</td>'
            f"<td>{pages.e(ROLE_LABELS.get(u['role'], u['role']))}</td>"
            f"<td>{'đang dùng' if u['active'] else 'đã khoá'}</td>"
            f"<td>{pages.e(pages.local_time(u['last_login'])) if u['last_login'] else 'chưa'}</td><td>"
            f'<form method="post" action="/admin/users/{toggle}" class="inline">{csrf}'
            f'<input type="hidden" name="username" value="{name}"><button class="light">{toggle_label}</button></form>'
            f'<form method="post" action="/admin/users/role" class="inline">{csrf}'
            f'<input type="hidden" name="username" value="{name}">{_role_select("role", u["role"])}'
            '<button class="light">Đổi vai trò</button></form>'
            f'<form method="post" action="/admin/users/reset" class="inline">{csrf}'
            f'<input type="hidden" name="username" value="{name}">'
            f'<label>Mật khẩu mới <input type="password" name="password" autocomplete="new-password"></label>'
            '<button class="light">Đặt lại</button></form></td></tr>'
        )
    setup = (
        '<p class="warn" role="status">Bạn đang dùng ADMIN_TOKEN (cài đặt ban đầu). Hãy tạo tài khoản quản trị '
        "của mình bên dưới; phiên này sẽ kết thúc ngay khi có tài khoản đầu tiên.</p>"
        if request[USER].username == SETUP_USER
        else ""
    )
    body = (
        _notice(request)
        + setup
        + '<div class="card scroll"><table><tr><th>Tài khoản</th><th>Vai trò</th><th>Trạng thái</th>'
        "<th>Đăng nhập gần nhất</th><th></th></tr>" + "".join(rows) + "</table></div>"
        f'<form method="post" action="/admin/users/add" class="card">{csrf}<h2>Thêm tài khoản</h2>'
        '<label for="username">Tên đăng nhập (chữ thường không dấu, ví dụ nguyen.van.a)</label>'
        '<input type="text" id="username" name="username" required>'
        '<label for="display_name">Họ tên</label><input type="text" id="display_name" name="display_name">'
        f'<label for="role">Vai trò</label>{_role_select("role")}'
        '<p class="muted">Quản trị: mọi việc, kể cả tài khoản. Biên tập: sửa mục, kiểm tra, cách hỏi mới, câu hỏi '
        "gửi cán bộ. Chỉ xem: xem bảng số liệu và danh sách, không thay đổi gì.</p>"
        '<label for="password">Mật khẩu ban đầu (ít nhất 10 ký tự; người dùng nên đổi sau khi đăng nhập)</label>'
        '<input type="password" id="password" name="password" required autocomplete="new-password">'
        "<p><button>Thêm tài khoản</button></p></form>"
    )
    return html(pages.page("Tài khoản", body, request[CSRF]))


async def users_action(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    form = await request.post()
    accounts: Accounts = request.app[ACCOUNTS]
    username = str(form.get("username", "")).strip().lower()
    me = request[USER].username
    try:
        if username == SETUP_USER:
            raise AccountError("Đây không phải một tài khoản: không thay đổi được.")
        if action == "add":
            role = str(form.get("role", ""))
            accounts.add(username, str(form.get("password", "")), role, str(form.get("display_name", "")))
            audit(request, "user_add", username, role)
            if me == SETUP_USER:  # the setup session has done its job and is over: log in as yourself
                raise web.HTTPFound("/admin/login")
            raise _back("/admin/users", msg=f"Đã tạo tài khoản {username}.")
        if action in ("disable", "role") and username == me:
            raise AccountError("Không tự khoá hay tự đổi vai trò của mình được: nhờ một quản trị viên khác.")
        if action == "disable":
            accounts.set_active(username, False)
            request.app[SESSIONS].drop_user(username)
            audit(request, "user_disable", username)
            raise _back("/admin/users", msg=f"Đã khoá {username}; mọi phiên của tài khoản này đã kết thúc.")
        if action == "enable":
            accounts.set_active(username, True)
            audit(request, "user_enable", username)
            raise _back("/admin/users", msg=f"Đã mở khoá {username}.")
        if action == "role":
            role = str(form.get("role", ""))
            accounts.set_role(username, role)
            request.app[SESSIONS].drop_user(username)
            audit(request, "user_role", username, role)
            raise _back("/admin/users", msg=f"{username} giờ là {ROLE_LABELS[role]}.")
        if action == "reset":
            accounts.reset(username, str(form.get("password", "")))
            request.app[SESSIONS].drop_user(username)
            audit(request, "user_reset", username)
            raise _back("/admin/users", msg=f"Đã đặt lại mật khẩu của {username}; hãy báo cho họ.")
    except AccountError as exc:
        raise _back("/admin/users", err=str(exc)) from exc
    raise web.HTTPNotFound(text="Không có thao tác này.")


async def audit_page(request: web.Request) -> web.Response:
    action = request.query.get("action", "")[:40]
    who = request.query.get("user", "")[:64]
    rows = request.app[AUDIT].rows(action=action if action in ACTIONS else "", username=who)
    options = '<option value="">(tất cả)</option>' + "".join(
        f'<option value="{k}"{" selected" if k == action else ""}>{v}</option>' for k, v in ACTIONS.items()
    )
    body = (
        '<form method="get" class="card"><label for="action">Thao tác</label>'
        f'<select id="action" name="action">{options}</select>'
        f'<label for="user">Tài khoản</label><input type="text" id="user" name="user" value="{pages.e(who)}">'
        "<p><button>Lọc</button></p></form>"
        '<div class="card scroll"><table><tr><th>Lúc</th><th>Ai</th><th>Thao tác</th><th>Đối tượng</th>'
        "<th>Chi tiết</th><th>Địa chỉ</th></tr>"
        + "".join(
            f'<tr data-action="{pages.e(r["action"])}"><td>{pages.e(pages.local_time(r["at"]))}</td>'
            f"<td>{pages.e(r['username'])}</td><td>{pages.e(ACTIONS.get(r['action'], r['action']))}</td>"
            f"<td>{pages.e(r['target'])}</td><td>{pages.e(r['detail'])}</td><td>{pages.e(r['address'])}</td></tr>"
            for r in rows
        )
        + "</table></div>"
        '<p class="muted">500 dòng gần nhất. Nhật ký được giữ như các bản ghi khác (RETENTION_DAYS).</p>'
    )
    return html(pages.page("Nhật ký thao tác", body, request[CSRF]))


def register(app: web.Application) -> None:
    app.router.add_get("/admin/account", account_page)
    app.router.add_post("/admin/password", change_password)
    app.router.add_get("/admin/users", users_page)
    app.router.add_post("/admin/users/{action}", users_action)
    app.router.add_get("/admin/audit", audit_page)
