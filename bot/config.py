"""Settings from environment variables, with defaults that work on a developer's machine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import Thresholds


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    return int(raw) if raw else default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    return float(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org/bot"  # a self-hosted Bot API server goes here
    webhook_url: str = ""  # set: webhook mode; empty: long polling
    webhook_secret: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    faq_path: Path | None = None
    send_rate: float = 30.0  # messages per second to Telegram overall (its limit); 0: only honour RetryAfter
    page_chars: int = 1500  # longer answers are split into pages with ◀ Trước / Tiếp ▶
    flood_messages: int = 8  # a citizen may send this many messages...
    flood_seconds: float = 30.0  # ...in this many seconds before being asked to slow down
    user_hash_salt: str = ""
    admin_ids: frozenset[int] = frozenset()  # Telegram user ids allowed /unanswered, /stats, /reload
    admin_token: str = ""  # console login; empty: a random one is printed at start
    database_path: Path = Path("data/tro_ly_so.sqlite")
    retention_days: int = 180
    staff_chat_id: int | None = None  # Telegram group where staff answer handed-off questions
    work_hours: str = "07:30-17:00"  # Vietnam time
    work_days: str = "1-5"  # 1 = Monday
    ticket_idle_hours: float = 72.0  # tickets with no activity this long are closed
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line
    thresholds: Thresholds = field(default_factory=Thresholds)
    session_idle_minutes: float = 30.0  # a console session unused this long ends
    review_months: int = 6  # entries reviewed longer ago than this are due for review

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        faq = env.get("FAQ_PATH", "").strip()
        return cls(
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            telegram_api_url=env.get("TELEGRAM_API_URL", "").strip() or cls.telegram_api_url,
            webhook_url=env.get("WEBHOOK_URL", "").strip(),
            webhook_secret=env.get("WEBHOOK_SECRET", "").strip(),
            host=env.get("HOST", "").strip() or cls.host,
            port=_int(env, "PORT", cls.port),
            faq_path=Path(faq) if faq else None,
            send_rate=_float(env, "SEND_RATE", cls.send_rate),
            page_chars=_int(env, "PAGE_CHARS", cls.page_chars),
            flood_messages=_int(env, "FLOOD_MESSAGES", cls.flood_messages),
            flood_seconds=_float(env, "FLOOD_SECONDS", cls.flood_seconds),
            user_hash_salt=env.get("USER_HASH_SALT", ""),
            admin_ids=frozenset(int(x) for x in env.get("ADMIN_IDS", "").replace(",", " ").split() if x.strip()),
            admin_token=env.get("ADMIN_TOKEN", "").strip(),
            database_path=Path(env.get("DATABASE_PATH", "").strip() or cls.database_path),
            retention_days=_int(env, "RETENTION_DAYS", cls.retention_days),
            staff_chat_id=int(env["STAFF_CHAT_ID"]) if env.get("STAFF_CHAT_ID", "").strip() else None,
            work_hours=env.get("WORK_HOURS", "").strip() or cls.work_hours,
            work_days=env.get("WORK_DAYS", "").strip() or cls.work_days,
            ticket_idle_hours=_float(env, "TICKET_IDLE_HOURS", cls.ticket_idle_hours),
            log_level=env.get("LOG_LEVEL", "").strip() or cls.log_level,
            log_format=env.get("LOG_FORMAT", "").strip().lower() or cls.log_format,
            thresholds=Thresholds.from_env(env),
            session_idle_minutes=_float(env, "SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            review_months=_int(env, "REVIEW_MONTHS", cls.review_months),
        )
