"""Telegram deep links printed as QR codes on posters: what they point to, and recording that one was opened.

A deep link is ``https://t.me/<bot>?start=<payload>``; Telegram hands the bot ``/start <payload>``. A payload
may hold only A-Z, a-z, 0-9, ``_`` and ``-``, at most 64 characters (Telegram's "Deep linking" in
core.telegram.org/bots/features). Three kinds of target:

- one entry: the entry id itself (``start=cap-doi-can-cuoc``), the format already documented and printed;
- one sector: ``sector_<id>`` (``start=sector_can-cuoc``);
- the whole assistant: ``poster_home``.

Entry and sector ids are slugs (a-z, 0-9, dashes), so a payload with an underscore is never an entry id:
a new entry can never steal a printed sector or whole-assistant poster.

Kept free of Telegram, PDF and QR libraries: the bot imports it on every start.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal, Protocol

from knowledge import Catalogue

log = logging.getLogger("tro_ly_so.posters")

Kind = Literal["all", "sector", "entry"]
WHOLE_PAYLOAD = "poster_home"
SECTOR_PREFIX = "sector_"
MAX_PAYLOAD = 64
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")  # Telegram usernames: 5-32 letters, digits, underscores


@dataclass(frozen=True)
class Target:
    """What a poster points to: the whole assistant, one sector, or one entry."""

    kind: Kind
    id: str = ""

    @property
    def payload(self) -> str:
        if self.kind == "all":
            return WHOLE_PAYLOAD
        if self.kind == "sector":
            return SECTOR_PREFIX + self.id
        return self.id

    @property
    def key(self) -> str:
        """How a form or the CLI names it: ``all``, ``sector:<id>``, ``entry:<id>``."""
        return "all" if self.kind == "all" else f"{self.kind}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> Target | None:
        kind, _, ident = key.partition(":")
        if kind == "all" and not ident:
            return cls("all")
        if kind in ("sector", "entry") and ident:
            return cls(kind, ident)  # type: ignore[arg-type]
        return None


WHOLE = Target("all")


def parse(payload: str) -> Target | None:
    """What a ``/start`` payload points to, by its shape only (whether the entry or sector exists is the
    caller's question). None for a payload no poster of ours makes."""
    if not _PAYLOAD.match(payload):
        return None
    if payload == WHOLE_PAYLOAD:
        return WHOLE
    if payload.startswith(SECTOR_PREFIX):
        sector = payload[len(SECTOR_PREFIX) :]
        return Target("sector", sector) if sector else None
    return Target("entry", payload)


def resolve(payload: str, catalogue: Catalogue) -> Target | None:
    """The target of a ``/start`` payload when it still exists in the catalogue; None otherwise (an
    unknown payload, or a poster of an entry or sector removed since it was printed)."""
    target = parse(payload)
    if target is None or target.kind == "all":
        return target
    known = catalogue.entries if target.kind == "entry" else catalogue.sectors
    return target if target.id in known else None


def valid_username(username: str) -> bool:
    return bool(_USERNAME.match(username))


def telegram_link(username: str, target: Target) -> str:
    """The deep link a poster's QR code holds. Raises ValueError when Telegram could not carry it."""
    username = username.strip().lstrip("@")
    if not valid_username(username):
        raise ValueError(f"tên bot Telegram không hợp lệ: {username!r}")
    payload = target.payload
    if not _PAYLOAD.match(payload):
        raise ValueError(f"mã {payload!r} dài quá {MAX_PAYLOAD} ký tự hoặc có ký tự Telegram không nhận")
    return f"https://t.me/{username}?start={payload}"


class OpenRecorder(Protocol):
    def poster_open(self, *, channel: str, kind: str, target: str) -> None: ...


def record_open(store: OpenRecorder | None, channel: str, target: Target) -> None:
    """Count one opening of a deep link: channel and target only, nothing about the person."""
    if store is None:  # no records database: the count goes to the log
        log.info("deep link opened channel=%s kind=%s target=%s", channel, target.kind, target.id or "-")
        return
    store.poster_open(channel=channel, kind=target.kind, target=target.id)
