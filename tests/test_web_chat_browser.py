"""The web chat as a citizen uses it on a phone, and the widget on a portal of another origin, in
headless Chromium driven by Playwright (see tests/test_browser.py for the set-up)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import threading
from pathlib import Path

import pytest

from bot import texts
from bot.config import Settings
from bot.engine import Engine
from bot.records import LogRecorder
from bot.web import build_web_app

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
LONG_GUIDE = "Cách xin lý lịch tư pháp trên VNeID"  # a procedure: longer than a phone screen


class Server(threading.Thread):
    """An aiohttp app on a free port of a loopback address, in its own event loop."""

    def __init__(self, app=None, host: str = "127.0.0.1") -> None:
        super().__init__(daemon=True)
        self.app, self.host, self.ready = app, host, threading.Event()
        with socket.socket() as s:
            s.bind((host, 0))
            self.port = s.getsockname()[1]

    def run(self) -> None:
        from aiohttp import web

        self.loop = asyncio.new_event_loop()
        runner = web.AppRunner(self.app)
        self.loop.run_until_complete(runner.setup())
        self.loop.run_until_complete(web.TCPSite(runner, self.host, self.port).start())
        self.ready.set()
        self.loop.run_forever()

    def begin(self) -> Server:
        self.start()
        assert self.ready.wait(10)
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def portal_app(assistant: dict[str, str]):
    """A commune portal page that adds the one-line widget."""
    from aiohttp import web

    def page(head: str) -> str:
        return (
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8">{head}<title>UBND xã</title></head><body>'
            f'<h1>Cổng thông tin xã</h1><script src="{assistant["url"]}/widget.js" async></script></body></html>'
        )

    async def home(request):  # a responsive portal
        viewport = '<meta name="viewport" content="width=device-width,initial-scale=1">'
        return web.Response(text=page(viewport), content_type="text/html")

    async def old(request):  # a portal made for desktops only: phones shrink it
        return web.Response(text=page(""), content_type="text/html")

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/old", old)
    return app


class Askers(LogRecorder):
    """Remembers which visitor asked each question."""

    def __init__(self) -> None:
        super().__init__()
        self.by_question: dict[str, list[str]] = {}

    def question(self, *, channel, user_id, text, result) -> None:
        self.by_question.setdefault(text, []).append(str(user_id))


ASKERS = Askers()


@pytest.fixture(scope="module")
def sites(index):
    """The assistant, a portal allowed to embed it (another loopback address) and one that is not."""
    where: dict[str, str] = {}
    allowed = Server(portal_app(where), host="127.0.0.2")
    other = Server(portal_app(where), host="127.0.0.3")
    # every test here asks from 127.0.0.1: a flood limit well above what the module sends in a minute
    settings = dataclasses.replace(Settings(), embed_origins=allowed.url, flood_messages=100)
    assistant = Server(build_web_app(settings, Engine(index), ASKERS, None)).begin()
    where["url"] = assistant.url
    return assistant, allowed.begin(), other.begin()


@pytest.fixture
def phone(browser, sites):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(sites[0].url)
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait for the answer to replace "Đang trả lời…"."""
    before = page.locator(".msg.bot").count()
    page.fill("#q", question)
    page.keyboard.press("Enter")
    page.locator(".msg.bot").nth(before).wait_for()  # (no wait_for_function: the CSP forbids eval)
    page.locator(".msg.waiting").wait_for(state="detached")


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def test_first_screen_greets_with_example_and_sector_chips(phone):
    assert phone.locator(".welcome").inner_text().startswith("Xin chào")
    examples = phone.locator("button[data-ask]")
    assert examples.all_inner_texts() == list(texts.WEB_EXAMPLES)
    assert phone.locator("button[data-sector]").count() >= 10
    examples.first.click()
    phone.wait_for_selector(".msg.bot button[data-feedback]")
    assert phone.locator(".msg.me").first.inner_text() == texts.WEB_EXAMPLES[0]
    phone.locator("button[data-sector='can-cuoc']").click()
    phone.wait_for_selector(".msg.bot >> text=chọn một mục")
    phone.locator(".msg.bot").last.locator("button[data-open]").first.click()
    phone.locator(".msg.bot button[data-feedback]").nth(2).wait_for()  # a pair per answer


def test_the_input_stays_at_the_bottom_of_the_screen(phone):
    for question in ("căn cước", LONG_GUIDE, "quên mật khẩu vneid", "đăng ký tạm trú online"):
        ask(phone, question)
    form = box(phone, "#ask")
    assert abs(form["y"] + form["height"] - 844) <= 1, form  # pinned to the bottom edge
    assert phone.evaluate("document.scrollingElement.scrollHeight") <= 844  # the page itself never scrolls
    assert phone.evaluate("document.getElementById('log').scrollHeight > document.getElementById('log').clientHeight")
    phone.focus("#q")
    phone.set_viewport_size({"width": 390, "height": 480})  # the phone keyboard takes the lower half
    for _ in range(40):  # the page follows the resize on its next frame
        form = box(phone, "#ask")
        if abs(form["y"] + form["height"] - 480) <= 1:
            break
        phone.wait_for_timeout(50)
    assert abs(form["y"] + form["height"] - 480) <= 1, form
    assert phone.evaluate("document.activeElement.id") == "q"


def test_a_new_answer_is_shown_from_its_first_line(phone):
    for question in ("căn cước", "quên mật khẩu vneid"):
        ask(phone, question)
    ask(phone, LONG_GUIDE)
    question, answer, log = box(phone, ".msg.me >> nth=-1"), box(phone, ".msg.bot >> nth=-1"), box(phone, "#log")
    assert answer["height"] > log["height"], "the test needs an answer longer than the screen"
    assert log["y"] <= question["y"] < answer["y"] <= log["y"] + log["height"] / 4, (question, answer, log)
    assert phone.locator(".msg.bot").last.locator(".title").inner_text().startswith("Thủ tục")


def test_enter_sends_and_shift_enter_makes_a_new_line(phone):
    phone.click("#q")
    phone.keyboard.type("căn cước")
    phone.keyboard.press("Shift+Enter")
    phone.keyboard.type("cho con")
    assert phone.input_value("#q") == "căn cước\ncho con" and phone.locator(".msg.me").count() == 0
    phone.keyboard.press("Enter")
    phone.wait_for_selector(".msg.me")
    assert phone.locator(".msg.me").inner_text() == "căn cước\ncho con" and phone.input_value("#q") == ""


def test_waiting_shows_a_clear_indicator_and_disables_send(phone):
    held = []
    phone.route("**/api/ask", lambda route: held.append(route))
    phone.fill("#q", "quên mật khẩu vneid")
    phone.keyboard.press("Enter")
    phone.wait_for_selector(".msg.waiting")
    assert phone.locator(".msg.waiting").inner_text() == texts.WEB_WAITING
    assert "đang trả lời" in texts.WEB_WAITING.lower()
    assert phone.locator("#send").is_disabled()
    phone.fill("#q", "câu thứ hai")
    phone.keyboard.press("Enter")  # ignored while waiting; the text stays in the box
    assert phone.locator(".msg.me").count() == 1 and phone.input_value("#q") == "câu thứ hai"
    for _ in range(100):  # the held request reaches the handler while Playwright processes events
        if held:
            break
        phone.wait_for_timeout(50)
    held[0].continue_()
    phone.wait_for_selector(".msg.bot button[data-feedback]")
    assert phone.locator(".msg.waiting").count() == 0 and phone.locator("#send").is_enabled()


def test_a_failed_request_says_so_and_puts_the_question_back(phone):
    # One handler for the whole test, answering each request with the next failure: replacing handlers
    # (unroute, then route) between requests made this test fail now and then under load, the third
    # request never showing its "slow down".
    failures = [
        lambda route: route.abort(),
        lambda route: route.fulfill(status=500, body="Internal Server Error"),
        lambda route: route.fulfill(status=429, content_type="application/json", body='{"text": "Chậm lại nhé"}'),
    ]
    phone.route("**/api/ask", lambda route: failures.pop(0)(route) if failures else route.continue_())
    question = "làm căn cước cho con ở đâu"
    phone.fill("#q", question)
    for shown, text in enumerate((texts.WEB_FAILED, texts.WEB_FAILED, "Chậm lại nhé")):
        phone.wait_for_selector("#send:not([disabled])")
        phone.focus("#q")
        phone.keyboard.press("Enter")
        phone.locator(".msg.error").nth(shown).wait_for()
        assert phone.locator(".msg.error").nth(shown).inner_text() == text
        assert phone.input_value("#q") == question
    phone.wait_for_selector("#send:not([disabled])")
    phone.focus("#q")
    phone.keyboard.press("Enter")
    phone.wait_for_selector(".msg.bot button[data-feedback]")


def test_too_many_questions_get_the_polite_slow_down_and_keep_the_text(browser, index):
    settings = dataclasses.replace(Settings(), flood_messages=1, flood_seconds=60)
    strict = Server(build_web_app(settings, Engine(index), LogRecorder(), None)).begin()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(strict.url)
    ask(page, "quên mật khẩu vneid")
    page.fill("#q", "làm căn cước cho con ở đâu")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.error")
    assert page.locator(".msg.error").inner_text() == texts.SLOW_DOWN
    assert page.input_value("#q") == "làm căn cước cho con ở đâu" and page.locator("#send").is_enabled()
    context.close()


def test_the_conversation_survives_a_reload_and_can_be_cleared(phone):
    ask(phone, "quên mật khẩu vneid")
    phone.locator("button[data-feedback='1']").click()
    phone.wait_for_selector("text=Cảm ơn bạn")
    phone.reload()
    assert phone.locator(".msg.me").all_inner_texts() == ["quên mật khẩu vneid"]
    assert phone.locator(".msg.bot:not(.welcome) >> text=Quên mật khẩu VNeID").count() >= 1
    assert phone.locator("text=Cảm ơn bạn").count() == 1  # the feedback given stays given
    ask(phone, "căn cước")  # still a working conversation after the reload
    phone.click(f"text={texts.WEB_CLEAR}")
    assert phone.locator(".msg:not(.welcome)").count() == 0 and phone.locator(".welcome").is_visible()
    phone.reload()
    assert phone.locator(".msg:not(.welcome)").count() == 0
    # Cleared on the server too: a short question next is not carried to a topic no longer on screen.
    ask(phone, "thủ tục cấp đổi căn cước")
    ask(phone, "lệ phí bao nhiêu")
    assert "Về «" in phone.locator(".msg.bot").last.inner_text()
    with phone.expect_response("**/api/forget"):
        phone.click(f"text={texts.WEB_CLEAR}")
    ask(phone, "lệ phí bao nhiêu")
    assert "Về «" not in phone.locator(".msg.bot").last.inner_text()


def test_keyboard_screen_reader_and_links(phone):
    assert phone.get_by_label(texts.WEB_INPUT_LABEL).evaluate("el => el.id") == "q"
    assert phone.get_attribute("#log", "role") == "log" and phone.get_attribute("#log", "aria-live") == "polite"
    phone.focus("#q")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "send"
    ask(phone, "cổng dịch vụ công quốc gia là gì")
    links = phone.locator(".msg.bot a")
    assert links.count() >= 1
    for i in range(links.count()):
        link = links.nth(i)
        assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
        assert link.get_attribute("href").startswith("https://")
    font = phone.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Color Emoji" in font and "Roboto" in font


def test_usable_on_a_360_px_phone(browser, sites):
    context = browser.new_context(**{**PHONE, "viewport": {"width": 360, "height": 640}})
    page = context.new_page()
    page.goto(sites[0].url)
    ask(page, LONG_GUIDE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the screen
    send, field = box(page, "#send"), box(page, "#q")
    assert send["x"] + send["width"] <= 360 and field["width"] >= 200 and send["height"] >= 40
    context.close()


def test_the_widget_on_an_allowed_portal_answers_inside_it(browser, sites):
    _, allowed, _ = sites
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(allowed.url)
    page.click("#tro-ly-so-button")
    chat = page.frame_locator("#tro-ly-so-frame")
    chat.locator("#q").fill("quên mật khẩu vneid")
    chat.locator("#q").press("Enter")
    chat.locator(".msg.bot >> text=Quên mật khẩu VNeID").first.wait_for()
    assert page.get_attribute("#tro-ly-so-button", "aria-expanded") == "true"
    chat.locator("#q").press("Escape")  # closes the widget, from inside the frame
    page.locator("#tro-ly-so-frame").wait_for(state="hidden")
    page.click("#tro-ly-so-button")  # opens again, conversation intact
    assert chat.locator(".msg.me").all_inner_texts() == ["quên mật khẩu vneid"]
    page.close()
    other = browser.new_page()  # another citizen on the same portal
    other.goto(allowed.url)
    other.click("#tro-ly-so-button")
    chat = other.frame_locator("#tro-ly-so-frame")
    chat.locator("#q").fill("quên mật khẩu vneid")
    chat.locator("#q").press("Enter")
    chat.locator(".msg.bot button[data-feedback]").first.wait_for()
    other.close()
    # no cookie reaches a third-party frame: each tab has its own id, not one shared "anonymous"
    first, second = ASKERS.by_question["quên mật khẩu vneid"][-2:]
    assert first.startswith("tab-") and second.startswith("tab-") and first != second


def test_the_widget_on_a_phone(browser, sites):
    assistant, allowed, _ = sites
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(allowed.url)
    page.click("#tro-ly-so-button")
    frame = box(page, "#tro-ly-so-frame")
    assert frame["width"] == 390 and frame["height"] > 700  # the whole screen above the button
    chat = page.frame_locator("#tro-ly-so-frame")
    chat.locator("#q").fill("lam can cuoc cho con o dau")
    chat.locator("#send").click()
    chat.locator(".msg.bot button[data-feedback]").first.wait_for()
    page.goto(f"{allowed.url}/old")  # no mobile viewport: a frame would be tiny, so a new tab opens
    with context.expect_page() as opened:
        page.click("#tro-ly-so-button")
    assert opened.value.url.rstrip("/") == assistant.url
    context.close()


def test_a_portal_not_allowed_cannot_frame_the_chat(browser, sites):
    assistant, _, other = sites
    page = browser.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(other.url)
    page.click("#tro-ly-so-button")
    page.wait_for_selector("#tro-ly-so-frame")
    for _ in range(100):
        if refused:
            break
        page.wait_for_timeout(50)
    assert refused and assistant.url in refused[0], "Chromium reports the frame-ancestors refusal"
    assert page.frame_locator("#tro-ly-so-frame").locator("#q").count() == 0
    page.close()


def shrink(path: Path) -> None:
    """Palette-quantize a screenshot for the README: text and flat colours survive, the file shrinks."""
    from PIL import Image  # a dependency of the posters

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def test_phone_screenshot(browser, sites):
    """docs/web-chat-*.png for the README (`make screenshots`); elsewhere they go to a temporary folder."""
    out = Path(os.environ.get("SCREENSHOT_DIR", "/tmp"))
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(sites[0].url)
    first = out / "web-chat-first-screen.png"
    page.screenshot(path=str(first))
    ask(page, "quên mật khẩu vneid")
    ask(page, "lam can cuoc cho con o dau")
    ask(page, LONG_GUIDE)
    target = out / "web-chat-phone.png"
    page.screenshot(path=str(target))
    context.close()
    for path in (first, target):
        shrink(path)
        assert path.stat().st_size < 60_000
