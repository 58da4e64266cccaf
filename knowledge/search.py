"""Find the catalogue entry a question is about, and say how sure we are.

Two stages. Candidates come from an inverted index over syllables and syllable pairs, in both
the accented and the folded form, weighted by rarity (BM25). Candidates are then scored on
the folded forms: how much of the phrasing the question covers and the other way round
(IDF-weighted), adjacent pairs in common, and rapidfuzz's token_set_ratio for typos; accents
the citizen typed break ties between folded collisions (bán/bàn/bạn).
"""

from __future__ import annotations

import gc
import itertools
import math
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property, lru_cache
from operator import attrgetter, itemgetter

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.allowlist import unofficial_host
from knowledge.models import PART_NAMES, Candidate, Catalogue, Explanation, SearchResult, Status
from knowledge.normalize import Lexicon, Normalized, Normalizer, Token
from knowledge.sentences import sentences
from knowledge.small_talk import SmallTalk
from knowledge.stream import TokenStream, distinct_words, normalize_stream, stream_of, within

K1, B = 1.2, 0.3  # BM25; phrasings are short, so length matters little
TOKEN_SET = fuzz.token_set_ratio  # did best on Vietnamese in our measurements; WRatio did badly
CANDIDATES = 24  # phrasings re-scored per question, at most...
CANDIDATE_REACH = 0.3  # ...and only those with at least this share of the leader's BM25
MAX_POSTINGS = 1000  # heaviest postings read per term; bounds work on very large catalogues
SEARCH_MEMO = 4096  # recent questions whose results are kept (a few MiB at most)
TOPIC_REACH = 0.1  # within a topic, a procedure this close to the best is preferred when steps are asked
PRODUCT_PENALTY = 0.75  # a phrasing naming another app than the question's
NUMBER_PENALTY = 0.75  # a phrasing naming another numbered decision, plan or level than the question's
# In a message already known to describe a scam, the closest warning is a better answer than the general one
# even a little below the floor, if it is one of the two first topics ("công an gọi bảo lên mức 2 tại nhà, gửi
# đường link cho tôi cài" is the police impersonation warning at 0.395, second).
SAFETY_WARNING_FLOOR = 0.3
SENTENCE_NEAR = 2  # a sentence of a long message is answered only with one of the whole message's first topics
TOPIC_TERMS = 20000  # terms whose per-topic weights are kept for the second reading
TOPICS_PER_TERM = 32  # ...and in how many topics at most (the shipped catalogue has 170 topics)
TOPIC_B = 0.75  # BM25 length normalization of a topic's text (all its phrasings): these do vary in length
_ZEROS = itertools.repeat(0.0)  # the default of dict.get in map(): an endless iterator, never exhausted
COMMON_SHARE = 0.05  # terms in more phrasings than this share find no candidates on their own


@dataclass(frozen=True)
class Thresholds:
    """Score bands. Configurable because staff trade wrong answers against unanswered questions."""

    # Answered at once when at or above ``answer`` and ``clear`` of the runner-up. Otherwise topics are
    # ranked by both readings (``Weights.reading``), and the first is answered where it is ``margin`` ahead
    # of the next on that scale, its own best phrasing is at or above ``agreed`` and leads the first
    # reading, and the second reading picks it too (or it is at or above ``answer``). Chosen on the dev set
    # and leave-one-out: the rule before it (answered at ``answer`` with a 0.05 margin, or at ``agreed``
    # where the readings agree; choices in the first reading's order) gave leave-one-out 60.1 / 4.8, dev
    # 97.5 / 0.3; this one 62.7 / 4.0, dev 98.2 / 0.3.
    answer: float = 0.80
    clear: float = 0.15
    exact_margin: float = 0.05  # a question worded as a phrasing (score 1) need only be this far ahead
    agreed: float = 0.50
    suggest: float = 0.50  # at or above: "Có phải bạn muốn hỏi"
    margin: float = 0.18  # an answer must beat a different topic by this much, both readings counted
    floor: float = 0.40  # weaker candidates are never offered
    # Only topics this close to the best phrasing's score are ranked again by both readings: a rare word
    # (a place name) can make the second reading pick a topic that shares nothing else with the question.
    reach: float = 0.15

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Thresholds:
        values = {}
        for f in fields(cls):
            raw = env.get(f"MATCH_{f.name.upper()}")
            if raw:
                values[f.name] = float(raw)
        return cls(**values)


@dataclass(frozen=True)
class Weights:
    """How the parts of a candidate's score add up (see ``Index._score``)."""

    question_share: float = 0.50  # weight of "how much of the question the phrasing explains"...
    question_pivot: int = 12  # ...for questions up to this many words, shrinking for longer ones
    phrasing: float = 0.50  # how much of the phrasing the question contains
    pairs: float = 0.25  # adjacent word pairs in common
    fuzzy: float = 0.25  # rapidfuzz token_set_ratio on folded text (typos)
    accent: float = 0.08  # penalty share for accents typed differently
    procedure_cue: float = 0.08  # bonus for procedures when the question asks for steps/documents
    other_part: float = 0.1  # penalty share for a phrasing that asks another part than the question
    form: float = 0.5  # weight of words that say how something is asked ("hồ sơ gồm những gì"), not what
    reading: float = 0.7  # the second reading's share in ranking topics (its best topic scores this much)


@dataclass(frozen=True, slots=True)
class _Doc:
    """One phrasing of one entry, pre-digested for scoring. Tuples, not sets: 60,000 of these must fit."""

    entry_id: str
    text: str
    folded: str
    tokens: tuple[str, ...]  # distinct folded words
    pairs: tuple[tuple[str, str], ...]  # distinct adjacent folded pairs
    accents: frozenset[tuple[str, str]]  # distinct (folded, accented) words
    accent_keys: frozenset[str]  # their folded forms
    weight: float  # sum of IDF of its words
    products: frozenset[str]  # apps and portals it names, or its entry's title names
    parts: frozenset[str]  # parts of a procedure it asks for ("fee" in "phí tạm trú bao nhiêu")


@dataclass(frozen=True, slots=True)
class _Form:
    parts: tuple[str, ...]
    words: frozenset[int]  # positions of the words that are the question's form
    fragment: bool
    procedure: bool  # asks for steps, documents: a procedure fits
    case: str  # "same" / "other": nothing but such cases, parts and follow-up words ("quá hạn thì sao"); else ""


@dataclass(frozen=True)
class _Query:
    """What scoring needs of a question, computed once rather than per candidate."""

    folded: str
    idf: Mapping[str, float]  # folded word → IDF
    weight: float
    pairs: frozenset[tuple[str, str]]
    typed: frozenset[tuple[str, str]]  # (folded, accented) of words typed with accents
    typed_keys: frozenset[str]  # their folded forms, as many as them when no word is typed two ways
    share: float  # weight of the question-side coverage
    wants_procedure: bool
    parts: frozenset[str]  # parts of a procedure asked for
    asked: tuple[str, ...]  # the same, in the order asked
    fragment: bool  # nothing but a part and follow-up words
    case: str  # "same" / "other": nothing but cases that fit many procedures, parts and follow-up words
    form: frozenset[int]  # positions of the words that only say how it is asked


_FOLDED, _TEXT = attrgetter("folded"), attrgetter("text")
_DETAIL = ("score", "p_cov", "q_cov", "pairs", "fuzzy", "accent")  # what --explain shows of a candidate's score
_ENTRY = itemgetter(0)  # of a (entry id, text, start, end) phrasing


# Words that a number names a thing after: "quyết định 749", "nghị quyết 57", "đề án 06", "thông tư 73",
# "mức 2". Not ages, days or school classes ("10 tuổi", "lớp 3"), which vary within one subject.
_NAMING = frozenset(("dinh", "quyet", "an", "tu", "muc", "luat", "qd", "nd", "tt"))


def _named_numbers(tokens: Sequence[str]) -> set[str]:
    """Numbers that name a thing; a phrasing's words are its distinct words in order, near enough."""
    return {t for prev, t in itertools.pairwise(("", *tokens)) if t.isdigit() and prev in _NAMING}


def _asks_another_part(q: _Query, doc: _Doc) -> bool:
    """Both ask for a part of a procedure, and not the same one: "mất bao lâu" against "phí bao nhiêu"."""
    return bool(q.parts and doc.parts and not q.parts & doc.parts)


@dataclass(frozen=True)
class _TermKeys:
    """Index terms as integers: folded words and adjacent pairs, plus accented words and pairs where
    accents tell folded collisions apart (ban: bán, bàn, bạn) — elsewhere their postings would repeat
    the folded term's. Words are numbered (``ids``, folded and accented forms alike, ``size`` of them);
    a pair is two numbers in one. Integers, not strings such as "f:ban", so that the 4.5 million terms
    of a 10,000-entry catalogue are built and grouped by numpy, not one by one."""

    ids: Mapping[str, int]
    size: int
    ambiguous: frozenset[str]

    def word(self, i: int) -> int:
        return i

    def accented(self, i: int) -> int:
        return self.size + i

    def pair(self, i: int, j: int) -> int:
        return self.size * (2 + i) + j

    def accented_pair(self, i: int, j: int) -> int:
        return self.size * (2 + self.size + i) + j

    def of_question(self, tokens: tuple[Token, ...]) -> list[int]:
        """The terms of a citizen's question: only accents they typed themselves tell words apart."""
        ids, out = self.ids, []
        prev_f = prev_t = None
        prev_telling = False
        for t in tokens:
            f, x = ids.get(t.folded), ids.get(t.text)
            telling = t.marked and t.text != t.folded and t.folded in self.ambiguous
            if f is not None:
                out.append(f)
                if prev_f is not None:
                    out.append(self.pair(prev_f, f))
            if telling and x is not None:
                out.append(self.accented(x))
            if (telling or prev_telling) and x is not None and prev_t is not None:
                out.append(self.accented_pair(prev_t, x))
            prev_f, prev_t, prev_telling = f, x, telling
        return out


def _catalogue_terms(
    stream: TokenStream, texts: int, ambiguous: frozenset[str]
) -> tuple[_TermKeys, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every term of every phrasing, from the tokens of the catalogue's ``texts`` texts as one stream:
    (keys, terms as int64, the phrasing of each, where each text's tokens start and end).
    Phrasings are the texts with tokens, numbered in order. One posting per occurrence: a word repeated in
    a phrasing is read twice (tf = 2, without BM25's saturation, which hardly matters in phrasings of ten
    words)."""
    numbered: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    ids = stream.ids
    # The folded and accented forms of the distinct tokens numbered, then looked up for all 1.3 million
    # tokens of a large catalogue at once; tokens of the table that no text has are left out.
    used = np.bincount(ids, minlength=len(stream.table)) > 0
    used[0] = False
    table = [t if u else None for t, u in zip(stream.table, used.tolist(), strict=True)]
    folded = np.fromiter((-1 if t is None else numbered[t.folded] for t in table), np.int64, len(table))[ids]
    text = np.fromiter((-1 if t is None else numbered[t.text] for t in table), np.int64, len(table))[ids]
    keys = _TermKeys(dict(numbered), len(numbered), ambiguous)
    size = keys.size
    starts, ends = stream.bounds()
    if not texts:  # no text at all, not one text without words
        starts, ends = starts[:0], ends[:0]
    # Phrasing numbers in 32 bits: the arrays of a large catalogue are big enough for their size to show.
    phrasing_of_text = (np.cumsum(ends > starts) - 1).astype(np.int32)
    word = ids != 0
    doc = phrasing_of_text[np.cumsum(~word)[word]]
    folded, text = folded[word], text[word]
    shared = np.fromiter((i for w, i in keys.ids.items() if w in ambiguous), np.int64)
    # Same number, same string: an accented form differs from its folded one exactly where numbers differ.
    telling = (text != folded) & np.isin(folded, shared)
    after = np.flatnonzero(doc[1:] == doc[:-1]) + 1  # words with a word before them in the same phrasing
    accented_after = after[telling[after] | telling[after - 1]]
    terms = np.concatenate(
        (
            folded,
            size + text[telling],
            size * (2 + folded[after - 1]) + folded[after],
            size * (2 + size + text[accented_after - 1]) + text[accented_after],
        )
    )
    docs = np.concatenate((doc, doc[telling], doc[after], doc[accented_after]))
    return keys, terms, docs, starts, ends


def _catalogue_words(distinct: set[str], lexicon: Lexicon) -> set[str]:
    """Words a Telex repair may produce: only those of phrasings (``distinct``, their words) and the
    lexicon, since a repair to a word that no phrasing contains could not help any match."""
    texts = [*lexicon.abbreviations.values(), *lexicon.synonyms, *lexicon.fillers]
    found = distinct | distinct_words(stream_of(texts))
    return {w for w in found if w.isalpha()}


def _read_lists(
    posted: np.ndarray, first: np.ndarray, counts: np.ndarray, factor: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """What retrieval reads of each term, cut once here rather than at every question: its postings
    (``posted[first:first + count]``), or of a longer list the ``MAX_POSTINGS`` heaviest (shortest
    phrasings first, then the earlier), so that reading stops where it matters. The rest is dropped: at
    10,000 entries half of all postings are in lists nothing reads to the end. In any order: a list is
    summed per phrasing, or counted per topic."""
    read = np.minimum(counts, MAX_POSTINGS)
    heavy = np.flatnonzero(counts > MAX_POSTINGS).tolist()
    if heavy:
        by_rank = np.argsort(-factor, kind="stable").astype(np.int32)
        rank = np.empty(len(factor), dtype=np.int32)
        rank[by_rank] = np.arange(len(factor), dtype=np.int32)
        for t in heavy:
            lo = first[t]
            span = rank[posted[lo : lo + counts[t]]]
            posted[lo : lo + MAX_POSTINGS] = by_rank[np.partition(span, MAX_POSTINGS - 1)[:MAX_POSTINGS]]
        kept = np.repeat(first, read) + within(read)
        posted, first = posted[kept], np.cumsum(read) - read
    return read, [posted[s : s + k] for s, k in zip(first.tolist(), read.tolist(), strict=True)]


class Index:
    """Search structure over a catalogue. Immutable once built; build a new one on reload."""

    def __init__(
        self,
        catalogue: Catalogue,
        lexicon: Lexicon,
        thresholds: Thresholds | None = None,
        weights: Weights | None = None,
    ) -> None:
        # Building allocates millions of small objects and no reference cycles: the cyclic collector
        # would only rescan the growing heap again and again.
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build(catalogue, lexicon, thresholds, weights)
        finally:
            if paused:
                gc.enable()

    def _build(
        self, catalogue: Catalogue, lexicon: Lexicon, thresholds: Thresholds | None, weights: Weights | None
    ) -> None:
        self.catalogue = catalogue
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        pairs: list[tuple[str, str]] = []  # (entry id, text): each entry's title first, then its questions
        titles: list[int] = []
        for entry in catalogue.entries.values():
            titles.append(len(pairs))
            pairs += ((entry.id, p) for p in dict.fromkeys((entry.title, *entry.questions)))
        texts = [p for _, p in pairs]
        # Split once, for the vocabulary and for normalizing.
        stream = stream_of(texts)
        distinct = distinct_words(stream)
        self.normalizer = Normalizer(lexicon, _catalogue_words(distinct, lexicon))
        self.lexicon = lexicon
        # The tokens of every text, kept as one array of numbers: a phrasing is digested from its slice the
        # first time it is a candidate, so the build makes no object per phrasing (a large catalogue has
        # 100,000) nor per token (1.4 million).
        self._tokens = normalize_stream(self.normalizer, texts, stream, distinct)
        del stream, distinct  # a million and more words of a large catalogue: free them for what follows
        self.keys, terms, term_docs, starts, ends = _catalogue_terms(
            self._tokens, len(texts), self.normalizer.ambiguous
        )
        # Apps and portals each title names (each entry's first text).
        self._title_products: dict[str, frozenset[str]] = {}
        if lexicon.products:
            # Only titles with a word that begins a product name are read.
            table = self._tokens.table
            begins = np.fromiter((t.folded in self.normalizer.products.by_first for t in table), bool, len(table))
            naming = set((np.searchsorted(starts, np.flatnonzero(begins[self._tokens.ids]), "right") - 1).tolist())
            for k in naming.intersection(titles):
                if named := self._products(self._tokens.tokens(starts[k], ends[k])):
                    self._title_products[pairs[k][0]] = named
        starts, ends = starts.tolist(), ends.tolist()
        docs = [(eid, p, a, b) for (eid, p), a, b in zip(pairs, starts, ends, strict=True) if b > a]
        n = max(len(docs), 1)
        # Postings: the phrasings of each term, grouped by one stable sort (so in phrasing order).
        order = np.argsort(terms, kind="stable")
        terms = terms[order]
        posted = term_docs[order]
        del order
        # Where each term's postings begin.
        first = np.flatnonzero(np.concatenate(([len(terms) > 0], terms[1:] != terms[:-1])))
        counts = np.diff(np.append(first, len(terms)))
        self._term = dict(zip(terms[first].tolist(), range(len(first)), strict=True))  # key → term number
        del terms
        self.df = counts.tolist()
        idf = np.log(1 + (n - counts + 0.5) / (counts + 0.5))
        self._idf_array = idf
        self.idf = idf.tolist()
        self.unknown_idf = math.log(1 + (n - 0.5) / 1.5)
        self.common_df = max(20, int(n * COMMON_SHARE))
        lengths = np.bincount(term_docs, minlength=len(docs))
        avg_len = lengths.sum() / n
        # BM25 split in two: the term's IDF, and the phrasing's length factor.
        factor = (K1 + 1) / (1 + K1 * (1 - B + B * lengths / avg_len))
        self._factor = factor
        self._read, self._lists = _read_lists(posted, first, counts, factor)
        # The second reading (``_topic_reading``) reads the same postings per topic: all of a topic's
        # phrasings as one text, so words spread over several phrasings add up.
        topic_ids: dict[str, int] = {}
        entries = dict.fromkeys(map(_ENTRY, docs))
        entry_topic = {e: topic_ids.setdefault(catalogue.topic(e), len(topic_ids)) for e in entries}
        self._doc_topic = np.fromiter(map(entry_topic.__getitem__, map(_ENTRY, docs)), np.int32, len(docs))
        self._topics = list(topic_ids)
        self._topic_number = topic_ids
        topic_len = np.bincount(self._doc_topic, weights=lengths, minlength=len(topic_ids))
        avg_topic = topic_len.sum() / max(len(topic_len), 1)
        self._topic_norm = K1 * (1 - TOPIC_B + TOPIC_B * topic_len / avg_topic)
        self.vocabulary = sorted(w for w, i in self.keys.ids.items() if w.isalpha() and self.keys.word(i) in self._term)
        self._vocab_set = frozenset(self.vocabulary)
        # Scoring details of a phrasing are worked out the first time it is a candidate.
        self._phrasings = docs
        self._digests: dict[int, _Doc] = {}
        self._word_idfs: dict[str, float] = {}  # catalogue words only: bounded by the vocabulary
        # Per index, not per class: a class-level memo kept every replaced index alive after a reload.
        self._correct = lru_cache(maxsize=8192)(self._correct_word)
        self._memo: dict[tuple[str, int], SearchResult] = {}
        self._vocabularies: dict[str, frozenset[str]] = {}  # topic → its words, built when a follow-up asks
        self._subjects: dict[str, frozenset[str]] = {}  # topic → the services without a guide it speaks of
        # The rarest word of each wording of such a service: a question holding none of them names none, and
        # most questions are passed over without the phrase search ("hộ", "giấy" begin many wordings).
        self._uncovered_keys = frozenset(
            min((t.folded for t in phrase), key=self._word_df) for phrase in self.normalizer.uncovered.phrases()
        )
        self._topic_terms: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _postings(self, term: int) -> np.ndarray:
        """The phrasings of a term (by number), at most the ``MAX_POSTINGS`` heaviest."""
        return self._lists[term]

    def _word_term(self, folded: str) -> int | None:
        i = self.keys.ids.get(folded)
        return None if i is None else self._term.get(self.keys.word(i))

    def _doc(self, i: int) -> _Doc:
        doc = self._digests.get(i)
        if doc is None:
            eid, text, start, end = self._phrasings[i]
            doc = self._digests[i] = self._digest(eid, text, Normalized(text, self._tokens.tokens(start, end)))
        return doc

    def _word_df(self, folded: str) -> int:
        term = self._word_term(folded)
        return 0 if term is None else self.df[term]

    def _word_idf(self, folded: str) -> float:
        idf = self._word_idfs.get(folded)
        if idf is None:
            term = self._word_term(folded)
            if term is None:
                return self.unknown_idf
            idf = self._word_idfs[folded] = self.idf[term]
        return idf

    def _form(self, tokens: tuple[Token, ...]) -> _Form:
        """How a text asks, found once per text: the parts asked, the words that are only the form of the
        question (part cues, procedure cues, follow-up words), whether nothing else is there."""
        n = self.normalizer
        parts = n.parts.spans(tokens)
        followup = n.followup.spans(tokens)
        procedure = n.procedure_cues.spans(tokens)
        form: set[int] = set()
        for start, length, _ in (*parts, *followup):
            form.update(range(start, start + length))
        fragment = bool(tokens) and len(form) == len(tokens)
        if form and not fragment and len(tokens) - len(form) <= 2:
            # Cues may overlap ("hết bao nhiêu" + "bao nhiêu tiền"); the first pass takes only the first.
            form.update(n.parts.covered(tokens), n.followup.covered(tokens))
            fragment = len(form) == len(tokens)
        # A case ("quá hạn", "hết hạn") is no form word: "khai sinh quá hạn" keeps its whole weight. A message of
        # nothing else fits many procedures, whatever phrasing happens to say "quá hạn" too.
        case = ""
        words = n.case_words
        if tokens and not fragment and all(t.folded in words for i, t in enumerate(tokens) if i not in form):
            cases = n.followup_cases.spans(tokens)
            if len(form.union(*(range(s, s + k) for s, k, _ in cases))) == len(tokens):
                case = "same" if all(kind == "same" for _, _, kind in cases) else "other"
        for start, length, _ in procedure:
            form.update(range(start, start + length))
        parts_asked = tuple(dict.fromkeys(part for _, _, part in parts))
        return _Form(parts_asked, frozenset(form), fragment, bool(procedure), case)

    def _weighted_idf(self, norm: Normalized, form: frozenset[int]) -> dict[str, float]:
        """IDF per distinct folded word; a word only ever seen as part of the question's form counts less."""
        form_weight = self.weights.form
        out: dict[str, float] = {}
        for i, t in enumerate(norm.tokens):
            w = self._word_idf(t.folded) * (form_weight if i in form else 1.0)
            if w > out.get(t.folded, -1.0):
                out[t.folded] = w
        return out

    def _digest(self, entry_id: str, text: str, norm: Normalized) -> _Doc:
        tokens = tuple(dict.fromkeys(norm.folded_tokens))
        form = self._form(norm.tokens)
        return _Doc(
            entry_id=entry_id,
            text=text,
            folded=norm.folded,
            tokens=tokens,
            pairs=tuple(dict.fromkeys(itertools.pairwise(norm.folded_tokens))),
            accents=frozenset((t.folded, t.text) for t in norm.tokens),
            accent_keys=frozenset(t.folded for t in norm.tokens),
            weight=sum(self._weighted_idf(norm, form.words).values()),
            products=self._products(norm.tokens) | self._title_products.get(entry_id, frozenset()),
            parts=frozenset(form.parts),
        )

    def _products(self, tokens: tuple[Token, ...]) -> frozenset[str]:
        return frozenset(name for _, _, name in self.normalizer.products.spans(tokens))

    # -- typo repair -------------------------------------------------------------------------

    def _correct_word(self, folded: str) -> str | None:
        """The catalogue word one or two edits away from an unknown word, preferring common words."""
        if folded in self._vocab_set or len(folded) < 4 or not folded.isalpha():
            return None
        limit = 1 if len(folded) < 7 else 2
        found = process.extract(folded, self.vocabulary, scorer=Levenshtein.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        best = min(d for _, d, _ in found)
        return max((w for w, d, _ in found if d == best), key=lambda w: self.df[self._word_term(w)])

    def _repair_typos(self, norm: Normalized) -> Normalized:
        tokens, notes = [], list(norm.notes)
        for t in norm.tokens:
            # A word typed with its accents is a word the citizen meant ("luôn", "rẫy"), merely one the
            # catalogue does not use: "repairing" it into a catalogue word ("muốn") would invent evidence.
            fixed = None if t.marked and t.text != t.folded else self._correct(t.folded)
            if fixed:
                notes.append(f"{t.text} → {fixed} (lỗi gõ)")
                tokens.append(Token(fixed, fixed, False))
            else:
                tokens.append(t)
        return Normalized(norm.original, tuple(tokens), tuple(notes))

    # -- search ------------------------------------------------------------------------------

    def _candidates(self, norm: Normalized) -> list[int]:
        """Phrasings worth scoring: the best by BM25, and only those within reach of the leader."""
        term_of = self._term
        terms = {t for key in self.keys.of_question(norm.tokens) if (t := term_of.get(key)) is not None}
        df = self.df
        use = [t for t in terms if df[t] <= self.common_df] or list(terms)
        if not use:
            return []
        # The sum of the terms' IDF per phrasing, in numpy: at 10,000 entries the terms of one question
        # have some 20,000 postings, a loop of milliseconds in Python.
        lists = self._lists
        # ndarray methods rather than the np.* wrappers: this runs for every question, and at the shipped
        # catalogue's size the wrappers' Python overhead is a tenth of the search.
        acc = np.bincount(np.concatenate([lists[t] for t in use]), weights=self._idf_array[use].repeat(self._read[use]))
        found = acc.nonzero()[0]
        if not len(found):
            return []
        sums = acc[found]
        shortlist = CANDIDATES * 4
        if len(found) > shortlist:
            # The best by IDF sum; at the cut, equal sums go to the earlier phrasing, for determinism.
            cut = np.partition(sums, len(sums) - shortlist)[len(sums) - shortlist]
            above = (sums > cut).nonzero()[0]
            kept = np.concatenate((above, (sums == cut).nonzero()[0][: shortlist - len(above)]))
            kept.sort()
            found, sums = found[kept], sums[kept]
        # The length factor moves a score by a fifth at most: it ranks the shortlist only. ``found`` is in
        # phrasing order, so the stable sort breaks ties by phrasing.
        weight = sums * self._factor[found]
        ranked = (-weight).argsort(kind="stable")[:CANDIDATES]
        ranked = ranked[weight[ranked] >= weight[ranked[0]] * CANDIDATE_REACH]
        return found[ranked].tolist()

    def _topic_reading(self, norm: Normalized, form: frozenset[int]) -> np.ndarray | None:
        """A second, independent reading: BM25 over each topic's phrasings taken together, per topic
        number (None when no word of the question is in the catalogue). It ranks topics with the first
        (``_decide``): where a phrasing was worded as nobody wrote it, the topic's other phrasings still
        hold its words. Folded words and pairs only (accented terms would count a word twice), and the
        words that only say how something is asked count as little as in the first reading."""
        ids, keys, term_of = self.keys.ids, self.keys, self._term
        form_weight = self.weights.form
        weights: dict[int, float] = {}
        prev = None
        for i, t in enumerate(norm.tokens):
            word = ids.get(t.folded)
            if word is not None:
                term = term_of.get(keys.word(word))
                if term is not None:
                    weights[term] = max(weights.get(term, 0.0), form_weight if i in form else 1.0)
                if prev is not None:
                    term = term_of.get(keys.pair(prev, word))
                    if term is not None:
                        both = i in form and i - 1 in form
                        weights[term] = max(weights.get(term, 0.0), form_weight if both else 1.0)
            prev = word
        topics, values = [], []
        for term, weight in weights.items():
            per_topic = self._topic_terms.get(term)
            if per_topic is None:
                per_topic = self._topic_term(self._postings(term))
                if len(self._topic_terms) >= TOPIC_TERMS:
                    self._topic_terms.clear()
                self._topic_terms[term] = per_topic
            topics.append(per_topic[0])
            values.append(per_topic[1] if weight == 1.0 else per_topic[1] * weight)
        if not topics:
            return None
        # Every topic has a place, as candidates of the first reading may be in none of these terms' topics
        # (a common word keeps only its heaviest ``TOPICS_PER_TERM``).
        reading = np.bincount(np.concatenate(topics), np.concatenate(values), minlength=len(self._topics))
        return reading if reading.max() > 0 else None

    def _topic_term(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One term's BM25 weight in every topic that has it (topics, weights); kept, since questions
        repeat their words."""
        counts = np.bincount(self._doc_topic[docs])
        found = counts.nonzero()[0]
        n = len(self._topics)
        idf = math.log(1 + (n - len(found) + 0.5) / (len(found) + 0.5))
        # A common word: only where it weighs most can it decide. Its weight grows with the count, less
        # for long topics: the topics with the most occurrences (twice as many as kept) hold the heaviest.
        if len(found) > TOPICS_PER_TERM:
            found = found[np.argsort(-counts[found], kind="stable")[: TOPICS_PER_TERM * 2]]
        tf = counts[found]
        weights = idf * tf * (K1 + 1) / (tf + self._topic_norm[found])
        if len(weights) > TOPICS_PER_TERM:
            kept = np.argsort(-weights, kind="stable")[:TOPICS_PER_TERM]
            found, weights = found[kept], weights[kept]
        return found, weights

    def _prepare(self, norm: Normalized) -> _Query:
        tokens = norm.folded_tokens
        form = self._form(norm.tokens)
        idf = self._weighted_idf(norm, form.words)
        typed = frozenset((t.folded, t.text) for t in norm.tokens if t.marked and t.text != t.folded)
        w = self.weights
        return _Query(
            folded=norm.folded,
            idf=idf,
            weight=sum(idf.values()) or 1.0,
            pairs=frozenset(itertools.pairwise(tokens)),
            typed=typed,
            typed_keys=frozenset(key for key, _ in typed),
            share=w.question_share * min(1.0, w.question_pivot / max(len(idf), 1)),
            wants_procedure=form.procedure,
            parts=frozenset(form.parts),
            asked=form.parts,
            fragment=form.fragment,
            case=form.case,
            form=form.words,
        )

    def _score(self, q: _Query, doc: _Doc, fuzzy: float) -> tuple[float, tuple[float, ...]]:
        """The score and how it came about (the rest of ``_DETAIL``): a tuple, not a dict, for every candidate."""
        w = self.weights
        # map() over dict.get and a set intersection: both in C, and this runs for every candidate.
        shared = sum(map(q.idf.get, doc.tokens, _ZEROS))
        p_cov = shared / (doc.weight or 1.0)
        q_cov = shared / q.weight
        pairs = len(q.pairs.intersection(doc.pairs)) / len(doc.pairs) if doc.pairs else p_cov
        inner = (w.phrasing * p_cov + w.pairs * pairs + w.fuzzy * fuzzy) / (w.phrasing + w.pairs + w.fuzzy)
        # Geometric, not arithmetic: a phrasing that is entirely inside the question must not hide
        # that the question's own key words are missing from it (and the other way round). The
        # question's share shrinks the longer it rambles.
        score = q_cov**q.share * inner ** (1 - q.share)
        accent = 1.0
        if q.typed:  # a question typed without accents has none to compare
            compared = q.typed_keys.intersection(doc.accent_keys)
            if compared:
                # The typed forms the phrasing has too, of those whose word it has; counted in C where each
                # word was typed one way, as in nearly every question.
                one_way = len(q.typed) == len(q.typed_keys)
                asked = len(compared) if one_way else sum(1 for key, _ in q.typed if key in compared)
                accent = len(q.typed.intersection(doc.accents)) / asked
                score *= 1 - w.accent * (1 - accent)
        if _asks_another_part(q, doc):
            score *= 1 - w.other_part  # "mất bao lâu" is not "phí bao nhiêu", whatever else they share
        if q.wants_procedure and self.catalogue.entries[doc.entry_id].is_procedure:
            score = min(1.0, score + w.procedure_cue)
        return score, (p_cov, q_cov, pairs, fuzzy, accent)

    def search(self, question: str, *, explain: bool = False, limit: int = 3) -> SearchResult:
        if explain:
            return self._search(question, explain=True, limit=limit)
        # Citizens ask the same few questions again and again; an index never changes, so neither do its
        # answers (a reload builds a new index, with an empty memo).
        key = (question, limit)
        found = self._memo.get(key)
        if found is None:
            found = self._search(question, explain=False, limit=limit)
            if len(self._memo) >= SEARCH_MEMO:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _search(self, question: str, *, explain: bool, limit: int) -> SearchResult:
        found = self._search_text(question, explain=explain, limit=limit)
        if found.status is Status.ANSWERED or found.fragment or found.uncovered:
            return found
        # A situation first, then the question: a sentence may be answered where the whole message was not,
        # if the whole message also came nearest that topic, or next to it (a sentence alone must not open a
        # new subject: "…trường bảo phải có căn cước…, làm cho cháu thế nào" is not how to make an e-mail
        # address for a child, the whole message's third topic).
        near = {self.catalogue.topic(c.entry.id) for c in found.ranked[:SENTENCE_NEAR]}
        for sentence in sentences(question):
            part = self._search_text(sentence, explain=explain, limit=limit)
            if part.status is Status.ANSWERED and self.catalogue.topic(part.best.entry.id) in near:
                explanation = part.explanation
                if explanation is not None:
                    explanation = replace(explanation, notes=(f"trả lời theo câu «{sentence}»", *explanation.notes))
                # "…: đăng ký tạm trú. Mất mấy ngày?": the topic is in one sentence, the part asked in another.
                parts = tuple(dict.fromkeys((*part.parts, *found.parts)))
                return replace(part, question=question, explanation=explanation, parts=parts)
        return found

    def _search_text(self, question: str, *, explain: bool, limit: int) -> SearchResult:
        norm = self._repair_typos(self.normalizer.normalize(question))
        best_by_entry: dict[str, tuple[float, _Doc, tuple[float, ...], bool]] = {}
        query = self._prepare(norm)
        named = self._products(norm.tokens) if self.lexicon.products else frozenset()
        numbers = _named_numbers(query.folded.split())
        docs = [self._doc(i) for i in self._candidates(norm)] if norm.tokens else []
        # One call into rapidfuzz for all candidates: the per-call overhead dominates otherwise.
        found = process.extract(query.folded, [d.folded for d in docs], scorer=TOKEN_SET, limit=None)
        fuzzy = {i: similarity for _, similarity, i in found}
        answer_below = self.thresholds.answer - 0.01
        for i, doc in enumerate(docs):
            score, detail = self._score(query, doc, fuzzy.get(i, 0.0) / 100)
            other_product = bool(named and doc.products and not doc.products & named)
            if numbers and (theirs := _named_numbers(doc.tokens)) and not theirs & numbers:
                score *= NUMBER_PENALTY  # "qđ 749 ttg" is not "qđ 06 ttg", however alike the other words
            if other_product:
                # VssID is not a typo of VNeID: a phrasing about another app may be offered, never answered.
                score = min(score * PRODUCT_PENALTY, answer_below)
            held = best_by_entry.get(doc.entry_id)
            if held is None or score > held[0]:
                best_by_entry[doc.entry_id] = (score, doc, detail, other_product)
        # Ties resolved by entry id so that the same question always gets the same answer.
        ranked = sorted(best_by_entry.values(), key=lambda item: (-item[0], item[1].entry_id))
        # One candidate per topic: an FAQ entry and its procedure are one subject, not two rivals.
        asked = query.asked
        by_topic: dict[str, list[tuple[float, _Doc]]] = {}
        for score, doc, _, _ in ranked:
            by_topic.setdefault(self.catalogue.topic(doc.entry_id), []).append((score, doc))

        def candidate(members: list[tuple[float, _Doc]]) -> Candidate:
            score, doc = members[0]
            if query.wants_procedure or asked:
                # Steps, documents, a fee: the topic's procedure is the fitting answer if it is near.
                for other_score, other in members[1:]:
                    if self.catalogue.entries[other.entry_id].is_procedure and other_score >= score - TOPIC_REACH:
                        doc = other
                        break
            entry = self.catalogue.entries[doc.entry_id]
            return Candidate(entry, doc.text, round(min(max(score, 0.0), 1.0), 4), doc.parts)

        # Below the floor a topic is never offered: only the runner-up's score still counts (the margin).
        floor = self.thresholds.floor
        cands = [candidate(m) for i, m in enumerate(by_topic.values()) if i < 2 or m[0][0] >= floor]
        safety = self._safety(norm, cands, unofficial_host(question) if self.lexicon.safety_link else None)
        uncovered = ""
        if safety is not None:
            cands = [safety, *(c for c in cands if c.entry.id != safety.entry.id)]
            status = Status.ANSWERED
        else:
            # A topic whose best phrasing asks another part ("phí tạm trú bao nhiêu" for "tạm trú mất bao lâu")
            # counts less in the second reading too, which reads no parts.
            other_part = frozenset()
            if query.parts:  # most questions ask no part: no topic to look at
                other_part = frozenset(t for t, members in by_topic.items() if _asks_another_part(query, members[0][1]))
            status, cands = self._decide(cands, norm, query.form, other_part)
            if status is Status.ANSWERED and best_by_entry[cands[0].entry.id][3]:
                # The second reading agreed on a lower score, but it reads words, not names: a phrasing
                # about another app stays a choice however the readings agree.
                status = Status.SUGGESTED
            uncovered = self._uncovered(norm)
            if uncovered and not (cands and self.mentions(cands[0].entry.id, uncovered)):
                # "đăng ký giám hộ" is not the tax registration whose words it shares: no guide says so.
                status = Status.UNANSWERED
                cands = [c for c in cands if self.mentions(c.entry.id, uncovered)]
            else:
                uncovered = ""
        # Worded exactly as a phrasing staff wrote ("em hỏi gì được ạ"): their answer, not a question back.
        fragment = query.fragment and not (status is Status.ANSWERED and cands[0].score >= 1.0)
        if fragment and status is not Status.UNANSWERED:
            status = Status.UNANSWERED  # "mất bao lâu" alone: a guess would be about any procedure at all
        elif query.case and status is Status.ANSWERED and cands[0].score < 1.0:
            # "quá hạn thì sao" is not the car inspection's "ô tô quá hạn kiểm định thì sao": a choice, and in a
            # conversation a case of the topic before.
            status = Status.SUGGESTED
        offered = [c for c in cands if c.score >= self.thresholds.floor]
        if status is Status.UNANSWERED:
            # No answer, but the closest topics (if any come near) are still worth offering.
            best, suggestions = None, tuple(offered[:limit]) if not fragment else ()
        else:
            best, suggestions = cands[0], tuple(offered[1 : 1 + limit])
        explanation = None
        if explain:
            explanation = Explanation(
                normalized=norm.text,
                folded=norm.folded,
                notes=norm.notes,
                scored=tuple(
                    {
                        "id": doc.entry_id,
                        "matched": doc.text,
                        **{k: round(v, 3) for k, v in zip(_DETAIL, (score, *detail), strict=True)},
                        **({"product": 0.0} if other_product else {}),
                    }
                    for score, doc, detail, other_product in ranked[:8]
                ),
            )
        return SearchResult(
            question,
            status,
            best,
            suggestions,
            explanation,
            asked,
            fragment,
            safety=safety is not None,
            uncovered=uncovered,
            case=query.case,
        )

    @cached_property
    def small_talk(self) -> SmallTalk:
        """Greetings and thanks, built on first use: the search never needs them, and leave-one-out builds
        ~2,000 indexes (0.4 ms each)."""
        return SmallTalk(self.lexicon.small_talk)

    def within_topic(self, question: str, entry_id: str) -> bool:
        """Whether every word of the question that names something (not its part cue, follow-up or
        procedure words) is in the text staff wrote for ``entry_id``'s topic: "sinh viên có được giảm
        không" after the criminal-record certificate, whose fee names students; not "hộ chiếu mất bao lâu"
        after the căn cước card."""
        named = self._named_words(self.normalizer.normalize(question).tokens)
        return bool(named) and named <= self._topic_vocabulary(entry_id)

    def _named_words(self, tokens: tuple[Token, ...], form: frozenset[int] | None = None) -> frozenset[str]:
        """The folded words of a text that name something: not its part cues, follow-up or procedure words."""
        if form is None:
            form = self._form(tokens).words
        return frozenset(t.folded for i, t in enumerate(tokens) if i not in form)

    def _topic_vocabulary(self, entry_id: str) -> frozenset[str]:
        topic = self.catalogue.topic(entry_id)
        found = self._vocabularies.get(topic)
        if found is None:
            found = frozenset(t.folded for tokens in self._topic_texts(entry_id) for t in tokens)
            self._vocabularies[topic] = found
        return found

    def _topic_texts(self, entry_id: str) -> list[tuple[Token, ...]]:
        """Everything staff wrote for ``entry_id``'s topic, normalized: titles, phrasings, answers, parts."""
        texts: list[str] = []
        for e in (self.catalogue.entries[entry_id], *self.catalogue.same_topic(entry_id)):
            texts += [e.title, *e.questions, e.answer, *e.steps]
            for part in PART_NAMES:  # a part added to procedures is read here too
                value = getattr(e, part)
                texts += [value] if isinstance(value, str) else value
        return [self.normalizer.normalize(text).tokens for text in texts]

    def _uncovered(self, norm: Normalized) -> str:
        """The service without a guide that the question names ("làm hộ chiếu ở đâu": "hộ chiếu"), or ""."""
        if self._uncovered_keys.isdisjoint(norm.folded_tokens):
            return ""
        found = self.normalizer.uncovered.spans(norm.tokens)
        return found[0][2] if found else ""

    def mentions(self, entry_id: str, subject: str) -> bool:
        """Whether ``entry_id``'s topic speaks of ``subject`` (the card for children names "người giám hộ")."""
        topic = self.catalogue.topic(entry_id)
        named = self._subjects.get(topic)
        if named is None:
            spans = self.normalizer.uncovered.spans
            named = frozenset(name for tokens in self._topic_texts(entry_id) for _, _, name in spans(tokens))
            self._subjects[topic] = named
        return subject in named

    def topic_words(self, question: str) -> str:
        """The question without words that name no subject: "còn khai tử thì sao" → "khai tử"; "" when it
        has none of them (asking again would only repeat the same search)."""
        norm = self.normalizer.normalize(question)
        covered: set[int] = set()
        for start, length, _ in self.normalizer.followup.spans(norm.tokens):
            covered.update(range(start, start + length))
        if not covered:
            return ""
        return " ".join(t.text for i, t in enumerate(norm.tokens) if i not in covered)

    def _safety(self, norm: Normalized, cands: list[Candidate], link: str | None = None) -> Candidate | None:
        """A call, text or link asking to install, tap, pay or tell an OTP is a possible scam: the warning
        comes first, never the ordinary procedure the caller named. So is a web address off the official
        domains ("vneid-capnhat.xyz có phải trang thật không"), whatever words come with it."""
        target = self.catalogue.entries.get(self.lexicon.safety_entry)
        if target is None:
            return None
        n = self.normalizer
        if not (n.safety_contact.spans(norm.tokens) and n.safety_asks.spans(norm.tokens)):
            if not link:
                return None
            # A link alone: whether a site is the state's, unless a warning below comes closer.
            target = self.catalogue.entries.get(self.lexicon.safety_link) or target
        # The closest scam warning ("gọi xưng công an về VNeID"); not merely the closest entry of its sector,
        # which also holds Wi-Fi and password advice.
        warnings = {target.id, self.lexicon.safety_entry, *self.lexicon.safety_warnings}
        for cand in cands:
            if cand.entry.id in warnings and cand.score >= min(SAFETY_WARNING_FLOOR, self.thresholds.floor):
                return cand
        return Candidate(target, target.title, cands[0].score if cands else 0.0)

    def _decide(
        self, cands: list[Candidate], norm: Normalized, form: frozenset[int], other_part: frozenset[str]
    ) -> tuple[Status, list[Candidate]]:
        """Between topics: ``cands`` holds one candidate per topic, best phrasing first; returned in the
        order they are offered."""
        t = self.thresholds
        if not cands or cands[0].score < t.floor:
            return Status.UNANSWERED, cands
        best = cands[0].score
        ahead = best - (cands[1].score if len(cands) > 1 else 0.0)
        # Worded as staff wrote one of the entry's phrasings: they said which entry it belongs to.
        if best >= t.answer and ahead >= (t.exact_margin if best >= 1.0 else t.clear):
            return Status.ANSWERED, cands
        # "đăng ký thường trú" is "Thủ tục đăng ký thường trú" but for how it is asked: worded as staff wrote
        # it too, though "nhập hộ khẩu có mất phí không" (a synonym, 0.84) scores near.
        if best >= t.answer and ahead >= t.exact_margin and self._same_words(norm, form, cands[0].matched):
            return Status.ANSWERED, cands
        reading = self._topic_reading(norm, form)
        if reading is None:
            return (Status.SUGGESTED if best >= t.suggest else Status.UNANSWERED), cands
        ranked, fused = self._by_both_readings(cands, reading, other_part)
        if best < t.suggest:
            return Status.UNANSWERED, ranked  # nothing to answer, but the closest topics are offered
        first = ranked[0]
        ahead = fused[0] - (fused[1] if len(ranked) > 1 and fused[1] is not None else 0.0)
        agrees = self._topics[int(reading.argmax())] == self.catalogue.topic(first.entry.id)
        # Answered only where both readings and the combined ranking name the same topic; the combined
        # ranking alone only orders the choices. A topic first on the combined scale but not on its best
        # phrasing was the right one in leave-one-out, yet it added more wrong answers than right ones
        # (simulated: 64.0 / 4.4 against 62.3 / 3.9), and a rare word it shares (a place name) can lift it.
        leads = first is cands[0]
        if leads and ahead >= t.margin and first.score >= t.agreed and (agrees or first.score >= t.answer):
            return Status.ANSWERED, ranked
        return Status.SUGGESTED, ranked

    def _same_words(self, norm: Normalized, form: frozenset[int], phrasing: str) -> bool:
        """Whether the question names exactly the words ``phrasing`` names, leaving aside how each asks
        (part cues, procedure and follow-up words)."""
        mine = self._named_words(norm.tokens, form)
        return bool(mine) and mine == self._named_words(self.normalizer.normalize(phrasing).tokens)

    def _by_both_readings(
        self, cands: list[Candidate], reading: np.ndarray, other_part: frozenset[str]
    ) -> tuple[list[Candidate], list[float | None]]:
        """The candidates ranked by both readings, with their combined scores (None: too weak to be offered
        or too far below the best, kept after the others in their order). In leave-one-out the second
        reading alone put the right topic first more often than the first (80.4% against 74.3% of
        phrasings), but it reads folded words only and cannot tell bán from bàn as the first can, so
        neither decides alone."""
        number, share = self._topic_number, self.weights.reading / reading.max()
        floor = max(self.thresholds.floor, cands[0].score - self.thresholds.reach)
        topic, keep = self.catalogue.topic, 1 - self.weights.other_part

        def combined(c: Candidate) -> float:
            t = topic(c.entry.id)
            return c.score + share * float(reading[number[t]]) * (keep if t in other_part else 1.0)

        scored = [(combined(c) if c.score >= floor else None, c) for c in cands]
        strong = sorted((item for item in scored if item[0] is not None), key=lambda item: -item[0])
        weak = [item for item in scored if item[0] is None]
        return [c for _, c in strong + weak], [f for f, _ in strong + weak]
