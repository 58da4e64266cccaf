"""QR posters: the deep link inside the printed code, the Vietnamese text inside the PDF, the CLI,
the console page over HTTP, and /start recording the opening through the real PTB Application."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import unicodedata
from types import SimpleNamespace

import pytest
import zxingcpp
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from pypdf import PdfReader

from bot import deeplinks, posters
from bot.cli import main
from bot.config import Settings
from bot.console import posters as poster_pages
from bot.deeplinks import WHOLE, Target
from bot.engine import Engine
from bot.store import Store
from bot.web import build_web_app
from tests.fake_telegram import BOT, FakeTelegram
from tests.helpers import records_from_version
from tests.telegram_harness import TOKEN, play

USERNAME = "trolyso_test_bot"
WEB = "https://hoidap.example.gov.vn/"
ZALO = "https://zalo.me/1234567890"
TARGETS = [
    (WHOLE, f"https://t.me/{USERNAME}?start=poster_home", posters.WHOLE_TITLE),
    (Target("sector", "can-cuoc"), f"https://t.me/{USERNAME}?start=sector_can-cuoc", "Căn cước"),
    (
        Target("entry", "can-cuoc-dia-danh-cu"),
        f"https://t.me/{USERNAME}?start=can-cuoc-dia-danh-cu",
        "Căn cước ghi tên huyện, xã cũ sau sáp nhập có phải đổi không?",
    ),
]


def decoded(png: bytes) -> set[str]:
    return {barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader copies it: NFC, and the line breaks of a wrapped title joined."""
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return unicodedata.normalize("NFC", " ".join(reader.pages[0].extract_text().split()))


@pytest.mark.parametrize(("target", "link", "title"), TARGETS, ids=["whole", "sector", "entry"])
def test_poster_png_holds_the_exact_deep_link_and_pdf_the_vietnamese_title(index, target, link, title):
    content = posters.poster_content(
        target,
        index.catalogue,
        bot_username=USERNAME,
        office_name="UBND xã Đăk Hà",
        web_chat_url=WEB,
        zalo_link=ZALO,
    )
    png = posters.render_png(content)
    assert Image.open(io.BytesIO(png)).size == (posters.PNG_WIDTH, round(posters.PNG_WIDTH * 297 / 210))
    assert decoded(png) == {link, WEB, ZALO}  # the big code and the two small ones, all readable

    pdf = posters.render_pdf(content)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert title in text and "TRỢ LÝ SỐ" in text and "UBND xã Đăk Hà" in text
    assert "Quét mã QR để hỏi ngay trên Telegram" in text and link.removeprefix("https://") in text
    fonts = [f.get_object() for f in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()]
    assert {str(f["/BaseFont"]).partition("+")[2] for f in fonts} == {"DejaVuSansBook", "DejaVuSansBold"}
    for font in fonts:  # embedded (a subset), not left to whatever fonts the printer has
        assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]


def test_without_web_address_or_zalo_only_the_telegram_code_is_printed(index):
    content = posters.poster_content(
        WHOLE, index.catalogue, bot_username="@" + USERNAME, web_chat_url="http://127.0.0.1:8080/", zalo_link=""
    )
    assert content.web_chat_url == "" and content.zalo_link == ""
    assert decoded(posters.render_png(content)) == {f"https://t.me/{USERNAME}?start=poster_home"}
    assert "Zalo" not in pdf_text(posters.render_pdf(content))


def test_a_long_title_is_wrapped_and_stays_whole(index):
    entry = max(index.catalogue.entries.values(), key=lambda e: len(e.title))
    content = posters.poster_content(Target("entry", entry.id), index.catalogue, bot_username=USERNAME)
    title_lines = [i for i in posters.layout(content) if isinstance(i, posters.Text) and i.text in entry.title]
    assert 1 < len(title_lines) <= 3
    for item in posters.layout(content):
        if isinstance(item, posters.Text):
            width = posters.text_width(item.text, item.size, item.bold)
            left = item.x - width / 2 if item.center else item.x
            assert left >= posters.MARGIN - 1 and left + width <= posters.PAGE_W - posters.MARGIN + 1, item.text
    assert entry.title in pdf_text(posters.render_pdf(content))


def test_bad_requests_get_a_polite_reason(index):
    with pytest.raises(posters.PosterError, match="Không có mục “khong-co”"):
        posters.poster_content(Target("entry", "khong-co"), index.catalogue, bot_username=USERNAME)
    with pytest.raises(posters.PosterError, match="Không có lĩnh vực"):
        posters.poster_content(Target("sector", "khong-co"), index.catalogue, bot_username=USERNAME)
    with pytest.raises(posters.PosterError, match="tên bot Telegram không hợp lệ"):
        posters.poster_content(WHOLE, index.catalogue, bot_username="a b")
    with pytest.raises(posters.PosterError, match="64"):
        long = SimpleNamespace(sectors={"x" * 60: SimpleNamespace(title="X")}, entries={})
        posters.poster_content(Target("sector", "x" * 60), long, bot_username=USERNAME)


def test_payloads_round_trip_and_never_collide_with_entry_ids(index):
    for target, link, _ in TARGETS:
        assert deeplinks.parse(link.rpartition("=")[2]) == target
        assert Target.from_key(target.key) == target
    for entry_id in index.catalogue.entries:
        assert deeplinks.parse(entry_id) == Target("entry", entry_id)  # slugs: no underscore
        assert "_" not in entry_id
    assert deeplinks.parse("bad payload!") is None and deeplinks.parse("x" * 65) is None
    assert deeplinks.resolve("sector_khong-co", index.catalogue) is None
    assert deeplinks.resolve("khong-co", index.catalogue) is None
    assert deeplinks.resolve("sector_vneid", index.catalogue) == Target("sector", "vneid")
    assert Target.from_key("entry:") is None and Target.from_key("nonsense") is None


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://hoidap.xa.gov.vn/", True),
        ("http://192.168.1.20:8080/", True),  # the office's own wifi: phones there can open it
        ("http://127.0.0.1:8080/", False),
        ("http://0.0.0.0:8080/", False),
        ("http://localhost:8080/", False),
        ("http://[::1]:8080/", False),
        ("ftp://x.gov.vn/", False),
        ("", False),
    ],
)
def test_public_address(url, public):
    assert posters.public_address(url) is public


def test_settings_from_environment():
    settings = Settings.from_env({"OFFICE_NAME": " UBND phường A ", "ZALO_OA_LINK": ZALO, "PORT": "9000"})
    assert settings.office_name == "UBND phường A" and settings.zalo_oa_link == ZALO
    assert settings.public_web_chat_url == "http://127.0.0.1:9000/"
    assert Settings.from_env({"WEB_CHAT_URL": WEB}).public_web_chat_url == WEB


# -- command line ----------------------------------------------------------------------------------


def test_cli_writes_png_and_pdf_by_extension(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OFFICE_NAME", "UBND xã Đăk Hà")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    png, pdf = tmp_path / "p.png", tmp_path / "p.pdf"
    assert main(["poster", "--sector", "vneid", "--bot-username", USERNAME, "-o", str(png)]) == 0
    assert decoded(png.read_bytes()) == {f"https://t.me/{USERNAME}?start=sector_vneid"}
    assert main(["poster", "--entry", "vneid-la-gi", "--bot-username", USERNAME, "-o", str(pdf)]) == 0
    assert "UBND xã Đăk Hà" in pdf_text(pdf.read_bytes())
    out = capsys.readouterr()
    assert "Đã lưu áp phích" in out.out and "WEB_CHAT_URL" in out.err


def test_cli_says_what_is_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["poster", "-o", str(tmp_path / "p.pdf")]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err and not (tmp_path / "p.pdf").exists()
    assert main(["poster", "--entry", "khong-co", "--bot-username", USERNAME, "-o", str(tmp_path / "p.pdf")]) == 2
    assert "Không có mục" in capsys.readouterr().err
    assert main(["poster", "--sector", "", "--bot-username", USERNAME, "-o", str(tmp_path / "p.pdf")]) == 2
    assert "Không có lĩnh vực" in capsys.readouterr().err  # not silently the whole assistant
    assert main(["poster", "--bot-username", USERNAME, "-o", str(tmp_path / "p.svg")]) == 2
    assert ".pdf" in capsys.readouterr().err
    assert main(["poster", "--bot-username", USERNAME, "--width", "0", "-o", str(tmp_path / "p.png")]) == 2
    assert "--width" in capsys.readouterr().err and not (tmp_path / "p.png").exists()


# -- getMe and the console page over HTTP ------------------------------------------------------------


def test_bot_username_comes_from_get_me_once():
    async def go():
        fake = FakeTelegram()
        await fake.start()
        try:
            settings = dataclasses.replace(Settings(), telegram_token=TOKEN, telegram_api_url=fake.base_url)
            assert await poster_pages.bot_username(settings) == BOT["username"]
            assert await poster_pages.bot_username(settings) == BOT["username"]
            assert fake.counts["getMe"] == 1  # cached
            broken = dataclasses.replace(settings, telegram_token="1:wrong", telegram_api_url=fake.base_url + "x/")
            with pytest.raises(poster_pages.UsernameUnavailable, match="getMe"):
                await poster_pages.bot_username(broken)
        finally:
            await fake.stop()
        with pytest.raises(poster_pages.UsernameUnavailable, match="TELEGRAM_BOT_TOKEN"):
            await poster_pages.bot_username(Settings())

    asyncio.run(go())


def run_console(index, tmp_path, scenario, **settings):
    async def go():
        fake = FakeTelegram()
        await fake.start()
        store = Store(tmp_path / "r.sqlite")
        config = dataclasses.replace(Settings(), admin_token="right-token", telegram_api_url=fake.base_url, **settings)
        async with TestClient(TestServer(build_web_app(config, Engine(index), store, store))) as client:
            r = await client.post("/admin/login", data={"token": "right-token"}, allow_redirects=False)
            assert r.status == 302
            await scenario(client, store)
        store.close()
        await fake.stop()

    asyncio.run(go())


def test_console_page_without_token_says_what_is_missing(index, tmp_path):
    async def scenario(client, store):
        page = await (await client.get("/admin/posters")).text()
        assert 'id="missing"' in page and "TELEGRAM_BOT_TOKEN" in page and 'id="pdf"' not in page
        assert "OFFICE_NAME" in page and "ZALO_OA_LINK" in page
        r = await client.get("/admin/posters/poster.pdf?target=all")
        assert r.status == 404 and "TELEGRAM_BOT_TOKEN" in await r.text()

    run_console(index, tmp_path, scenario)


def test_console_downloads_and_bad_targets(index, tmp_path):
    async def scenario(client, store):
        page = await (await client.get("/admin/posters?target=sector:can-cuoc")).text()
        link = f"https://t.me/{BOT['username']}?start=sector_can-cuoc"
        assert f'<code id="link">{link}</code>' in page and 'id="missing"' not in page
        assert "OFFICE_NAME" not in page  # set below
        r = await client.get("/admin/posters/poster.png?target=sector:can-cuoc")
        assert r.status == 200 and r.content_type == "image/png"
        assert "ap-phich-qr-can-cuoc.png" in r.headers["Content-Disposition"]
        assert link in decoded(await r.read())
        r = await client.get("/admin/posters/poster.pdf?target=entry:vneid-la-gi")
        assert r.status == 200 and r.content_type == "application/pdf"
        assert "Phường Kon Tum" in pdf_text(await r.read())
        r = await client.get("/admin/posters/poster.pdf?target=entry:<script>")
        assert r.status == 404 and "Không có mục" in await r.text()
        page = await (await client.get("/admin/posters?target=entry:<script>")).text()
        assert "<script>" not in page and "Không có mục" in page
        assert (await client.get("/admin/posters/poster.svg?target=all")).status == 404

    run_console(index, tmp_path, scenario, telegram_token=TOKEN, office_name="Phường Kon Tum")


def test_console_pages_need_login(index, tmp_path):
    async def go():
        store = Store(tmp_path / "r.sqlite")
        app = build_web_app(dataclasses.replace(Settings(), admin_token="t"), Engine(index), store, store)
        async with TestClient(TestServer(app)) as client:
            for path in ("/admin/posters", "/admin/posters/poster.pdf?target=all"):
                r = await client.get(path, allow_redirects=False)
                assert r.status == 302 and r.headers["Location"] == "/admin/login"
        store.close()

    asyncio.run(go())


# -- opening a deep link, through the real PTB Application ------------------------------------------


def test_opening_deep_links_is_recorded_without_personal_data(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        fake.text("/start poster_home", user_id=501, first_name="Lan")
        [greeting] = await fake.wait_for("sendMessage")
        assert "Trợ lý số" in greeting.params["text"]
        fake.text("/start sector_can-cuoc", user_id=502)
        calls = await fake.wait_for("sendMessage", 2)
        assert "Căn cước" in calls[1].params["text"]
        buttons = [b for row in calls[1].params["reply_markup"]["inline_keyboard"] for b in row]
        assert {b["text"] for b in buttons} >= {e.title for e in index.catalogue.in_sector("can-cuoc")[:3]}
        fake.text("/start can-cuoc-dia-danh-cu", user_id=503)
        calls = await fake.wait_for("sendMessage", 3)
        assert "Căn cước ghi tên huyện" in calls[2].params["text"]
        fake.text("/start sector_khong-co", user_id=504)  # a poster of a sector removed since: greeting
        calls = await fake.wait_for("sendMessage", 4)
        assert "Trợ lý số" in calls[3].params["text"]
        fake.text("/start", user_id=505)  # the ordinary start is no poster
        await fake.wait_for("sendMessage", 5)

    play(index, scenario, store=store)
    store.flush()
    opens = {(r["kind"], r["target"], r["channel"]): r["n"] for r in store.poster_opens(30)}
    assert opens == {
        ("all", "", "telegram"): 1,
        ("sector", "can-cuoc", "telegram"): 1,
        ("entry", "can-cuoc-dia-danh-cu", "telegram"): 1,
    }
    columns = set(store.db["poster_opens"].columns_dict)
    assert columns == {"id", "at", "channel", "kind", "target"}  # nobody's id, name or chat
    dump = "\n".join(str(r) for r in store.db["poster_opens"].rows)
    assert not re.search(r"50[1-5]|Lan", dump)
    store.close()


def test_opening_without_a_database_still_answers(index, caplog):
    async def scenario(fake, app, rec):
        fake.text("/start sector_vneid")
        [call] = await fake.wait_for("sendMessage")
        assert "VNeID" in call.params["text"]

    with caplog.at_level("INFO", logger="tro_ly_so.posters"):
        play(index, scenario)
    assert "deep link opened channel=telegram kind=sector target=vneid" in caplog.text


def test_migration_from_version_2_adds_poster_opens_and_keeps_data(tmp_path, index):
    path = tmp_path / "old.sqlite"
    db = records_from_version(path, index, 2, "poster_opens")
    assert db["poster_opens"].exists() and db["questions"].count == 1
    store = Store(path)
    store.poster_open(channel="telegram", kind="entry", target="vneid-la-gi")
    store.flush()
    assert [(r["target"], r["n"]) for r in store.poster_opens(1)] == [("vneid-la-gi", 1)]
    store.close()


LONG_OFFICES = ["Trung tâm Phục vụ hành chính công phường Kon Tum, tỉnh Quảng Ngãi", ("UBND xã Ví Dụ " * 10).strip()]


@pytest.mark.parametrize("office", LONG_OFFICES)
def test_a_long_office_name_is_never_cut(index, office):
    content = posters.poster_content(WHOLE, index.catalogue, bot_username=USERNAME, office_name=office)
    assert " ".join(office.split()) in pdf_text(posters.render_pdf(content))
    [header] = [i for i in posters.layout(content) if isinstance(i, posters.Box) and i.y == 0]
    office_lines = [i for i in posters.layout(content) if isinstance(i, posters.Text) and i.text in office]
    assert all(line.y < header.h for line in office_lines)
