"""Console pages to list, edit, create, retire, restore and review catalogue entries.

Every change goes the same way: the form becomes a draft, the draft is written into a copy of the
entry's YAML file (round trip, bot/console/entries.py) and validated with the whole catalogue; only
then is the real file replaced (atomically, after a backup), the engine reloaded (live within seconds)
and the version recorded in the history with its author.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot import texts
from bot import web_pages as pages
from bot.channels.telegram.render import entry_pages
from bot.console import entries as ed
from bot.console.history import ACTIONS, HISTORY, LOCK, ON_DISK, loads, review_due, sync_now
from bot.web import CSRF, ENGINE, SETTINGS, USER, audit, html
from knowledge import Catalogue, Entry, Index, Status

e = pages.e
STATES = {"": "(tất cả)", "verified": "đã xác minh", "waiting": "chờ kiểm tra", "due": "đến hạn rà soát"}
STATES_MORE = {**STATES, "retired": "ngừng dùng"}
KINDS = {"": "(tất cả)", "faq": "hỏi đáp", "procedure": "thủ tục"}


def _catalogue(request: web.Request) -> Catalogue:
    return request.app[ENGINE].index.catalogue


def _sources(request: web.Request) -> list[Path]:
    return [Path(f) for f in _catalogue(request).files]


def _find(request: web.Request, entry_id: str) -> Entry | None:
    catalogue = _catalogue(request)
    return catalogue.entries.get(entry_id) or catalogue.retired.get(entry_id)


def _state(entry: Entry, months: int) -> list[str]:
    out = []
    if entry.retired:
        out.append("retired")
    if not entry.verified:
        out.append("waiting")
    if review_due(entry.reviewed, months):
        out.append("due")
    if entry.verified and "due" not in out:
        out.append("verified")
    return out


def _badges(states: list[str]) -> str:
    return " ".join(f'<span class="badge {s}">{e(STATES_MORE[s])}</span>' for s in states)


def _notice(request: web.Request) -> str:
    msg = request.query.get("msg", "")[:400]
    return f'<p class="ok" role="status" id="notice">{e(msg)}</p>' if msg else ""


def _select(name: str, options: dict[str, str], current: str, label: str) -> str:
    opts = "".join(
        f'<option value="{e(k)}"{" selected" if k == current else ""}>{e(v)}</option>' for k, v in options.items()
    )
    return f'<label for="{name}">{e(label)}</label><select id="{name}" name="{name}">{opts}</select>'


# -- the list --------------------------------------------------------------------------------------


async def entries_page(request: web.Request) -> web.Response:
    q = request.query
    text, sector, kind, state = q.get("q", "")[:200], q.get("sector", ""), q.get("kind", ""), q.get("state", "")
    catalogue = _catalogue(request)
    months = request.app[SETTINGS].review_months
    folded = " ".join(text.lower().split())
    rows = []
    every = [*catalogue.entries.values(), *catalogue.retired.values()]
    for entry in sorted(every, key=lambda x: (x.sector, x.title)):
        states = _state(entry, months)
        if (state or "") != "retired" and entry.retired:
            continue
        if state and state not in states:
            continue
        if (sector and entry.sector != sector) or (kind and entry.kind != kind):
            continue
        haystack = " ".join((entry.id, entry.title, entry.answer, *entry.questions)).lower()
        if folded and folded not in haystack:
            continue
        sector_title = catalogue.sectors[entry.sector].title if entry.sector in catalogue.sectors else entry.sector
        rows.append(
            f'<tr data-entry="{e(entry.id)}"><td><a href="/admin/entries/{e(entry.id)}">{e(entry.title)}</a>'
            f'<br><span class="muted">{e(entry.id)}</span></td><td class="wide">{e(sector_title)}</td>'
            f'<td class="wide">{e(KINDS[entry.kind])}</td><td>{_badges(states)}</td><td>{entry.reviewed:%d/%m/%Y}</td>'
            f'<td><a href="/admin/entries/{e(entry.id)}/history">Lịch sử</a></td></tr>'
        )
    sectors = {"": "(tất cả)", **{s.id: s.title for s in catalogue.sectors.values()}}
    can_edit = request[USER].can_edit
    body = (
        _notice(request) + '<form method="get" class="card filters">'
        f'<label for="q">Tìm trong tiêu đề, câu hỏi, câu trả lời</label>'
        f'<input type="text" id="q" name="q" value="{e(text)}">'
        + _select("sector", sectors, sector, "Lĩnh vực")
        + _select("kind", KINDS, kind, "Loại")
        + _select("state", STATES_MORE, state, "Tình trạng")
        + "<p><button>Lọc</button></p></form>"
        + (
            '<p><a class="button" href="/admin/entries/new">+ Tạo mục hỏi đáp</a> '
            '<a class="button light" href="/admin/entries/new?kind=procedure">+ Tạo thủ tục</a></p>'
            if can_edit
            else ""
        )
        + f"<p>{len(rows)} mục</p>"
        '<div class="card scroll"><table><tr><th>Mục</th><th class="wide">Lĩnh vực</th><th class="wide">Loại</th>'
        "<th>Tình trạng</th>"
        "<th>Rà soát</th><th></th></tr>" + "".join(rows) + "</table></div>"
    )
    return html(pages.page("Các mục", body, request[CSRF]))


# -- the form --------------------------------------------------------------------------------------


@dataclass
class FormState:
    entry_id: str
    kind: str
    values: dict[str, str]
    base: str  # the entry as it was when the form was opened (snapshot JSON); "" for a new entry
    new: bool = False
    file_index: int = 0
    errors: dict[str, list[str]] | None = None
    general: list[str] | None = None
    conflict: str = ""
    preview: str = ""


def _field_html(f: ed.Field, state: FormState, catalogue: Catalogue, readonly: bool) -> str:
    value = state.values.get(f.key, "")
    errors = (state.errors or {}).get(f.key, [])
    hint_id, err_id = f"hint-{f.key}", f"err-{f.key}"
    described = hint_id + (f" {err_id}" if errors else "")
    common = f'id="f-{f.key}" name="{f.key}" aria-describedby="{described}"' + (" disabled" if readonly else "")
    if errors:
        common += ' aria-invalid="true"'
    if f.kind == "sector":
        options = "".join(
            f'<option value="{e(s.id)}"{" selected" if s.id == value else ""}>{e(s.title)}</option>'
            for s in catalogue.sectors.values()
        )
        control = f'<select {common}><option value="">— chọn —</option>{options}</select>'
    elif f.kind == "bool":
        control = f'<input type="checkbox" value="1" {common}{" checked" if value else ""}>'
    elif f.kind in ("textarea", "lines", "links", "ids"):
        rows = 8 if f.key in ("answer", "questions", "steps") else 3
        control = f'<textarea rows="{rows}" {common}>{e(value)}</textarea>'
    elif f.kind == "date":
        control = f'<input type="text" inputmode="numeric" placeholder="dd/mm/yyyy" value="{e(value)}" {common}>'
    else:
        control = f'<input type="text" value="{e(value)}" {common}>'
    error_html = (
        f'<div class="field-error" id="{err_id}" role="alert">' + "<br>".join(e(m) for m in errors) + "</div>"
        if errors
        else ""
    )
    return (
        f'<div class="field{" has-error" if errors else ""}" data-field="{f.key}">'
        f'<label for="f-{f.key}">{e(f.label)}</label>'
        f'<div class="muted hint" id="{hint_id}">{e(f.hint)}</div>{control}{error_html}</div>'
    )


def _form_html(request: web.Request, state: FormState) -> str:
    catalogue = _catalogue(request)
    readonly = not request[USER].can_edit
    csrf = pages.csrf_field(request[CSRF])
    action = "/admin/entries/new" if state.new else f"/admin/entries/{e(state.entry_id)}"
    head = ""
    if state.conflict:
        head += (
            '<div class="card warn" id="conflict" role="alert"><h2>Chưa lưu: mục này vừa được sửa ở nơi khác</h2>'
            "<p>Từ lúc bạn mở mục, tệp đã thay đổi (người khác lưu, hoặc sửa bằng trình soạn thảo). Để không mất "
            "thay đổi của ai, trợ lý không ghi đè. Phần khác nhau (dòng “-” là lúc bạn mở, “+” là bây giờ):</p>"
            f'<pre class="diff">{_diff_html(state.conflict)}</pre>'
            "<p>Nội dung bạn gõ vẫn còn trong các ô dưới đây. Hãy đối chiếu: nếu vẫn muốn dùng bản của bạn, bấm "
            "“Lưu” lần nữa (bản trên đĩa sẽ được thay bằng bản của bạn và vẫn còn trong lịch sử); nếu không, "
            f'<a href="/admin/entries/{e(state.entry_id)}">mở lại mục</a> để sửa tiếp từ bản mới.</p></div>'
        )
    if state.general:
        head += (
            '<div class="card warn" role="alert" id="problems"><p>Chưa lưu. Hãy sửa các điểm sau:</p><ul>'
            + "".join(f"<li>{e(m)}</li>" for m in state.general)
            + "</ul></div>"
        )
    elif state.errors:
        head += (
            '<div class="card warn" role="alert" id="problems"><p>Chưa lưu. Các ô có lỗi được đánh dấu bên dưới, '
            "kèm cách sửa.</p></div>"
        )
    top = ""
    if state.new:
        files = "".join(
            f'<option value="{i}"{" selected" if i == state.file_index else ""}>{e(Path(f).name)}</option>'
            for i, f in enumerate(catalogue.files)
        )
        id_errors = (state.errors or {}).get("id", [])
        top = (
            '<div class="field" data-field="id"><label for="f-id">Mã mục</label><div class="muted hint" id="hint-id">'
            "Chữ thường không dấu, số và gạch ngang, ví dụ cap-doi-can-cuoc. Không đổi sau khi đã dùng (mã QR trỏ "
            f'tới nó).</div><input type="text" id="f-id" name="id" value="{e(state.entry_id)}" required '
            'aria-describedby="hint-id err-id">'
            + (
                '<div class="field-error" id="err-id" role="alert">' + "<br>".join(e(m) for m in id_errors) + "</div>"
                if id_errors
                else ""
            )
            + f'</div><label for="f-file">Ghi vào tệp</label><select id="f-file" name="file">{files}</select>'
        )
    fields = "".join(_field_html(f, state, catalogue, readonly) for f in ed.fields_for(state.kind))
    buttons = (
        '<label for="f-try">Câu hỏi thử thêm (mỗi dòng một câu, không bắt buộc)</label>'
        f'<textarea id="f-try" name="try" rows="2">{e(state.values.get("try", ""))}</textarea>'
        '<p class="actions"><button name="action" value="preview" class="light">Xem trước và thử câu hỏi</button> '
        '<button name="action" value="save" id="save">Lưu</button></p>'
        if not readonly
        else '<p class="muted">Tài khoản chỉ xem: không sửa được.</p>'
    )
    return (
        head + f'<form method="post" action="{action}" class="card editor" novalidate>{csrf}'
        f'<input type="hidden" name="kind" value="{e(state.kind)}">'
        f'<input type="hidden" name="base" value="{e(state.base)}">'
        + top
        + fields
        + buttons
        + "</form>"
        + state.preview
    )


def _diff_html(text: str) -> str:
    out = []
    for line in text.splitlines():
        if line.startswith(("+++", "---", "@@")):
            out.append(f'<span class="muted">{e(line)}</span>')
            continue
        cls = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
        out.append(f'<span class="{cls}">{e(line)}</span>' if cls else e(line))
    return "\n".join(out)


def _entry_actions(request: web.Request, entry: Entry) -> str:
    links = f'<a href="/admin/entries/{e(entry.id)}/history">Lịch sử các phiên bản</a>'
    if not request[USER].can_edit:
        return f"<p>{links}</p>"
    csrf = pages.csrf_field(request[CSRF])
    flag = "unretire" if entry.retired else "retire"
    label = "Dùng lại mục này" if entry.retired else "Ngừng dùng mục này (ẩn với người dân, vẫn giữ trong tệp)"
    state = ('<p class="warn">Mục này đang ngừng dùng: người dân không thấy.</p>' if entry.retired else "") + (
        "" if entry.verified else '<p class="warn">Mục này đang chờ cán bộ kiểm tra lại.</p>'
    )
    return (
        f"{state}<p>{links} · "
        f'<form method="post" action="/admin/entries/{e(entry.id)}/{flag}" class="inline">{csrf}'
        f'<button class="light">{e(label)}</button></form></p>'
    )


async def entry_page(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry_id"]
    entry = _find(request, entry_id)
    if entry is None:
        raise web.HTTPNotFound(text="Không tìm thấy mục này. Có thể mục đã bị xoá khỏi tệp.")
    path = Path(entry.file)
    raw, _ = ed.find(ed.load(path.read_text(encoding="utf-8")), entry_id)
    on_disk = ed.file_entries(path).get(entry_id, entry)
    state = FormState(entry_id, entry.kind, ed.form_values(raw, entry.kind), ed.snapshot_json(on_disk))
    body = _notice(request) + _entry_actions(request, entry) + _form_html(request, state)
    return html(pages.page(f"Sửa mục: {entry.title}", body, request[CSRF]))


async def new_page(request: web.Request) -> web.Response:
    kind = "procedure" if request.query.get("kind") == "procedure" else "faq"
    catalogue = _catalogue(request)
    file_index = 0
    if kind == "procedure":  # a procedure goes with the others, not in the FAQ
        file_index = next((i for i, f in enumerate(catalogue.files) if i and "procedure" in f), 0)
    values = ed.form_values({}, kind) | {"verified": ""}
    # From "Soạn mục" on the unanswered questions or a ticket: the citizens' phrasings (and staff's answer).
    values["questions"] = "\n".join(q[:300] for q in request.query.getall("q", [])[:10])
    values["title"] = request.query.get("title", "")[:120]
    values["answer"] = request.query.get("answer", "")[:4000]
    values["id"] = request.query.get("id", "")[:48]
    state = FormState(values["id"], kind, values, "", new=True, file_index=file_index)
    title = "Tạo thủ tục mới" if kind == "procedure" else "Tạo mục hỏi đáp mới"
    return html(pages.page(title, _form_html(request, state), request[CSRF]))


def _try_html(draft: Entry | None, index: Index, extra: list[str]) -> str:
    if draft is None:
        return ""
    rows = []
    for question in [*draft.questions, *extra]:
        result = index.search(question)
        best = result.best.entry if result.best else None
        if result.status is Status.ANSWERED and best and best.id == draft.id:
            verdict = '<span class="good">trả lời bằng mục này</span>'
        elif result.status is Status.ANSWERED and best:
            verdict = f'<span class="bad">trả lời bằng mục khác: {e(best.title)} ({e(best.id)})</span>'
        elif result.status is Status.SUGGESTED:
            titles = ", ".join(c.entry.title for c in result.choices)
            verdict = f'<span class="meh">chỉ gợi ý: {e(titles)}</span>'
        else:
            verdict = '<span class="bad">chưa trả lời được</span>'
        rows.append(f"<tr><td>{e(question)}</td><td>{verdict}</td><td>{result.score:.2f}</td></tr>")
    return (
        '<div class="card" id="try"><h2>Thử câu hỏi với bản nháp</h2><table><tr><th>Câu hỏi</th><th>Trợ lý sẽ</th>'
        "<th>Điểm</th></tr>" + "".join(rows) + "</table></div>"
    )


def _preview_html(draft: Entry | None) -> str:
    if draft is None:
        return ""
    # Telegram's HTML is escaped text and <b> tags: keep the tags, re-escape the text in between.
    telegram = "".join(
        '<div class="bubble">'
        + "".join(x if x in ("<b>", "</b>") else e(unescape(x)) for x in re.split(r"(</?b>)", page))
        + "</div>"
        for page in entry_pages(draft)
    )
    return (
        '<div class="card" id="preview"><h2>Người dân sẽ thấy</h2><div class="previews">'
        f'<div><h3>Trên web</h3><div class="card bot">{pages.entry_html(draft)}</div></div>'
        f'<div><h3>Trên Telegram</h3><div class="phone">{telegram}</div></div></div></div>'
    )


class Refused(Exception):
    def __init__(self, state: FormState, status: int = 400) -> None:
        self.state, self.status = state, status


async def _save(
    request: web.Request,
    entry_id: str,
    draft: ed.Draft | None,
    *,
    base: str | None,
    action: str,
    note: str = "",
    flags: dict[str, bool | None] | None = None,
    state: FormState | None = None,
    new_file: Path | None = None,
    preview_only: bool = False,
    extra_questions: list[str] | None = None,
) -> tuple[str, Entry | None]:
    """Validate and (unless ``preview_only``) write one entry's change; raises Refused with the form to show."""
    engine = request.app[ENGINE]
    if engine.read_only and not preview_only:  # KNOWLEDGE_DIR cannot be written: say so, change nothing
        raise web.HTTPServiceUnavailable(text=texts.EDITS_OFF, content_type="text/plain", charset="utf-8")
    await sync_now(request.app)  # changes made on disk until now are theirs, not this user's
    async with request.app[LOCK]:
        sources = _sources(request)
        existing = _find(request, entry_id)
        path = new_file if existing is None else Path(existing.file)
        if path is None:
            raise web.HTTPNotFound(text="Không tìm thấy mục này.")
        original = path.read_text(encoding="utf-8")
        data = ed.load(original)
        raw, _ = ed.find(data, entry_id)
        if existing is None and raw is None:
            if state is not None and not state.new:
                raise web.HTTPNotFound(text="Không tìm thấy mục này.")
            section = ed.SECTION[draft.kind if draft else "faq"]
            if data.get(section) is None:
                data[section] = ed.CommentedSeq()
            raw = ed.new_entry(entry_id)
            data[section].append(raw)
        elif state is not None and state.new:
            state.errors = {"id": [f'Mã "{entry_id}" đã có. Chọn mã khác, hoặc mở mục đó để sửa.']}
            raise Refused(state)
        on_disk = ed.file_entries(path).get(entry_id)
        current = ed.snapshot_json(on_disk) if on_disk else ""
        if base is not None and current != base and not preview_only:
            difference = ed.diff(ed.snapshot_text(loads(base)), ed.snapshot_text(loads(current)), "lúc mở", "bây giờ")
            if state is None:
                raise web.HTTPConflict(text="Mục đã thay đổi trên đĩa. Hãy tải lại trang.")
            state.conflict, state.base = difference or "(chỉ khác cách viết trong tệp)", current
            raise Refused(state, 409)
        if draft is not None:
            ed.apply(raw, draft)
        for key, value in (flags or {}).items():
            ed.set_flag(raw, key, value)
        text = ed.dump(data)
        files = engine.files
        in_use = (engine.index.lexicon, engine.index.catalogue.entries)
        checked = await asyncio.to_thread(
            ed.check, text, path, sources, entry_id, None, files.lexicon, files.sectors, in_use
        )
        draft_entry = checked.catalogue.entries.get(entry_id) or checked.catalogue.retired.get(entry_id)
        if state is not None:
            typed = dict(state.errors or {})  # the form's own messages say it plainer: the validator's wait
            for key, messages in checked.fields.items():
                if key in typed:
                    continue
                if key in {f.key for f in ed.fields_for(state.kind)} or key == "id":
                    state.errors = state.errors or {}
                    state.errors.setdefault(key, []).extend(messages)
                else:
                    state.general = [*(state.general or []), *messages]
            others = [str(p) for p in checked.problems if p.entry != entry_id]
            if others:
                state.general = [*(state.general or []), *others[:10]]
            if preview_only or state.errors or state.general:
                index = await asyncio.to_thread(Index, checked.catalogue, checked.lexicon, engine.thresholds)
                state.preview = _preview_html(draft_entry) + _try_html(draft_entry, index, extra_questions or [])
                raise Refused(state, 200 if preview_only and not (state.errors or state.general) else 400)
        elif checked.problems:
            raise web.HTTPBadRequest(text="Không lưu được: " + "; ".join(str(p) for p in checked.problems[:5]))
        try:
            backup = ed.write_atomically(path, text, original)
        except ed.Conflict as conflict:
            if state is None:
                raise web.HTTPConflict(text="Tệp vừa thay đổi. Hãy thử lại.") from conflict
            state.conflict = conflict.difference
            raise Refused(state, 409) from conflict
        report = await asyncio.to_thread(engine.reload)
        saved = ed.file_entries(path).get(entry_id)
        user = request[USER].username
        request.app[HISTORY].record(
            entry_id, user, action, current or None, ed.snapshot_json(saved) if saved else None, note
        )
        if report.ok:
            request.app[HISTORY].synced = engine.index.catalogue
        audit(request, f"entry_{action}" if action != "review" else "review", entry_id, note or backup.name)
        summary = report.summary().splitlines()[0]
        return summary, saved


def _form_state(form: Any, entry_id: str, new: bool, kind: str) -> tuple[FormState, ed.Draft]:
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    draft = ed.parse_form(values, entry_id, kind)
    state = FormState(entry_id, kind, values, str(form.get("base", "")), new=new, errors=dict(draft.errors) or None)
    try:
        state.file_index = int(form.get("file", 0))
    except ValueError:
        state.file_index = 0
    return state, draft


async def save_entry(request: web.Request) -> web.Response:
    new = request.path == "/admin/entries/new"
    form = await request.post()
    entry_id = str(form.get("id", "")).strip().lower() if new else request.match_info["entry_id"]
    existing = None if new else _find(request, entry_id)
    if not new and existing is None:
        raise web.HTTPNotFound(text="Không tìm thấy mục này.")
    # An existing entry keeps the kind its file gives it, whatever the form claims.
    kind = existing.kind if existing else ("procedure" if form.get("kind") == "procedure" else "faq")
    state, draft = _form_state(form, entry_id, new, kind)
    preview = form.get("action") == "preview"
    title = "Tạo mục mới" if new else f"Sửa mục: {entry_id}"
    new_file = None
    if new:
        files = _catalogue(request).files
        new_file = Path(files[state.file_index]) if 0 <= state.file_index < len(files) else None
        if not entry_id or new_file is None:
            state.errors = {**(state.errors or {}), "id": ["Còn trống. Hãy đặt mã mục, ví dụ cap-doi-can-cuoc."]}
            return html(pages.page(title, _form_html(request, state), request[CSRF]), status=400)
    try:
        extra = ed.lines_of(str(form.get("try", "")))[:20]
        summary, _ = await _save(
            request,
            entry_id,
            draft,
            base=None if new else state.base,
            action="create" if new else "edit",
            state=state,
            new_file=new_file,
            preview_only=preview,
            extra_questions=extra,
        )
    except Refused as refused:
        page = _form_html(request, refused.state)
        return html(pages.page(title, page, request[CSRF]), status=refused.status)
    raise web.HTTPFound(f"/admin/entries/{entry_id}?" + urlencode({"msg": f"Đã lưu. {summary}"}))


async def set_retired(request: web.Request) -> web.Response:
    entry_id, flag = request.match_info["entry_id"], request.match_info["flag"]
    if _find(request, entry_id) is None:
        raise web.HTTPNotFound(text="Không tìm thấy mục này.")
    retire = flag == "retire"
    summary, _ = await _save(
        request, entry_id, None, base=None, action=flag, flags={"retired": True if retire else None}
    )
    done = "Đã ngừng dùng mục (người dân không còn thấy)." if retire else "Đã dùng lại mục."
    raise web.HTTPFound(f"/admin/entries/{entry_id}?" + urlencode({"msg": f"{done} {summary}"}))


# -- history ---------------------------------------------------------------------------------------


async def history_page(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry_id"]
    await sync_now(request.app)
    rows = request.app[HISTORY].rows(entry_id)
    if not rows and _find(request, entry_id) is None:
        raise web.HTTPNotFound(text="Không tìm thấy mục này.")
    csrf = pages.csrf_field(request[CSRF])
    can_edit = request[USER].can_edit
    items = []
    for i, row in enumerate(rows):
        before, after = loads(row["before"]), loads(row["after"])
        difference = ed.diff(ed.snapshot_text(before), ed.snapshot_text(after))
        who = row["username"] or ON_DISK
        restore = (
            f'<form method="post" action="/admin/entries/{e(entry_id)}/restore" class="inline">{csrf}'
            f'<input type="hidden" name="version" value="{row["id"]}">'
            '<button class="light">Khôi phục phiên bản này</button></form>'
            if can_edit and after and i > 0
            else ""
        )
        label = "Nguồn đã đối chiếu" if row["action"] == "review" else "Ghi chú"
        note = f"<p>{label}: {e(row['note'])}</p>" if row["note"] else ""
        body = (
            f'<pre class="diff">{_diff_html(difference)}</pre>'
            if before
            else (f"<details><summary>Nội dung</summary><pre>{e(ed.snapshot_text(after))}</pre></details>")
        )
        items.append(
            f'<div class="card version" data-version="{row["id"]}"><p><b>{e(pages.local_time(row["at"]))}</b> · '
            f"{e(who)} · {e(ACTIONS.get(row['action'], row['action']))}{' (bản hiện tại)' if i == 0 else ''}</p>"
            f"{note}{body}{restore}</div>"
        )
    body = (
        _notice(request)
        + f'<p><a href="/admin/entries/{e(entry_id)}">← Về mục {e(entry_id)}</a></p>'
        + ("".join(items) or "<p>Chưa có phiên bản nào được ghi.</p>")
    )
    return html(pages.page(f"Lịch sử: {entry_id}", body, request[CSRF]))


def _draft_from_snapshot(snap: dict[str, Any]) -> ed.Draft:
    kind = snap.get("kind", "faq")
    draft = ed.Draft(snap["id"], kind)
    for f in ed.fields_for(kind):
        if f.key == "note":
            continue  # not part of what citizens see; the file's note stays
        value = snap.get(f.key)
        if f.kind == "links":
            value = [
                {"title": t.strip(), "url": u.strip()} for t, _, u in (str(x).rpartition("|") for x in value or [])
            ]
        elif f.kind == "date":
            value = date.fromisoformat(value) if value else None
        elif value is None:
            value = [] if f.kind in ("lines", "ids") else ""
        elif isinstance(value, list):
            value = [str(x) for x in value]
        draft.values[f.key] = value
    return draft


async def restore(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry_id"]
    form = await request.post()
    try:
        row = request.app[HISTORY].get(int(str(form.get("version", ""))))
    except ValueError:
        row = None
    if row is None or row["entry_id"] != entry_id or not row["after"]:
        raise web.HTTPBadRequest(text="Không có phiên bản này. Hãy mở lại trang lịch sử.")
    if _find(request, entry_id) is None:
        raise web.HTTPNotFound(text="Mục không còn trong tệp; hãy tạo lại mục với nội dung từ lịch sử.")
    snap = loads(row["after"])
    try:
        summary, _ = await _save(
            request,
            entry_id,
            _draft_from_snapshot(snap),
            base=None,
            action="restore",
            note=f"phiên bản lúc {pages.local_time(row['at'])}",
            flags={"retired": True if snap.get("retired") else None},
        )
    except web.HTTPBadRequest as refused:
        query = urlencode({"msg": "Không khôi phục được: " + (refused.text or "")[:300]})
        raise web.HTTPFound(f"/admin/entries/{entry_id}/history?{query}") from refused
    raise web.HTTPFound(f"/admin/entries/{entry_id}?" + urlencode({"msg": f"Đã khôi phục. {summary}"}))


# -- review ----------------------------------------------------------------------------------------


async def review_page(request: web.Request) -> web.Response:
    catalogue = _catalogue(request)
    months = request.app[SETTINGS].review_months
    today = date.today()
    waiting = [x for x in catalogue.entries.values() if not x.verified]
    due = [x for x in catalogue.entries.values() if x.verified and review_due(x.reviewed, months, today)]
    queue = sorted(waiting, key=lambda x: x.reviewed) + sorted(due, key=lambda x: x.reviewed)
    csrf = pages.csrf_field(request[CSRF])
    can_edit = request[USER].can_edit
    last = request.app[HISTORY].reviews()
    rows = []
    for entry in queue[:300]:
        why = "chờ kiểm tra (verified: false)" if not entry.verified else f"rà soát đã quá {months} tháng"
        previous = last.get(entry.id)
        seen = (
            f"<br><span class=muted>lần trước: {e(previous['username'])}, {e(pages.local_time(previous['at']))}, "
            f"{e(previous['note'])}</span>"
            if previous
            else ""
        )
        action = (
            f'<form method="post" action="/admin/review/{e(entry.id)}" class="review">{csrf}'
            f'<label for="src-{e(entry.id)}">Nguồn đã đối chiếu</label>'
            f'<input type="text" id="src-{e(entry.id)}" name="checked" required '
            'placeholder="ví dụ: dichvucong.gov.vn, Nghị định 69/2024/NĐ-CP">'
            f'<label for="day-{e(entry.id)}">Ngày kiểm tra</label>'
            f'<input type="text" id="day-{e(entry.id)}" name="day" value="{today:%d/%m/%Y}" inputmode="numeric">'
            "<button>Đã kiểm tra</button></form>"
            if can_edit
            else ""
        )
        rows.append(
            f'<div class="card review-item" data-entry="{e(entry.id)}">'
            f'<p><a href="/admin/entries/{e(entry.id)}">{e(entry.title)}</a>'
            f"<br><span class=muted>{e(why)} · rà soát {entry.reviewed:%d/%m/%Y}</span>{seen}"
            f"<br><span class=muted>Nguồn ghi trong mục: {e(entry.source)}</span></p>{action}</div>"
        )
    per_sector = []
    for sector in catalogue.sectors.values():
        inside = catalogue.in_sector(sector.id)
        if not inside:
            continue
        verified = sum(x.verified for x in inside)
        due_here = sum(x.verified and review_due(x.reviewed, months, today) for x in inside)
        per_sector.append(
            f"<tr><td>{e(sector.title)}</td><td>{verified}/{len(inside)} ({verified / len(inside):.0%})</td>"
            f"<td>{len(inside) - verified}</td><td>{due_here}</td></tr>"
        )
    body = (
        _notice(request)
        + f"<p>{len(waiting)} mục chờ kiểm tra, {len(due)} mục đã đến hạn rà soát (REVIEW_MONTHS = {months}). "
        "“Đã kiểm tra” ghi người kiểm tra, ngày và nguồn đã đối chiếu, đặt verified: true và ngày rà soát; "
        "lời nhắc “đang chờ cán bộ kiểm tra lại” biến mất với người dân.</p>"
        '<div id="queue">' + "".join(rows) + "</div>"
        '<div class="card scroll"><h2>Theo lĩnh vực</h2><table><tr><th>Lĩnh vực</th><th>Đã xác minh</th>'
        "<th>Chờ kiểm tra</th><th>Đến hạn rà soát</th></tr>" + "".join(per_sector) + "</table></div>"
    )
    return html(pages.page("Cần kiểm tra", body, request[CSRF]))


async def mark_reviewed(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry_id"]
    form = await request.post()
    entry = _find(request, entry_id)
    if entry is None:
        raise web.HTTPNotFound(text="Không tìm thấy mục này.")
    checked = " ".join(str(form.get("checked", "")).split())[:300]
    day = ed.parse_date(str(form.get("day", "")).strip() or f"{date.today():%d/%m/%Y}")
    problem = ""
    if not checked:
        problem = "Hãy ghi nguồn bạn đã đối chiếu (văn bản, trang chính thức) trước khi bấm “Đã kiểm tra”."
    elif day is None:
        problem = "Ngày kiểm tra chưa đúng dạng. Viết ngày/tháng/năm, ví dụ 23/11/2026."
    elif day > date.today():
        problem = "Ngày kiểm tra ở tương lai. Ghi ngày bạn thực sự kiểm tra."
    if problem:
        raise web.HTTPFound("/admin/review?" + urlencode({"msg": f"{entry.title}: {problem}"}))
    draft = ed.Draft(entry_id, entry.kind, {"verified": True, "reviewed": day})
    summary, _ = await _save(request, entry_id, draft, base=None, action="review", note=checked)
    message = f"Đã ghi nhận kiểm tra “{entry.title}” ({day:%d/%m/%Y}, nguồn: {checked}). {summary}"
    raise web.HTTPFound("/admin/review?" + urlencode({"msg": message}))


def register(app: web.Application) -> None:
    app.router.add_get("/admin/entries", entries_page)
    app.router.add_get("/admin/entries/new", new_page)
    app.router.add_post("/admin/entries/new", save_entry)
    app.router.add_get("/admin/entries/{entry_id}", entry_page)
    app.router.add_post("/admin/entries/{entry_id}", save_entry)
    app.router.add_get("/admin/entries/{entry_id}/history", history_page)
    app.router.add_post("/admin/entries/{entry_id}/restore", restore)
    app.router.add_post("/admin/entries/{entry_id}/{flag:retire|unretire}", set_retired)
    app.router.add_get("/admin/review", review_page)
    app.router.add_post("/admin/review/{entry_id}", mark_reviewed)
