"""Records of questions and feedback in one SQLite file (sqlite-utils), and the queries the console needs.

Writes go through a queue to one writer thread: the reply never waits for the disk, and a locked,
read-only or full database is logged while citizens keep getting answers.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.metrics import METRICS
from bot.redact import redact, user_hash
from knowledge import SearchResult

log = logging.getLogger("tro_ly_so.records")

SCHEMA_VERSION = 7
MAX_TEXT = 2000


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """How times are stored: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def connect(path: Path | str, timeout: float = 2.0) -> sqlite_utils.Database:
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
    return sqlite_utils.Database(conn)


def migrate(db: sqlite_utils.Database) -> None:
    """Create or upgrade the schema. Each step runs once; the version lives in the file."""
    if str(db.conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
        db.enable_wal()
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < 1:
        db["questions"].create(
            {
                "id": int,
                "at": str,
                "channel": str,
                "user_hash": str,
                "text": str,
                "status": str,
                "entry_id": str,
                "score": float,
                "suggestions": str,
            },
            pk="id",
            if_not_exists=True,
        )
        db["feedback"].create(
            {"id": int, "at": str, "channel": str, "user_hash": str, "entry_id": str, "helpful": int},
            pk="id",
            if_not_exists=True,
        )
        db["groups"].create({"key": str, "state": str, "at": str}, pk="key", if_not_exists=True)
        db["questions"].create_index(["at"], if_not_exists=True)
        db["questions"].create_index(["status", "at"], if_not_exists=True)
        db["questions"].create_index(["entry_id"], if_not_exists=True)
        db["feedback"].create_index(["entry_id"], if_not_exists=True)
        db["feedback"].create_index(["at"], if_not_exists=True)
    if version < 2:
        # Hand-off to staff, and phrasings learned from citizens (taps on suggestions, "Hữu ích").
        db["tickets"].create(
            {
                "id": int,
                "opened": str,
                "last_activity": str,
                "state": str,  # draft | open | answered | closed
                "chat_id": int,
                "first_name": str,
                "text": str,
                "suggested": str,
                "staff_message_id": int,
                "followup_pending": int,
                "followups": int,
                "first_reply": str,
                "closed": str,
                "note": str,
            },
            pk="id",
            if_not_exists=True,
        )
        db["tickets"].create_index(["staff_message_id"], if_not_exists=True)
        db["tickets"].create_index(["chat_id", "state"], if_not_exists=True)
        db["ticket_messages"].create(
            {"id": int, "ticket_id": int, "at": str, "author": str, "text": str}, pk="id", if_not_exists=True
        )
        db["ticket_messages"].create_index(["ticket_id"], if_not_exists=True)
        db["candidates"].create(
            {"id": int, "at": str, "question": str, "entry_id": str, "source": str, "state": str},
            pk="id",
            if_not_exists=True,
        )
        db["candidates"].create_index(["entry_id", "state"], if_not_exists=True)
        if "question" not in db["feedback"].columns_dict:
            db["feedback"].add_column("question", str)
            db["feedback"].add_column("score", float)
    if version < 3:
        # Openings of poster deep links (bot/deeplinks.py): channel and target only, no person.
        db["poster_opens"].create(
            {"id": int, "at": str, "channel": str, "kind": str, "target": str}, pk="id", if_not_exists=True
        )
        db["poster_opens"].create_index(["at"], if_not_exists=True)
    if version < 4:
        # Staff accounts, their sessions, the audit log and every version of every entry (bot/console/).
        db["users"].create(
            {
                "username": str,
                "display_name": str,
                "role": str,  # admin | editor | viewer
                "password_hash": str,  # argon2id, never the password
                "active": int,
                "created": str,
                "last_login": str,
            },
            pk="username",
            if_not_exists=True,
        )
        db["sessions"].create(
            {"token_hash": str, "username": str, "csrf": str, "created": float, "last_seen": float},
            pk="token_hash",  # a stolen database copy holds no usable session token
            if_not_exists=True,
        )
        db["sessions"].create_index(["username"], if_not_exists=True)
        db["audit"].create(
            {"id": int, "at": str, "username": str, "action": str, "target": str, "detail": str, "address": str},
            pk="id",
            if_not_exists=True,
        )
        db["audit"].create_index(["at"], if_not_exists=True)
        db["entry_history"].create(
            {
                "id": int,
                "at": str,
                "entry_id": str,
                "username": str,  # empty: edited on disk
                "action": str,
                "note": str,
                "before": str,  # JSON of the entry's fields, or empty for a new entry
                "after": str,
            },
            pk="id",
            if_not_exists=True,
        )
        db["entry_history"].create_index(["entry_id", "id"], if_not_exists=True)
    if version < 5:
        # Zalo OA token pair (bot/zalo/tokens.py): the refresh token is single-use, so the newest pair must
        # survive a restart. env_hash remembers which ZALO_REFRESH_TOKEN the row started from.
        db["zalo_tokens"].create(
            {"app_id": str, "access_token": str, "refresh_token": str, "updated": str, "env_hash": str},
            pk="app_id",
            if_not_exists=True,
        )
    if version < 6:
        # Hand-off from every channel: which channel the citizen is on, and their id there as text (Zalo ids
        # do not fit Telegram's integer chat_id safely). Telegram tickets keep using chat_id.
        if "channel" not in db["tickets"].columns_dict:
            db["tickets"].add_column("channel", str, not_null_default="telegram")
            db["tickets"].add_column("citizen", str, not_null_default="")
        db["tickets"].create_index(["channel", "citizen", "state"], if_not_exists=True)
    if version < 7:
        # Which Mondays' weekly reports went out (bot/channels/telegram/weekly.py), so that a restart after
        # 08:00 still sends that week's report, and never a second time.
        db["weekly_reports"].create({"monday": str, "sent": str, "admins": int}, pk="monday", if_not_exists=True)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@dataclass(frozen=True)
class Row:
    table: str
    values: dict[str, Any]


class Store:
    """The Recorder used in production. ``question`` and ``feedback`` only enqueue."""

    def __init__(self, path: Path | str, salt: str = "", retention_days: int = 180) -> None:
        self.path = str(path)
        self.salt = salt
        self.retention_days = retention_days
        self.db = connect(path)
        migrate(self.db)
        self._queue: queue.Queue[Row | None] = queue.Queue(maxsize=100_000)
        self._writer = threading.Thread(target=self._write_loop, name="records-writer", daemon=True)
        self._writer.start()
        self.failures = 0

    # -- Recorder ----------------------------------------------------------------------------

    def question(self, *, channel: str, user_id: int | str, text: str, result: SearchResult) -> None:
        best = result.closest
        self._put(
            "questions",
            {
                "at": iso(now()),
                "channel": channel,
                "user_hash": user_hash(user_id, self.salt),
                "text": redact(text)[:MAX_TEXT],
                "status": result.status.value,
                "entry_id": best.entry.id if best else None,
                "score": round(best.score, 4) if best else 0.0,
                "suggestions": json.dumps([c.entry.id for c in result.suggestions]),
            },
        )

    def feedback(
        self,
        *,
        channel: str,
        user_id: int | str,
        entry_id: str,
        helpful: bool,
        question: str | None = None,
        score: float | None = None,
    ) -> None:
        self._put(
            "feedback",
            {
                "at": iso(now()),
                "channel": channel,
                "user_hash": user_hash(user_id, self.salt),
                "entry_id": entry_id,
                "helpful": int(helpful),
                "question": redact(question)[:MAX_TEXT] if question else None,
                "score": score,
            },
        )

    def candidate(self, *, question: str, entry_id: str, source: str) -> None:
        """A phrasing a citizen used for an entry (tapped suggestion, or 'Hữu ích'): for staff to accept."""
        text = redact(question).strip()[:300]
        if text:
            self._put(
                "candidates",
                {"at": iso(now()), "question": text, "entry_id": entry_id, "source": source, "state": "new"},
            )

    def poster_open(self, *, channel: str, kind: str, target: str) -> None:
        """A poster's deep link was opened (kind: all / sector / entry; target: the sector or entry id)."""
        self._put("poster_opens", {"at": iso(now()), "channel": channel, "kind": kind, "target": target})

    def _put(self, table: str, values: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(Row(table, values))
        except queue.Full:
            self.failures += 1
            log.error("records queue full, %s record dropped", table)

    # -- the writer thread -------------------------------------------------------------------

    def _writer_connection(self) -> sqlite_utils.Database:
        # A second connection to ":memory:" is a second, empty database: records written there were lost
        # without a word. An in-memory store (trying things out) writes on its one connection.
        return self.db if self.path == ":memory:" else connect(self.path)

    def _write_loop(self) -> None:
        writer = self._writer_connection()
        inode = self._inode()
        while True:
            row = self._queue.get()
            if row is None:
                self._queue.task_done()
                return
            batch = [row]
            while len(batch) < 500:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # handled on the next turn, after this batch
                    self._queue.task_done()
                    break
                batch.append(more)
            if self.path != ":memory:" and self._inode() != inode:
                # Deleted or replaced under us: writing on would go into a file nobody can see.
                log.error("records database %s was removed or replaced; creating it again", self.path)
                METRICS.error("records")
                try:
                    writer = self._writer_connection()
                    migrate(writer)
                    inode = self._inode()
                except sqlite3.Error as exc:
                    log.error("could not recreate %s: %s", self.path, exc)
            self._write(writer, batch)
            for _ in batch:
                self._queue.task_done()

    def _write(self, writer: sqlite_utils.Database, batch: list[Row]) -> None:
        for attempt in range(3):
            try:
                with writer.conn:  # one transaction: all of the batch or none of it
                    for row in batch:
                        writer[row.table].insert(row.values)
                return
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) and attempt < 2:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                self._failed(batch, exc)
                return
            except sqlite3.Error as exc:
                self._failed(batch, exc)
                return

    def _failed(self, batch: list[Row], exc: Exception) -> None:
        self.failures += len(batch)
        METRICS.error("records")
        log.error("could not write %d record(s) to %s: %s", len(batch), self.path, exc)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is written (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def _inode(self) -> int | None:
        try:
            return Path(self.path).stat().st_ino
        except OSError:
            return None

    def writable(self) -> bool:
        """Can a write transaction start now? (for /healthz; takes no lock for longer than a moment)"""
        try:
            probe = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=0.5)  # never creates it
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            finally:
                probe.close()
            return True
        except sqlite3.Error:
            return False

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def close(self) -> None:
        self.flush()
        self._queue.put(None)
        self._writer.join(timeout=5)

    # -- maintenance and queries -------------------------------------------------------------

    def purge(self, days: int | None = None) -> int:
        cutoff = iso(now() - timedelta(days=days if days is not None else self.retention_days))
        # Its own connection: the runner calls this in a worker thread, and a transaction there on ``self.db``
        # interleaves with the event loop's queries on it (seen as "no such savepoint" in the weekly report).
        db = self.db if self.path == ":memory:" else connect(self.path)
        removed = 0
        try:
            with db.conn:
                for table in ("questions", "feedback", "candidates", "audit"):
                    removed += db.execute(f"DELETE FROM [{table}] WHERE at < ?", [cutoff]).rowcount
                # Drafts never sent and tickets closed long ago, with their messages. Open tickets stay.
                old = "SELECT id FROM tickets WHERE state IN ('draft', 'closed') AND last_activity < ?"
                db.execute(f"DELETE FROM ticket_messages WHERE ticket_id IN ({old})", [cutoff])
                removed += db.execute(f"DELETE FROM tickets WHERE id IN ({old})", [cutoff]).rowcount
                # Console sessions end after at most 12 hours; rows of ended ones are no use to anyone.
                db.execute("DELETE FROM sessions WHERE created < ?", [time.time() - 86400])
        finally:
            if db is not self.db:
                db.conn.close()
        return removed

    def questions(
        self,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        contains: str = "",
        channel: str = "",
    ) -> list[dict[str, Any]]:
        where, params = ["1 = 1"], []
        if channel:
            where.append("channel = ?")
            params.append(channel)
        if status:
            where.append("status = ?")
            params.append(status)
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("at < ?")
            params.append(until)
        if contains:
            where.append("text LIKE ? ESCAPE '\\'")
            params.append("%" + contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        sql = f"SELECT * FROM questions WHERE {' AND '.join(where)} ORDER BY at"
        return [dict(r) for r in self.db.query(sql, params)]

    def stats(self, days: int = 30) -> dict[str, Any]:
        since = iso(now() - timedelta(days=days))
        per_day = list(
            self.db.query(
                "SELECT substr(at, 1, 10) AS day, status, count(*) AS n FROM questions WHERE at >= ? "
                "GROUP BY day, status ORDER BY day",
                [since],
            )
        )
        by_status = {
            r["status"]: r["n"]
            for r in self.db.query("SELECT status, count(*) AS n FROM questions WHERE at >= ? GROUP BY status", [since])
        }
        feedback = {
            r["helpful"]: r["n"]
            for r in self.db.query(
                "SELECT helpful, count(*) AS n FROM feedback WHERE at >= ? GROUP BY helpful", [since]
            )
        }
        top = list(
            self.db.query(
                "SELECT entry_id, count(*) AS n FROM questions WHERE at >= ? AND status = 'answered' "
                "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT 10",
                [since],
            )
        )
        total = sum(by_status.values())
        return {
            "days": days,
            "total": total,
            "by_status": by_status,
            "per_day": per_day,
            "helpful": feedback.get(1, 0),
            "not_helpful": feedback.get(0, 0),
            "top": top,
        }

    def candidates(self, state: str = "new") -> list[dict[str, Any]]:
        """Phrasings citizens used for entries, counted, with first and last time seen."""
        sql = (
            "SELECT entry_id, question, count(*) AS n, min(at) AS first, max(at) AS last, "
            "group_concat(DISTINCT source) AS sources FROM candidates WHERE state = ? "
            "GROUP BY entry_id, question ORDER BY entry_id, n DESC, last DESC"
        )
        return [dict(r) for r in self.db.query(sql, [state])]

    def set_candidate_state(self, entry_id: str, question: str, state: str) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE candidates SET state = ? WHERE entry_id = ? AND question = ? AND state = 'new'",
                [state, entry_id, question],
            )

    def wrong_answers(self, limit: int = 200) -> list[dict[str, Any]]:
        """'Chưa đúng' on answers, with the question and score that led there."""
        sql = (
            "SELECT at, entry_id, question, score FROM feedback WHERE helpful = 0 AND question IS NOT NULL "
            "ORDER BY at DESC LIMIT ?"
        )
        return [dict(r) for r in self.db.query(sql, [limit])]

    def set_group_state(self, key: str, state: str) -> None:
        with self.db.conn:
            self.db["groups"].upsert({"key": key, "state": state, "at": iso(now())}, pk="key")

    def group_states(self) -> dict[str, str]:
        return {r["key"]: r["state"] for r in self.db["groups"].rows}

    def poster_opens(self, days: int = 30) -> list[dict[str, Any]]:
        """Deep-link openings per target over the last ``days`` days, most opened first."""
        sql = (
            "SELECT kind, target, channel, count(*) AS n, max(at) AS last FROM poster_opens WHERE at >= ? "
            "GROUP BY kind, target, channel ORDER BY n DESC, kind, target"
        )
        return [dict(r) for r in self.db.query(sql, [iso(now() - timedelta(days=days))])]

    # -- the dashboard and the weekly report (days are Vietnam days: UTC+7, no daylight saving) --------------

    def daily_outcomes(self, since: str, until: str) -> list[dict[str, Any]]:
        """Questions per Vietnam day and outcome between two stored times: [{day, status, n}]."""
        sql = (
            "SELECT date(at, '+7 hours') AS day, status, count(*) AS n FROM questions WHERE at >= ? AND at < ? "
            "GROUP BY day, status ORDER BY day"
        )
        return [dict(r) for r in self.db.query(sql, [since, until])]

    def count_by(self, column: str, since: str, until: str) -> dict[str | None, int]:
        """Questions between two stored times counted by ``channel``, ``status`` or ``entry_id``."""
        if column not in ("channel", "status", "entry_id"):
            raise ValueError(column)
        sql = f"SELECT [{column}] AS key, count(*) AS n FROM questions WHERE at >= ? AND at < ? GROUP BY key"
        return {r["key"]: r["n"] for r in self.db.query(sql, [since, until])}

    def answered_entries(self, since: str, until: str) -> dict[str, int]:
        """Answered or suggested questions per entry (the entry that answered, or the first suggestion)."""
        sql = (
            "SELECT entry_id, count(*) AS n FROM questions WHERE at >= ? AND at < ? "
            "AND status IN ('answered', 'suggested') AND entry_id IS NOT NULL GROUP BY entry_id"
        )
        return {r["entry_id"]: r["n"] for r in self.db.query(sql, [since, until])}

    def feedback_counts(self, since: str) -> tuple[int, int]:
        """("Hữu ích", "Chưa đúng") votes since then."""
        row = self.db.execute(
            "SELECT coalesce(sum(helpful = 1), 0), coalesce(sum(helpful = 0), 0) FROM feedback WHERE at >= ?", [since]
        ).fetchone()
        return int(row[0]), int(row[1])

    def top_entries(self, since: str, limit: int = 10) -> list[dict[str, Any]]:
        """The entries that answered most questions since then."""
        sql = (
            "SELECT entry_id, count(*) AS n FROM questions WHERE at >= ? AND status = 'answered' "
            "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?"
        )
        return [dict(r) for r in self.db.query(sql, [since, limit])]

    def not_helpful_entries(self, since: str, limit: int = 10) -> list[dict[str, Any]]:
        """Entries marked "Chưa đúng" most often since then, with how often "Hữu ích" and the last time."""
        sql = (
            "SELECT entry_id, sum(helpful = 0) AS wrong, sum(helpful = 1) AS helpful, max(at) AS last "
            "FROM feedback WHERE at >= ? GROUP BY entry_id HAVING wrong > 0 "
            "ORDER BY wrong DESC, last DESC LIMIT ?"
        )
        return [dict(r) for r in self.db.query(sql, [since, limit])]

    # -- the weekly report's own bookkeeping: tiny reads and writes on this connection, like the Zalo tokens;
    # a sqlite3.Error reaches the caller, which decides how to carry on without it.

    def weekly_report_sent(self, monday: date) -> bool:
        """Did the report due on that Monday (a Vietnam date) go out?"""
        sql = "SELECT 1 FROM weekly_reports WHERE monday = ?"
        return self.db.execute(sql, [monday.isoformat()]).fetchone() is not None

    def weekly_reports_recorded(self) -> bool:
        """Has any weekly report been recorded in this database (false on a new or just upgraded one)?"""
        return self.db.execute("SELECT 1 FROM weekly_reports LIMIT 1").fetchone() is not None

    def mark_weekly_report_sent(self, monday: date, admins: int) -> None:
        """Remember that the report due on that Monday went out, delivered to ``admins`` administrators."""
        # Plain SQL, not sqlite-utils' upsert: that would quietly create a missing table with guessed types.
        sql = "INSERT OR REPLACE INTO weekly_reports (monday, sent, admins) VALUES (?, ?, ?)"
        with self.db.conn:
            self.db.execute(sql, [monday.isoformat(), iso(now()), admins])

    def waiting_tickets(self, limit: int = 10) -> list[dict[str, Any]]:
        """Open tickets no staff member has replied to yet, the longest waiting first."""
        sql = "SELECT * FROM tickets WHERE state = 'open' AND first_reply IS NULL ORDER BY opened, id LIMIT ?"
        return [dict(r) for r in self.db.query(sql, [limit])]

    def reply_delays(self, since: str) -> list[float]:
        """Seconds from opening to the first staff reply, for tickets first answered since then."""
        sql = (
            "SELECT (julianday(first_reply) - julianday(opened)) * 86400.0 AS seconds FROM tickets "
            "WHERE first_reply IS NOT NULL AND first_reply >= ? ORDER BY seconds"
        )
        return [max(0.0, r["seconds"]) for r in self.db.query(sql, [since])]
