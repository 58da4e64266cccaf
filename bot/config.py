"""Settings from environment variables, with defaults that work on a developer's machine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import Thresholds, content
from knowledge.content import KnowledgeDir


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
    flood_address_messages: int = 60  # web chat: from one address (an office's shared Wi-Fi), per window
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
    # Zalo Official Account channel (bot/channels/zalo/): served at POST /zalo/webhook when zalo_app_id is set.
    zalo_app_id: str = ""
    zalo_app_secret: str = field(default="", repr=False)  # the app's secret key: header of the token refresh
    zalo_oa_secret_key: str = field(default="", repr=False)  # the OA secret key: signs the webhook calls
    zalo_access_token: str = field(default="", repr=False)
    zalo_refresh_token: str = field(default="", repr=False)  # single use: the newest pair lives in the records DB
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    office_name: str = ""  # the commune or ward printed on QR posters, e.g. "UBND xã ..."
    web_chat_url: str = ""  # public address of the web chat for posters; empty: http://HOST:PORT/
    zalo_oa_link: str = ""  # the Zalo Official Account's link for posters; empty: no Zalo line
    review_months: int = 6  # entries reviewed longer ago than this are due for re-checking
    weekly_report: bool = True  # Monday 08:00 (Vietnam) summary to ADMIN_IDS; WEEKLY_REPORT=off disables it
    console_url: str = ""  # the console's public address, linked from the weekly report
    knowledge_dir: Path | None = None  # KNOWLEDGE_DIR: everything staff may change; None: see knowledge/content.py

    home_old_province: str = "Kon Tum"  # old province assumed when an address names none (merger feature)
    embed_origins: str = ""  # portals allowed to embed the web chat (widget.js), comma-separated origins
    session_idle_minutes: float = 30.0  # a console session unused this long ends

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
            flood_address_messages=_int(env, "FLOOD_ADDRESS_MESSAGES", cls.flood_address_messages),
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
            zalo_app_id=env.get("ZALO_APP_ID", "").strip(),
            zalo_app_secret=env.get("ZALO_APP_SECRET", "").strip(),
            zalo_oa_secret_key=env.get("ZALO_OA_SECRET_KEY", "").strip(),
            zalo_access_token=env.get("ZALO_ACCESS_TOKEN", "").strip(),
            zalo_refresh_token=env.get("ZALO_REFRESH_TOKEN", "").strip(),
            zalo_api_url=env.get("ZALO_API_URL", "").strip().rstrip("/") or cls.zalo_api_url,
            zalo_oauth_url=env.get("ZALO_OAUTH_URL", "").strip().rstrip("/") or cls.zalo_oauth_url,
            office_name=env.get("OFFICE_NAME", "").strip(),
            web_chat_url=env.get("WEB_CHAT_URL", "").strip(),
            zalo_oa_link=env.get("ZALO_OA_LINK", "").strip(),
            review_months=_int(env, "REVIEW_MONTHS", cls.review_months),
            weekly_report=env.get("WEEKLY_REPORT", "").strip().lower() not in ("off", "0", "false", "no"),
            console_url=env.get("CONSOLE_URL", "").strip().rstrip("/"),
            knowledge_dir=Path(env["KNOWLEDGE_DIR"].strip()) if env.get("KNOWLEDGE_DIR", "").strip() else None,
            home_old_province=env.get("HOME_OLD_PROVINCE", "").strip() or cls.home_old_province,
            embed_origins=env.get("EMBED_ORIGINS", "").strip(),
            session_idle_minutes=_float(env, "SESSION_IDLE_MINUTES", cls.session_idle_minutes),
        )

    def knowledge(self) -> KnowledgeDir:
        """The staff's knowledge files (KNOWLEDGE_DIR, FAQ_PATH for the FAQ alone)."""
        return content.from_env({"KNOWLEDGE_DIR": str(self.knowledge_dir or ""), "FAQ_PATH": str(self.faq_path or "")})

    @property
    def public_web_chat_url(self) -> str:
        """WEB_CHAT_URL, else the address this server listens on (only useful on the office's own network)."""
        return self.web_chat_url or f"http://{self.host}:{self.port}/"
