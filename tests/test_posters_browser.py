"""The console page "Áp phích QR" in a real browser (headless Chromium, Playwright), with the bot's name
from the fake Bot API's getMe."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console.accounts import Accounts
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from tests.fake_telegram import BOT, FakeTelegram
from tests.helpers import PASSWORD
from tests.telegram_harness import TOKEN
from tests.test_browser import Server, log_in
from tests.test_posters import decoded, pdf_text

playwright = pytest.importorskip("playwright.sync_api")


class FakeTelegramThread(threading.Thread):
    """The fake Bot API on a loopback port, in its own event loop, for the web server's getMe."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.ready = threading.Event()
        self.fake = FakeTelegram()

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.fake.start())
        self.ready.set()
        self.loop.run_forever()


@pytest.fixture(scope="module")
def poster_site(index, tmp_path_factory):
    telegram = FakeTelegramThread()
    telegram.start()
    assert telegram.ready.wait(10)
    store = Store(tmp_path_factory.mktemp("posters") / "r.sqlite")
    store.poster_open(channel="telegram", kind="sector", target="can-cuoc")
    store.flush()
    Accounts(store.db).add("quantri", PASSWORD, "admin")  # log_in signs in with a personal account
    settings = dataclasses.replace(
        Settings(),
        admin_token="browser-token",
        telegram_token=TOKEN,
        telegram_api_url=telegram.fake.base_url,
        office_name="UBND xã Đăk Hà",
    )
    server = Server(build_web_app(settings, Engine(index), store, store))
    server.start()
    assert server.ready.wait(10)
    yield server
    store.close()
    telegram.loop.call_soon_threadsafe(telegram.loop.stop)


def test_choose_a_sector_preview_and_download_pdf_and_png(poster_site, browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, poster_site.url)
        page.click("nav >> text=Áp phích QR")
        page.wait_for_url("**/admin/posters")
        assert page.locator("#opens", has_text="Lĩnh vực: Căn cước").count() == 1  # openings counted so far
        page.select_option("#target", "sector:can-cuoc")
        page.click("text=Xem áp phích")
        link = f"https://t.me/{BOT['username']}?start=sector_can-cuoc"
        assert page.locator("#link").inner_text() == link
        width = page.locator("#preview").evaluate("img => img.decode().then(() => img.naturalWidth)")
        assert width == 1240  # the PNG preview loaded
        page.screenshot(path=str(Path(os.environ.get("SCREENSHOT_DIR", "/tmp")) / "console-posters.png"))

        with page.expect_download() as pdf:
            page.click("#pdf")
        assert pdf.value.suggested_filename == "ap-phich-qr-can-cuoc.pdf"
        text = pdf_text(Path(pdf.value.path()).read_bytes())
        assert "Căn cước" in text and "UBND xã Đăk Hà" in text

        with page.expect_download() as png:
            page.click("#png")
        assert link in decoded(Path(png.value.path()).read_bytes())
    finally:
        context.close()


def test_choose_one_entry(poster_site, browser):
    page = browser.new_page()
    try:
        log_in(page, poster_site.url)
        page.goto(f"{poster_site.url}/admin/posters")
        page.select_option("#target", label="Quên mật khẩu VNeID")
        page.click("text=Xem áp phích")
        assert page.locator("#link").inner_text().endswith("?start=vneid-quen-mat-khau")
        assert page.locator("#notes", has_text="WEB_CHAT_URL").count() == 1  # the default address is this machine
    finally:
        page.close()
