"""Learning from citizens in the console: candidates accepted into the YAML, rejected, shown safely."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shutil

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.engine import Engine
from bot.store import Store
from bot.tickets import TicketDesk
from bot.web import build_web_app
from knowledge.loader import DEFAULT_FAQ
from tests.helpers import console_setup

NEW_PHRASING = "vô app định danh hoài không được"  # unanswered before it is accepted


def run(tmp_path, scenario):
    async def go():
        faq = tmp_path / "faq.yaml"
        shutil.copy(DEFAULT_FAQ, faq)
        engine = Engine.load(faq)
        store = Store(tmp_path / "r.sqlite")
        store.candidate(question=NEW_PHRASING, entry_id="vneid-loi-khong-dang-nhap", source="tap")
        store.candidate(question=NEW_PHRASING, entry_id="vneid-loi-khong-dang-nhap", source="helpful")
        store.candidate(question="<b>gọi</b> 0912 345 678 hỏi căn cước", entry_id="mat-can-cuoc", source="tap")
        store.feedback(
            channel="telegram",
            user_id=1,
            entry_id="vneid-la-gi",
            helpful=False,
            question="vneid co mat phi khong",
            score=0.61,
        )
        store.flush()
        app = build_web_app(dataclasses.replace(Settings(), admin_token="t"), engine, store, store)
        async with TestClient(TestServer(app)) as client:
            await console_setup(client, "t")
            page = await (await client.get("/admin/learning")).text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            await scenario(client, store, engine, faq, csrf, page)
        store.close()

    asyncio.run(go())


def test_candidates_are_listed_with_counts_and_shown_escaped_and_redacted(tmp_path):
    async def scenario(client, store, engine, faq, csrf, page):
        row = re.search(rf'<tr data-candidate="{NEW_PHRASING}">.*?</tr>', page, re.S).group(0)
        assert "<td>2</td>" in row and "chưa" in row  # twice, and the matcher does not answer it yet
        assert "<b>gọi</b>" not in page and "&lt;b&gt;gọi&lt;/b&gt;" in page
        assert "0912" not in page and "[số điện thoại]" in page
        assert "vneid co mat phi khong" in page and "0.61" in page  # possibly wrong answers

    run(tmp_path, scenario)


def test_accepting_writes_the_yaml_keeps_comments_and_the_question_is_then_answered(tmp_path):
    async def scenario(client, store, engine, faq, csrf, page):
        assert engine.index.search(NEW_PHRASING).status.value == "unanswered"
        r = await client.post(
            "/admin/candidates",
            data={"csrf": csrf, "entry": "vneid-loi-khong-dang-nhap", "question": NEW_PHRASING, "action": "accept"},
            allow_redirects=False,
        )
        assert r.status == 302 and "msg=" in r.headers["Location"]
        text = faq.read_text(encoding="utf-8")
        assert f"      - {NEW_PHRASING}" in text and "# Câu hỏi – đáp của Trợ lý số" in text
        assert list(faq.parent.glob("faq.yaml.bak-*"))
        result = engine.index.search(NEW_PHRASING)
        assert result.status.value == "answered" and result.best.entry.id == "vneid-loi-khong-dang-nhap"
        assert NEW_PHRASING not in await (await client.get("/admin/learning")).text()
        # The entry's history names who accepted it, not "edited on disk".
        history = await (await client.get("/admin/entries/vneid-loi-khong-dang-nhap/history")).text()
        assert f"quantri · sửa (bản hiện tại)</p><p>Ghi chú: thêm cách hỏi: {NEW_PHRASING}" in history
        assert f'<span class="add">+  - {NEW_PHRASING}</span>' in history

    run(tmp_path, scenario)


def test_rejecting_hides_the_candidate_and_changes_nothing(tmp_path):
    async def scenario(client, store, engine, faq, csrf, page):
        before = faq.read_text(encoding="utf-8")
        r = await client.post(
            "/admin/candidates",
            data={"csrf": csrf, "entry": "vneid-loi-khong-dang-nhap", "question": NEW_PHRASING, "action": "reject"},
            allow_redirects=False,
        )
        assert r.status == 302
        assert NEW_PHRASING not in await (await client.get("/admin/learning")).text()
        assert faq.read_text(encoding="utf-8") == before

    run(tmp_path, scenario)


def test_accept_needs_csrf(tmp_path):
    async def scenario(client, store, engine, faq, csrf, page):
        r = await client.post(
            "/admin/candidates",
            data={"entry": "vneid-loi-khong-dang-nhap", "question": NEW_PHRASING, "action": "accept"},
        )
        assert r.status == 403

    run(tmp_path, scenario)


def test_tickets_page_and_draft_from_a_ticket(tmp_path):
    async def scenario(client, store, engine, faq, csrf, page):
        desk = TicketDesk(store)
        ticket = desk.draft(5, "Lan", "xin giấy phép karaoke ở đâu", [])
        desk.open(ticket, 900)
        desk.add_message(ticket, "staff", "Bạn nộp hồ sơ tại Trung tâm Phục vụ hành chính công của xã.")
        listing = await (await client.get("/admin/tickets")).text()
        assert "HT-0001" in listing and "answered" in listing and "giờ" in listing
        draft = await (await client.get(f"/admin/tickets/draft?id={ticket}")).text()
        assert "xin giấy phép karaoke ở đâu" in draft and "Trung tâm Phục vụ hành chính công" in draft

    run(tmp_path, scenario)
