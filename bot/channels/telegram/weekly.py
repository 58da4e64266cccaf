"""The weekly report: every Monday at 08:00 Vietnam time, administrators (ADMIN_IDS) get a short Telegram
message about the week before — questions and answer rate against the week before that, the top unanswered
groups, the tickets waiting longest, the entries due for review, and a link to the console.

``gather`` reads the records, ``compose`` is a pure function from those facts to the text, ``next_run``
a pure function of the clock; ``report_loop`` takes the clock as a parameter so tests can move time.
WEEKLY_REPORT=off disables it.

Which Mondays' reports went out is kept in the records database (``weekly_reports``), so an assistant
(re)started after 08:00 still sends that week's report, once. Without the database the schedule lives in
memory only, as it did before.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.config import Settings
from bot.console.dashboard import duration, vietnam_midnight
from bot.engine import Engine
from bot.grouping import group_questions
from bot.render_text import shorten
from bot.store import Store, iso
from bot.tickets import VIETNAM, ref
from knowledge import Index
from knowledge.review import reviews_due

log = logging.getLogger("tro_ly_so.weekly")

WEEKDAY = 0  # Monday
AT = time(8, 0)  # Vietnam time
TOP_GROUPS = 5
TOP_TICKETS = 3
POLL_SECONDS = 60.0  # how often the loop looks at the clock (at most this late)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def next_run(after: datetime) -> datetime:
    """The first Monday 08:00 Vietnam time at or after ``after`` (in UTC)."""
    local = after.astimezone(VIETNAM)
    monday = local.date() - timedelta(days=(local.weekday() - WEEKDAY) % 7)
    due = datetime.combine(monday, AT, VIETNAM)
    if due < local:
        due += timedelta(days=7)
    return due.astimezone(UTC)


def previous_run(at: datetime) -> datetime:
    """The last Monday 08:00 Vietnam time at or before ``at`` (in UTC): always less than 7 days before it,
    so a restart catches up with this week's report at most, never an older one."""
    due = next_run(at)
    return due if due <= at else due - timedelta(days=7)


def monday_of(due: datetime) -> date:
    """The key a report is remembered by: the Vietnam date of the Monday it was due."""
    return due.astimezone(VIETNAM).date()


@dataclass(frozen=True)
class WeekFacts:
    start: date  # the Monday the reported week began (Vietnam)
    questions: int
    answered: int
    previous_questions: int
    previous_answered: int
    groups: list[tuple[int, str]] = field(default_factory=list)  # (how many, an example), biggest first
    tickets: list[tuple[str, float, str]] = field(default_factory=list)  # (ref, seconds waiting, question)
    waiting: int = 0  # tickets waiting for a first staff reply, in all
    reviews: int = 0
    unverified: int = 0
    stale: int = 0
    review_months: int = 6


def gather(store: Store, index: Index, at: datetime, review_months: int = 6) -> WeekFacts:
    """The facts for the report sent at ``at``: the seven Vietnam days before that Monday."""
    monday = at.astimezone(VIETNAM).date()
    monday -= timedelta(days=(monday.weekday() - WEEKDAY) % 7)
    start, previous = monday - timedelta(days=7), monday - timedelta(days=14)
    bounds = [iso(vietnam_midnight(d)) for d in (previous, start, monday)]
    week = store.count_by("status", bounds[1], bounds[2])
    before = store.count_by("status", bounds[0], bounds[1])
    states = store.group_states()
    rows = store.questions(status="unanswered", since=bounds[1], until=bounds[2])
    groups = [
        (g.count, g.label)
        for g in group_questions(rows, index.normalizer)
        if states.get(g.key) not in ("resolved", "ignored")
    ]
    waiting = store.waiting_tickets(limit=1000)
    due = reviews_due(index.catalogue, at.astimezone(VIETNAM).date(), review_months)
    return WeekFacts(
        start=start,
        questions=sum(week.values()),
        answered=week.get("answered", 0),
        previous_questions=sum(before.values()),
        previous_answered=before.get("answered", 0),
        groups=groups[:TOP_GROUPS],
        tickets=[
            (ref(t["id"]), (at - datetime.fromisoformat(t["opened"]).replace(tzinfo=UTC)).total_seconds(), t["text"])
            for t in waiting[:TOP_TICKETS]
        ],
        waiting=len(waiting),
        reviews=len(due),
        unverified=sum(d.unverified for d in due),
        stale=sum(d.stale for d in due),
        review_months=review_months,
    )


def _rate(answered: int, total: int) -> str:
    return f"{answered / total:.0%}" if total else "–"


def compose(facts: WeekFacts, console_url: str = "") -> str:
    """The report as plain text (no markup: what citizens typed is shown as typed, nothing to escape)."""
    end = facts.start + timedelta(days=6)
    change = ""
    if facts.previous_questions:
        delta = (facts.questions - facts.previous_questions) / facts.previous_questions
        change = f", {delta:+.0%}"
    lines = [
        f"📊 Báo cáo tuần {facts.start:%d/%m}–{end:%d/%m/%Y}",
        f"Câu hỏi: {facts.questions} (tuần trước: {facts.previous_questions}{change})",
        f"Trả lời được ngay: {_rate(facts.answered, facts.questions)} "
        f"(tuần trước: {_rate(facts.previous_answered, facts.previous_questions)})",
        "",
    ]
    if facts.groups:
        lines.append(f"Câu hỏi chưa trả lời nhiều nhất ({len(facts.groups)} nhóm đầu):")
        lines += [f"{i}. “{shorten(label)}” — {n} lần" for i, (n, label) in enumerate(facts.groups, 1)]
    else:
        lines.append("Không có câu hỏi nào chưa trả lời trong tuần (hoặc cán bộ đã xử lý hết).")
    lines.append("")
    if facts.tickets:
        lines.append(f"Câu hỏi chờ cán bộ trả lời: {facts.waiting}; lâu nhất:")
        lines += [f"• {r} — đã chờ {duration(seconds)}: “{shorten(text, 60)}”" for r, seconds, text in facts.tickets]
    else:
        lines.append("Không có câu hỏi nào đang chờ cán bộ trả lời.")
    lines.append("")
    if facts.reviews:
        lines.append(
            f"Mục cần rà soát: {facts.reviews} ({facts.unverified} chưa xác minh, "
            f"{facts.stale} rà soát quá {facts.review_months} tháng)."
        )
    else:
        lines.append("Không có mục nào cần rà soát.")
    if console_url:
        lines.append(f"Xem chi tiết: {console_url.rstrip('/')}/admin")
    else:
        lines.append(
            "Chưa đặt địa chỉ bảng quản trị (CONSOLE_URL) nên không có đường dẫn; mở /admin trên máy chạy trợ lý."
        )
    return "\n".join(lines)


def _first_due(now: datetime, store: Store | None) -> datetime:
    """Where the schedule starts: this week's Monday if its report is owed, else the next Monday. A database
    with no report recorded at all is new or just upgraded: the version before may have sent this week's
    report from memory, so it is not sent again."""
    upcoming = next_run(now)
    if store is None:
        return upcoming
    last = previous_run(now)
    try:
        owed = store.weekly_reports_recorded() and not store.weekly_report_sent(monday_of(last))
    except sqlite3.Error as exc:
        log.error("weekly report: could not read which reports were sent, keeping the schedule in memory: %s", exc)
        return upcoming
    return last if owed else upcoming


def _already_sent(store: Store | None, due: datetime) -> bool:
    if store is None:
        return False
    try:
        return store.weekly_report_sent(monday_of(due))
    except sqlite3.Error as exc:  # the in-memory schedule reaches each Monday once: still no repeats
        log.error("weekly report: could not read whether it was sent, sending it: %s", exc)
        return False


def _mark_sent(store: Store | None, due: datetime, delivered: int) -> None:
    if store is None:
        return
    try:
        store.mark_weekly_report_sent(monday_of(due), delivered)
    except sqlite3.Error as exc:
        log.error("weekly report: could not record it as sent (a restart this week may send it again): %s", exc)


async def _send(bot: Bot, admins: frozenset[int], text: str) -> int:
    """Send ``text`` to every administrator; returns to how many it was delivered."""
    delivered = 0
    for admin in sorted(admins):
        try:
            await bot.send_message(admin, text[:4096], disable_web_page_preview=True)
            delivered += 1
        except (Forbidden, BadRequest, NetworkError) as exc:
            log.warning("weekly report not delivered to an administrator: %s", exc)
    return delivered


async def _report(bot: Bot, admins: frozenset[int], make_text: Callable[[datetime], str], due: datetime) -> int | None:
    """Compose and send the report due at ``due``; None when it could not be composed (nothing was sent)."""
    try:
        text = make_text(due)
    except Exception:  # a broken database must not stop next week's report
        log.exception("weekly report could not be composed")
        return None
    return await _send(bot, admins, text) if text else None


async def report_loop(
    bot: Bot,
    admins: frozenset[int],
    make_text: Callable[[datetime], str],
    clock: Clock = utcnow,
    poll: float | None = None,
    store: Store | None = None,
) -> None:
    """Send ``make_text(due)`` to every administrator at each Monday 08:00; once per Monday, even when the
    clock jumps (a suspended machine sends once when it wakes up, not once per missed week). With ``store``,
    a report not yet sent this week goes out at start, and one already sent is not sent again."""
    started = clock()
    due = _first_due(started, store)
    when = due.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    if due < started:
        log.info("weekly report: the one due %s was not sent; sending it now", when)
    else:
        log.info("weekly report: next at %s", when)
    while True:
        now = clock()
        if now >= due:
            # Woken after Mondays slept through: the latest week is the one worth reading, not the oldest.
            due = max(due, previous_run(now))
            if not _already_sent(store, due):
                delivered = await _report(bot, admins, make_text, due)
                if delivered is not None:  # even if some administrators were unreachable
                    _mark_sent(store, due, delivered)
            due = next_run(max(now, due) + timedelta(seconds=1))
            continue
        wait = (due - now).total_seconds()
        await asyncio.sleep(min(POLL_SECONDS if poll is None else poll, max(wait, 0.0)))


def start(settings: Settings, engine: Engine, store: Store | None, application: Any) -> list[asyncio.Task]:
    """The report's task for the runner, or none: off, no bot, no database or no administrators."""
    if not (settings.weekly_report and application and store and settings.admin_ids):
        return []

    def make_text(at: datetime) -> str:
        return compose(gather(store, engine.index, at, settings.review_months), settings.console_url)

    # The clock and the poll interval are read when the task starts, so tests can replace them.
    loop = report_loop(
        application.bot, settings.admin_ids, make_text, clock=lambda: utcnow(), poll=POLL_SECONDS, store=store
    )
    return [asyncio.create_task(loop)]
