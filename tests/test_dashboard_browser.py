"""The dashboard in headless Chromium: dated Chart.js charts and the tables on 90 days of generated records,
and tables that explain themselves on an empty database."""

from __future__ import annotations

import dataclasses
import re

from bot.config import Settings
from bot.console.accounts import Accounts
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from tests.generate_records import generate
from tests.helpers import PASSWORD
from tests.test_browser import Server, log_in


def open_dashboard(browser, index, database, **settings):
    store = Store(database)
    Accounts(store.db).add("quantri", PASSWORD, "admin")  # log_in signs in with a personal account
    config = dataclasses.replace(Settings(), admin_token="browser-token", **settings)
    server = Server(build_web_app(config, Engine(index), store, store))
    server.start()
    assert server.ready.wait(10)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda m: note(page, m))
    log_in(page, server.url)
    return page, store


def note(page, message) -> None:
    """Script errors and CSP violations; the browser's own favicon request (none is served) is not ours."""
    where = message.location.get("url", "")
    if message.type == "error" and not where.endswith("/favicon.ico"):
        page.problems.append(f"{message.text} {where}")


def chart(page, name: str) -> dict:
    return page.evaluate(
        """name => { const c = Chart.getChart(name); return {
            labels: c.data.labels, datasets: c.data.datasets.map(d => d.label), type: c.config.type,
            ticks: c.scales.x.ticks.map(t => t.label), stacked: !!c.options.scales.y.stacked,
            width: c.width, height: c.height } }""",
        name,
    )


def test_dated_charts_and_tables_on_ninety_days_of_records(browser, index, tmp_path):
    generate(tmp_path / "r.sqlite", index, days=90)
    page, store = open_dashboard(browser, index, tmp_path / "r.sqlite", staff_chat_id=-100)
    try:
        page.wait_for_function("window.Chart && Chart.getChart('chart-daily')")
        daily = chart(page, "chart-daily")
        assert daily["type"] == "bar" and daily["stacked"] and daily["width"] > 500 and daily["height"] > 200
        assert daily["datasets"] == ["Trả lời", "Gợi ý", "Chưa trả lời"]
        assert len(daily["labels"]) == 30 and all(re.fullmatch(r"\d\d/\d\d", x) for x in daily["labels"])
        assert daily["ticks"] and all(re.fullmatch(r"\d\d/\d\d", x) for x in daily["ticks"])  # a dated axis
        page.click("[data-range='90']")
        assert len(chart(page, "chart-daily")["labels"]) == 90
        assert page.get_attribute("[data-range='90']", "aria-pressed") == "true"
        rate = chart(page, "chart-rate")
        assert rate["type"] == "line" and rate["datasets"] == ["Trả lời ngay", "Trả lời hoặc gợi ý"]
        assert all(x.startswith("từ ") for x in rate["labels"]) and len(rate["labels"]) >= 13
        assert set(chart(page, "chart-channels")["labels"]) == {"Telegram", "Trang web"}
        assert "Chưa trả lời được" in chart(page, "chart-sectors")["labels"]
        for name in ("groups", "wrong", "tickets", "reviews", "top"):
            table = page.locator(f"table[data-table='{name}']")
            assert table.locator("tr").count() > 1 and table.locator("tr.empty").count() == 0, name
        assert page.locator("table[data-table='tickets'] td", has_text="HT-").count() >= 1
        assert "trung vị" in page.locator("[data-median]").inner_text()
        page.locator("table[data-table='groups'] a", has_text="Soạn mục").first.click()
        assert "questions:" in page.locator("#draft").inner_text()  # the group's link leads to its draft
        assert page.problems == []  # no script error, no CSP violation
    finally:
        page.close()
        store.close()


def test_empty_tables_explain_themselves_on_an_empty_database(browser, index, tmp_path):
    page, store = open_dashboard(browser, index, tmp_path / "empty.sqlite")
    try:
        page.wait_for_function("window.Chart && Chart.getChart('chart-daily')")
        assert len(chart(page, "chart-daily")["labels"]) == 30  # still a dated axis, all zero
        assert "Chưa có câu hỏi nào trong 90 ngày qua" in page.locator("[data-empty='charts']").inner_text()
        assert page.locator("[data-empty='channels']").is_visible()
        assert page.locator("[data-empty='sectors']").is_visible()
        expected = {
            "groups": "Khi trợ lý không trả lời được",
            "wrong": "Khi người dân bấm “Chưa đúng”",
            "tickets": "STAFF_CHAT_ID",
            "top": "Các mục trợ lý dùng để trả lời nhiều nhất",
        }
        for name, why in expected.items():
            empty = page.locator(f"table[data-table='{name}'] tr.empty")
            assert empty.is_visible() and why in empty.inner_text(), name
        assert "chưa tính được thời gian trả lời" in page.locator("[data-median]").inner_text()
        assert page.problems == []
    finally:
        page.close()
        store.close()
