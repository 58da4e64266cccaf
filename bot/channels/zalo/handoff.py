"""Hand-off to staff for Zalo citizens, with typed words instead of buttons.

"HOTRO [câu hỏi]" drafts a ticket (the question typed, or the last one asked), shows exactly what will be
shared, and "ĐỒNG Ý" sends it to the staff group on Telegram, where staff answer as for any ticket; their
replies and "Đã xong" reach the citizen on Zalo (bot/channels/telegram/handoff.py ``to_citizen`` through the relay the
runner installs). Without a staff group the citizen is told plainly who else to ask.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot import texts
from bot.tickets import TicketDesk, WorkingHours, hand_over, ref
from knowledge.syllable import fold

log = logging.getLogger("tro_ly_so.zalo")
CHANNEL = "zalo"
CONSENT_SECONDS = 15 * 60
HOTRO = "hotro"  # one word, like a command: "hỗ trợ cài VNeID" is an ordinary question
YES = {"dong y", "co", "ok", "yes", "gui", "dong y gui"}
NO = {"khong", "ko", "k", "huy", "thoi", "no", "khong gui"}


def folded_words(text: str) -> str:
    """Accent-free words, "ĐỒNG Ý" → "dong y" (fold lowers and maps đ itself)."""
    return " ".join(fold(w) for w in text.split())


@dataclass
class ZaloHandoff:
    desk: TicketDesk
    hours: WorkingHours
    post: Callable[[dict], Awaitable[int]]  # posts a ticket to the staff group, returns the post's id
    _consent: OrderedDict[str, tuple[int, float]] = field(default_factory=OrderedDict)

    def offer_line(self) -> str:
        return texts.HANDOFF_OFFER_TEXT

    async def take(self, user_id: str, text: str, last_question: str | None) -> list[str] | None:
        """The reply if this message is part of a hand-off ("HOTRO …", "ĐỒNG Ý", "KHÔNG"); None if not."""
        words = folded_words(text)
        pending = self._consent.pop(user_id, None)
        if pending and time.monotonic() - pending[1] <= CONSENT_SECONDS:
            if words in YES:
                return [await self._send(pending[0])]
            if words in NO:
                return [texts.CONSENT_DECLINED]
        if words not in (HOTRO, "/" + HOTRO, "ho tro") and not words.startswith((HOTRO + " ", "/" + HOTRO + " ")):
            return None
        question = text.strip().split(None, 1)[1].strip(" :,-") if " " in text.strip() and words != "ho tro" else ""
        question = question or last_question or ""
        if not question:
            return [texts.HOTRO_TEXT_USAGE]
        ticket_id = await asyncio.to_thread(self.desk.draft, 0, "", question, [], CHANNEL, user_id)
        self._consent[user_id] = (ticket_id, time.monotonic())
        while len(self._consent) > 10_000:
            self._consent.popitem(last=False)
        ticket = await asyncio.to_thread(self.desk.get, ticket_id)
        return [texts.CONSENT_TEXT.format(text=(ticket or {}).get("text", question)[:500])]

    async def _send(self, ticket_id: int) -> str:
        ticket = await asyncio.to_thread(self.desk.get, ticket_id)
        if ticket is None:
            return texts.UNKNOWN_ENTRY
        if ticket["state"] != "draft":
            return texts.TICKET_SENT.format(ref=ref(ticket_id), expectation="")
        said, _ = await hand_over(self.desk, self.hours, self.post, ticket)
        return said
