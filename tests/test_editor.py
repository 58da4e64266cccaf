"""The entry editor, history and review queue over HTTP, on a copy of a small FAQ file."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import date
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.console import entries as ed
from bot.console.history import review_due
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from knowledge.content import KnowledgeDir
from tests.helpers import console_account, console_login, console_setup

FAQ = """\
# Tệp thử: các chú thích phải còn nguyên sau mỗi lần lưu.
sectors:
  - id: test
    title: Thử
entries:
  # ---------------------------------------------------------------- Nhóm một
  - id: gio-lam-viec
    title: Giờ làm việc của bộ phận một cửa
    sector: test
    questions:
      - giờ làm việc bộ phận một cửa
      - mấy giờ một cửa mở cửa
      - gio lam viec mot cua
    answer: |
      Sáng 7 giờ 30 đến 11 giờ 30, chiều 13 giờ 30 đến 17 giờ, từ thứ Hai đến thứ Sáu.
    source: "Nội quy của xã"   # giữ nguyên dấu ngoặc kép
    reviewed: 2026-11-01
    verified: false
  # ---------------------------------------------------------------- Nhóm hai
  - id: gui-xe
    title: Chỗ gửi xe khi đến làm thủ tục
    sector: test
    questions:
      - gửi xe ở đâu khi đi làm thủ tục
      - có chỗ để xe máy không
      - de xe o dau
    answer: Có bãi gửi xe miễn phí phía sau trụ sở.
    source: Nội quy của xã
    reviewed: 01/11/2026
"""


def run(tmp_path, scenario, role="editor", lexicon: str | None = None):
    faq = tmp_path / "faq.yaml"
    faq.write_text(FAQ, encoding="utf-8")
    faq.chmod(0o644)
    knowledge = None
    if lexicon is not None:  # a knowledge directory of the staff's own, with this lexicon
        (tmp_path / "lexicon.yaml").write_text(lexicon, encoding="utf-8")
        (tmp_path / "sectors.yaml").write_text("sectors:\n  - id: test\n    title: Thử\n", encoding="utf-8")
        knowledge = KnowledgeDir(tmp_path)

    async def go():
        engine = Engine.load(faq, knowledge=knowledge)
        store = Store(tmp_path / "r.sqlite")
        app = build_web_app(dataclasses.replace(Settings(), admin_token="t"), engine, store, store)
        async with TestClient(TestServer(app)) as client:
            csrf = await console_setup(client, "t")
            if role != "admin":
                await console_account(client, csrf, "bien.tap", role)
                client.session.cookie_jar.clear()
                csrf = await console_login(client, "bien.tap")
            await scenario(client, csrf, engine, faq, store)
        store.close()

    asyncio.run(go())


def form_of(page: str) -> dict[str, str]:
    """The values an editor's browser would send back, read from the form's HTML."""
    import html

    values = {}
    for name, value in re.findall(r'<input type="(?:hidden|text)"[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page):
        values[name] = html.unescape(value)
    for value, name in re.findall(r'<input type="(?:hidden|text)"[^>]*?value="([^"]*)"[^>]*?name="([^"]+)"', page):
        values[name] = html.unescape(value)
    for name, value in re.findall(r'<textarea[^>]*?name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        values[name] = html.unescape(value)
    for name, body in re.findall(r'<select[^>]*?name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name in re.findall(r'<input type="checkbox"[^>]*?name="([^"]+)"[^>]*?checked', page):
        values[name] = "1"
    return values


def field_errors(page: str) -> dict[str, str]:
    """Each field's error message, read from inside that field's block only."""
    out = {}
    for chunk in page.split('data-field="')[1:]:
        name = chunk.split('"', 1)[0]
        found = re.search(r'<div class="field-error"[^>]*>(.*?)</div>', chunk, re.S)
        if found:
            out[name] = found.group(1)
    return out


NEW = {
    "id": "le-phi-chung-thuc",
    "kind": "faq",
    "file": "0",
    "title": "Lệ phí chứng thực bản sao",
    "sector": "test",
    "questions": "chứng thực bản sao mất bao nhiêu tiền\nle phi chung thuc ban sao\nphí công chứng bản sao giấy tờ",
    "answer": "Hỏi cán bộ một cửa: lệ phí niêm yết tại trụ sở.\nMang theo bản chính để đối chiếu.",
    "links": "",
    "source": "Bảng niêm yết tại trụ sở",
    "reviewed": "20/11/2026",
    "verified": "1",
}


def test_create_an_entry_writes_it_validated_and_answers_within_the_request(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        r = await client.post("/admin/entries/new", data={**NEW, "csrf": csrf, "action": "save"}, allow_redirects=False)
        assert r.status == 302, await r.text()
        text = faq.read_text(encoding="utf-8")
        assert "# Tệp thử: các chú thích phải còn nguyên" in text and '"Nội quy của xã"   # giữ nguyên' in text
        assert "  - id: le-phi-chung-thuc\n    title: Lệ phí chứng thực bản sao\n" in text
        assert "reviewed: 2026-11-20" in text and "    answer: |\n      Hỏi cán bộ" in text
        result = engine.index.search("le phi chung thuc ban sao")
        assert result.status.value == "answered" and result.best.entry.id == "le-phi-chung-thuc"
        answer = await (await client.post("/api/ask", json={"q": "chứng thực bản sao mất bao nhiêu tiền"})).json()
        assert "Mang theo bản chính" in answer["html"]
        rows = store.db.execute("SELECT username, action FROM entry_history WHERE entry_id = ?", [NEW["id"]])
        assert rows.fetchall() == [("bien.tap", "create")]
        assert [r["action"] for r in store.db["audit"].rows_where("target = ?", [NEW["id"]])] == ["entry_create"]
        # The same id again is refused next to the id field.
        r = await client.post("/admin/entries/new", data={**NEW, "csrf": csrf, "action": "save"})
        assert r.status == 400 and "đã có" in await r.text()

    run(tmp_path, scenario)


def test_edit_changes_only_that_entry_keeps_comments_and_leaves_a_backup(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        before = faq.read_text(encoding="utf-8")
        page = await (await client.get("/admin/entries/gio-lam-viec")).text()
        form = form_of(page)
        assert form["reviewed"] == "01/11/2026" and form["questions"].count("\n") == 2 and "verified" not in form
        form["answer"] = "Sáng 7 giờ đến 11 giờ, chiều 13 giờ đến 17 giờ, từ thứ Hai đến thứ Sáu."
        r = await client.post(
            "/admin/entries/gio-lam-viec", data={**form, "csrf": csrf, "action": "save"}, allow_redirects=False
        )
        assert r.status == 302, await r.text()
        after = faq.read_text(encoding="utf-8")
        changed = [line for line in after.splitlines() if line not in before.splitlines()]
        assert changed == ["      Sáng 7 giờ đến 11 giờ, chiều 13 giờ đến 17 giờ, từ thứ Hai đến thứ Sáu."]
        assert after.replace(changed[0], "") == before.replace(
            "      Sáng 7 giờ 30 đến 11 giờ 30, chiều 13 giờ 30 đến 17 giờ, từ thứ Hai đến thứ Sáu.", ""
        )
        backups = list(faq.parent.glob("faq.yaml.bak-*"))
        assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == before
        assert "7 giờ đến 11 giờ" in engine.index.catalogue.entries["gio-lam-viec"].answer
        assert not list(faq.parent.glob(".faq.yaml.*"))  # no temporary file left beside it
        assert faq.stat().st_mode & 0o777 == 0o644  # the file's permissions are kept

    run(tmp_path, scenario)


def test_invalid_form_is_refused_with_messages_next_to_the_fields(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        before = faq.read_text(encoding="utf-8")
        form = form_of(await (await client.get("/admin/entries/gui-xe")).text())
        form |= {
            "reviewed": "31/02/2026",
            "links": "Cổng dịch vụ công | http://example.com\nchỉ có chữ",
            "questions": "gửi xe ở đâu khi đi làm thủ tục\ngiờ làm việc bộ phận một cửa",
            "title": "",
        }
        r = await client.post("/admin/entries/gui-xe", data={**form, "csrf": csrf, "action": "save"})
        page = await r.text()
        assert r.status == 400 and faq.read_text(encoding="utf-8") == before
        fields = field_errors(page)
        assert "ngày/tháng/năm" in fields["reviewed"]
        assert "Tên trang | https://" in fields["links"]
        assert "trùng" in fields["questions"]  # the validator's message, next to the questions
        assert "Còn trống" in fields["title"]
        assert 'aria-invalid="true"' in page and "gửi xe ở đâu" in page  # what was typed is kept
        # A link the validator refuses (not an official domain) is reported next to the links.
        form |= {"reviewed": "01/11/2026", "title": "Gửi xe", "links": "Trang lạ | https://example.com"}
        form["questions"] = "gửi xe ở đâu khi đi làm thủ tục\ncó chỗ để xe máy không"
        r = await client.post("/admin/entries/gui-xe", data={**form, "csrf": csrf, "action": "save"})
        fields = field_errors(await r.text())
        assert r.status == 400 and list(fields) == ["links"] and faq.read_text(encoding="utf-8") == before

    run(tmp_path, scenario)


def test_preview_shows_the_citizens_view_and_tries_questions_without_writing(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        before = faq.read_text(encoding="utf-8")
        form = form_of(await (await client.get("/admin/entries/gui-xe")).text())
        form["answer"] = "<b>Bãi xe</b> ở phía sau trụ sở."
        form["try"] = "mấy giờ một cửa mở cửa\nđậu ô tô ở đâu"
        r = await client.post("/admin/entries/gui-xe", data={**form, "csrf": csrf, "action": "preview"})
        page = await r.text()
        assert r.status == 200 and faq.read_text(encoding="utf-8") == before
        assert 'id="preview"' in page and "&lt;b&gt;Bãi xe&lt;/b&gt;" in page and "<b>Bãi xe</b>" not in page
        assert "Trên Telegram" in page and 'class="bubble"' in page
        tried = re.search(r'<div class="card" id="try">(.*?)</div>', page, re.S).group(1)
        assert tried.count("trả lời bằng mục này") == 3
        assert "trả lời bằng mục khác: Giờ làm việc" in tried  # a typed question that belongs elsewhere

    run(tmp_path, scenario)


def test_a_draft_is_checked_and_tried_with_the_staff_lexicon_not_the_shipped_one(tmp_path):
    # "ctbs" is in this knowledge directory's lexicon only: the draft's try-out must read it as staff wrote it.
    lexicon = "abbreviations:\n  ctbs: chứng thực bản sao\n"

    async def scenario(client, csrf, engine, faq, store):
        data = {**NEW, "try": "phí ctbs", "csrf": csrf, "action": "preview"}
        page = await (await client.post("/admin/entries/new", data=data)).text()
        tried = re.search(r'<div class="card" id="try">(.*?)</div>', page, re.S).group(1)
        row = re.search(r"<tr><td>phí ctbs</td><td>(.*?)</td>", tried).group(1)
        assert "trả lời bằng mục này" in row

    run(tmp_path, scenario, lexicon=lexicon)


def test_save_is_refused_when_the_file_changed_underneath_and_the_difference_shown(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        form = form_of(await (await client.get("/admin/entries/gui-xe")).text())
        faq.write_text(
            faq.read_text(encoding="utf-8").replace("miễn phí phía sau", "thu 2.000 đồng phía sau"), encoding="utf-8"
        )
        form["answer"] = "Bãi gửi xe ở bên trái trụ sở."
        r = await client.post("/admin/entries/gui-xe", data={**form, "csrf": csrf, "action": "save"})
        page = await r.text()
        assert r.status == 409 and 'id="conflict"' in page
        assert '<span class="del">-Câu trả lời: Có bãi gửi xe miễn phí phía sau trụ sở.</span>' in page
        assert '<span class="add">+Câu trả lời: Có bãi gửi xe thu 2.000 đồng phía sau trụ sở.</span>' in page
        assert "bên trái trụ sở" in page  # the editor's text is still in the form
        assert "thu 2.000 đồng" in faq.read_text(encoding="utf-8")
        # Saving again after seeing the difference is a deliberate choice, and it works.
        form = form_of(page)
        r = await client.post(
            "/admin/entries/gui-xe", data={**form, "csrf": csrf, "action": "save"}, allow_redirects=False
        )
        assert r.status == 302 and "bên trái trụ sở" in faq.read_text(encoding="utf-8")

    run(tmp_path, scenario)


def test_retire_hides_an_entry_from_citizens_and_can_be_undone(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        r = await client.post("/admin/entries/gui-xe/retire", data={"csrf": csrf}, allow_redirects=False)
        assert r.status == 302
        assert "    retired: true\n" in faq.read_text(encoding="utf-8")
        assert "gui-xe" not in engine.index.catalogue.entries and "gui-xe" in engine.index.catalogue.retired
        assert engine.index.search("có chỗ để xe máy không").status.value != "answered"
        listing = await (await client.get("/admin/entries?state=retired")).text()
        assert 'data-entry="gui-xe"' in listing and 'data-entry="gio-lam-viec"' not in listing
        r = await client.post("/admin/entries/gui-xe/unretire", data={"csrf": csrf}, allow_redirects=False)
        assert r.status == 302 and "retired" not in faq.read_text(encoding="utf-8")
        assert engine.index.search("có chỗ để xe máy không").best.entry.id == "gui-xe"

    run(tmp_path, scenario)


def test_history_records_console_and_disk_edits_and_restores_a_version(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        form = form_of(await (await client.get("/admin/entries/gui-xe")).text())
        form["answer"] = "Bãi gửi xe ở bên trái trụ sở."
        await client.post("/admin/entries/gui-xe", data={**form, "csrf": csrf, "action": "save"})
        faq.write_text(faq.read_text(encoding="utf-8").replace("bên trái trụ sở", "bên phải trụ sở"), encoding="utf-8")
        assert engine.reload().ok  # what the file watcher does
        page = await (await client.get("/admin/entries/gui-xe/history")).text()
        pattern = r'<div class="card version" data-version="(\d+)"><p><b>[^<]+</b> · ([^·]+) · ([^<(]+)'
        versions = re.findall(pattern, page)
        assert [(who.strip(), what.strip()) for _, who, what in versions] == [
            ("sửa trên tệp", "sửa trực tiếp trong tệp"),
            ("bien.tap", "sửa"),
            ("sửa trên tệp", "bản đầu tiên được ghi nhận"),
        ]
        assert '<span class="add">+Câu trả lời: Bãi gửi xe ở bên phải trụ sở.</span>' in page
        first = versions[-1][0]
        r = await client.post(
            "/admin/entries/gui-xe/restore", data={"csrf": csrf, "version": first}, allow_redirects=False
        )
        assert r.status == 302, await r.text()
        assert engine.index.catalogue.entries["gui-xe"].answer == "Có bãi gửi xe miễn phí phía sau trụ sở."
        assert "    answer: Có bãi gửi xe miễn phí phía sau trụ sở.\n" in faq.read_text(encoding="utf-8")
        last = store.db.execute("SELECT username, action FROM entry_history ORDER BY id DESC LIMIT 1").fetchone()
        assert last == ("bien.tap", "restore")

    run(tmp_path, scenario)


def test_review_queue_marks_checked_with_a_source_and_the_warning_goes(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        page = await (await client.get("/admin/review")).text()
        assert page.index('data-entry="gio-lam-viec"') > 0 and 'data-entry="gui-xe"' not in page
        ask = {"q": "giờ làm việc bộ phận một cửa"}
        assert "đang chờ cán bộ kiểm tra lại" in (await (await client.post("/api/ask", json=ask)).json())["html"]
        r = await client.post("/admin/review/gio-lam-viec", data={"csrf": csrf, "checked": "  "})
        assert "Hãy ghi nguồn bạn đã đối chiếu" in await r.text()
        assert engine.index.catalogue.entries["gio-lam-viec"].verified is False
        r = await client.post(
            "/admin/review/gio-lam-viec", data={"csrf": csrf, "checked": "Quyết định 12/QĐ-UBND", "day": "24/11/2026"}
        )
        assert "Đã ghi nhận kiểm tra" in await r.text()
        entry = engine.index.catalogue.entries["gio-lam-viec"]
        assert entry.verified is True and entry.reviewed == date(2026, 11, 24)
        text = faq.read_text(encoding="utf-8")
        assert "    reviewed: 2026-11-24\n    verified: true\n  # -----" in text
        assert "đang chờ cán bộ kiểm tra lại" not in (await (await client.post("/api/ask", json=ask)).json())["html"]
        row = store.db.execute("SELECT username, note FROM entry_history WHERE action = 'review'").fetchone()
        assert row == ("bien.tap", "Quyết định 12/QĐ-UBND")

    run(tmp_path, scenario)


def test_viewer_sees_entries_but_cannot_change_them(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        before = faq.read_text(encoding="utf-8")
        page = await (await client.get("/admin/entries/gui-xe")).text()
        assert "không sửa được" in page and 'id="save"' not in page
        for path, data in (
            ("/admin/entries/gui-xe", {**form_of(page), "action": "save"}),
            ("/admin/entries/new", {**NEW, "action": "save"}),
            ("/admin/entries/gui-xe/retire", {}),
            ("/admin/review/gio-lam-viec", {"checked": "x"}),
        ):
            r = await client.post(path, data={**data, "csrf": csrf})
            assert r.status == 403 and "chỉ được xem" in await r.text()
        assert faq.read_text(encoding="utf-8") == before

    run(tmp_path, scenario, role="viewer")


def test_list_filters_by_text_sector_kind_and_state(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        page = await (await client.get("/admin/entries?sector=test")).text()
        assert page.count('<tr data-entry="') == 2
        page = await (await client.get("/admin/entries?sector=test&state=waiting")).text()
        assert re.findall(r'<tr data-entry="([^"]+)"', page) == ["gio-lam-viec"]
        page = await (await client.get("/admin/entries?q=xe+máy&sector=test")).text()
        assert re.findall(r'<tr data-entry="([^"]+)"', page) == ["gui-xe"]
        page = await (await client.get("/admin/entries?kind=procedure&sector=test")).text()
        assert '<tr data-entry="' not in page

    run(tmp_path, scenario)


def test_review_is_due_after_the_configured_months():
    assert review_due(date(2026, 5, 25), 6, date(2026, 11, 25))
    assert not review_due(date(2026, 5, 26), 6, date(2026, 11, 25))
    assert review_due(date(2026, 8, 31), 6, date(2027, 3, 1))
    assert not review_due(date(2026, 8, 31), 6, date(2027, 2, 27))


def test_trailing_section_comment_stays_after_the_entry_when_its_last_field_changes():
    data = ed.load(FAQ)
    entry, _ = ed.find(data, "gio-lam-viec")
    ed.set_flag(entry, "retired", True)
    text = ed.dump(data)
    assert "    verified: false\n    retired: true\n  # ------" in text
    ed.set_flag(entry, "retired", None)
    assert ed.dump(data) == FAQ
    draft = ed.Draft("gio-lam-viec", "faq", {"questions": ["một", "hai"], "links": []})
    ed.apply(entry, draft)
    assert "      - hai\n    answer: |" in ed.dump(data) and "---- Nhóm hai\n  - id: gui-xe" in ed.dump(data)


def test_snapshot_text_is_readable_and_complete(tmp_path):
    path = Path(tmp_path / "f.yaml")
    path.write_text(FAQ, encoding="utf-8")
    entry = ed.file_entries(path)["gio-lam-viec"]
    text = ed.snapshot_text(ed.snapshot(entry))
    assert "Tiêu đề: Giờ làm việc của bộ phận một cửa" in text and "Ngày rà soát: 01/11/2026" in text
    assert "Đã xác minh: không" in text and "  - mấy giờ một cửa mở cửa" in text


def test_what_staff_type_is_shown_escaped_in_the_list_form_preview_and_history(tmp_path):
    xss = '<img src=x onerror="alert(1)">'

    async def scenario(client, csrf, engine, faq, store):
        data = {**NEW, "title": f"Lệ phí {xss}", "answer": f"Trả lời {xss}", "csrf": csrf, "action": "save"}
        r = await client.post("/admin/entries/new", data=data, allow_redirects=False)
        assert r.status == 302
        for path in (
            "/admin/entries?sector=test",
            f"/admin/entries/{NEW['id']}",
            f"/admin/entries/{NEW['id']}/history",
        ):
            page = await (await client.get(path)).text()
            assert "<img src=x" not in page and "&lt;img src=x" in page, path
        r = await client.post(f"/admin/entries/{NEW['id']}", data={**data, "action": "preview"})
        assert "<img src=x" not in await r.text()

    run(tmp_path, scenario)


def test_unanswered_group_opens_in_the_editor_with_the_citizens_phrasings(tmp_path):
    async def scenario(client, csrf, engine, faq, store):
        for text in ("lịch bắn pháo hoa tết", "lich ban phao hoa tet"):
            store.question(channel="web", user_id=1, text=text, result=engine.index.search(text))
        store.flush()
        page = await (await client.get("/admin/unanswered")).text()
        key = re.search(r'data-group="([^"]+)"', page).group(1)
        draft = await (await client.get(f"/admin/draft?key={key}")).text()
        import html

        link = html.unescape(re.search(r'id="open-editor" href="([^"]+)"', draft).group(1))
        form = form_of(await (await client.get(link)).text())
        assert form["id"] == f"moi-{key}" and "lich ban phao hoa tet" in form["questions"].splitlines()

    run(tmp_path, scenario)


def test_retiring_the_scam_warning_the_lexicon_names_is_refused(tmp_path):
    """A suspicious call is answered with the entry the lexicon's ``safety`` names: retiring that entry in
    the console would quietly send such calls back to the ordinary procedure the caller named."""
    lexicon = "safety:\n  entry: gui-xe\n  contact:\n    - cuộc gọi\n  asks:\n    - chuyển tiền\n"

    async def scenario(client, csrf, engine, faq, store):
        before = faq.read_text(encoding="utf-8")
        r = await client.post("/admin/entries/gui-xe/retire", data={"csrf": csrf}, allow_redirects=False)
        assert r.status == 400
        assert "gui-xe" in await r.text() and "cảnh báo lừa đảo" in await r.text()
        assert faq.read_text(encoding="utf-8") == before and "gui-xe" in engine.index.catalogue.entries
        # Any other entry can still be retired.
        r = await client.post("/admin/entries/gio-lam-viec/retire", data={"csrf": csrf}, allow_redirects=False)
        assert r.status == 302

    run(tmp_path, scenario, lexicon=lexicon)
