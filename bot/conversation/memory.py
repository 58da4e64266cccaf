"""What the conversation remembers of each person, briefly: the last topic, question and choices offered.

Nothing here outlives the process, and nothing is kept beyond what records already keep. Bounded: the
least recently active people are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

Person = tuple[str, str]  # (channel, user id as text)


@dataclass
class Recent:
    topic_entry: str | None = None  # the entry last answered (its topic carries follow-ups)
    topic_at: float = 0.0
    question: str | None = None  # the last question typed, to pair with a later tap or 👍
    score: float = 0.0
    best: str | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)  # entry ids offered as numbered choices
    choices_at: float = 0.0
    choices_open: int = 0  # how many of them are the list that stays open (an answer's offers follow it)
    choices_learn: int = 0  # how many of the first choices came from "Có phải bạn muốn hỏi": their pick teaches
    parts_pending: tuple[str, ...] = ()  # a part asked under open choices: the one picked next answers it
    office_asked: str = ""  # "which commune?" was asked about this office ("committee", "police")


class Memory:
    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._items: OrderedDict[Person, Recent] = OrderedDict()

    def get(self, person: Person) -> Recent:
        recent = self._items.get(person)
        if recent is None:
            recent = self._items[person] = Recent()
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(person)
        return recent

    def peek(self, person: Person) -> Recent | None:
        return self._items.get(person)

    def forget(self, person: Person) -> None:
        self._items.pop(person, None)

    def __len__(self) -> int:
        return len(self._items)
