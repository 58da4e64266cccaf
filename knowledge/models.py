"""Plain data: catalogue entries, sectors, and what a search found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
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
    online: str = ""
    penalty: str = ""
    related: tuple[str, ...] = ()  # entries on the same subject (an FAQ and its procedure): one topic
    retired: bool = False  # kept in the file for the record, never shown to citizens
    origin: str = ""  # "file:line", for messages to staff

    @property
    def is_procedure(self) -> bool:
        return self.kind == "procedure"

    @property
    def file(self) -> str:
        """The file the entry was read from (its ``origin`` without the line)."""
        return self.origin.rpartition(":")[0]

    @property
    def line(self) -> int | None:
        number = self.origin.rpartition(":")[2]
        return int(number) if number.isdigit() else None


# The parts of a procedure a citizen may ask for on their own ("lệ phí bao nhiêu"), in reading order.
PART_NAMES = ("documents", "fee", "processing_time", "where", "online", "penalty", "legal_basis")


@dataclass(frozen=True)
class Catalogue:
    entries: Mapping[str, Entry]
    sectors: Mapping[str, Sector]
    files: tuple[str, ...] = ()
    topics: Mapping[str, str] = field(default_factory=dict)  # entry id → its topic's id (see topics_of)
    retired: Mapping[str, Entry] = field(default_factory=dict)  # "retired: true": kept, not searched

    def __len__(self) -> int:
        return len(self.entries)

    def topic(self, entry_id: str) -> str:
        return self.topics.get(entry_id, entry_id)

    def __post_init__(self) -> None:
        # Topic → member ids, once: ``same_topic`` runs for every answer and must not scan the catalogue.
        members: dict[str, list[str]] = {}
        for i, topic in self.topics.items():
            if i in self.entries:
                members.setdefault(topic, []).append(i)
        object.__setattr__(self, "_members", {t: tuple(ids) for t, ids in members.items() if len(ids) > 1})

    def same_topic(self, entry_id: str) -> list[Entry]:
        """The other entries on the subject of ``entry_id`` (its FAQ or its procedure), FAQ first."""
        ids = self._members.get(self.topic(entry_id), ())  # type: ignore[attr-defined]
        others = [self.entries[i] for i in ids if i != entry_id]
        return sorted(others, key=lambda e: (e.is_procedure, e.id))

    def in_sector(self, sector_id: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.sector == sector_id]

    def without_phrasings(self, entry_id: str, removed: Iterable[str], drop_title: bool = False) -> Catalogue:
        """The catalogue as if the entry had never had these phrasings (and its title, if ``drop_title``):
        what leave-one-out asks."""
        entry, removed = self.entries[entry_id], set(removed)
        kept = replace(
            entry,
            title="" if drop_title else entry.title,
            questions=tuple(q for q in entry.questions if q not in removed),
        )
        # Same position in the mapping: ties between entries are broken by order, as in the real index.
        return Catalogue({**self.entries, entry_id: kept}, self.sectors, self.files, self.topics)


def topics_of(entries: Mapping[str, Entry]) -> dict[str, str]:
    """Entries linked by ``related`` (in either direction) form one topic, named by its smallest id."""
    parent = {i: i for i in entries}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for entry in entries.values():
        for other in entry.related:
            if other in parent:
                a, b = root(entry.id), root(other)
                parent[max(a, b)] = min(a, b)
    return {i: root(i) for i in entries}


class Status(StrEnum):
    ANSWERED = "answered"
    SUGGESTED = "suggested"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    matched: str  # the catalogue phrasing that matched best
    score: float  # in [0, 1]
    asks: frozenset[str] = frozenset()  # the parts of a procedure that phrasing asks for ("fee", …)


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
    parts: tuple[str, ...] = ()  # parts of a procedure asked for ("fee", "processing_time", ...)
    fragment: bool = False  # only a part and words naming no subject: needs the previous topic, or a question back
    safety: bool = False  # answered with a scam warning because the message describes a suspicious contact
    uncovered: str = ""  # a service the catalogue has no guide for, named in the question ("hộ chiếu")
    # Names only cases that fit many procedures, never answered alone: "same" ("quá hạn thì sao": a case of the
    # procedure just asked) or "other" ("bị mất thì sao": often another one); "" for any other question.
    case: str = ""

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
