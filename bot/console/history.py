"""Every version of every entry: who changed it (or "edited on disk"), when, and what changed.

Console edits are recorded with their author as they are saved. Edits made in a text editor are
noticed by comparing each entry with its last recorded version whenever the engine has a new catalogue
(checked every two seconds), so nothing changes without a line in the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import date
from typing import Any

import sqlite_utils
from aiohttp import web

from bot.console.entries import snapshot_json
from bot.store import iso, now
from knowledge import Catalogue

log = logging.getLogger("tro_ly_so.history")

ACTIONS = {
    "initial": "bản đầu tiên được ghi nhận",
    "disk": "sửa trực tiếp trong tệp",
    "disk_removed": "xoá trực tiếp trong tệp",
    "create": "tạo mới",
    "edit": "sửa",
    "retire": "ngừng dùng",
    "unretire": "dùng lại",
    "restore": "khôi phục phiên bản cũ",
    "review": "đã kiểm tra",
}
ON_DISK = "sửa trên tệp"


class EntryHistory:
    """The ``entry_history`` table, with the last version of each entry kept in memory."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._latest: dict[str, str] | None = None
        self.synced: Catalogue | None = None  # the catalogue last compared

    def latest(self) -> dict[str, str]:
        if self._latest is None:
            rows = self.db.query(
                "SELECT entry_id, after FROM entry_history WHERE id IN "
                "(SELECT max(id) FROM entry_history GROUP BY entry_id)"
            )
            self._latest = {r["entry_id"]: r["after"] or "" for r in rows}
        return self._latest

    def record(
        self, entry_id: str, username: str, action: str, before: str | None, after: str | None, note: str = ""
    ) -> int:
        with self.db.conn:
            row_id = (
                self.db["entry_history"]
                .insert(
                    {
                        "at": iso(now()),
                        "entry_id": entry_id,
                        "username": username,
                        "action": action,
                        "note": note[:1000],
                        "before": before or "",
                        "after": after or "",
                    }
                )
                .last_pk
            )
        self.latest()[entry_id] = after or ""
        return row_id

    def sync(self, catalogue: Catalogue) -> int:
        """Record what changed in ``catalogue`` since the last recorded versions ("edited on disk")."""
        latest = self.latest()
        rows: list[dict[str, Any]] = []
        at = iso(now())
        current = {**catalogue.retired, **catalogue.entries}
        for entry_id, entry in current.items():
            after = snapshot_json(entry)
            before = latest.get(entry_id)
            if before == after:
                continue
            action = "initial" if before is None else "disk"
            rows.append({"entry_id": entry_id, "action": action, "before": before or "", "after": after})
        for entry_id, before in latest.items():
            if before and entry_id not in current:
                rows.append({"entry_id": entry_id, "action": "disk_removed", "before": before, "after": ""})
        if rows:
            with self.db.conn:
                self.db["entry_history"].insert_all({"at": at, "username": "", "note": "", **row} for row in rows)
            for row in rows:
                latest[row["entry_id"]] = row["after"]
        self.synced = catalogue
        return len(rows)

    def rows(self, entry_id: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.db.query("SELECT * FROM entry_history WHERE entry_id = ? ORDER BY id DESC", [entry_id])
        ]

    def get(self, row_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM entry_history WHERE id = ?", [row_id]))
        return dict(rows[0]) if rows else None

    def reviews(self) -> dict[str, dict[str, Any]]:
        """The last "Đã kiểm tra" of each entry: who, when, which source."""
        sql = (
            "SELECT entry_id, at, username, note FROM entry_history WHERE id IN "
            "(SELECT max(id) FROM entry_history WHERE action = 'review' GROUP BY entry_id)"
        )
        return {r["entry_id"]: dict(r) for r in self.db.query(sql)}


HISTORY = web.AppKey("entry_history", EntryHistory)
LOCK = web.AppKey("catalogue_lock", asyncio.Lock)


async def sync_now(app: web.Application) -> None:
    """Compare the engine's catalogue with the history, once per new catalogue."""
    from bot.web import ENGINE

    history = app[HISTORY]
    catalogue = app[ENGINE].index.catalogue
    if history.synced is catalogue:
        return
    async with app[LOCK]:
        catalogue = app[ENGINE].index.catalogue
        if history.synced is not catalogue:
            changed = history.sync(catalogue)
            if changed:
                log.info("entry history: %d version(s) recorded from the catalogue files", changed)


@contextlib.asynccontextmanager
async def console_change(request: web.Request, entry_id: str, action: str = "edit", note: str = ""):
    """Around a change another console page makes to one entry (e.g. a learned phrasing): earlier
    disk edits are recorded as such first, then this change is recorded with the signed-in author."""
    from bot.web import ENGINE, USER

    app = request.app
    await sync_now(app)
    async with app[LOCK]:
        engine = app[ENGINE]
        before = engine.index.catalogue.entries.get(entry_id)
        yield
        after = engine.index.catalogue.entries.get(entry_id)
        if after is not None and after != before:
            history = app[HISTORY]
            history.record(
                entry_id,
                request[USER].username,
                action,
                snapshot_json(before) if before else None,
                snapshot_json(after),
                note,
            )
            history.synced = engine.index.catalogue


async def _watch(app: web.Application) -> None:
    while True:
        try:
            await sync_now(app)
        except Exception:  # the history must never stop the console
            log.exception("could not update the entry history")
        await asyncio.sleep(2)


async def _start(app: web.Application) -> None:
    app[WATCHER] = asyncio.create_task(_watch(app))


async def _stop(app: web.Application) -> None:
    app[WATCHER].cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await app[WATCHER]


WATCHER = web.AppKey("history_watcher", asyncio.Task)


def review_due(reviewed: date, months: int, today: date | None = None) -> bool:
    today = today or date.today()
    year, month = divmod(reviewed.month - 1 + months, 12)
    try:
        due = reviewed.replace(year=reviewed.year + year, month=month + 1)
    except ValueError:  # 31 August + 6 months: the end of February
        due = date(reviewed.year + year, month + 2, 1) if month + 2 <= 12 else date(reviewed.year + year + 1, 1, 1)
    return due <= today


def loads(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def register(app: web.Application) -> None:
    from bot.web import ACCOUNTS

    app[HISTORY] = EntryHistory(app[ACCOUNTS].db)
    app[LOCK] = asyncio.Lock()
    app.on_startup.append(_start)
    app.on_cleanup.append(_stop)
