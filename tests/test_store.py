"""The SQLite records store: schema, redaction, pseudonyms, retention, failures that never reach citizens."""

import logging
import sqlite3
from datetime import timedelta

import pytest

from bot import store as store_module
from bot.grouping import draft_entry, group_questions
from bot.store import Store, connect, migrate
from tests.helpers import records_from_version


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "records.sqlite", salt="pepper")
    yield s
    s.close()


def test_schema_wal_indexes_and_idempotent_migration(tmp_path):
    db = connect(tmp_path / "r.sqlite")
    migrate(db)
    migrate(db)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    indexes = {i.name for i in db["questions"].indexes}
    assert {"idx_questions_at", "idx_questions_status_at", "idx_questions_entry_id"} <= indexes


def test_questions_are_stored_redacted_and_pseudonymous(store, index):
    result = index.search("giá vàng hôm nay")
    store.question(channel="telegram", user_id=987654321, text="gọi 0912 345 678 giá vàng hôm nay", result=result)
    store.flush()
    [row] = store.questions()
    assert row["status"] == "unanswered" and row["channel"] == "telegram"
    assert "0912" not in row["text"] and "[số điện thoại]" in row["text"]
    assert "987654321" not in row["user_hash"] and len(row["user_hash"]) == 16


def test_an_in_memory_store_keeps_what_it_records(index):
    # A second connection to ":memory:" is another, empty database: the writer thread must not open one.
    memory = Store(":memory:")
    try:
        memory.question(channel="web", user_id=1, text="VNeID là gì", result=index.search("VNeID là gì"))
        memory.flush()
        assert [row["text"] for row in memory.questions()] == ["VNeID là gì"]
        assert memory.failures == 0
    finally:
        memory.close()


def test_feedback_and_stats(store, index):
    answered = index.search("VNeID là gì")
    for _ in range(3):
        store.question(channel="web", user_id=1, text="VNeID là gì", result=answered)
    store.question(channel="web", user_id=2, text="giá vàng", result=index.search("giá vàng"))
    store.feedback(channel="web", user_id=1, entry_id="vneid-la-gi", helpful=True)
    store.feedback(channel="web", user_id=2, entry_id="vneid-la-gi", helpful=False)
    store.flush()
    stats = store.stats()
    assert stats["total"] == 4 and stats["by_status"] == {"answered": 3, "unanswered": 1}
    assert stats["helpful"] == 1 and stats["not_helpful"] == 1
    assert stats["top"][0]["entry_id"] == "vneid-la-gi"


def test_retention_purges_old_records(store, index, monkeypatch):
    result = index.search("VNeID là gì")
    real_now = store_module.now()
    monkeypatch.setattr(store_module, "now", lambda: real_now - timedelta(days=400))
    store.question(channel="web", user_id=1, text="cũ", result=result)
    store.flush()
    monkeypatch.setattr(store_module, "now", lambda: real_now)
    store.question(channel="web", user_id=1, text="mới", result=result)
    store.flush()
    assert store.purge(180) == 1
    assert [r["text"] for r in store.questions()] == ["mới"]


def test_filters_treat_like_wildcards_and_quotes_as_text(store, index):
    result = index.search("giá vàng")
    for text in ["100% giá vàng", "giá_vàng", "'; DROP TABLE questions; --"]:
        store.question(channel="web", user_id=1, text=text, result=result)
    store.flush()
    assert [r["text"] for r in store.questions(contains="%")] == ["100% giá vàng"]
    assert [r["text"] for r in store.questions(contains="_")] == ["giá_vàng"]
    assert len(store.questions(contains="DROP TABLE")) == 1 and len(store.questions()) == 3


def test_a_locked_database_is_logged_and_nothing_raises(store, index, caplog):
    blocker = sqlite3.connect(store.path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.ERROR, logger="tro_ly_so.records"):
        store.question(channel="web", user_id=1, text="x", result=index.search("x"))  # returns at once
        store.flush(timeout=30)
    blocker.rollback()
    blocker.close()
    assert store.failures == 1
    assert any("could not write" in r.message for r in caplog.records)


def test_grouping_and_draft(index):
    rows = [
        {"at": "2026-11-01T08:00:00", "text": "xin giấy phép karaoke ở đâu"},
        {"at": "2026-11-02T08:00:00", "text": "xin giay phep karaoke o dau a"},
        {"at": "2026-11-03T08:00:00", "text": "giấy phép kinh doanh karaoke xin ở đâu"},
        {"at": "2026-11-04T08:00:00", "text": "lịch tiêm chủng cho trẻ"},
    ]
    groups = group_questions(rows, index.normalizer)
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].first.startswith("2026-11-01") and groups[0].last.startswith("2026-11-03")
    draft = draft_entry(groups[0])
    import yaml

    [entry] = yaml.safe_load(draft)
    assert entry["questions"][:2] == ["xin giấy phép karaoke ở đâu", "xin giay phep karaoke o dau a"]
    assert entry["verified"] is False and entry["id"].startswith("moi-")


def test_database_deleted_while_running_is_recreated_and_logged(store, index, caplog):
    from pathlib import Path

    result = index.search("VNeID là gì")
    store.question(channel="web", user_id=1, text="trước", result=result)
    store.flush()
    for suffix in ("", "-wal", "-shm"):
        Path(store.path + suffix).unlink(missing_ok=True)
    with caplog.at_level(logging.ERROR, logger="tro_ly_so.records"):
        store.question(channel="web", user_id=1, text="sau", result=result)
        store.flush()
    assert any("removed or replaced" in r.message for r in caplog.records)
    fresh = connect(store.path)
    assert [r["text"] for r in fresh["questions"].rows] == ["sau"]


def test_migration_from_version_1_keeps_data(tmp_path):
    db = connect(tmp_path / "old.sqlite")
    db["feedback"].create(
        {"id": int, "at": str, "channel": str, "user_hash": str, "entry_id": str, "helpful": int}, pk="id"
    )
    db["feedback"].insert(
        {"at": "2026-01-01T00:00:00", "channel": "web", "user_hash": "h", "entry_id": "x", "helpful": 1}
    )
    db.execute("PRAGMA user_version = 1")
    migrate(db)
    assert db.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    assert db["users"].exists() and db["entry_history"].exists()
    assert {"question", "score"} <= set(db["feedback"].columns_dict)
    assert db["feedback"].count == 1 and db["tickets"].exists() and db["candidates"].exists()


def test_retention_also_covers_candidates_drafts_and_closed_tickets(store, index, monkeypatch):
    from bot.tickets import TicketDesk

    desk = TicketDesk(store)
    real_now = store_module.now()
    monkeypatch.setattr(store_module, "now", lambda: real_now - timedelta(days=400))
    store.candidate(question="cũ", entry_id="vneid-la-gi", source="tap")
    store.flush()
    monkeypatch.setattr(store_module, "now", lambda: real_now)
    draft, closed, still_open = (desk.draft(1, "A", t, []) for t in ("nháp", "đã đóng", "đang mở"))
    desk.open(closed, 1)
    desk.add_message(closed, "staff", "trả lời")
    desk.close(closed)
    desk.open(still_open, 2)
    store.db.execute("UPDATE tickets SET last_activity = '2020-01-01T00:00:00'")
    store.purge(180)
    assert store.db["candidates"].count == 0
    assert [t["id"] for t in store.db["tickets"].rows] == [still_open]
    assert store.db["ticket_messages"].count == 0 and draft


def test_migration_from_version_6_adds_weekly_reports_and_keeps_data(tmp_path, index):
    from datetime import date

    path = tmp_path / "old.sqlite"
    db = records_from_version(path, index, 6, "weekly_reports")
    assert db.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    assert db["weekly_reports"].exists() and db["questions"].count == 1
    store = Store(path)
    try:
        assert not store.weekly_reports_recorded() and not store.weekly_report_sent(date(2026, 11, 30))
        store.mark_weekly_report_sent(date(2026, 11, 30), 2)
        store.mark_weekly_report_sent(date(2026, 11, 30), 1)  # marking again keeps one row, the latest count
        assert store.weekly_reports_recorded() and store.weekly_report_sent(date(2026, 11, 30))
        assert not store.weekly_report_sent(date(2026, 12, 7))
        assert [(r["monday"], r["admins"]) for r in store.db["weekly_reports"].rows] == [("2026-11-30", 1)]
    finally:
        store.close()
