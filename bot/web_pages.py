"""HTML for the web chat and the console. Every value that is not a literal here goes through ``e()``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

from bot import render_text, texts
from bot.conversation.replies import Answer, AskBack, Choices, NoAnswer, Notice, Place, Reply
from bot.render_text import entry_sections
from bot.tickets import VIETNAM
from knowledge import Entry, SearchResult, Status


def e(value: object) -> str:
    return escape(str(value), quote=True)


STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f5f7fa;color:#1b1f24;font-size:16px}
header{background:#0b5394;color:#fff;padding:.7rem 1rem}header a{color:#fff}
main{max-width:52rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:8px;padding:1rem;margin:.7rem 0;box-shadow:0 1px 2px #0002}
.me{background:#dbeafe;margin-left:15%}.bot{margin-right:5%;white-space:pre-line}
input[type=text],input[type=password],input[type=date],textarea{width:100%;padding:.6rem;font-size:1rem;box-sizing:border-box}
button{padding:.5rem .9rem;font-size:1rem;border:0;border-radius:6px;background:#0b5394;color:#fff;cursor:pointer}
button.light{background:#e5e7eb;color:#111}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
.muted{color:#667}.warn{color:#9a3412}nav a{margin-right:1rem}pre{white-space:pre-wrap;background:#f3f4f6;padding:.7rem}
form.inline{display:inline}
"""


def page(title: str, body: str, csrf: str | None = None) -> str:
    """A whole page; with ``csrf`` it is a console page: navigation and a logout form."""
    nav = (
        '<nav><a href="/admin">Tổng quan</a><a href="/admin/unanswered">Chưa trả lời</a>'
        '<a href="/admin/learning">Cách hỏi mới</a><a href="/admin/tickets">Câu hỏi gửi cán bộ</a>'
        '<a href="/admin/entries">Các mục</a><a href="/admin/review">Cần kiểm tra</a>'
        '<a href="/admin/try">Thử câu hỏi</a><a href="/admin/posters">Áp phích QR</a>'
        '<a href="/admin/upgrades">Cập nhật nội dung</a><a href="/admin/account">Tài khoản</a>'
        '<a href="/">Trò chuyện</a>'
        f'<form method="post" action="/admin/logout" class="inline">{csrf_field(csrf)}'
        '<button class="light">Đăng xuất</button></form></nav>'
        if csrf
        else ""
    )
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(title)}</title><style>{STYLE}</style>"
        '<link rel="stylesheet" href="/static/console.css"></head><body>'
        f"<header><strong>Trợ lý số</strong> · {e(title)} {nav}</header><main>{body}</main></body></html>"
    )


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def link(url: str, title: str) -> str:
    """An official site, opened in a new tab; the chat page is not handed to it (noopener)."""
    return f'<a href="{e(url)}" target="_blank" rel="noopener noreferrer">{e(title)}</a>'


def linkify(line: str) -> str:
    """Escaped text with official addresses as links that open in a new tab."""
    out, last = [], 0
    for match in _URL.finditer(line):
        out += [e(line[last : match.start()]), link(match.group(), match.group())]
        last = match.end()
    out.append(e(line[last:]))
    return "".join(out)


def line_paragraphs(text: str) -> str:
    """Each non-blank line a paragraph, escaped, official addresses as links (address replies, notices)."""
    return "".join(f"<p>{linkify(line)}</p>" for line in text.splitlines() if line.strip())


def text_html(text: str, heading: str = "") -> str:
    """Reflowed text as HTML: blank-line paragraphs as <p>, kept line breaks (steps, bullets) as <br>,
    web addresses as links. Everything is escaped."""
    paragraphs = []
    for number, paragraph in enumerate(text.split("\n\n")):
        body = "<br>".join(linkify(line) for line in paragraph.split("\n"))
        if heading and number == 0:
            body = f"<b>{e(heading)}:</b><br>{body}"
        paragraphs.append(f"<p>{body}</p>")
    return "".join(paragraphs)


def entry_html(entry: Entry) -> str:
    parts = [f'<p class="title"><strong>{e(entry.title)}</strong></p>']
    for heading, lines in entry_sections(entry):
        if heading == texts.LINKS:  # real links instead of the plain-text list
            links = "<br>".join("• " + link(x.url, x.title) for x in entry.links)
            parts.append(f"<p><b>{e(heading)}:</b><br>{links}</p>")
            continue
        parts.append(text_html("\n".join(lines), heading))
    return "".join(parts)


def local_time(iso: str) -> str:
    """A stored UTC time as administrators read it: Vietnam time, dd/mm/yyyy hh:mm."""
    try:
        moment = datetime.fromisoformat(iso).replace(tzinfo=UTC)
    except ValueError:
        return iso
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def answer_html(result: SearchResult, recorded: bool) -> str:
    if result.status is Status.ANSWERED and result.best:
        entry = result.best.entry
        return entry_html(entry) + feedback_buttons(entry.id)
    if result.status is Status.SUGGESTED:
        return f"<p>{e(texts.DID_YOU_MEAN)}</p>" + choice_buttons([c.entry for c in result.choices])
    html = f"<p>{e(texts.not_found(result.uncovered))}{' ' + e(texts.RECORDED) if recorded else ''}</p>"
    if result.suggestions:
        html += f"<p>{e(texts.CLOSEST)}</p>" + choice_buttons([c.entry for c in result.suggestions])
    return html + f"<p class=muted>{e(texts.HUMAN_HELP)}</p>"


def reply_html(reply: Reply) -> str:
    """One reply of the conversation core as an HTML fragment for the web chat (everything escaped)."""
    match reply:
        case Answer():
            head = (
                f"<p><i>{e(texts.ABOUT.format(title=reply.carried_from.title))}</i></p>" if reply.carried_from else ""
            )
            if reply.parts:
                body = f"<h3>{e(reply.entry.title)}</h3>" + "".join(
                    text_html("\n".join(lines), heading)
                    for heading, lines in render_text.part_sections(reply.entry, reply.parts)
                )
                body += choice_buttons([reply.entry], label=texts.WHOLE_GUIDE)
            else:
                body = entry_html(reply.entry)
            related = "".join(
                f'<p><button class="light" data-open="{e(x.id)}">{e(render_text.related_label(x))}: {e(x.title)}'
                "</button></p>"
                for x in reply.related
            )
            return head + body + related + feedback_buttons(reply.entry.id)
        case Choices():
            return f"<p>{e(texts.DID_YOU_MEAN)}</p>" + choice_buttons(list(reply.entries), choice=True)
        case NoAnswer():
            first = texts.not_found(reply.result.uncovered if reply.result else "")
            html = f"<p>{e(first)}{' ' + e(texts.RECORDED) if reply.recorded else ''}</p>"
            if reply.closest:
                html += f"<p>{e(texts.CLOSEST)}</p>" + choice_buttons(list(reply.closest))
            return html + f"<p class=muted>{e(texts.HUMAN_HELP)}</p>"
        case Place():
            paragraphs = line_paragraphs(reply.text)
            choices = "".join(
                f'<p><button class="light" data-place="{e(payload)}">{e(label)}</button></p>'
                for label, payload in reply.choices
            )
            return paragraphs + choices + choice_buttons(list(reply.related))
        case AskBack():
            return f"<p>{e(render_text.ask_back(reply))}</p>"
        case Notice():
            return line_paragraphs(reply.text)  # "sai rồi": the ways to reach a person, the portal a link
    raise TypeError(reply)


def choice_buttons(entries: list[Entry], label: str = "", choice: bool = False) -> str:
    """A button per entry (its title, or ``label``); ``choice``: a "Có phải bạn muốn hỏi" pick, which
    teaches a phrasing."""
    mark = ' data-choice="1"' if choice else ""
    return "".join(
        f'<p><button{mark} class="light" data-open="{e(x.id)}">{e(label or x.title)}</button></p>' for x in entries
    )


def feedback_buttons(entry_id: str) -> str:
    return (
        f'<p><button class="light" data-feedback="1" data-entry="{e(entry_id)}">{e(texts.HELPFUL)}</button> '
        f'<button class="light" data-feedback="0" data-entry="{e(entry_id)}">{e(texts.NOT_HELPFUL)}</button></p>'
    )


def login(error: str = "", setup: bool = False) -> str:
    """The login form; on a database without accounts, the form that creates the first administrator."""
    warn = f'<p class="warn" role="alert">{e(error)}</p>' if error else ""
    if setup:
        body = (
            warn + '<form method="post" action="/admin/setup" class="card"><h2>Tạo tài khoản quản trị đầu tiên</h2>'
            '<p class="muted">Chưa có tài khoản nào. Nhập mã ADMIN_TOKEN (in ra khi khởi động trợ lý) và tạo '
            "tài khoản quản trị của bạn. Sau đó mã này không dùng để đăng nhập được nữa.</p>"
            '<label for="token">Mã ADMIN_TOKEN</label><input type="password" id="token" name="token" required>'
            '<label for="username">Tên đăng nhập (chữ thường không dấu, ví dụ nguyen.van.a)</label>'
            '<input type="text" id="username" name="username" required autocomplete="username">'
            '<label for="display_name">Họ tên</label><input type="text" id="display_name" name="display_name">'
            '<label for="password">Mật khẩu (ít nhất 10 ký tự)</label>'
            '<input type="password" id="password" name="password" required autocomplete="new-password">'
            '<label for="password2">Nhập lại mật khẩu</label>'
            '<input type="password" id="password2" name="password2" required autocomplete="new-password">'
            '<p><button type="submit">Tạo tài khoản và đăng nhập</button></p></form>'
        )
        return page("Cài đặt ban đầu", body)
    body = (
        warn + '<form method="post" action="/admin/login" class="card">'
        '<label for="username">Tên đăng nhập</label>'
        '<input type="text" id="username" name="username" required autocomplete="username" autofocus>'
        '<label for="password">Mật khẩu</label>'
        '<input type="password" id="password" name="password" required autocomplete="current-password">'
        '<p><button type="submit">Đăng nhập</button></p>'
        '<p class="muted">Quên mật khẩu? Nhờ quản trị viên đặt lại.</p></form>'
    )
    return page("Đăng nhập quản trị", body)


def csrf_field(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{e(token)}">'
