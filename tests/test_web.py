"""The web chat and the administrators' console, over HTTP on loopback."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from tests.helpers import PASSWORD, console_login, console_setup

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def run(index, tmp_path, scenario, seed=()):
    async def go():
        store = Store(tmp_path / "r.sqlite")
        for text in seed:
            store.question(channel="telegram", user_id=1, text=text, result=index.search(text))
        store.flush()
        settings = dataclasses.replace(Settings(), admin_token="right-token")
        app = build_web_app(settings, Engine(index), store, store)
        async with TestClient(TestServer(app)) as client:
            await scenario(client, store)
        store.close()

    asyncio.run(go())


async def login(client) -> str:
    """The first administrator, created with ADMIN_TOKEN on the fresh database; later calls log in."""
    r = await client.get("/admin/login")
    if "/admin/setup" in await r.text():
        return await console_setup(client, "right-token")
    return await console_login(client, "quantri")


@pytest.mark.parametrize(
    "path", ["/admin", "/admin/unanswered", "/admin/unanswered.csv", "/admin/draft?key=x", "/admin/try?q=a"]
)
def test_no_console_page_without_login(index, tmp_path, path):
    async def scenario(client, store):
        r = await client.get(path, allow_redirects=False)
        assert r.status == 302 and r.headers["Location"] == "/admin/login"

    run(index, tmp_path, scenario)


def test_wrong_token_and_posts_without_session(index, tmp_path):
    async def scenario(client, store):
        r = await client.post("/admin/setup", data={"token": "wrong"}, allow_redirects=False)
        assert r.status == 403 and "tls_admin" not in r.cookies
        await login(client)
        client.session.cookie_jar.clear()
        r = await client.post("/admin/login", data={"username": "quantri", "password": "wrong"}, allow_redirects=False)
        assert r.status == 403 and "tls_admin" not in r.cookies
        r = await client.post("/admin/groups", data={"key": "k", "state": "resolved"})
        assert r.status == 403

    run(index, tmp_path, scenario)


def test_session_cookie_flags_and_csrf_on_every_post(index, tmp_path):
    async def scenario(client, store):
        r = await client.post(
            "/admin/setup",
            data={"token": "right-token", "username": "quantri", "password": PASSWORD, "password2": PASSWORD},
            allow_redirects=False,
        )
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        for path, data in (("/admin/groups", {"key": "k", "state": "resolved"}), ("/admin/logout", {})):
            assert (await client.post(path, data=data)).status == 403
            assert (await client.post(path, data={**data, "csrf": "forged"})).status == 403
        csrf = await login(client)
        r = await client.post(
            "/admin/groups", data={"key": "k", "state": "resolved", "csrf": csrf}, allow_redirects=False
        )
        assert r.status == 302 and store.group_states() == {"k": "resolved"}

    run(index, tmp_path, scenario)


def test_stored_xss_is_shown_as_text_everywhere(index, tmp_path):
    async def scenario(client, store):
        await login(client)
        page = await (await client.get("/admin/unanswered")).text()
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page
        assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
        key = re.search(r'data-group="([^"]+)"', page).group(1)
        draft = await (await client.get(f"/admin/draft?key={key}")).text()
        assert "<script>alert" not in draft
        r = await client.get("/admin/unanswered")
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]

    run(index, tmp_path, scenario, seed=[XSS, '=HYPERLINK("http://evil")'])


def test_csv_export_matches_what_is_shown_and_defuses_formulas(index, tmp_path):
    async def scenario(client, store):
        await login(client)
        body = (await (await client.get("/admin/unanswered.csv?q=vàng")).read()).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(body)))
        assert [r["question"] for r in rows] == ["giá vàng hôm nay", "giá vàng hôm nay?"]
        body = (await (await client.get("/admin/unanswered.csv")).read()).decode("utf-8-sig")
        assert "'=HYPERLINK" in body

    run(index, tmp_path, scenario, seed=["giá vàng hôm nay", "giá vàng hôm nay?", '=HYPERLINK("x")'])


@pytest.mark.parametrize("payload", ["' OR 1=1 --", '"; DROP TABLE questions; --', "%", "_"])
def test_sql_injection_in_filters_is_just_text(index, tmp_path, payload):
    async def scenario(client, store):
        await login(client)
        r = await client.get("/admin/unanswered", params={"q": payload})
        assert r.status == 200
        assert len(store.questions()) == 2

    run(index, tmp_path, scenario, seed=["giá vàng hôm nay", "thời tiết"])


def test_bad_dates_are_refused_politely(index, tmp_path):
    async def scenario(client, store):
        await login(client)
        assert (await client.get("/admin/unanswered?from=2026-13-45")).status == 400

    run(index, tmp_path, scenario)


def test_dashboard_draft_and_try(index, tmp_path):
    async def scenario(client, store):
        csrf = await login(client)
        dashboard = await (await client.get("/admin")).text()
        assert 'id="chart-daily"' in dashboard and "3 câu hỏi" in dashboard
        page = await (await client.get("/admin/unanswered")).text()
        key = re.search(r'data-group="([^"]+)"', page).group(1)
        draft = await (await client.get(f"/admin/draft?key={key}")).text()
        assert "questions:" in draft and "verified: false" in draft
        tried = await (await client.get("/admin/try", params={"q": "ko có cccd"})).text()
        assert "chuẩn hoá" in tried and "p_cov=" in tried
        r = await client.post(
            "/admin/groups", data={"key": key, "state": "ignored", "csrf": csrf}, allow_redirects=False
        )
        assert r.status == 302
        assert key not in await (await client.get("/admin/unanswered")).text()
        assert key in await (await client.get("/admin/unanswered?show=all")).text()

    run(index, tmp_path, scenario, seed=["giá vàng hôm nay", "VNeID là gì", "giá vàng hôm nay bao nhiêu"])


def test_web_chat_api(index, tmp_path):
    async def scenario(client, store):
        page = await client.get("/")
        assert "tls_uid" in page.cookies and 'src="/static/chat.js"' in await page.text()
        r = await client.post("/api/ask", json={"q": "VNeID là gì"})
        data = await r.json()
        assert data["status"] == "answered" and "Bộ Công an" in data["html"]
        r = await client.post("/api/ask", json={"q": XSS})
        assert "<script>" not in (await r.json())["html"]
        assert (await client.post("/api/ask", data={"q": "form post"})).status == 415
        assert (await client.post("/api/ask", data=b"{bad", headers={"Content-Type": "application/json"})).status == 400
        r = await client.post("/api/feedback", json={"entry": "vneid-la-gi", "helpful": True})
        assert r.status == 200
        r = await client.post("/api/open", json={"id": "vneid-la-gi"})
        assert "VNeID" in (await r.json())["html"]
        store.flush()
        assert {r["channel"] for r in store.questions()} == {"web"}
        assert (await (await client.get("/healthz")).json())["status"] == "ok"

    run(index, tmp_path, scenario)


def test_times_are_shown_in_vietnam_time():
    from bot.web_pages import local_time

    assert local_time("2026-11-23T20:30:00") == "24/11/2026 03:30"
    assert local_time("not a time") == "not a time"


def test_healthz_and_metrics(index, tmp_path):
    async def scenario(client, store):
        await client.post("/api/ask", json={"q": "VNeID là gì"})
        health = await client.get("/healthz")
        assert health.status == 200 and (await health.json())["database"] == "ok"
        text = await (await client.get("/metrics")).text()
        assert 'trolyso_questions_total{channel="web",status="answered"}' in text
        assert 'trolyso_reply_seconds_bucket{le="+Inf"}' in text
        assert f"trolyso_catalogue_entries {len(index.catalogue.entries)}" in text
        Path_ = __import__("pathlib").Path
        Path_(store.path).unlink()  # the database deleted under a running bot
        for suffix in ("-wal", "-shm"):
            Path_(store.path + suffix).unlink(missing_ok=True)
        health = await client.get("/healthz")
        assert health.status == 503 and (await health.json())["database"] == "failing"

    run(index, tmp_path, scenario)


def test_json_logs_are_one_object_per_line_and_redacted():
    import json
    import logging

    from bot.logs import JsonFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "gọi %s", ("0912 345 678",), None)
    line = JsonFormatter().format(record)
    payload = json.loads(line)
    assert "\n" not in line and payload["message"] == "gọi [số điện thoại]" and payload["level"] == "INFO"


def test_filter_text_survives_in_the_csv_and_draft_links(index, tmp_path):
    async def scenario(client, store):
        await login(client)
        page = await (await client.get("/admin/unanswered", params={"q": "vàng & bạc #1"})).text()
        link = re.search(r'href="(/admin/unanswered\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
        body = (await (await client.get(link)).read()).decode("utf-8-sig")
        assert "giá vàng & bạc #1" in body
        assert "giá vàng hôm nay" not in body  # a link cut at "&" would filter on "vàng " only

    run(index, tmp_path, scenario, seed=["giá vàng & bạc #1", "giá vàng hôm nay"])


def test_unanswered_can_be_filtered_by_channel(index, tmp_path):
    async def scenario(client, store):
        store.question(channel="zalo", user_id="z1", text="giá vàng hôm nay", result=index.search("giá vàng hôm nay"))
        store.question(channel="web", user_id="w1", text="xổ số miền nam", result=index.search("xổ số miền nam"))
        store.flush()
        await login(client)
        zalo = await (await client.get("/admin/unanswered?channel=zalo")).text()
        assert "giá vàng hôm nay" in zalo and "xổ số miền nam" not in zalo
        every = await (await client.get("/admin/unanswered")).text()
        assert "giá vàng hôm nay" in every and "xổ số miền nam" in every
        csv_text = await (await client.get("/admin/unanswered.csv?channel=web")).text()
        assert "xổ số miền nam" in csv_text and "giá vàng" not in csv_text
        bogus = await (await client.get("/admin/unanswered?channel=<script>")).text()
        assert "<script>" not in bogus.split("<select")[1].split("</select>")[0]

    run(index, tmp_path, scenario)
