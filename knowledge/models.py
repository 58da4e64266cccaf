"""Plain data: catalogue entries, sectors, and what a search found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Sector:
    id: str
    title: str
    icon: str = ""


@dataclass(frozen=True)
class Entry:
    """One FAQ answer or one procedure. Procedures fill the procedure fields; FAQ entries leave them empty."""

    id: str
    kind: str  # "faq" | "procedure"
    title: str
    sector: str
    questions: tuple[str, ...]
    answer: str
    links: tuple[Link, ...]
    source: str
    reviewed: date
    verified: bool = True
    steps: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    fee: str = ""
    processing_time: str = ""
    where: str = ""
    legal_basis: str = ""
    retired: bool = False  # kept in the file for the record, never shown to citizens
    origin: str = ""  # "file:line", for messages to staff

    @property
    def is_procedure(self) -> bool:
        return self.kind == "procedure"


@dataclass(frozen=True)
class Catalogue:
    entries: Mapping[str, Entry]
    sectors: Mapping[str, Sector]
    files: tuple[str, ...] = ()
    retired: Mapping[str, Entry] = field(default_factory=dict)  # "retired: true": kept, not searched

    def __len__(self) -> int:
        return len(self.entries)

    def in_sector(self, sector_id: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.sector == sector_id]


class Status(StrEnum):
    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    matched: str  # the catalogue phrasing that matched best
    score: float  # in [0, 1]


@dataclass(frozen=True)
class Explanation:
    """Why a search came out as it did: the normalized forms and the parts of each score."""

    normalized: str
    folded: str
    notes: tuple[str, ...]
    scored: tuple[Mapping[str, object], ...] = ()


@dataclass(frozen=True)
class SearchResult:
    question: str
    status: Status
    best: Candidate | None
    suggestions: tuple[Candidate, ...] = ()
    explanation: Explanation | None = field(default=None, compare=False)

    @property
    def score(self) -> float:
        return self.best.score if self.best else 0.0

    @property
    def closest(self) -> Candidate | None:
        """The nearest entry whatever the status: the best, or the first of the closest topics."""
        return self.best or (self.suggestions[0] if self.suggestions else None)

    @property
    def ranked(self) -> tuple[Candidate, ...]:
        """Every candidate offered, best first (for search lists, not for answering)."""
        return ((self.best,) if self.best else ()) + self.suggestions

    @property
    def choices(self) -> tuple[Candidate, ...]:
        """What to offer under "Có phải bạn muốn hỏi": the best candidate and the runners-up, at most 3."""
        head = (self.best,) if self.best else ()
        return (head + self.suggestions)[:3]
