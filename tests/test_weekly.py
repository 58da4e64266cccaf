"""The weekly report: when it goes out (a controlled clock), what it says, and end to end through the runner
with the real python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, date, datetime, timedelta

from bot.channels.telegram import weekly
from bot.config import Settings
from bot.engine import Engine
from bot.runner import serve
from bot.store import Store
from bot.tickets import VIETNAM
from knowledge.review import reviews_due
from tests.fake_telegram import FakeTelegram
from tests.generate_records import generate
from tests.telegram_harness import TOKEN
from tests.test_runner import free_port


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


def test_next_run_is_monday_eight_in_vietnam():
    # 30/11/2026 is a Monday; 08:00 in Vietnam is 01:00 UTC.
    monday8 = vn(2026, 11, 30, 8, 0)
    assert weekly.next_run(vn(2026, 11, 29, 23, 0)) == monday8
    assert weekly.next_run(vn(2026, 11, 30, 7, 59, 59)) == monday8
    assert weekly.next_run(monday8) == monday8
    assert weekly.next_run(vn(2026, 11, 30, 8, 0, 1)) == monday8 + timedelta(days=7)
    assert weekly.next_run(vn(2026, 11, 26, 12, 0)) == monday8
    assert weekly.next_run(datetime(2026, 11, 30, 0, 59, tzinfo=UTC)) == monday8  # Monday 07:59 in Vietnam
    assert weekly.next_run(datetime(2026, 11, 30, 0, 59, tzinfo=UTC)).tzinfo == UTC


FACTS = weekly.WeekFacts(
    start=date(2026, 11, 23),
    questions=240,
    answered=192,
    previous_questions=200,
    previous_answered=150,
    groups=[(5, "giá vàng hôm nay"), (3, "lịch cắt điện"), (2, "x" * 200)],
    tickets=[("HT-0007", 3 * 86400 + 7200, "hỏi về đất đai")],
    waiting=2,
    reviews=12,
    unverified=10,
    stale=3,
)


def test_compose_says_the_week_against_the_one_before():
    text = weekly.compose(FACTS, "https://tro-ly-so.example.gov.vn/")
    assert text.startswith("📊 Báo cáo tuần 23/11–29/11/2026")
    assert "Câu hỏi: 240 (tuần trước: 200, +20%)" in text
    assert "Trả lời được ngay: 80% (tuần trước: 75%)" in text
    assert "1. “giá vàng hôm nay” — 5 lần" in text and "3. “" + "x" * 69 + "…” — 2 lần" in text
    assert "HT-0007 — đã chờ 3 ngày 2 giờ: “hỏi về đất đai”" in text and "chờ cán bộ trả lời: 2" in text
    assert "Mục cần rà soát: 12 (10 chưa xác minh, 3 rà soát quá 6 tháng)." in text
    assert text.endswith("Xem chi tiết: https://tro-ly-so.example.gov.vn/admin")
    assert len(text) < 1500  # short: read on a phone


def test_compose_on_a_quiet_week_and_without_a_console_url():
    quiet = weekly.WeekFacts(
        start=date(2026, 11, 23), questions=0, answered=0, previous_questions=0, previous_answered=0
    )
    text = weekly.compose(quiet, "")
    assert "Câu hỏi: 0 (tuần trước: 0)" in text and "Trả lời được ngay: – (tuần trước: –)" in text
    assert "Không có câu hỏi nào chưa trả lời trong tuần" in text
    assert "Không có câu hỏi nào đang chờ cán bộ trả lời." in text
    assert "Không có mục nào cần rà soát." in text
    assert "Chưa đặt địa chỉ bảng quản trị (CONSOLE_URL)" in text


def test_gather_counts_the_seven_vietnam_days_before_monday(index, tmp_path):
    at = vn(2026, 11, 30, 8, 0)
    generate(tmp_path / "r.sqlite", index, days=30, now=at.astimezone(UTC))
    store = Store(tmp_path / "r.sqlite")
    try:
        facts = weekly.gather(store, index, at.astimezone(UTC))
        week = store.db.execute(
            "SELECT count(*), sum(status = 'answered') FROM questions WHERE at >= ? AND at < ?",
            ["2026-11-22T17:00:00", "2026-11-29T17:00:00"],  # Monday 23/11 00:00 to Monday 30/11 00:00, UTC+7
        ).fetchone()
        assert (facts.questions, facts.answered) == tuple(week) and facts.questions > 0
        assert facts.previous_questions > 0 and facts.start == date(2026, 11, 23)
        assert 0 < len(facts.groups) <= 5 and facts.groups == sorted(facts.groups, key=lambda g: -g[0])
        due = reviews_due(index.catalogue, date(2026, 11, 30), 6)
        assert facts.reviews == len(due) and facts.unverified == sum(not d.entry.verified for d in due)
    finally:
        store.close()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment.astimezone(UTC)


def fast_clock(monkeypatch, moment: datetime) -> Clock:
    clock = Clock(moment)
    monkeypatch.setattr(weekly, "utcnow", clock)
    monkeypatch.setattr(weekly, "POLL_SECONDS", 0.02)
    return clock


async def both_administrators_got_one(fake) -> None:
    await fake.wait_for("sendMessage", chat_id=4201)
    await fake.wait_for("sendMessage", chat_id=4202)


async def titles_once_both_have_it(fake) -> list[str]:
    """Wait until both administrators got a report, give any extra send time to arrive, and return the first
    line (the week) of every report sent."""
    await both_administrators_got_one(fake)
    await asyncio.sleep(0.3)
    return [c.params["text"].splitlines()[0] for c in reports(fake)]


def run_bot_with_clock(index, tmp_path, clock: Clock, scenario, **settings) -> None:
    """The real runner (serve) with a Telegram token pointing at the fake server and a records database."""

    async def go():
        fake = FakeTelegram()
        await fake.start()
        database = tmp_path / "r.sqlite"
        if not database.exists():  # a restart keeps the records (and the reports sent) of the run before
            generate(database, index, days=21, now=clock())
        store = Store(database)
        config = dataclasses.replace(
            Settings(),
            telegram_token=TOKEN,
            telegram_api_url=fake.base_url,
            port=free_port(),
            send_rate=0,
            admin_ids=frozenset({4201, 4202}),
            **settings,
        )
        stop = asyncio.Event()
        server = asyncio.create_task(serve(config, Engine(index), store=store, stop=stop))
        try:
            await scenario(fake)
        finally:
            stop.set()
            await asyncio.wait_for(server, 30)
            await fake.stop()

    asyncio.run(asyncio.wait_for(go(), 90))


def reports(fake: FakeTelegram) -> list:
    return [c for c in fake.sent("sendMessage") if int(c.params["chat_id"]) in (4201, 4202)]


def test_the_report_arrives_at_monday_eight_not_before_and_once(index, tmp_path, monkeypatch):
    clock = fast_clock(monkeypatch, vn(2026, 11, 30, 7, 59, 0))

    async def scenario(fake):
        await asyncio.sleep(0.5)
        assert reports(fake) == []  # 07:59: not yet
        clock.moment = vn(2026, 11, 30, 7, 59, 59)
        await asyncio.sleep(0.3)
        assert reports(fake) == []
        clock.moment = vn(2026, 11, 30, 8, 0, 0)
        await fake.wait_for("sendMessage", chat_id=4202)
        await fake.wait_for("sendMessage", chat_id=4201)
        [first, second] = reports(fake)
        text = first.params["text"]
        assert text.startswith("📊 Báo cáo tuần 23/11–29/11/2026") and text == second.params["text"]
        assert "Trả lời được ngay:" in text and "Câu hỏi chưa trả lời nhiều nhất" in text
        assert "https://console.example.gov.vn/admin" in text
        for later in (vn(2026, 11, 30, 8, 0, 30), vn(2026, 11, 30, 13, 0), vn(2026, 12, 6, 23, 59)):
            clock.moment = later
            await asyncio.sleep(0.3)
            assert len(reports(fake)) == 2  # once per Monday
        clock.moment = vn(2026, 12, 7, 8, 0)  # the next Monday
        await fake.wait_for("sendMessage", chat_id=4201, count=2)
        await asyncio.sleep(0.2)
        assert len(reports(fake)) == 4
        assert reports(fake)[-1].params["text"].startswith("📊 Báo cáo tuần 30/11–06/12/2026")

    run_bot_with_clock(index, tmp_path, clock, scenario, console_url="https://console.example.gov.vn")


def test_a_machine_asleep_through_mondays_sends_once_the_latest_week_on_waking(index, tmp_path, monkeypatch, caplog):
    # A Sunday evening; then asleep until the Tuesday two weeks on.
    clock = fast_clock(monkeypatch, vn(2026, 11, 29, 20, 0))
    caplog.set_level(logging.INFO, logger="tro_ly_so.weekly")

    async def scenario(fake):
        for _ in range(200):  # the schedule must start on Sunday, before the machine sleeps
            if any("weekly report: next at" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.05)
        assert reports(fake) == []
        clock.moment = vn(2026, 12, 15, 9, 0)
        # Once, not once per Monday slept through, and about the week before Monday 14/12.
        assert await titles_once_both_have_it(fake) == ["📊 Báo cáo tuần 07/12–13/12/2026"] * 2

    run_bot_with_clock(index, tmp_path, clock, scenario)


def test_weekly_report_off_sends_nothing(index, tmp_path, monkeypatch):
    clock = fast_clock(monkeypatch, vn(2026, 11, 30, 7, 59, 59))

    async def scenario(fake):
        await asyncio.sleep(0.2)
        clock.moment = vn(2026, 11, 30, 8, 0, 5)
        await asyncio.sleep(0.5)
        assert reports(fake) == []

    run_bot_with_clock(index, tmp_path, clock, scenario, weekly_report=False)
    assert Settings.from_env({"WEEKLY_REPORT": "off"}).weekly_report is False
    assert Settings.from_env({}).weekly_report is True


def test_a_blocked_administrator_does_not_stop_the_others(index, tmp_path, monkeypatch):
    clock = fast_clock(monkeypatch, vn(2026, 11, 30, 7, 59, 59))

    async def scenario(fake):
        fake.fail("sendMessage", "403", chat_id=4201, times=5)
        await asyncio.sleep(0.2)
        clock.moment = vn(2026, 11, 30, 8, 0)
        [call] = await fake.wait_for("sendMessage", chat_id=4202)
        assert "Chưa đặt địa chỉ bảng quản trị (CONSOLE_URL)" in call.params["text"]

    run_bot_with_clock(index, tmp_path, clock, scenario)


# -- restarts: which Mondays' reports went out is kept in the records database ------------------------------


def records_with_reports_sent(index, tmp_path, clock: Clock, *mondays: date) -> None:
    """The records a running assistant leaves: three weeks of use and the reports it sent."""
    generate(tmp_path / "r.sqlite", index, days=21, now=clock())
    store = Store(tmp_path / "r.sqlite")
    try:
        for monday in mondays:
            store.mark_weekly_report_sent(monday, 2)
    finally:
        store.close()


def sent_reports(tmp_path) -> list[tuple[str, int]]:
    store = Store(tmp_path / "r.sqlite")
    try:
        return [(r["monday"], r["admins"]) for r in store.db.query("SELECT * FROM weekly_reports ORDER BY monday")]
    finally:
        store.close()


def test_a_restart_after_eight_on_monday_sends_that_report_once(index, tmp_path, monkeypatch):
    clock = fast_clock(monkeypatch, vn(2026, 11, 30, 9, 0))  # e.g. a deploy at 09:00
    records_with_reports_sent(index, tmp_path, clock, date(2026, 11, 23))

    async def restarted_at_nine(fake):
        fake.fail("sendMessage", "403", chat_id=4201, times=5)  # one administrator blocked the bot
        [call] = await fake.wait_for("sendMessage", chat_id=4202)
        assert call.params["text"].startswith("📊 Báo cáo tuần 23/11–29/11/2026")
        await asyncio.sleep(0.3)
        assert len(reports(fake)) == 1

    run_bot_with_clock(index, tmp_path, clock, restarted_at_nine)
    assert sent_reports(tmp_path) == [("2026-11-23", 2), ("2026-11-30", 1)]  # marked, to whom it got through

    clock.moment = vn(2026, 11, 30, 13, 0)

    async def restarted_again(fake):
        await asyncio.sleep(0.5)
        assert reports(fake) == []  # not twice, not even to the one who missed it

    run_bot_with_clock(index, tmp_path, clock, restarted_again)


def test_a_restart_on_sunday_sends_the_report_of_the_monday_before(index, tmp_path, monkeypatch):
    clock = fast_clock(monkeypatch, vn(2026, 12, 6, 20, 0))  # down from Monday 30/11 07:00 to Sunday evening
    records_with_reports_sent(index, tmp_path, clock, date(2026, 11, 23))

    async def scenario(fake):
        assert await titles_once_both_have_it(fake) == ["📊 Báo cáo tuần 23/11–29/11/2026"] * 2

    run_bot_with_clock(index, tmp_path, clock, scenario)
    assert sent_reports(tmp_path)[-1] == ("2026-11-30", 2)


def test_a_restart_eight_days_later_skips_the_stale_report_and_keeps_to_mondays(index, tmp_path, monkeypatch):
    # The report of Monday 30/11 never went out; on Tuesday 08/12 the one owed is Monday 07/12's.
    clock = fast_clock(monkeypatch, vn(2026, 12, 8, 9, 0))
    records_with_reports_sent(index, tmp_path, clock, date(2026, 11, 23))

    async def eight_days_later(fake):
        assert await titles_once_both_have_it(fake) == ["📊 Báo cáo tuần 30/11–06/12/2026"] * 2

    run_bot_with_clock(index, tmp_path, clock, eight_days_later)
    assert sent_reports(tmp_path) == [("2026-11-23", 2), ("2026-12-07", 2)]  # 30/11 stays unsent

    clock.moment = vn(2026, 12, 9, 10, 0)

    async def then_waits_for_the_next_monday(fake):
        await asyncio.sleep(0.5)
        assert reports(fake) == []
        clock.moment = vn(2026, 12, 14, 8, 0)
        await both_administrators_got_one(fake)
        assert reports(fake)[-1].params["text"].startswith("📊 Báo cáo tuần 07/12–13/12/2026")

    run_bot_with_clock(index, tmp_path, clock, then_waits_for_the_next_monday)
    assert sent_reports(tmp_path)[-1] == ("2026-12-14", 2)


def test_the_first_start_with_no_report_recorded_does_not_send_one_the_old_version_may_have_sent(
    index, tmp_path, monkeypatch
):
    # Just upgraded (or new) on Monday at 09:00: the version before kept the schedule in memory only.
    clock = fast_clock(monkeypatch, vn(2026, 11, 30, 9, 0))

    async def scenario(fake):
        await asyncio.sleep(0.5)
        assert reports(fake) == []
        clock.moment = vn(2026, 12, 7, 8, 0)
        await both_administrators_got_one(fake)

    run_bot_with_clock(index, tmp_path, clock, scenario)
    assert sent_reports(tmp_path) == [("2026-12-07", 2)]


def test_an_unusable_report_table_is_logged_and_the_schedule_kept_in_memory(index, tmp_path, monkeypatch, caplog):
    clock = fast_clock(monkeypatch, vn(2026, 11, 30, 9, 0))
    records_with_reports_sent(index, tmp_path, clock, date(2026, 11, 23))
    store = Store(tmp_path / "r.sqlite")
    store.db["weekly_reports"].drop()  # every read and write of it now fails
    store.close()

    async def scenario(fake):
        await asyncio.sleep(0.5)
        assert reports(fake) == []  # as before: a start after 08:00 waits for the next Monday
        clock.moment = vn(2026, 12, 7, 8, 0)
        await both_administrators_got_one(fake)
        for later in (vn(2026, 12, 7, 8, 1), vn(2026, 12, 7, 13, 0)):
            clock.moment = later
            await asyncio.sleep(0.3)
            assert len(reports(fake)) == 2  # once, not on every look at the clock

    with caplog.at_level(logging.ERROR, logger="tro_ly_so.weekly"):
        run_bot_with_clock(index, tmp_path, clock, scenario)
    messages = [r.getMessage() for r in caplog.records if r.name == "tro_ly_so.weekly"]
    assert any("could not read which reports were sent" in m for m in messages)
    assert any("could not record it as sent" in m for m in messages)
