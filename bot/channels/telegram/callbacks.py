"""Callback data for inline buttons: short, typed, and always within Telegram's 64 bytes."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64
SEP = "|"


@dataclass(frozen=True)
class Open:
    entry_id: str  # show an entry (a suggestion, a sector list item, a search hit)


@dataclass(frozen=True)
class Page:
    entry_id: str
    page: int  # 0-based


@dataclass(frozen=True)
class Feedback:
    entry_id: str
    helpful: bool


@dataclass(frozen=True)
class Sector:
    sector_id: str


@dataclass(frozen=True)
class Noop:
    pass  # the "2/3" label between paging buttons


@dataclass(frozen=True)
class Handoff:
    ticket_id: int  # "Gửi câu hỏi cho cán bộ": show what will be shared


@dataclass(frozen=True)
class Consent:
    ticket_id: int
    yes: bool


@dataclass(frozen=True)
class FollowUp:
    ticket_id: int


@dataclass(frozen=True)
class CloseTicket:
    ticket_id: int  # "Đã xong" in the staff group


@dataclass(frozen=True)
class PlaceChoice:
    payload: str  # a merger reply's choice (knowledge.merger: "mg:c:<old commune>", "mg:o:…", "mg:r:…")


Action = PlaceChoice | Open | Page | Feedback | Sector | Noop | Handoff | Consent | FollowUp | CloseTicket


def encode(action: Action) -> str:
    match action:
        case Open(entry_id):
            data = f"e{SEP}{entry_id}"
        case PlaceChoice(payload):
            data = f"m{SEP}{payload}"
        case Page(entry_id, page):
            data = f"p{SEP}{entry_id}{SEP}{page}"
        case Feedback(entry_id, helpful):
            data = f"f{SEP}{int(helpful)}{SEP}{entry_id}"
        case Sector(sector_id):
            data = f"s{SEP}{sector_id}"
        case Noop():
            data = "n"
        case Handoff(ticket_id):
            data = f"h{SEP}{ticket_id}"
        case Consent(ticket_id, yes):
            data = f"c{SEP}{int(yes)}{SEP}{ticket_id}"
        case FollowUp(ticket_id):
            data = f"u{SEP}{ticket_id}"
        case CloseTicket(ticket_id):
            data = f"x{SEP}{ticket_id}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Action | None:
    """The action, or None for anything we did not make (old or forged buttons)."""
    if not data:
        return None
    kind, _, rest = data.partition(SEP)
    parts = rest.split(SEP) if rest else []
    try:
        if kind == "e" and len(parts) == 1 and parts[0]:
            return Open(parts[0])
        if kind == "m" and len(parts) == 1 and parts[0].startswith("mg:"):
            return PlaceChoice(parts[0])
        if kind == "p" and len(parts) == 2 and parts[0]:
            return Page(parts[0], int(parts[1]))
        if kind == "f" and len(parts) == 2 and parts[0] in ("0", "1") and parts[1]:
            return Feedback(parts[1], parts[0] == "1")
        if kind == "s" and len(parts) == 1 and parts[0]:
            return Sector(parts[0])
        if kind == "n" and not parts:
            return Noop()
        if kind == "h" and len(parts) == 1:
            return Handoff(int(parts[0]))
        if kind == "c" and len(parts) == 2 and parts[0] in ("0", "1"):
            return Consent(int(parts[1]), parts[0] == "1")
        if kind == "u" and len(parts) == 1:
            return FollowUp(int(parts[0]))
        if kind == "x" and len(parts) == 1:
            return CloseTicket(int(parts[0]))
    except ValueError:
        return None
    return None
