"""Staff edit the files while the bot runs: validated reloads, admin commands, administrators told."""

from __future__ import annotations

import asyncio
import shutil

from bot import texts
from bot.engine import Engine, watch
from bot.store import Store
from knowledge.loader import DEFAULT_FAQ
from tests.helpers import ENTRY
from tests.telegram_harness import play

NEW = ENTRY.format(
    id="cho-phien", title="Chợ phiên", questions="      - chợ phiên họp ngày nào\n      - cho phien"
).replace("sector: test", "sector: dia-phuong")


def make_engine(tmp_path) -> tuple[Engine, object]:
    faq = tmp_path / "faq.yaml"
    shutil.copy(DEFAULT_FAQ, faq)
    return Engine.load(faq), faq


def test_good_edit_is_reported(tmp_path):
    engine, faq = make_engine(tmp_path)
    text = faq.read_text(encoding="utf-8")
    text = text.replace("Chuyển đổi số là đưa công nghệ số", "Chuyển đổi số là việc đưa công nghệ số")
    text = text.replace("  - id: tin-gia\n", "  - id: tin-gia-xoa\n") + NEW
    faq.write_text(text, encoding="utf-8")
    report = engine.reload()
    assert report.ok
    assert report.added == ("cho-phien", "tin-gia-xoa") and report.removed == ("tin-gia",)
    assert report.edited == ("chuyen-doi-so-la-gi",)
    assert engine.index.search("chợ phiên họp ngày nào").best.entry.id == "cho-phien"
    assert "thêm 2" in report.summary()


def test_broken_file_keeps_the_last_good_version_and_says_why(tmp_path):
    engine, faq = make_engine(tmp_path)
    before = engine.index
    faq.write_text(faq.read_text(encoding="utf-8").replace("reviewed: 2026-11-23", "reviewed: hôm qua", 1), "utf-8")
    report = engine.reload()
    assert not report.ok and engine.index is before
    assert "faq.yaml:" in report.summary() and "hôm qua" in report.summary()
    assert engine.index.search("VNeID là gì").best.entry.id == "vneid-la-gi"


def test_removed_file_keeps_the_last_good_version(tmp_path):
    engine, faq = make_engine(tmp_path)
    faq.unlink()
    report = engine.reload()
    assert not report.ok and "Không tìm thấy tệp" in report.summary()
    assert len(engine.index.catalogue) > 150


def test_watcher_reloads_on_change_and_notifies(tmp_path):
    engine, faq = make_engine(tmp_path)
    reports = []

    async def scenario():
        async def notify(report):
            reports.append(report)

        task = asyncio.create_task(watch(engine, notify, interval=0.05))
        await asyncio.sleep(0.2)
        faq.write_text(faq.read_text(encoding="utf-8") + NEW, encoding="utf-8")
        for _ in range(100):
            if reports:
                break
            await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(scenario())
    assert reports and reports[0].added == ("cho-phien",)


def test_admin_commands_only_for_admins(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")
    store.question(channel="telegram", user_id=5, text="giá vàng hôm nay", result=index.search("giá vàng hôm nay"))
    store.flush()

    async def scenario(fake, app, rec):
        fake.text("/stats", user_id=42)  # an administrator
        fake.text("/unanswered 7", user_id=42)
        fake.text("/stats", user_id=7)  # a citizen: the ordinary help
        calls = await fake.wait_for("sendMessage", 3)
        by_chat = {int(c.params["chat_id"]): c.params["text"] for c in calls if int(c.params["chat_id"]) == 7}
        admin = [c.params["text"] for c in calls if int(c.params["chat_id"]) == 42]
        assert any("30 ngày qua" in t for t in admin) and any("giá vàng" in t for t in admin)
        assert by_chat[7] == texts.HELP
        fake.text("/reload", user_id=42)
        replies = await fake.wait_for("sendMessage", 4, chat_id=None)
        assert "Đã nạp lại" in replies[-1].params["text"]

    play(index, scenario, store=store, admin_ids=frozenset({42}))
    store.close()


def test_renaming_a_scam_warning_on_disk_keeps_the_last_good_version(tmp_path):
    """The lexicon names the entry a suspicious call is answered with: renamed on disk, the safety rule
    would silently stop, so the reload is refused and the administrators are told which id."""
    engine, faq = make_engine(tmp_path)
    text = faq.read_text(encoding="utf-8")
    assert "  - id: nhan-biet-lua-dao\n" in text
    faq.write_text(text.replace("  - id: nhan-biet-lua-dao\n", "  - id: nhan-biet-lua-dao-moi\n"), encoding="utf-8")
    report = engine.reload()
    assert not report.ok and '"nhan-biet-lua-dao"' in report.summary()
    assert "nhan-biet-lua-dao" in engine.index.catalogue.entries
    assert engine.index.search("có người gọi điện xưng công an bảo cài app để kích hoạt định danh").safety
