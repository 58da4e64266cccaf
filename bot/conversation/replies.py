"""What the conversation core answers: small typed values that each channel renders its own way."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge import Entry, SearchResult


@dataclass(frozen=True)
class Answer:
    """A whole entry, or the parts of a procedure that were asked ("fee", "processing_time", ...).

    ``carried_from``: the question named no subject and was taken as a follow-up on this entry's topic,
    which the reply must say ("Về «…»") so that a wrong carry-over is visible.
    ``related``: the other entries of the topic, offered in one tap ("Các bước, hồ sơ" / "Giải thích thêm").
    """

    entry: Entry
    parts: tuple[str, ...] = ()
    carried_from: Entry | None = None
    related: tuple[Entry, ...] = ()
    result: SearchResult | None = None
    first_number: int = 1  # the number of the first offer: it continues a numbered list still open

    @property
    def offers(self) -> tuple[Entry, ...]:
        """What "1", "2", "3" open on channels without buttons: the whole guide when only parts were shown,
        then the topic's other entries (Telegram and the web show the same as buttons and links)."""
        return ((self.entry,) if self.parts else ()) + self.related


@dataclass(frozen=True)
class Choices:
    """ "Có phải bạn muốn hỏi": one entry per topic, best first."""

    entries: tuple[Entry, ...]
    result: SearchResult | None = None


@dataclass(frozen=True)
class NoAnswer:
    """An honest no-answer: the closest topics, if any come near, and the offer of a person."""

    closest: tuple[Entry, ...]
    result: SearchResult | None = None
    recorded: bool = False


@dataclass(frozen=True)
class AskBack:
    """A follow-up with nothing to follow ("mất bao lâu" as a first message): ask which procedure. With no
    part asked ("thế thì sao") in a conversation, ``about`` is the topic the question back names."""

    parts: tuple[str, ...]
    result: SearchResult | None = None
    about: Entry | None = None
    choosing: bool = False  # asked right under "Có phải bạn muốn hỏi": pick one of those


@dataclass(frozen=True)
class Place:
    """After the merger: an old address's new commune, a new commune's old parts, a commune office.
    ``choices`` are (label, payload) pairs for knowledge.merger.handle_choice; ``related`` the catalogue's
    next steps; ``offer_handoff`` when the honest answer is "not confirmed yet"."""

    kind: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()
    related: tuple[Entry, ...] = ()
    offer_handoff: bool = False
    follow_up: str = ""  # the office a commune name typed next is about (after "which commune?")
    status: str = "answered"  # what records keep: answered / suggested / unanswered

    @property
    def choice_keys(self) -> tuple[str, ...]:
        """What "1", "2", "3" pick on channels without buttons: the choices, then the next steps."""
        return tuple(payload for _, payload in self.choices) + tuple(e.id for e in self.related)


@dataclass(frozen=True)
class Notice:
    """Slow down, empty question, not text: a polite line, nothing searched."""

    # "slow_down" | "empty" | "non_text" | "unknown_entry" | "out_of_range";
    # small talk (knowledge/small_talk.py): "thanks" | "bye" | "greeting" | "ok" | "not_helped"
    kind: str
    text: str


Reply = Answer | Choices | NoAnswer | AskBack | Place | Notice


def wants_a_person(reply: Reply) -> bool:
    """Whether the reply should offer the hand-off to staff: an honest no-answer, an address question
    whose honest answer is "not confirmed yet", or "sai rồi" / "vẫn không được" after an answer."""
    return (
        isinstance(reply, NoAnswer)
        or (isinstance(reply, Place) and reply.offer_handoff)
        or (isinstance(reply, Notice) and reply.kind == "not_helped")
    )
