"""Fill a records database with N days of made-up but plausible use, for tests and screenshots.

    python -m tests.generate_records data/demo.sqlite [--days 90] [--seed 19]

Questions are the catalogue's own phrasings (some typed without accents) and questions the assistant
cannot answer, each run through the real search so the outcome is what the bot would record. Volume
grows after the launch and is lower at weekends, the share of unanswered questions falls as staff add
entries; feedback, a few entries often marked "Chưa đúng", and tickets (answered, closed, still waiting)
come with it. Deterministic for a given seed and ``now``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.redact import user_hash
from bot.store import connect, iso, migrate
from bot.tickets import VIETNAM
from knowledge import Index, SearchResult, build_index

OUT_OF_SCOPE = [
    "lịch bắn pháo hoa đêm giao thừa ở quảng ngãi",
    "lich ban phao hoa dem giao thua",
    "giá vàng hôm nay bao nhiêu",
    "gia vang hom nay",
    "thời tiết kon tum ngày mai",
    "kết quả xổ số miền trung",
    "tuyển dụng giáo viên năm nay",
    "tuyen dung giao vien",
    "lịch cắt điện tuần này",
    "lich cat dien tuan nay o kon tum",
    "quán cà phê nào đẹp ở kon tum",
    "mua vé xe khách đi đà nẵng",
    "lịch tiêm chủng cho trẻ tháng này",
    "lich tiem chung cho tre",
]
VAGUE = ["căn cước", "bảo hiểm", "đăng ký", "làm giấy tờ", "can cuoc", "bao hiem", "dang ky"]  # "Có phải bạn muốn hỏi"
WRONG_PRONE = 3  # entries that collect most of the "Chưa đúng"


def fold(text: str) -> str:
    """Without accents, as many citizens type."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def generate(
    path: Path | str,
    index: Index | None = None,
    days: int = 90,
    now: datetime | None = None,
    seed: int = 19,
) -> dict[str, int]:
    """Write ``days`` days of records ending at ``now`` into ``path`` (created if needed). Returns counts."""
    index = index or build_index()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    rng = random.Random(seed)
    entries = sorted(index.catalogue.entries.values(), key=lambda x: x.id)
    popular = entries[: max(1, len(entries) // 3)]  # a third of the entries get most questions
    rng.shuffle(popular)
    wrong_prone = {x.id for x in popular[:WRONG_PRONE]}
    searched: dict[str, SearchResult] = {}
    questions: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    today = now.astimezone(VIETNAM).date()
    for back in range(days - 1, -1, -1):
        day: date = today - timedelta(days=back)
        progress = 1 - back / max(days - 1, 1)  # 0 at the start, 1 today
        volume = 8 + 40 * progress  # more citizens know the bot as weeks pass
        if day.weekday() >= 5:
            volume *= 0.45
        unanswered_share = 0.22 - 0.14 * progress  # staff keep adding entries
        for _ in range(max(0, round(rng.gauss(volume, volume * 0.15)))):
            moment = datetime.combine(day, time(rng.choice(range(7, 22)), rng.randrange(60)), VIETNAM)
            moment += timedelta(seconds=rng.randrange(60))
            if moment > now:
                continue
            roll = rng.random()
            if roll < unanswered_share:
                text = rng.choice(OUT_OF_SCOPE)
            elif roll < unanswered_share + 0.09:
                text = rng.choice(VAGUE)
            else:
                entry = rng.choice(popular) if rng.random() < 0.7 else rng.choice(entries)
                text = rng.choice(entry.questions)
                if rng.random() < 0.3:
                    text = fold(text)
            result = searched.get(text) or searched.setdefault(text, index.search(text))
            best = result.closest
            uid = rng.randrange(1, 1500)
            channel = "telegram" if rng.random() < 0.68 else "web"
            at = iso(moment)
            questions.append(
                {
                    "at": at,
                    "channel": channel,
                    "user_hash": user_hash(uid, ""),
                    "text": text,
                    "status": result.status.value,
                    "entry_id": best.entry.id if best else None,
                    "score": round(best.score, 4) if best else 0.0,
                    "suggestions": json.dumps([c.entry.id for c in result.suggestions]),
                }
            )
            if result.status.value == "answered" and result.best and rng.random() < 0.18:
                entry_id = result.best.entry.id
                helpful = rng.random() > (0.6 if entry_id in wrong_prone else 0.08)
                feedback.append(
                    {
                        "at": iso(moment + timedelta(minutes=1)),
                        "channel": channel,
                        "user_hash": user_hash(uid, ""),
                        "entry_id": entry_id,
                        "helpful": int(helpful),
                        "question": None if helpful else text,
                        "score": round(result.best.score, 4),
                    }
                )
            if result.status.value != "answered" and rng.random() < 0.2:  # unanswered or only suggested
                tickets.append(_ticket(rng, moment, now, text, uid))
    db = connect(path)
    migrate(db)
    with db.conn:
        db["questions"].insert_all(questions, batch_size=500)
        db["feedback"].insert_all(feedback, batch_size=500)
        db["tickets"].insert_all(tickets, batch_size=500)
    db.conn.close()
    return {"questions": len(questions), "feedback": len(feedback), "tickets": len(tickets)}


def _ticket(rng: random.Random, opened: datetime, now: datetime, text: str, uid: int) -> dict[str, Any]:
    """A hand-off: answered after a while, closed when old, still waiting when recent and unlucky."""
    delay = timedelta(minutes=rng.choice([20, 45, 90, 180, 300, 600, 1200, 2400]))
    replied = opened + delay
    waiting = replied > now or ((now - opened) < timedelta(days=5) and rng.random() < 0.6)
    closed = not waiting and now - opened > timedelta(days=3)
    return {
        "opened": iso(opened),
        "last_activity": iso(opened if waiting else replied),
        "state": "open" if waiting else ("closed" if closed else "answered"),
        "chat_id": uid,
        "first_name": "Người dân",
        "text": text,
        "suggested": "[]",
        "staff_message_id": None,
        "followup_pending": 0,
        "followups": 0,
        "first_reply": None if waiting else iso(replied),
        "closed": iso(replied + timedelta(hours=2)) if closed else None,
        "note": "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tạo dữ liệu mẫu cho cơ sở dữ liệu ghi nhận (để thử và chụp màn hình)")
    parser.add_argument("database", type=Path)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    counts = generate(args.database, days=args.days, seed=args.seed)
    print(f"{args.database}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
