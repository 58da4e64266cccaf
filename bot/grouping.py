"""Unanswered questions grouped by similarity, and a ready-to-paste FAQ draft for a group."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from rapidfuzz import fuzz

from knowledge.normalize import Normalizer

SIMILAR = 80  # token_set_ratio on folded text at or above which two questions are one group


@dataclass
class Group:
    key: str
    label: str  # the first question of the group, as typed (redacted)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def first(self) -> str:
        return self.rows[0]["at"]

    @property
    def last(self) -> str:
        return self.rows[-1]["at"]

    def examples(self, limit: int = 5) -> list[str]:
        return list(dict.fromkeys(r["text"] for r in self.rows))[:limit]


def group_questions(rows: list[dict[str, Any]], normalizer: Normalizer) -> list[Group]:
    """Greedy grouping, oldest first: each question joins the first group whose leader it resembles."""
    groups: list[tuple[str, Group]] = []
    for row in sorted(rows, key=lambda r: r["at"]):
        folded = normalizer.normalize(row["text"] or "").folded
        for leader, group in groups:
            if folded and leader and fuzz.token_set_ratio(folded, leader) >= SIMILAR:
                group.rows.append(row)
                break
        else:
            key = hashlib.sha1(folded.encode() or row["text"].encode()).hexdigest()[:12]
            groups.append((folded, Group(key, row["text"], [row])))
    recent_first = sorted((g for _, g in groups), key=lambda g: g.last, reverse=True)
    return sorted(recent_first, key=lambda g: -g.count)  # biggest first; ties: most recent first


def draft_entry(group: Group, sector: str = "dia-phuong", today: date | None = None, answer: str | None = None) -> str:
    """A YAML snippet in the FAQ format, phrasings filled in; staff write the answer and the source."""
    entry = {
        "id": f"moi-{group.key}",
        "title": group.label[:80],
        "sector": sector,
        "questions": group.examples(10),
        "answer": answer or "VIẾT CÂU TRẢ LỜI Ở ĐÂY (ngắn, đánh số các bước).",
        "source": "GHI NGUỒN ĐÃ ĐỐI CHIẾU",
        "reviewed": (today or date.today()).isoformat(),
        "verified": False,
    }
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    return "\n".join("  " + line if line else line for line in text.splitlines()) + "\n"
