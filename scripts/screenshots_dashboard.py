"""README pictures: the console dashboard on 90 days of generated records, and a Telegram answer.

    .venv/bin/python scripts/screenshots_dashboard.py [OUT_DIR]     (``make screenshots``; default docs/)

The dashboard is the real web app on a temporary database filled by tests/generate_records.py, shown in
headless Chromium. Telegram itself cannot be screenshotted here, so the answer is the bot's real reply —
the HTML text and inline keyboard from bot/render_telegram.py for a real search — laid out as Telegram's
light theme shows it, and rendered in the same Chromium. PNGs are palette-quantized with Pillow to stay
small. Emoji need a colour emoji font (Debian: fonts-noto-color-emoji).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bot.channels.telegram.render import entry_keyboard, entry_pages  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.console.accounts import Accounts  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.web import build_web_app  # noqa: E402
from knowledge import build_index  # noqa: E402
from tests.generate_records import generate  # noqa: E402
from tests.helpers import PASSWORD  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
QUESTION = "căn cước còn ghi huyện cũ có phải đổi ko ạ"
TOKEN = "screenshot-token"


def serve(app: web.Application) -> tuple[str, asyncio.AbstractEventLoop]:
    """The real web app on a free loopback port, in a background thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(10)
    return f"http://127.0.0.1:{port}", loop


def telegram_mock(question: str, text: str, keyboard: list[list[tuple[str, bool]]]) -> str:
    """A Telegram-like chat (light theme): the citizen's message, the bot's HTML reply and its keyboard.

    ``text`` is the bot's message in Telegram's HTML subset (<b>, <i>, <a>), inserted as Telegram shows it;
    ``keyboard`` rows of (label, is_url_button).
    """
    rows = "".join(
        '<div class="row">'
        + "".join(f'<div class="key">{escape(label)}{"<span>↗</span>" if url else ""}</div>' for label, url in row)
        + "</div>"
        for row in keyboard
    )
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
body{{margin:0;font:15px/1.38 "Roboto","Liberation Sans",system-ui,sans-serif,"Noto Color Emoji";
background:#c9d9a9 linear-gradient(160deg,#d5e4b5,#a9c98f) fixed;min-height:100vh}}
.top{{background:#fff;display:flex;align-items:center;gap:10px;padding:8px 12px;box-shadow:0 1px 2px #0002}}
.ava{{width:38px;height:38px;border-radius:50%;background:#0b5394;color:#fff;display:grid;place-items:center;
font-weight:700}}.name{{font-weight:600}}.sub{{color:#8a9199;font-size:13px}}
.chat{{padding:10px 8px 16px;display:flex;flex-direction:column;gap:6px}}
.msg{{max-width:86%;padding:6px 9px 7px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;
box-shadow:0 1px 1px #0002}}.me{{align-self:flex-end;background:#e1fec6;border-bottom-right-radius:4px}}
.bot{{align-self:flex-start;background:#fff;border-bottom-left-radius:4px}}
.bot a{{color:#168acd;text-decoration:none}}.time{{float:right;color:#8a9199;font-size:11px;margin:6px 0 0 10px}}
.kb{{align-self:flex-start;width:88%;display:flex;flex-direction:column;gap:3px}}.row{{display:flex;gap:3px}}
.key{{flex:1;background:#0000002a;color:#fff;text-align:center;padding:9px 6px;border-radius:8px;
font-weight:500;font-size:14px;position:relative;text-shadow:0 1px 1px #0003}}
.key span{{position:absolute;right:6px;top:3px;font-size:11px}}
</style></head><body><div class="top"><div class="ava">TL</div><div><div class="name">Trợ lý số</div>
<div class="sub">bot</div></div></div><div class="chat">
<div class="msg me">{escape(question)}<span class="time">08:15</span></div>
<div class="msg bot">{text}<span class="time">08:15</span></div>
<div class="kb">{rows}</div></div></body></html>"""


def optimise(path: Path, colours: int = 128) -> None:
    """Palette-quantize a screenshot (text and flat colours survive; the file shrinks several times)."""
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed: PNG kept as Chromium wrote it (pip install pillow)")
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def emoji_font() -> bool:
    """Without a colour emoji font, 👍 on the Telegram buttons would be drawn as an empty box."""
    try:
        listed = subprocess.run(["fc-list"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: do not nag
    return "emoji" in listed.lower()


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    if not emoji_font():
        print("No emoji font: install one first (Debian: apt-get install fonts-noto-color-emoji)", file=sys.stderr)
        return 1
    index = build_index()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "records.sqlite"
        generate(database, index, days=90)
        store = Store(database)
        Accounts(store.db).add("quantri", PASSWORD, "admin")  # the console signs in with personal accounts
        settings = dataclasses.replace(Settings(), admin_token=TOKEN, staff_chat_id=-100)
        url, loop = serve(build_web_app(settings, Engine(index), store, store))

        result = index.search(QUESTION)
        assert result.best, f"the screenshot question is no longer answered: {QUESTION}"
        entry = result.best.entry
        pages = entry_pages(entry)
        markup = entry_keyboard(entry, 0, len(pages), tuple(index.catalogue.same_topic(entry.id)))
        keyboard = [[(b.text, bool(b.url)) for b in row] for row in markup.inline_keyboard]

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(f"{url}/admin/login")
            page.fill("#username", "quantri")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/admin")
            page.wait_for_function("window.Chart && Chart.getChart('chart-daily')")
            page.click("[data-range='90']")
            # The top of the page: the summary and the four charts (the tables follow below them).
            bottom = page.evaluate("document.querySelector('.dash-pair').getBoundingClientRect().bottom + scrollY")
            clip = {"x": 0, "y": 0, "width": 1000, "height": bottom + 8}
            page.screenshot(path=str(out / "dashboard.png"), clip=clip, full_page=True)
            tables = page.locator("[data-table='groups']").locator("xpath=..")
            tables.screenshot(path=str(out / "dashboard-unanswered.png"))

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.set_content(telegram_mock(QUESTION, pages[0], keyboard))
            height = phone.evaluate("document.querySelector('.kb').getBoundingClientRect().bottom + 14")
            clip = {"x": 0, "y": 0, "width": 390, "height": height}
            phone.screenshot(path=str(out / "telegram-answer.png"), clip=clip)
            browser.close()
        loop.call_soon_threadsafe(loop.stop)
        store.close()
    for name in ("dashboard.png", "dashboard-unanswered.png", "telegram-answer.png"):
        optimise(out / name)
        print(f"{out / name}: {(out / name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"))
