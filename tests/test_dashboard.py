"""The console dashboard's data and HTML, the records queries behind it, and reviews due."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.console import dashboard
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from knowledge import Catalogue, Entry, Sector
from knowledge.review import months_before, reviews_due
from tests.generate_records import generate

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam


def entry(entry_id: str, reviewed: date, verified: bool = True) -> Entry:
    return Entry(
        id=entry_id, kind="faq", title=entry_id.title(), sector="s", questions=("q",), answer="a", links=(),
        source="x", reviewed=reviewed, verified=verified,
    )  # fmt: skip


def test_reviews_due_are_unverified_or_older_than_the_cadence():
    today = date(2026, 11, 25)
    catalogue = Catalogue(
        {
            e.id: e
            for e in (
                entry("fresh", date(2026, 10, 1)),
                entry("exactly-six-months", date(2026, 5, 25)),
                entry("seven-months", date(2026, 4, 20)),
                entry("unverified", date(2026, 11, 1), verified=False),
                entry("old-and-unverified", date(2025, 1, 1), verified=False),
            )
        },
        {"s": Sector("s", "S")},
    )
    due = reviews_due(catalogue, today, 6)
    assert [d.entry.id for d in due] == ["old-and-unverified", "seven-months", "unverified"]  # oldest first
    assert due[0].reason == f"chưa xác minh, rà soát đã {(today - date(2025, 1, 1)).days} ngày"
    assert due[2].reason == "chưa xác minh" and not due[2].stale
    assert [d.entry.id for d in reviews_due(catalogue, today, 12)] == ["old-and-unverified", "unverified"]
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 15) == date(2024, 12, 15)


def test_settings_for_the_dashboard_and_the_report():
    settings = Settings.from_env({"REVIEW_MONTHS": "3", "CONSOLE_URL": "https://qt.example.gov.vn/ "})
    assert settings.review_months == 3 and settings.console_url == "https://qt.example.gov.vn"
    assert Settings.from_env({}).review_months == 6 and Settings.from_env({}).console_url == ""


def test_days_are_vietnam_days(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")
    try:
        with store.db.conn:
            store.db["questions"].insert_all(
                [
                    {"at": "2026-11-24T16:59:59", "channel": "web", "status": "answered", "text": "a"},  # 23:59, 24th
                    {"at": "2026-11-24T17:00:00", "channel": "web", "status": "answered", "text": "b"},  # 00:00, 25th
                    {"at": "2026-11-25T08:00:00", "channel": "telegram", "status": "unanswered", "text": "c"},
                ]
            )
        rows = store.daily_outcomes("2026-11-01T00:00:00", "2026-12-01T00:00:00")
        assert rows == [
            {"day": "2026-11-24", "status": "answered", "n": 1},
            {"day": "2026-11-25", "status": "answered", "n": 1},
            {"day": "2026-11-25", "status": "unanswered", "n": 1},
        ]
        data = dashboard.gather(store, index, now=NOW)
        assert data.days[-1] == date(2026, 11, 25) and len(data.days) == 90
        assert data.per_day["answered"][-2:] == [1, 1] and data.per_day["unanswered"][-1] == 1
        assert data.channels == {"Trang web": 2, "Telegram": 1}
    finally:
        store.close()


def test_ninety_days_of_records(index, tmp_path):
    generate(tmp_path / "r.sqlite", index, days=90, now=NOW)
    store = Store(tmp_path / "r.sqlite")
    try:
        data = dashboard.gather(store, index, now=NOW)
        total = store.db.execute("SELECT count(*) FROM questions").fetchone()[0]
        assert data.total(90) == total > 1000
        assert [d.isoformat() for d in data.days] == [
            (date(2026, 11, 25) - timedelta(days=89 - i)).isoformat() for i in range(90)
        ]
        assert all(sum(data.per_day[s][i] for s in dashboard.STATUSES) > 0 for i in range(90))  # every day
        assert sum(w["total"] for w in data.weeks) == total and data.weeks[1]["start"].weekday() == 0
        assert {"Telegram", "Trang web"} == set(data.channels)
        assert sum(n for _, n in data.sectors) == total and data.sectors[-1][0] == "Chưa trả lời được"
        assert data.groups and all(g.count >= 1 for g in data.groups)
        assert data.wrong and data.wrong[0]["wrong"] >= data.wrong[-1]["wrong"]
        assert data.waiting and data.median_reply and data.reviews
        html = dashboard.render(data)
        assert "30 ngày qua: " in html and 'class="empty"' not in html
        block = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html).group(1)
        charts = json.loads(block)
        assert charts["days"][0] == "28/08" and charts["days"][-1] == "25/11" and len(charts["dates"]) == 90
        assert set(charts["per_day"]) == {"answered", "suggested", "unanswered"}
        assert all(0 <= r <= 100 for r in charts["weeks"]["answered"] if r is not None)
        assert "/admin/draft?key=" in html and "HT-" in html
    finally:
        store.close()


def test_every_empty_table_says_what_will_appear_there(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")
    try:
        data = dashboard.gather(store, index, now=NOW, handoff=False)
    finally:
        store.close()
    html = dashboard.render(data)
    tables = [chunk.split("</table>")[0] for chunk in html.split('<table data-table="')[1:]]
    empty = {
        t.split('"')[0]: re.search(r'<tr class="empty"><td colspan="\d">([^<]+)</td>', t).group(1)
        for t in tables
        if 'class="empty"' in t
    }
    assert set(empty) == {"groups", "wrong", "tickets", "top"}  # reviews: the shipped catalogue has some due
    assert "Khi trợ lý không trả lời được" in empty["groups"]
    assert "Khi người dân bấm “Chưa đúng”" in empty["wrong"]
    assert "STAFF_CHAT_ID" in empty["tickets"]
    assert 'data-empty="charts"' in html and "Chưa có câu hỏi nào trong 90 ngày qua" in html
    assert "chưa tính được thời gian trả lời" in html
    calm = Catalogue({"a": entry("a", NOW.date())}, {"s": Sector("s", "S")})
    data.reviews = reviews_due(calm, NOW.date())
    assert data.reviews == []
    assert "Mọi mục đều đã xác minh và được rà soát trong 6 tháng qua" in dashboard.render(data)


def test_chart_data_cannot_close_its_script_element():
    block = dashboard.json_block({"labels": ["</script><script>alert(1)</script>", "a & b"]})
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["labels"][0] == "</script><script>alert(1)</script>"


def test_the_dashboard_page_and_its_static_files_over_http(index, tmp_path):
    generate(tmp_path / "r.sqlite", index, days=30)

    async def go():
        store = Store(tmp_path / "r.sqlite")
        app = build_web_app(dataclasses.replace(Settings(), admin_token="t"), Engine(index), store, store)
        async with TestClient(TestServer(app)) as client:
            await client.post("/admin/login", data={"token": "t"})
            response = await client.get("/admin")
            page = await response.text()
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            scripts = re.findall(r"<script([^>]*)>", page)
            assert all('type="application/json"' in s or "src=" in s for s in scripts)  # nothing inline runs
            for path in ("/static/vendor/chart.umd.min.js", "/static/dashboard.js", "/static/dashboard.css"):
                assert path in page
                assert (await client.get(path)).status == 200
            assert (await client.get("/static/vendor/chart.js.LICENSE.md")).status == 200
        store.close()

    asyncio.run(go())


def test_dashboard_shows_the_verified_share_and_reviews_due_per_sector(index, tmp_path):
    from bot.store import Store

    store = Store(tmp_path / "r.sqlite")
    data = dashboard.gather(store, index, review_months=6, handoff=False)
    rows = {title: (n, ok, due) for title, n, ok, due in data.verification}
    can_cuoc = index.catalogue.sectors["can-cuoc"].title
    entries = index.catalogue.in_sector("can-cuoc")
    assert rows[can_cuoc][0] == len(entries)
    assert rows[can_cuoc][1] == sum(e.verified for e in entries) < len(entries)
    assert rows[can_cuoc][2] >= len(entries) - rows[can_cuoc][1]  # every unverified entry is due
    html = dashboard.render(data)
    assert 'data-table="verification"' in html and can_cuoc in html
    store.close()
