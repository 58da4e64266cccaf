"""Measure the matcher on a labelled question set: how often it answers right, wrong, or not at all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.models import Catalogue, Entry, SearchResult, Status
from knowledge.normalize import Lexicon, Normalizer
from knowledge.problems import CatalogueError, Problem
from knowledge.search import Index, Thresholds, Weights
from knowledge.yamlfile import Node, read_yaml


@dataclass(frozen=True)
class Labelled:
    question: str
    expected: str | None  # None: out of scope, must stay unanswered
    tag: str = ""
    also: tuple[str, ...] = ()  # other entries a careful reader would accept as the answer

    @property
    def acceptable(self) -> frozenset[str]:
        return frozenset((self.expected, *self.also)) if self.expected else frozenset()


def read_question_set(path: Path) -> list[Labelled]:
    """``questions: {entry-id: [..]}`` and ``out_of_scope: [..]``; a ``[tag]`` prefix groups them.

    An item is a string, or ``{q: "...", also: [other-id, ..]}`` when another entry (typically the FAQ
    entry beside its procedure) answers the question as well: either one then counts as correct.
    """
    data, problems = read_yaml(path)
    if problems or not isinstance(data, Node):
        raise CatalogueError(problems or [Problem(str(path), None, "Bộ câu hỏi không đúng dạng.")])
    out: list[Labelled] = []
    for entry_id, questions in (data.get("questions") or {}).items():
        for raw in questions or []:
            also: tuple[str, ...] = ()
            if isinstance(raw, dict):
                also = tuple(str(a) for a in raw.get("also") or ())
                raw = raw.get("q", "")
            text, tag = _tagged(raw)
            out.append(Labelled(text, str(entry_id), tag, also))
    for raw in data.get("out_of_scope") or []:
        text, tag = _tagged(raw)
        out.append(Labelled(text, None, tag or "ngoài phạm vi"))
    return out


def unknown_labels(items: Iterable[Labelled], entry_ids: Iterable[str]) -> set[str]:
    """Labels (``also:`` ones included) naming no entry: a renamed or deleted entry leaves them behind."""
    known = set(entry_ids)
    return {label for item in items for label in item.acceptable if label not in known}


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
    by_sector: dict[str, Counter] = field(default_factory=dict)  # in-scope items, by their entry's sector
    failures: list[tuple[Labelled, SearchResult]] = field(default_factory=list)

    def add(self, item: Labelled, result: SearchResult, sector: str = "", topic: Callable[[str], str] = str) -> str:
        """Count one asked question; returns its outcome."""
        kind = outcome(item, result, topic)
        if kind == "correct" and result.best and result.best.entry.id not in item.acceptable:
            self.counts["same_topic"] += 1
        if kind == "missed" and {topic(c.entry.id) for c in result.suggestions} & {topic(a) for a in item.acceptable}:
            # Not answered, but the reply lists the closest topics and the right one is among them.
            self.counts["missed_offered"] += 1
        if item.expected is None:
            self.total_out_of_scope += 1
        else:
            self.total_in_scope += 1
        self.counts[kind] += 1
        self.by_tag.setdefault(item.tag or "có dấu", Counter())[kind] += 1
        if sector:
            self.by_sector.setdefault(sector, Counter())[kind] += 1
        if kind not in ("correct", "oos_rejected"):
            self.failures.append((item, result))
        return kind

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
            f"    (trong đó mục đúng có trong các chủ đề gần nhất: {self.counts['missed_offered']})",
            f"  ngoài phạm vi bị từ chối {self.out_of_scope_rejected:6.1%}  ({self.counts['oos_rejected']})",
            "Theo nhóm:",
        ]
        for tag, c in sorted(self.by_tag.items()):
            total = sum(c.values())
            good = c["correct"] + c["oos_rejected"]
            lines.append(f"  {tag:<16} {good}/{total} đúng, {c['wrong'] + c['oos_answered']} sai")
        return "\n".join(lines)


def outcome(item: Labelled, result: SearchResult, topic: Callable[[str], str] = str) -> str:
    """An answer from the topic of an acceptable entry counts as right: the other entry is one tap away."""
    if item.expected is None:
        if result.status is Status.UNANSWERED:
            return "oos_rejected"
        return "oos_answered" if result.status is Status.ANSWERED else "oos_suggested"
    if result.status is Status.ANSWERED:
        topics = {topic(a) for a in item.acceptable}
        return "correct" if result.best and topic(result.best.entry.id) in topics else "wrong"
    if result.status is Status.SUGGESTED:
        offered = {topic(c.entry.id) for c in result.choices}
        return "suggested_correct" if offered & {topic(a) for a in item.acceptable} else "suggested_other"
    return "missed"


def evaluate(index: Index, items: Iterable[Labelled]) -> Report:
    report = Report()
    entries = index.catalogue.entries
    for item in items:
        entry = entries.get(item.expected) if item.expected else None
        report.add(item, index.search(item.question), entry.sector if entry else "", index.catalogue.topic)
    return report


# -- leave-one-out ---------------------------------------------------------------------------


@dataclass
class LeaveOneOut:
    """Every phrasing asked of an index built without it: the closest measure, with no new data, of
    "a citizen words it differently".

    ``plain`` removes just that phrasing from its entry. ``strict`` also removes the entry's other texts
    that normalize to the same wording (an accent-free or abbreviated copy, or the title), which would
    otherwise hand the question its own answer back.
    """

    plain: Report
    strict: Report
    rebuilds: int = 0


def leave_one_out(
    catalogue: Catalogue,
    lexicon: Lexicon,
    thresholds: Thresholds | None = None,
    weights: Weights | None = None,
    accept: Mapping[str, Iterable[str]] | None = None,
) -> LeaveOneOut:
    """Rebuild the index once per held-out wording (about 25 ms for 200 entries) and ask it.

    ``accept`` maps an entry id to other entries that also count as a right answer to its phrasings
    (for instance the other entries of the same topic); by default only the entry itself does.

    A full rebuild rather than a patched copy of one index: the phrasing's words also leave the typo
    vocabulary, the IDF weights and the normalizer's known words, and only a rebuild is sure to match
    what the catalogue without that phrasing would really answer.
    """
    normalizer = Index(catalogue, lexicon, thresholds, weights).normalizer
    result = LeaveOneOut(Report(), Report())
    accept = {k: tuple(v) for k, v in (accept or {}).items()}

    def ask(entry: Entry, removed: list[str], drop_title: bool, reports: tuple[Report, ...]) -> None:
        without = catalogue.without_phrasings(entry.id, removed, drop_title)
        index = Index(without, lexicon, thresholds, weights)
        result.rebuilds += 1
        for question in removed:
            found = index.search(question)
            for report in reports:
                item = Labelled(question, entry.id, entry.sector, accept.get(entry.id, ()))
                report.add(item, found, entry.sector, without.topic)

    for entry in catalogue.entries.values():
        for twins, with_title in _wordings(entry, normalizer):
            if len(twins) == 1 and not with_title:  # nothing else to remove: one rebuild serves both
                ask(entry, twins, False, (result.plain, result.strict))
                continue
            ask(entry, twins, with_title, (result.strict,))
            for question in twins:
                ask(entry, [question], False, (result.plain,))
    return result


def _wordings(entry: Entry, normalizer: Normalizer) -> list[tuple[list[str], bool]]:
    """The entry's phrasings grouped by normalized wording, each with whether the title repeats it."""
    groups: dict[str, list[str]] = {}
    for question in dict.fromkeys(entry.questions):
        groups.setdefault(normalizer.normalize(question).folded, []).append(question)
    title = normalizer.normalize(entry.title).folded
    return [(twins, wording == title) for wording, twins in groups.items()]
