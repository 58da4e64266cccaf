"""The staff's workplace end to end in headless Chromium: an editor with a personal account creates an
entry, sees it answered in the web chat, edits it, is refused when the file changed underneath,
restores the earlier version and marks an unverified entry checked; a viewer cannot edit."""

from __future__ import annotations

import dataclasses
import re
import time

import pytest

from bot.config import Settings
from bot.console.accounts import Accounts
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from tests.helpers import PASSWORD
from tests.test_browser import Server, playwright
from tests.test_editor import FAQ

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def workplace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workplace")
    faq = folder / "faq.yaml"
    faq.write_text(FAQ, encoding="utf-8")
    store = Store(folder / "r.sqlite")
    accounts = Accounts(store.db)  # what `python -m bot users add` does
    accounts.add("chi.mai", PASSWORD, "editor", "Chị Mai")
    accounts.add("anh.tuan", PASSWORD, "viewer", "Anh Tuấn")
    engine = Engine.load(faq)
    server = Server(build_web_app(dataclasses.replace(Settings(), admin_token="x"), engine, store, store))
    server.start()
    assert server.ready.wait(10)
    yield server, faq, engine
    store.close()


def keyboard_login(page, url: str, username: str) -> None:
    """With the keyboard alone: the name field has the focus, Tab to the password, Enter."""
    seen = []
    page.on("response", lambda r: seen.append((r.request.method, r.url, r.status)))
    page.goto(f"{url}/admin/login")
    deadline = time.monotonic() + 5
    while page.evaluate("document.activeElement && document.activeElement.id") != "username":
        assert time.monotonic() < deadline, "the name field should have the focus when the page opens"
        page.wait_for_timeout(50)
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    try:
        page.wait_for_url(f"{url}/admin", timeout=15_000)
    except playwright.TimeoutError as exc:  # say what the server answered
        raise AssertionError(f"{seen}\n{page.locator('main').inner_text()}") from exc


def ask(chat, question: str) -> str:
    """Ask in the citizens' web chat and return the answer shown (polled from here: the page's CSP
    forbids the eval that wait_for_function would need)."""
    count = chat.locator("#log .bot").count()
    chat.fill("#q", question)
    chat.keyboard.press("Enter")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        bots = chat.locator("#log .bot")
        if bots.count() > count and not bots.last.inner_text().startswith(("…", "Đang trả lời")):
            return bots.last.inner_text()
        chat.wait_for_timeout(50)
    raise AssertionError(f"no answer to {question!r}")


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_editor_keeps_the_catalogue_true_from_the_browser(workplace, browser):
    server, faq, engine = workplace
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page, chat = context.new_page(), context.new_page()
    chat.goto(server.url)
    try:
        keyboard_login(page, server.url, "chi.mai")
        assert fits_the_phone(page)

        # Create an entry.
        page.goto(f"{server.url}/admin/entries")
        page.click("text=+ Tạo mục hỏi đáp")
        page.fill("#f-id", "le-phi-chung-thuc")
        page.fill("#f-title", "Lệ phí chứng thực bản sao")
        page.select_option("#f-sector", "test")
        page.fill("#f-questions", "chứng thực bản sao mất bao nhiêu tiền\nle phi chung thuc ban sao\nphí sao y giấy tờ")
        page.fill("#f-answer", "Lệ phí được niêm yết tại bộ phận một cửa.")
        page.fill("#f-source", "Bảng niêm yết tại trụ sở")
        page.fill("#f-reviewed", "20/11/2026")
        page.check("#f-verified")
        assert fits_the_phone(page)
        page.click("#save")
        page.wait_for_selector("#notice")
        assert "Đã lưu" in page.locator("#notice").inner_text()
        assert "niêm yết tại bộ phận một cửa" in ask(chat, "le phi chung thuc ban sao")

        # Edit it; the citizens' answer changes at once.
        page.fill("#f-answer", "Lệ phí: 2.000 đồng một trang (niêm yết tại bộ phận một cửa).")
        page.click("#save")
        page.wait_for_selector("#notice")
        assert "2.000 đồng một trang" in ask(chat, "chứng thực bản sao mất bao nhiêu tiền")

        # Someone edits the file in a text editor while the form is open: the save is refused.
        page.goto(f"{server.url}/admin/entries/le-phi-chung-thuc")
        faq.write_text(
            faq.read_text(encoding="utf-8").replace("2.000 đồng một trang", "3.000 đồng một trang"), encoding="utf-8"
        )
        page.fill("#f-answer", "Lệ phí: miễn phí.")
        page.click("#save")
        page.wait_for_selector("#conflict")
        conflict = page.locator("#conflict").inner_text()
        assert "-Câu trả lời: Lệ phí: 2.000 đồng" in conflict and "+Câu trả lời: Lệ phí: 3.000 đồng" in conflict
        assert page.input_value("#f-answer") == "Lệ phí: miễn phí."  # nothing typed is lost
        assert "3.000 đồng một trang" in faq.read_text(encoding="utf-8")
        assert engine.reload().ok  # what the running assistant's file watcher does within two seconds
        page.screenshot(path="/tmp/console-conflict.png", full_page=True)

        # Restore the first version from the history.
        page.goto(f"{server.url}/admin/entries/le-phi-chung-thuc/history")
        page.wait_for_selector(".version")
        assert "sửa trên tệp" in page.locator(".version").first.inner_text()  # the text editor's change
        page.locator(".version").last.locator("button", has_text="Khôi phục").click()
        page.wait_for_selector("#notice")
        assert "Đã khôi phục" in page.locator("#notice").inner_text()
        assert "niêm yết tại bộ phận một cửa." in ask(chat, "le phi chung thuc ban sao")
        assert "Lệ phí được niêm yết tại bộ phận một cửa." in faq.read_text(encoding="utf-8")

        # Review: the unverified entry is checked against a source, and the citizens' warning goes.
        assert "đang chờ cán bộ kiểm tra lại" in ask(chat, "giờ làm việc bộ phận một cửa")
        page.goto(f"{server.url}/admin/review")
        row = page.locator('[data-entry="gio-lam-viec"]')
        row.locator("button", has_text="Đã kiểm tra").click()  # no source yet: the browser asks for one
        assert page.url.endswith("/admin/review")
        assert row.locator("input[name=checked]").evaluate("el => el.validity.valueMissing")
        row.locator("input[name=checked]").fill("Quyết định 12/QĐ-UBND về giờ làm việc")
        row.locator("button", has_text="Đã kiểm tra").click()
        page.wait_for_selector("#notice")
        assert "Đã ghi nhận kiểm tra" in page.locator("#notice").inner_text()
        assert page.locator('[data-entry="gio-lam-viec"]').count() == 0
        assert "đang chờ cán bộ kiểm tra lại" not in ask(chat, "giờ làm việc bộ phận một cửa")
        assert re.search(r"reviewed: \d{4}-\d\d-\d\d\n    verified: true", faq.read_text(encoding="utf-8"))
    finally:
        context.close()


def test_a_viewer_reads_but_cannot_edit(workplace, browser):
    server, faq, _ = workplace
    context = browser.new_context()
    page = context.new_page()
    try:
        keyboard_login(page, server.url, "anh.tuan")
        page.goto(f"{server.url}/admin/entries/gui-xe")
        assert page.locator("#save").count() == 0 and page.locator("#f-answer").is_disabled()
        assert page.locator("text=Ngừng dùng mục này").count() == 0
        csrf = page.locator("input[name=csrf]").first.input_value()
        before = faq.read_text(encoding="utf-8")
        response = context.request.post(
            f"{server.url}/admin/entries/gui-xe/retire", form={"csrf": csrf}, max_redirects=0
        )
        assert response.status == 403 and "chỉ được xem" in response.text()
        assert faq.read_text(encoding="utf-8") == before
        page.goto(f"{server.url}/admin/users")
        assert "Chỉ quản trị viên" in page.content()
    finally:
        context.close()
