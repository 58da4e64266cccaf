"""Records of questions and feedback, written beside the reply and never in its way."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.redact import redact, user_hash
from knowledge import SearchResult

log = logging.getLogger("tro_ly_so.records")


class Recorder(Protocol):
    """Where questions and feedback go. Implementations must not raise into the caller's path."""

    def question(self, *, channel: str, user_id: int | str, text: str, result: SearchResult) -> None: ...

    def feedback(
        self,
        *,
        channel: str,
        user_id: int | str,
        entry_id: str,
        helpful: bool,
        question: str | None = None,
        score: float | None = None,
    ) -> None: ...

    def candidate(self, *, question: str, entry_id: str, source: str) -> None: ...


class LogRecorder:
    """Writes records as log lines (redacted text, pseudonymous user): what runs until a database is set up."""

    def __init__(self, salt: str = "") -> None:
        self.salt = salt

    def question(self, *, channel: str, user_id: int | str, text: str, result: SearchResult) -> None:
        log.info(
            "question channel=%s user=%s status=%s entry=%s score=%.3f suggestions=%s text=%r",
            channel,
            user_hash(user_id, self.salt),
            result.status.value,
            result.best.entry.id if result.best else "-",
            result.score,
            ",".join(c.entry.id for c in result.suggestions) or "-",
            redact(text)[:500],
        )

    def candidate(self, *, question: str, entry_id: str, source: str) -> None:
        log.info("candidate phrasing entry=%s source=%s text=%r", entry_id, source, redact(question)[:300])

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
        log.info(
            "feedback channel=%s user=%s entry=%s helpful=%s", channel, user_hash(user_id, self.salt), entry_id, helpful
        )


def safely(action: str, call, *args, **kwargs) -> None:
    """Run a recorder call; a failure is logged and swallowed so the citizen still gets the answer."""
    try:
        call(*args, **kwargs)
    except Exception:
        log.exception("could not record %s", action)
