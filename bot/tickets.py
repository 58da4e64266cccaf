"""Questions handed to staff: tickets in the records database, so a restart loses nothing."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from bot import texts
from bot.redact import redact
from bot.store import Store, connect, iso

log = logging.getLogger("tro_ly_so.handoff")
VIETNAM = timezone(timedelta(hours=7))


def ref(ticket_id: int) -> str:
    return f"HT-{ticket_id:04d}"


def waited(start: str, end: str | None = None) -> str:
    """Time between two stored times (``end`` None: now), as staff read it: "3 giờ 5 phút"."""
    finish = datetime.fromisoformat(end).replace(tzinfo=UTC) if end else datetime.now(UTC)
    seconds = max(0.0, (finish - datetime.fromisoformat(start).replace(tzinfo=UTC)).total_seconds())
    return f"{int(seconds // 3600)} giờ {int(seconds % 3600 // 60)} phút"


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(7, 30)
    end: time = time(17, 0)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday..Friday

    @classmethod
    def parse(cls, hours: str = "", days: str = "") -> WorkingHours:
        """ "07:30-17:00" and "1-5" (1 = Monday)."""
        start, end = cls.start, cls.end
        if hours:
            a, _, b = hours.partition("-")
            start, end = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
        chosen = cls.days
        if days:
            a, _, b = days.partition("-")
            first, last = int(a), int(b or a)
            chosen = frozenset(d - 1 for d in range(first, last + 1))
        return cls(start, end, chosen)

    def expectation(self, moment: datetime) -> str:
        local = moment.astimezone(VIETNAM)
        hours = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if local.weekday() in self.days and self.start <= local.time() < self.end:
            return f"Cán bộ sẽ trả lời trong giờ làm việc hôm nay ({hours})."
        return f"Bây giờ ngoài giờ làm việc; cán bộ sẽ trả lời vào ngày làm việc tiếp theo ({hours})."


class TicketDesk:
    """Ticket operations; each is one short transaction on the records database."""

    def __init__(self, store: Store) -> None:
        # Its own connection, every use under one lock: handlers call in from worker threads, and
        # sqlite-utils' savepoints on a shared connection collide across threads.
        self.db = connect(store.path)
        self._lock = threading.Lock()

    def _query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.db.query(sql, params or [])]

    def _update(self, ticket_id: int, **values: Any) -> None:
        with self._lock, self.db.conn:
            self.db["tickets"].update(ticket_id, values)

    def get(self, ticket_id: int) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM tickets WHERE id = ?", [ticket_id])
        return rows[0] if rows else None

    def draft(
        self,
        chat_id: int,
        first_name: str,
        text: str,
        suggested: list[str],
        channel: str = "telegram",
        citizen: str = "",
    ) -> int:
        stamp = iso(datetime.now(UTC))
        with self._lock, self.db.conn:
            return (
                self.db["tickets"]
                .insert(
                    {
                        "opened": stamp,
                        "last_activity": stamp,
                        "state": "draft",
                        "chat_id": chat_id,
                        "channel": channel,
                        "citizen": citizen or str(chat_id),
                        "first_name": first_name[:64],
                        "text": redact(text)[:2000],
                        "suggested": json.dumps(suggested, ensure_ascii=False),
                        "followup_pending": 0,
                        "followups": 0,
                        "note": "",
                    }
                )
                .last_pk
            )

    def latest_draft_of(self, channel: str, citizen: str) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT * FROM tickets WHERE channel = ? AND citizen = ? AND state = 'draft' ORDER BY id DESC LIMIT 1",
            [channel, citizen],
        )
        return rows[0] if rows else None

    def staff_replies(self, channel: str, citizen: str, after: int = 0, limit: int = 20) -> list[dict[str, Any]]:
        """Staff replies to one citizen's tickets after message ``after`` (channels without push poll this)."""
        return self._query(
            "SELECT m.id, m.text, t.id AS ticket FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id "
            "WHERE t.channel = ? AND t.citizen = ? AND m.author = 'staff' AND m.id > ? ORDER BY m.id LIMIT ?",
            [channel, citizen, after, limit],
        )

    def waiting_for(self, channel: str, citizen: str) -> bool:
        """Whether one of this citizen's sent tickets is still open."""
        rows = self._query(
            "SELECT 1 FROM tickets WHERE channel = ? AND citizen = ? AND state IN ('open', 'answered') LIMIT 1",
            [channel, citizen],
        )
        return bool(rows)

    def latest_draft(self, chat_id: int) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT * FROM tickets WHERE chat_id = ? AND state = 'draft' ORDER BY id DESC LIMIT 1", [chat_id]
        )
        return rows[0] if rows else None

    def open(self, ticket_id: int, staff_message_id: int | None, note: str = "") -> None:
        stamp = iso(datetime.now(UTC))
        self._update(
            ticket_id, state="open", opened=stamp, last_activity=stamp, staff_message_id=staff_message_id, note=note
        )

    def by_staff_message(self, message_id: int) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM tickets WHERE staff_message_id = ?", [message_id])
        return rows[0] if rows else None

    def add_message(self, ticket_id: int, author: str, text: str) -> None:
        stamp = iso(datetime.now(UTC))
        with self._lock, self.db.conn:
            self.db["ticket_messages"].insert({"ticket_id": ticket_id, "at": stamp, "author": author, "text": text})
            values: dict[str, Any] = {"last_activity": stamp}
            if author == "staff":
                values["state"] = "answered"
                current = self.db["tickets"].get(ticket_id)
                if not current.get("first_reply"):
                    values["first_reply"] = stamp
            self.db["tickets"].update(ticket_id, values)

    def messages(self, ticket_id: int) -> list[dict[str, Any]]:
        return self._query("SELECT * FROM ticket_messages WHERE ticket_id = ? ORDER BY id", [ticket_id])

    def close(self, ticket_id: int, note: str = "") -> None:
        values: dict[str, Any] = {"state": "closed", "closed": iso(datetime.now(UTC)), "followup_pending": 0}
        if note:
            values["note"] = note
        self._update(ticket_id, **values)

    def audit(self, telegram_user: object, action: str, ticket_id: int) -> None:
        """A staff action on a ticket, in the console's audit log (bot/console/accounts.py)."""
        from bot.console.accounts import Audit

        with self._lock:
            Audit(self.db).add(f"telegram:{getattr(telegram_user, 'id', '?')}", "ticket", ref(ticket_id), action)

    def add_note(self, ticket_id: int, note: str) -> None:
        current = self.get(ticket_id) or {}
        joined = "; ".join(x for x in (current.get("note") or "", note) if x)
        self._update(ticket_id, note=joined[:1000])

    def want_followup(self, ticket_id: int) -> bool:
        ticket = self.get(ticket_id)
        if not ticket or ticket["state"] in ("draft", "closed") or ticket["followups"]:
            return False
        self._update(ticket_id, followup_pending=1)
        return True

    def pending_followup(self, chat_id: int) -> dict[str, Any] | None:
        rows = self._query(
            "SELECT * FROM tickets WHERE chat_id = ? AND followup_pending = 1 AND state != 'closed' LIMIT 1", [chat_id]
        )
        return rows[0] if rows else None

    def followup_done(self, ticket_id: int) -> None:
        self._update(ticket_id, followup_pending=0, followups=1, last_activity=iso(datetime.now(UTC)))

    def active(self) -> list[dict[str, Any]]:
        return self._query("SELECT * FROM tickets WHERE state IN ('open', 'answered') ORDER BY id")

    def all(self) -> list[dict[str, Any]]:
        return self._query("SELECT * FROM tickets WHERE state != 'draft' ORDER BY id DESC LIMIT 500")

    def close_stale(self, hours: float) -> list[int]:
        cutoff = iso(datetime.now(UTC) - timedelta(hours=hours))
        rows = self._query("SELECT id FROM tickets WHERE state IN ('open', 'answered') AND last_activity < ?", [cutoff])
        stale = [r["id"] for r in rows]
        for ticket_id in stale:
            self.close(ticket_id, note="tự đóng do không có hoạt động")
        return stale


async def hand_over(
    desk: TicketDesk,
    hours: WorkingHours,
    post: Callable[[dict[str, Any]], Awaitable[int]],
    ticket: dict[str, Any],
    errors: tuple[type[BaseException], ...] = (Exception,),
) -> tuple[str, bool]:
    """Post a ticket the citizen agreed to send to the staff group and open it, from any channel.

    Returns what to tell the citizen and whether it reached staff. If the staff group cannot be reached
    (``errors``), the ticket is opened with a note and waits in the console."""
    try:
        posted = await post(ticket)
    except errors as exc:
        log.error("could not post ticket %s to the staff group: %s", ref(ticket["id"]), exc)
        await asyncio.to_thread(desk.open, ticket["id"], None, f"chưa chuyển được tới nhóm cán bộ: {exc}")
        return texts.TICKET_NOT_DELIVERED.format(ref=ref(ticket["id"])), False
    await asyncio.to_thread(desk.open, ticket["id"], posted)
    return texts.TICKET_SENT.format(ref=ref(ticket["id"]), expectation=hours.expectation(datetime.now(UTC))), True
