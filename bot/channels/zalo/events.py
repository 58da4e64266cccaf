"""Zalo webhook bodies turned into one small value the channel acts on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.redact import user_hash

# Kinds a citizen can send that we cannot read: they get the same text-only reply as on Telegram.
NON_TEXT = frozenset({"sticker", "image", "gif", "file", "audio", "video", "location", "link", "business_card"})


@dataclass(frozen=True)
class Event:
    kind: str  # "text", "sticker", "image", "file", "audio", …, "follow", "unfollow", or "other"
    user_id: str  # the OA-scoped id to answer (sender.id, or follower.id on follow/unfollow)
    msg_id: str  # Zalo's message id; empty for follow/unfollow
    text: str
    app_id: str
    timestamp: str
    name: str  # event_name as Zalo sent it

    @property
    def key(self) -> str:
        """What makes a delivery the same event again (Zalo retries when we are slow)."""
        return self.msg_id or f"{self.name}:{self.user_id}:{self.timestamp}"


def _id(value: Any) -> str:
    return str(value.get("id", "")) if isinstance(value, dict) else ""


def parse(data: dict[str, Any]) -> Event:
    """Any JSON object in, an Event out (kind "other" for what we do not handle). Never raises."""
    name = str(data.get("event_name", ""))
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    if name.startswith("user_send_"):
        kind, user = name.removeprefix("user_send_"), _id(data.get("sender"))
    elif name in ("follow", "unfollow"):
        kind, user = name, _id(data.get("follower")) or _id(data.get("sender"))
    else:
        kind, user = "other", _id(data.get("sender"))
    text = message.get("text") if kind == "text" else ""
    return Event(
        kind=kind,
        user_id=user,
        msg_id=str(message.get("msg_id", "") or ""),
        text=text if isinstance(text, str) else "",
        app_id=str(data.get("app_id", "")),
        timestamp=str(data.get("timestamp", "")),
        name=name,
    )


def describe(event: Event, salt: str = "") -> str:
    """An event for the logs without personal data: no raw user id, no text."""
    user = user_hash(event.user_id, salt) if event.user_id else "-"
    return f"event={event.name or '-'} user={user} msg_id={event.msg_id or '-'} chars={len(event.text)}"
