"""The web chat page, its embed mode and widget.js, over HTTP on loopback (the browser tests are in
tests/test_web_chat_browser.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import texts
from bot.channels.web.chat import embed_csp, parse_origins
from bot.config import Settings
from bot.engine import Engine
from bot.records import LogRecorder
from bot.web import build_web_app


class Captured(LogRecorder):
    """Remembers who asked (the visitor ids), and logs as usual."""

    def __init__(self) -> None:
        super().__init__()
        self.askers: list[str] = []

    def question(self, *, channel, user_id, text, result) -> None:
        self.askers.append(str(user_id))


def run(index, scenario, recorder=None, **settings):
    async def go():
        settings_ = dataclasses.replace(Settings(), **settings)
        app = build_web_app(settings_, Engine(index), recorder or LogRecorder(), None)
        async with TestClient(TestServer(app)) as client:
            await scenario(client)

    asyncio.run(go())


def test_without_the_cookie_the_tab_id_tells_visitors_apart(index):
    recorder = Captured()
    tab = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"

    async def scenario(client):
        question = {"q": "quên mật khẩu vneid"}
        await client.post("/api/ask", json=question, headers={"X-Chat-Visitor": tab})  # a portal's frame
        await client.post("/api/ask", json=question, headers={"X-Chat-Visitor": "short"})
        await client.post("/api/ask", json=question, headers={"X-Chat-Visitor": "x" * 20 + ";drop"})
        await client.post("/api/ask", json=question)
        await client.get("/")  # the chat page itself sets the cookie, which then wins
        await client.post("/api/ask", json=question, headers={"X-Chat-Visitor": tab})

    run(index, scenario, recorder)
    first, short, bad, none, cookie = recorder.askers
    assert first == f"tab-{tab}" and short == bad == none == "anonymous"
    assert cookie not in (first, "anonymous")


def frame_ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]*)", response.headers["Content-Security-Policy"]).group(1)


def test_the_examples_on_the_first_screen_are_answered(index):
    for question in texts.WEB_EXAMPLES:
        assert index.search(question).status.value == "answered", question


def test_chat_page_has_chips_labels_and_no_inline_script(index):
    async def scenario(client):
        r = await client.get("/")
        page = await r.text()
        assert r.status == 200
        assert page.count('data-ask="') == 3 and page.count('data-sector="') >= 10
        assert '<label for="q"' in page and 'role="log"' in page and 'aria-live="polite"' in page
        assert "interactive-widget=resizes-content" in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script would break the CSP"
        assert not re.search(r"\son[a-z]+=", page), "inline event handlers would break the CSP"
        assert "script-src 'self';" in r.headers["Content-Security-Policy"]

    run(index, scenario)


def test_a_sector_chip_lists_its_entries(index):
    async def scenario(client):
        r = await client.post("/api/sector", json={"id": "can-cuoc"})
        html = (await r.json())["html"]
        assert html.count("data-open=") == len(index.catalogue.in_sector("can-cuoc"))
        r = await client.post("/api/sector", json={"id": "<script>"})
        assert (await r.json())["html"] == f"<p>{texts.UNKNOWN_ENTRY}</p>"
        r = await client.post("/api/sector", json=["not", "an", "object"])
        assert r.status == 200
        r = await client.post("/api/sector", data="id=can-cuoc")  # a cross-site form post
        assert r.status == 415

    run(index, scenario)


def test_by_default_no_other_origin_may_frame_anything(index):
    async def scenario(client):
        for path in ("/", "/admin/login", "/healthz"):
            r = await client.get(path)
            assert frame_ancestors(r) == "'none'" and r.headers["X-Frame-Options"] == "DENY", path
        r = await client.get("/embed")
        assert frame_ancestors(r) == "'self'" and r.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert 'class="chat embed"' in await r.text()

    run(index, scenario)


def test_embed_origins_open_only_the_embed_page_to_those_origins(index):
    async def scenario(client):
        r = await client.get("/embed")
        assert frame_ancestors(r) == "'self' https://xa-a.example.gov.vn http://127.0.0.2:8000"
        assert "X-Frame-Options" not in r.headers  # it cannot name origins; CSP frame-ancestors does
        assert "Access-Control-Allow-Origin" not in r.headers
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
        r = await client.get("/")
        assert frame_ancestors(r) == "'none'" and r.headers["X-Frame-Options"] == "DENY"
        r = await client.get("/admin/login")
        assert frame_ancestors(r) == "'none'"
        portal = {"Origin": "https://xa-a.example.gov.vn"}
        r = await client.post("/api/ask", json={"q": "quên mật khẩu vneid"}, headers=portal)
        assert r.status == 200
        assert "Access-Control-Allow-Origin" not in r.headers  # the iframe asks its own origin: no CORS

    run(index, scenario, embed_origins="https://xa-a.example.gov.vn/, http://127.0.0.2:8000")


def test_widget_js_is_served_as_a_script(index):
    async def scenario(client):
        r = await client.get("/widget.js")
        assert r.status == 200 and r.content_type == "text/javascript"
        assert "/embed" in await r.text()

    run(index, scenario)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("", ()),
        ("https://xa.gov.vn", ("https://xa.gov.vn",)),
        ("https://XA.gov.vn/ , http://127.0.0.1:9000", ("https://xa.gov.vn", "http://127.0.0.1:9000")),
        ("https://*.hanoi.gov.vn", ("https://*.hanoi.gov.vn",)),
        ("*", ()),
        ("https://a.gov.vn; script-src *", ()),
        ("https://a.gov.vn/path", ()),
        ("javascript:alert(1)", ()),
        ("'unsafe-inline'", ()),
        ("https://a.gov.vn,https://a.gov.vn", ("https://a.gov.vn",)),
    ],
)
def test_embed_origins_accept_origins_only(raw, expected):
    assert parse_origins(raw) == expected


def test_embed_csp_changes_nothing_but_frame_ancestors():
    base = "default-src 'self'; frame-ancestors 'none'; form-action 'self'"
    opened = "default-src 'self'; frame-ancestors 'self' https://a.gov.vn; form-action 'self'"
    assert embed_csp(base, ("https://a.gov.vn",)) == opened


def test_embed_origins_setting_is_read_from_the_environment():
    assert Settings.from_env({"EMBED_ORIGINS": " https://a.gov.vn "}).embed_origins == "https://a.gov.vn"
    assert Settings.from_env({}).embed_origins == ""


def test_clearing_the_conversation_forgets_the_topic_a_short_question_would_be_carried_to(index):
    about = texts.ABOUT.split("«")[0]  # "Về "
    replies = []

    async def scenario(client):
        headers = {"X-Chat-Visitor": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"}
        for step in ("thủ tục cấp đổi căn cước", "lệ phí bao nhiêu", "forget", "lệ phí bao nhiêu"):
            if step == "forget":
                r = await client.post("/api/forget", json={}, headers=headers)
                assert r.status == 200
                continue
            r = await client.post("/api/ask", json={"q": step}, headers=headers)
            replies.append(await r.json())

    run(index, scenario)
    topic, carried, alone = replies
    assert topic["status"] == "answered"
    assert about + "«" in carried["html"]  # carried to the topic just answered
    assert about + "«" not in alone["html"]  # after clearing: a question back, not a carry-over
