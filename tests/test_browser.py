"""The console and the web chat in a real browser: headless Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console.accounts import Accounts
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from tests.helpers import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing in CI: scripts/ensure-chromium.sh should have installed it", pytrace=False)
    pytest.skip("Chromium is not installed (see scripts/ensure-chromium.sh)", allow_module_level=True)

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Server(threading.Thread):
    """The real web app on a free loopback port, in its own event loop."""

    def __init__(self, app) -> None:
        super().__init__(daemon=True)
        self.app, self.ready = app, threading.Event()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def run(self) -> None:
        from aiohttp import web

        self.loop = asyncio.new_event_loop()
        runner = web.AppRunner(self.app)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def site(index, tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("browser") / "r.sqlite")
    for text in ["lịch bắn pháo hoa đêm giao thừa", "lich ban phao hoa dem giao thua", XSS, "lịch tiêm chủng cho trẻ"]:
        store.question(channel="telegram", user_id=1, text=text, result=index.search(text))
    store.flush()
    assert len(store.questions(status="unanswered")) == 4, "seed questions must stay unanswered"
    # Every test's browser comes from 127.0.0.1: the per-address limit would be reached by the module.
    settings = dataclasses.replace(Settings(), admin_token="browser-token", flood_address_messages=10_000)
    Accounts(store.db).add("quantri", PASSWORD, "admin")  # what `python -m bot users add` does
    server = Server(build_web_app(settings, Engine(index), store, store))
    server.start()
    assert server.ready.wait(10)
    yield server, store
    store.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def log_in(page, url: str, username: str = "quantri", password: str = PASSWORD) -> None:
    page.goto(f"{url}/admin/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/admin")


def test_a_page_without_login_redirects_to_login(site, page):
    server, _ = site
    page.goto(f"{server.url}/admin/unanswered")
    assert page.url.endswith("/admin/login")
    page.fill("#username", "quantri")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert "không đúng" in page.content()


def test_dashboard_and_unanswered_group_then_resolve(site, page):
    server, store = site
    log_in(page, server.url)
    page.wait_for_function("window.Chart && Chart.getChart('chart-daily')")  # drawn by Chart.js
    page.goto(f"{server.url}/admin/unanswered")
    fireworks = page.locator("tr", has_text="pháo hoa")
    assert fireworks.count() == 1 and fireworks.locator("td").first.inner_text() == "2"
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / "console-unanswered.png"), full_page=True)
    fireworks.locator("button", has_text="Đã xử lý").click()
    page.wait_for_load_state()
    assert page.locator("tr", has_text="pháo hoa").count() == 0
    assert "resolved" in store.group_states().values()


def test_stored_xss_does_not_execute(site, page):
    server, _ = site
    log_in(page, server.url)
    page.goto(f"{server.url}/admin/unanswered?show=all")
    assert page.locator("td", has_text="<script>window.__xss=2</script>").count() == 1  # shown as text
    assert page.evaluate("window.__xss") is None and not page.dialogs


def test_csv_export_and_draft(site, page):
    server, _ = site
    log_in(page, server.url)
    page.goto(f"{server.url}/admin/unanswered?show=all")
    with page.expect_download() as download:
        page.click("text=Tải CSV")
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "tiêm chủng" in content and "question" in content.splitlines()[0]
    page.locator("tr", has_text="tiêm chủng").locator("a", has_text="Soạn mục").click()
    draft = page.locator("#draft").inner_text()
    assert "questions:" in draft and "lịch tiêm chủng cho trẻ" in draft and "verified: false" in draft


def test_web_chat_on_a_phone_screen(site, browser):
    server, _ = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server.url)
    page.fill("#q", "quen mk vneid")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bot >> text=Quên mật khẩu VNeID")
    page.wait_for_selector("#send:not([disabled])")  # a question typed while waiting is not sent
    page.fill("#q", XSS)
    page.keyboard.press("Enter")
    page.wait_for_selector(".bot >> text=chưa có câu trả lời", timeout=15_000)  # locators: the CSP forbids eval
    page.wait_for_selector("#send:not([disabled])")
    assert page.evaluate("window.__xss") is None
    assert page.locator(".me", has_text="<script>").count() == 1
    page.fill("#q", "căn cước")
    page.keyboard.press("Enter")
    page.locator("button[data-open]").first.click()
    page.wait_for_selector("button[data-feedback]")
    page.locator("button[data-feedback='1']").last.click()
    page.wait_for_selector("text=Cảm ơn bạn")
    page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / "web-chat.png"), full_page=True)
    context.close()


def test_accepting_a_learned_phrasing_in_the_browser(browser, tmp_path):
    faq = tmp_path / "faq.yaml"
    shutil.copy(Path(__file__).resolve().parent.parent / "faq.yaml", faq)
    engine = Engine.load(faq)
    store = Store(tmp_path / "r.sqlite")
    question = "app công an không cho vào nữa"
    store.candidate(question=question, entry_id="vneid-loi-khong-dang-nhap", source="tap")
    store.candidate(question="<script>window.__xss=3</script> gọi 0912 345 678", entry_id="vneid-la-gi", source="tap")
    store.flush()
    Accounts(store.db).add("quantri", PASSWORD, "admin")
    server = Server(build_web_app(dataclasses.replace(Settings(), admin_token="browser-token"), engine, store, store))
    server.start()
    assert server.ready.wait(10)
    page = browser.new_page()
    try:
        log_in(page, server.url)
        page.goto(f"{server.url}/admin/learning")
        assert page.evaluate("window.__xss") is None
        assert "0912" not in page.content() and page.locator("td", has_text="<script>").count() == 1
        page.locator(f'tr[data-candidate="{question}"]').locator("button", has_text="Thêm vào mục").click()
        page.wait_for_selector("#notice")
        assert "Đã nạp lại" in page.locator("#notice").inner_text()
        text = faq.read_text(encoding="utf-8")
        assert f"      - {question}" in text and "# Sau khi sửa, chạy: python -m bot validate" in text
        page.locator('tr[data-candidate^="&lt;script"], tr[data-candidate^="<script"]').locator(
            "button", has_text="Bỏ"
        ).click()
        page.wait_for_load_state()
        assert page.locator("td", has_text="<script>").count() == 0
        page.goto(server.url)
        page.fill("#q", question)
        page.keyboard.press("Enter")
        page.wait_for_selector(".bot >> text=VNeID báo lỗi, không đăng nhập được")
    finally:
        page.close()
        store.close()
