"""Measure the matcher on a labelled question set: how often it answers right, wrong, or not at all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.models import SearchResult, Status
from knowledge.problems import CatalogueError, Problem
from knowledge.search import Index
from knowledge.yamlfile import Node, read_yaml


@dataclass(frozen=True)
class Labelled:
    question: str
    expected: str | None  # None: out of scope, must stay unanswered
    tag: str = ""


def read_question_set(path: Path) -> list[Labelled]:
    """``questions: {entry-id: [..]}`` and ``out_of_scope: [..]``; a ``tag:`` prefix groups them."""
    data, problems = read_yaml(path)
    if problems or not isinstance(data, Node):
        raise CatalogueError(problems or [Problem(str(path), None, "Bộ câu hỏi không đúng dạng.")])
    out: list[Labelled] = []
    for entry_id, questions in (data.get("questions") or {}).items():
        for raw in questions or []:
            text, tag = _tagged(raw)
            out.append(Labelled(text, str(entry_id), tag))
    for raw in data.get("out_of_scope") or []:
        text, tag = _tagged(raw)
        out.append(Labelled(text, None, tag or "ngoài phạm vi"))
    return out


def _tagged(raw: str) -> tuple[str, str]:
    """ "[viết tắt] ko có cccd" → ("ko có cccd", "viết tắt")."""
    raw = str(raw)
    if raw.startswith("[") and "]" in raw:
        tag, _, rest = raw[1:].partition("]")
        return rest.strip(), tag.strip()
    return raw, ""


@dataclass
class Report:
    total_in_scope: int = 0
    total_out_of_scope: int = 0
    counts: Counter = field(default_factory=Counter)
    by_tag: dict[str, Counter] = field(default_factory=dict)
    failures: list[tuple[Labelled, SearchResult]] = field(default_factory=list)

    def rate(self, key: str) -> float:
        total = self.total_out_of_scope if key.startswith("oos") else self.total_in_scope
        return self.counts[key] / total if total else 0.0

    @property
    def answered_correct(self) -> float:
        return self.rate("correct")

    @property
    def wrong(self) -> float:
        return self.rate("wrong")

    @property
    def within_suggestions(self) -> float:
        return self.rate("suggested_correct")

    @property
    def out_of_scope_rejected(self) -> float:
        return self.rate("oos_rejected")

    def summary(self) -> str:
        lines = [
            f"Câu hỏi trong phạm vi: {self.total_in_scope}; ngoài phạm vi: {self.total_out_of_scope}",
            f"  trả lời đúng            {self.answered_correct:7.1%}  ({self.counts['correct']})",
            f"    (trong đó mục cùng chủ đề: {self.counts['same_topic']})",
            f"  trả lời SAI             {self.wrong:7.1%}  ({self.counts['wrong']})",
            f"  đúng nằm trong gợi ý    {self.within_suggestions:7.1%}  ({self.counts['suggested_correct']})",
            f"  gợi ý không có mục đúng {self.rate('suggested_other'):7.1%}  ({self.counts['suggested_other']})",
            f"  bỏ sót (không trả lời)  {self.rate('missed'):7.1%}  ({self.counts['missed']})",
            f"  ngoài phạm vi bị từ chối {self.out_of_scope_rejected:6.1%}  ({self.counts['oos_rejected']})",
            "Theo nhóm:",
        ]
        for tag, c in sorted(self.by_tag.items()):
            total = sum(c.values())
            good = c["correct"] + c["oos_rejected"]
            lines.append(f"  {tag:<16} {good}/{total} đúng, {c['wrong'] + c['oos_answered']} sai")
        return "\n".join(lines)


def outcome(item: Labelled, result: SearchResult, topic: Callable[[str], str] = str) -> str:
    """An answer from the expected entry's topic counts as right: the other entry is one tap away."""
    if item.expected is None:
        if result.status is Status.UNANSWERED:
            return "oos_rejected"
        return "oos_answered" if result.status is Status.ANSWERED else "oos_suggested"
    if result.status is Status.ANSWERED:
        return "correct" if result.best and topic(result.best.entry.id) == topic(item.expected) else "wrong"
    if result.status is Status.SUGGESTED:
        topics = {topic(c.entry.id) for c in result.choices}
        return "suggested_correct" if topic(item.expected) in topics else "suggested_other"
    return "missed"


def evaluate(index: Index, items: Iterable[Labelled]) -> Report:
    report = Report()
    for item in items:
        result = index.search(item.question)
        kind = outcome(item, result, index.catalogue.topic)
        if kind == "correct" and result.best and result.best.entry.id != item.expected:
            report.counts["same_topic"] += 1
        if item.expected is None:
            report.total_out_of_scope += 1
        else:
            report.total_in_scope += 1
        report.counts[kind] += 1
        report.by_tag.setdefault(item.tag or "có dấu", Counter())[kind] += 1
        if kind not in ("correct", "oos_rejected"):
            report.failures.append((item, result))
    return report
