"""The console's dashboard: what administrators need to know, gathered from the records and the catalogue.

``gather()`` reads the database once per page view; ``render()`` turns the result into HTML. Charts are
drawn in the browser by Chart.js (bot/static/vendor, MIT, see README) from a JSON block that
bot/static/dashboard.js reads, so the Content-Security-Policy keeps forbidding inline script. Every number
in a chart is also in a plain table under "Xem số liệu", for screen readers and for a browser without
JavaScript.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bot.grouping import Group, group_questions
from bot.store import Store, iso
from bot.tickets import VIETNAM, ref, waited
from bot.web_pages import e, local_time
from knowledge import Index
from knowledge.review import ReviewDue, reviews_due

DAYS = 90  # the longest chart; the page switches between the last 30 and 90 days
RECENT_DAYS = 7  # unanswered groups
FEEDBACK_DAYS = 30  # "Chưa đúng"
TABLE_ROWS = 10
REVIEW_ROWS = 15
STATUSES = ("answered", "suggested", "unanswered")
CHANNELS = {"telegram": "Telegram", "web": "Trang web", "zalo": "Zalo"}

# What administrators read, in one place.
NO_QUESTIONS = (
    "Chưa có câu hỏi nào trong {days} ngày qua. Biểu đồ sẽ có số liệu khi người dân bắt đầu hỏi "
    "qua Telegram hoặc trang trò chuyện."
)
EMPTY_GROUPS = (
    "Không có câu hỏi chưa trả lời nào trong 7 ngày qua (hoặc cán bộ đã xử lý hết). Khi trợ lý không trả lời "
    "được, các câu hỏi giống nhau được gom thành nhóm ở đây để cán bộ soạn mục mới."
)
EMPTY_WRONG = (
    "Chưa có mục nào bị bấm “Chưa đúng” trong 30 ngày qua. Khi người dân bấm “Chưa đúng” dưới một câu trả lời, "
    "mục đó hiện ở đây, mục bị bấm nhiều nhất ở trên cùng."
)
EMPTY_TICKETS = (
    "Không có câu hỏi nào đang chờ cán bộ trả lời. Câu hỏi người dân gửi qua nút “Gửi câu hỏi cho cán bộ” "
    "hiện ở đây cho đến khi có cán bộ trả lời."
)
NO_HANDOFF = (
    "Chưa bật chuyển câu hỏi cho cán bộ (chưa đặt STAFF_CHAT_ID), nên chưa có câu hỏi nào chờ. "
    "Khi bật, câu hỏi người dân gửi cho cán bộ hiện ở đây cho đến khi có người trả lời."
)
EMPTY_TOP = (
    "Chưa có câu hỏi nào được trả lời trong 30 ngày qua. Các mục trợ lý dùng để trả lời nhiều nhất sẽ hiện ở đây."
)
EMPTY_REVIEWS = (
    "Mọi mục đều đã xác minh và được rà soát trong {months} tháng qua. Mục có “verified: false” hoặc ngày "
    "rà soát (reviewed) cũ hơn {months} tháng sẽ hiện ở đây."
)


@dataclass
class Dashboard:
    today: date  # Vietnam date
    days: list[date]
    per_day: dict[str, list[int]]  # status -> count per day, aligned with ``days``
    weeks: list[dict[str, Any]]  # {start, total, answered, suggested}
    channels: dict[str, int]
    sectors: list[tuple[str, int]]
    groups: list[Group]
    groups_from: date
    wrong: list[dict[str, Any]]
    waiting: list[dict[str, Any]]
    reply_delays: list[float]
    reviews: list[ReviewDue]
    review_months: int
    handoff: bool
    helpful: int = 0  # feedback over the last 30 days
    not_helpful: int = 0
    top: list[tuple[str, int]] = field(default_factory=list)  # most asked entries, 30 days
    # per sector: (title, entries, verified, reviews due), for the share of the catalogue staff confirmed
    verification: list[tuple[str, int, int, int]] = field(default_factory=list)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def total(self, days: int) -> int:
        return sum(sum(v[-days:]) for v in self.per_day.values())

    def answered(self, days: int) -> int:
        return sum(self.per_day["answered"][-days:])

    @property
    def median_reply(self) -> float | None:
        return statistics.median(self.reply_delays) if self.reply_delays else None


def _verification(catalogue, due: list[ReviewDue]) -> list[tuple[str, int, int, int]]:
    due_by: dict[str, int] = {}
    for r in due:
        due_by[r.entry.sector] = due_by.get(r.entry.sector, 0) + 1
    out = []
    for sector in catalogue.sectors.values():
        entries = catalogue.in_sector(sector.id)
        if entries:
            verified = sum(1 for x in entries if x.verified)
            out.append((sector.title, len(entries), verified, due_by.get(sector.id, 0)))
    return out


def vietnam_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), VIETNAM).astimezone(UTC)


def gather(
    store: Store,
    index: Index,
    now: datetime | None = None,
    review_months: int = 6,
    handoff: bool = True,
) -> Dashboard:
    now = now or datetime.now(UTC)
    today = now.astimezone(VIETNAM).date()
    first = today - timedelta(days=DAYS - 1)
    days = [first + timedelta(days=i) for i in range(DAYS)]
    since, until = iso(vietnam_midnight(first)), iso(vietnam_midnight(today + timedelta(days=1)))

    position = {d.isoformat(): i for i, d in enumerate(days)}
    per_day = {s: [0] * DAYS for s in STATUSES}
    for row in store.daily_outcomes(since, until):
        if row["day"] in position and row["status"] in per_day:
            per_day[row["status"]][position[row["day"]]] += row["n"]

    weeks: list[dict[str, Any]] = []
    for i, day in enumerate(days):  # calendar weeks from Monday; the first one may be partial
        if not weeks or day.weekday() == 0:
            weeks.append({"start": day, "total": 0, "answered": 0, "suggested": 0})
        week = weeks[-1]
        week["answered"] += per_day["answered"][i]
        week["suggested"] += per_day["suggested"][i]
        week["total"] += sum(per_day[s][i] for s in STATUSES)

    channels = {CHANNELS.get(k or "", k or "?"): n for k, n in store.count_by("channel", since, until).items()}
    catalogue = index.catalogue
    sectors: dict[str, int] = {}
    for entry_id, n in store.answered_entries(since, until).items():
        entry = catalogue.entries.get(entry_id)
        sector = catalogue.sectors.get(entry.sector) if entry else None
        title = sector.title if sector else "Mục đã xoá"
        sectors[title] = sectors.get(title, 0) + n
    unanswered = sum(per_day["unanswered"])
    ranked = sorted(sectors.items(), key=lambda kv: (-kv[1], kv[0]))
    if unanswered:
        ranked.append(("Chưa trả lời được", unanswered))

    # Same window and query as the "Chưa trả lời" page, so a group's key (and its draft link) match there.
    groups_from = today - timedelta(days=RECENT_DAYS)
    rows = store.questions(
        status="unanswered", since=groups_from.isoformat(), until=(today + timedelta(days=1)).isoformat()
    )
    states = store.group_states()
    groups = [g for g in group_questions(rows, index.normalizer) if states.get(g.key) not in ("resolved", "ignored")]

    month = iso(now - timedelta(days=30))
    helpful, not_helpful = store.feedback_counts(month)
    top = [
        (catalogue.entries[r["entry_id"]].title if r["entry_id"] in catalogue.entries else r["entry_id"], r["n"])
        for r in store.top_entries(month, TABLE_ROWS)
    ]
    wrong = store.not_helpful_entries(iso(now - timedelta(days=FEEDBACK_DAYS)), TABLE_ROWS)
    for row in wrong:
        entry = catalogue.entries.get(row["entry_id"])
        row["title"] = entry.title if entry else row["entry_id"]
    return Dashboard(
        today=today,
        days=days,
        per_day=per_day,
        weeks=weeks,
        channels=channels,
        sectors=ranked,
        groups=groups,
        groups_from=groups_from,
        wrong=wrong,
        waiting=store.waiting_tickets(TABLE_ROWS),
        reply_delays=store.reply_delays(since),
        reviews=(due := reviews_due(catalogue, today, review_months)),
        verification=_verification(catalogue, due),
        review_months=review_months,
        handoff=handoff,
        helpful=helpful,
        not_helpful=not_helpful,
        top=top,
        now=now,
    )


def duration(seconds: float) -> str:
    """ "2 ngày 3 giờ", "3 giờ 5 phút", "12 phút": as staff say it."""
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} ngày {hours} giờ"
    if hours:
        return f"{hours} giờ {mins} phút"
    return f"{mins} phút"


def chart_data(d: Dashboard) -> dict[str, Any]:
    """What dashboard.js draws; labels are already formatted for Vietnamese readers."""
    return {
        "days": [x.strftime("%d/%m") for x in d.days],
        "dates": [x.isoformat() for x in d.days],
        "per_day": d.per_day,
        "weeks": {
            "labels": [f"từ {w['start']:%d/%m}" for w in d.weeks],
            "answered": [round(100 * w["answered"] / w["total"], 1) if w["total"] else None for w in d.weeks],
            "helped": [
                round(100 * (w["answered"] + w["suggested"]) / w["total"], 1) if w["total"] else None for w in d.weeks
            ],
            "total": [w["total"] for w in d.weeks],
        },
        "channels": {"labels": list(d.channels), "values": list(d.channels.values())},
        "sectors": {"labels": [s for s, _ in d.sectors], "values": [n for _, n in d.sectors]},
    }


def json_block(data: dict[str, Any]) -> str:
    """JSON for a <script type="application/json">: '<' escaped, so text can never close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _table(head: list[str], rows: list[str], empty: str, name: str) -> str:
    """A table; without rows, one row that says what will appear there and why it is empty."""
    heads = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join(rows) or f'<tr class="empty"><td colspan="{len(head)}">{e(empty)}</td></tr>'
    return f'<div class="scroll"><table data-table="{name}"><tr>{heads}</tr>{body}</table></div>'


def render(d: Dashboard) -> str:
    total30, total_prev = d.total(30), d.total(60) - d.total(30)
    rate30 = _pct(d.answered(30), total30)
    rate_prev = _pct(d.answered(60) - d.answered(30), total_prev)
    median = d.median_reply
    summary = (
        '<div class="card dash-summary">'
        f"<h2>30 ngày qua: {total30} câu hỏi</h2>"
        f"<p>Trả lời được ngay: <b>{rate30}</b> (30 ngày trước đó: {rate_prev}, {total_prev} câu hỏi) · "
        f"90 ngày: {d.total(DAYS)} câu hỏi · góp ý “Hữu ích”: {d.helpful}/{d.helpful + d.not_helpful}"
        f"{f' ({_pct(d.helpful, d.helpful + d.not_helpful)})' if d.helpful + d.not_helpful else ''}</p></div>"
    )
    no_questions = e(NO_QUESTIONS.format(days=DAYS))
    empty_note = "" if d.total(DAYS) else f'<p class="muted" data-empty="charts">{no_questions}</p>'

    day_rows = "".join(
        f"<tr><td>{x:%d/%m/%Y}</td>" + "".join(f"<td>{d.per_day[s][i]}</td>" for s in STATUSES) + "</tr>"
        for i, x in reversed(list(enumerate(d.days)))
    )
    charts = (
        '<div class="card"><h2>Câu hỏi theo ngày</h2>'
        '<p class="dash-range"><button type="button" class="light" data-range="30" aria-pressed="true">30 ngày'
        '</button> <button type="button" class="light" data-range="90" aria-pressed="false">90 ngày</button></p>'
        f"{empty_note}"
        '<div class="dash-chart"><canvas id="chart-daily" role="img" '
        'aria-label="Số câu hỏi mỗi ngày: trả lời, gợi ý, chưa trả lời"></canvas></div>'
        "<details><summary>Xem số liệu theo ngày</summary>"
        "<table><tr><th>Ngày</th><th>Trả lời</th><th>Gợi ý</th><th>Chưa trả lời</th></tr>"
        f"{day_rows}</table></details></div>"
        '<div class="card"><h2>Tỉ lệ trả lời theo tuần</h2>'
        '<div class="dash-chart"><canvas id="chart-rate" role="img" '
        'aria-label="Tỉ lệ câu hỏi được trả lời ngay và được trả lời hoặc gợi ý, theo tuần"></canvas></div></div>'
        '<div class="dash-pair">'
        '<div class="card"><h2>Theo kênh (90 ngày)</h2>'
        + (
            '<div class="dash-chart small"><canvas id="chart-channels" role="img" '
            'aria-label="Số câu hỏi theo kênh"></canvas></div>'
            if d.channels
            else f'<p class="muted" data-empty="channels">{e(NO_QUESTIONS.format(days=DAYS))}</p>'
        )
        + "</div>"
        '<div class="card"><h2>Theo lĩnh vực (90 ngày)</h2>'
        + (
            '<div class="dash-chart tall"><canvas id="chart-sectors" role="img" '
            'aria-label="Số câu hỏi theo lĩnh vực"></canvas></div>'
            if d.sectors
            else f'<p class="muted" data-empty="sectors">{e(NO_QUESTIONS.format(days=DAYS))}</p>'
        )
        + "</div></div>"
    )

    window = {"from": d.groups_from.isoformat(), "to": d.today.isoformat()}
    group_rows = [
        f"<tr><td><b>{g.count}</b></td><td>{'<br>'.join(e(x) for x in g.examples(3))}</td>"
        f"<td>{e(local_time(g.last))}</td>"
        f'<td><a href="/admin/draft?{e(urlencode({"key": g.key, **window}))}">Soạn mục</a></td></tr>'
        for g in d.groups[:TABLE_ROWS]
    ]
    groups = (
        '<div class="card"><h2>Câu hỏi chưa trả lời, 7 ngày qua</h2>'
        + _table(["Số câu", "Ví dụ", "Lần cuối", ""], group_rows, EMPTY_GROUPS, "groups")
        + f'<p><a href="/admin/unanswered?{e(urlencode(window))}">Xem tất cả {len(d.groups)} nhóm</a></p></div>'
    )
    wrong_rows = [
        f"<tr><td>{e(w['title'])}</td><td>{w['wrong']}</td><td>{w['helpful']}</td>"
        f"<td>{e(local_time(w['last']))}</td></tr>"
        for w in d.wrong
    ]
    wrong = (
        '<div class="card"><h2>Mục bị bấm “Chưa đúng” nhiều nhất (30 ngày)</h2>'
        + _table(["Mục", "Chưa đúng", "Hữu ích", "Lần cuối"], wrong_rows, EMPTY_WRONG, "wrong")
        + '<p><a href="/admin/learning">Xem từng câu hỏi</a></p></div>'
    )
    ticket_rows = [
        f"<tr><td>{e(ref(t['id']))}</td><td>{e(local_time(t['opened']))}</td>"
        f"<td>{e(waited(t['opened'], iso(d.now)))}</td><td>{e(t['text'])}</td></tr>"
        for t in d.waiting
    ]
    median_text = (
        f"Thời gian đến câu trả lời đầu tiên của cán bộ (trung vị, 90 ngày, {len(d.reply_delays)} câu hỏi): "
        f"<b>{e(duration(median))}</b>"
        if median is not None
        else "Chưa có câu hỏi nào được cán bộ trả lời trong 90 ngày qua, nên chưa tính được thời gian trả lời."
    )
    tickets = (
        '<div class="card"><h2>Câu hỏi chờ cán bộ lâu nhất</h2>'
        f'<p data-median="reply">{median_text}</p>'
        + _table(
            ["Mã", "Gửi lúc", "Đã chờ", "Câu hỏi"], ticket_rows, EMPTY_TICKETS if d.handoff else NO_HANDOFF, "tickets"
        )
        + '<p><a href="/admin/tickets">Tất cả câu hỏi gửi cán bộ</a></p></div>'
    )
    review_rows = [
        f"<tr><td>{e(r.entry.title)}<br><span class=muted>{e(r.entry.id)}</span></td>"
        f"<td>{r.entry.reviewed:%d/%m/%Y}</td><td>{e(r.reason)}</td>"
        f'<td><a href="/admin/review">{e(Path(r.entry.origin).name)}</a></td></tr>'  # the queue to check it in
        for r in d.reviews[:REVIEW_ROWS]
    ]
    more = len(d.reviews) - REVIEW_ROWS
    reviews = (
        f'<div class="card"><h2>Mục cần rà soát lại ({len(d.reviews)})</h2>'
        f'<p class="muted">Mục chưa xác minh (verified: false) hoặc rà soát cách đây hơn {d.review_months} tháng '
        "(REVIEW_MONTHS).</p>"
        + _table(
            ["Mục", "Rà soát", "Lý do", "Tệp"], review_rows, EMPTY_REVIEWS.format(months=d.review_months), "reviews"
        )
        + (f'<p class="muted">… và {more} mục khác.</p>' if more > 0 else "")
        + "<h3>Theo lĩnh vực</h3>"
        + _table(
            ["Lĩnh vực", "Số mục", "Đã xác minh", "Cần rà soát"],
            [
                f"<tr><td>{e(title)}</td><td>{n}</td><td>{ok} ({ok / n:.0%})</td><td>{due}</td></tr>"
                for title, n, ok, due in d.verification
            ],
            "Chưa có mục nào trong danh mục.",
            "verification",
        )
        + "</div>"
    )
    top = (
        '<div class="card"><h2>Mục được hỏi nhiều nhất (30 ngày)</h2>'
        + _table(
            ["Mục", "Số câu"],
            [f"<tr><td>{e(title)}</td><td>{n}</td></tr>" for title, n in d.top],
            EMPTY_TOP,
            "top",
        )
        + "</div>"
    )
    return (
        '<link rel="stylesheet" href="/static/dashboard.css">'
        + summary
        + charts
        + groups
        + wrong
        + tickets
        + reviews
        + top
        + f'<script type="application/json" id="dashboard-data">{json_block(chart_data(d))}</script>'
        + '<script src="/static/vendor/chart.umd.min.js"></script><script src="/static/dashboard.js"></script>'
    )
