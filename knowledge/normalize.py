"""Turn Vietnamese text, however it was typed, into comparable token sequences.

Pipeline, each step a small function: Unicode clean-up → tokens → repeated letters →
tone placement → chat abbreviations → Telex/VNI repair → synonyms → filler removal.
Every token keeps two forms: the canonical accented one and the folded (accent-free) key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import attrgetter

from knowledge import syllable, telex

# Bounded work on hostile input: a Telegram message is at most 4,096 characters.
MAX_CHARS = 5000
MAX_TOKENS = 400

# Zero-width and other invisible characters that split or glue words without showing.
_INVISIBLE = re.compile("[\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]")
_TOKEN = re.compile(r"[^\W_]+")
REPEATED_LETTER = re.compile(r"(\D)\1+")  # "đâuuu", "okkk": a letter typed again and again


@dataclass(frozen=True)
class Token:
    text: str  # canonical accented form
    folded: str  # accent-free key
    marked: bool  # did the user type (or do we know) the diacritics?


@dataclass(frozen=True)
class Normalized:
    original: str
    tokens: tuple[Token, ...]
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def folded(self) -> str:
        return " ".join(t.folded for t in self.tokens)

    @property
    def folded_tokens(self) -> tuple[str, ...]:
        return tuple(t.folded for t in self.tokens)


def clean(text: str) -> str:
    """NFC, lower case, invisible characters removed. Lone surrogates are dropped, not raised on."""
    return clean_trusted(text[:MAX_CHARS])


def clean_trusted(text: str) -> str:
    """``clean`` without the length bound: for the catalogue's own texts."""
    text = text.encode("utf-8", "ignore").decode("utf-8")
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).lower()


def words(text: str) -> list[str]:
    """Letters-and-digits runs of cleaned text; emoji and punctuation separate words and vanish."""
    return _TOKEN.findall(clean(text))[:MAX_TOKENS]


def _collapse(word: str, min_run: int) -> str:
    """Shorten runs of the same letter ("đâuuuu", "ạaaa") to one, keeping the accented variant."""
    out: list[str] = []
    run: list[str] = []
    for ch in word + "\0":
        if run and (ch.isdigit() or syllable.fold(ch) != syllable.fold(run[0])):
            if len(run) >= min_run:
                out.append(max(run, key=lambda c: c != syllable.fold(c)))
            else:
                out.extend(run)
            run = []
        run.append(ch)
    return "".join(out)


def _only_d_marked(word: str) -> bool:
    return word.replace("đ", "d").replace("Đ", "D").isascii()


def make_token(word: str, marked: bool | None = None) -> Token:
    text = syllable.canonical(word)
    folded = syllable.fold(word)
    return Token(text, folded, syllable.has_diacritics(word) if marked is None else marked)


_FOLDED, _TEXT = attrgetter("folded"), attrgetter("text")


def _phrase_matches(tokens: list[Token], at: int, phrase: tuple[Token, ...], strict: bool = False) -> bool:
    if at + len(phrase) > len(tokens):
        return False
    for got, want in zip(tokens[at : at + len(phrase)], phrase, strict=False):
        if got.folded != want.folded:
            return False
        # Accents the user typed must agree; accents they left out are forgiven, unless the
        # phrase is strict (its folded form is also another word: "vậy"/"vay", "hở"/"hộ").
        typed = got.marked and got.text != got.folded
        if (typed or strict) and got.text != want.text:
            return False
    return True


_Entry = tuple[tuple[Token, ...], tuple[Token, ...], bool]  # phrase, replacement, strict
_Described = tuple[int, list[str], list[str], _Entry]  # length, folded words, accented words, the entry


@dataclass(frozen=True)
class PhraseTable:
    """Phrases to find in token sequences, longest first, indexed by their first folded key."""

    by_first: Mapping[str, tuple[_Entry, ...]]
    # For ``rewrite``, by first folded key: the phrases of two words or more by their second folded key,
    # and the one-word phrases; each with its length and its folded and accented words as lists, which a
    # slice of the text's own lists is compared with in C.
    _words: Mapping[str, tuple[Mapping[str, tuple[_Described, ...]], tuple[_Described, ...]]] = field(
        default_factory=dict
    )

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]], ambiguous: frozenset[str] = frozenset()) -> PhraseTable:
        """``ambiguous``: folded keys shared by several known words; one-word phrases on them match only
        text typed with the same accents."""
        entries = []
        for phrase, replacement in pairs:
            src = tuple(make_token(w) for w in words(phrase))
            dst = tuple(make_token(w, marked=True) for w in words(replacement))
            if src:
                entries.append((src, dst, len(src) == 1 and src[0].folded in ambiguous))
        return cls.of(entries)

    @classmethod
    def of(cls, entries: Iterable[_Entry]) -> PhraseTable:
        """Index (phrase, replacement, strict) entries by their first folded key, longest phrase first."""
        table: dict[str, list[_Entry]] = {}
        for entry in entries:
            table.setdefault(entry[0][0].folded, []).append(entry)
        by_first = {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in table.items()}
        described: dict[str, tuple[dict[str, tuple[_Described, ...]], tuple[_Described, ...]]] = {}
        for first, phrases in by_first.items():
            longer: dict[str, tuple[_Described, ...]] = {}
            single: tuple[_Described, ...] = ()
            for e in phrases:  # longest first, and so they stay
                d = (len(e[0]), [t.folded for t in e[0]], [t.text for t in e[0]], e)
                if d[0] == 1:
                    single += (d,)
                else:
                    longer[d[1][1]] = (*longer.get(d[1][1], ()), d)
            described[first] = (longer, single)
        return cls(by_first, described)

    def phrases(self) -> Iterator[tuple[Token, ...]]:
        """Every phrase looked for, as the tokens it is matched by."""
        for found in self.by_first.values():
            for phrase, _, _ in found:
                yield phrase

    def spans(self, tokens: tuple[Token, ...] | list[Token]) -> list[tuple[int, int, str]]:
        """Non-overlapping phrases found, longest first at each position: (start, length, replacement)."""
        return [(i, k, " ".join(t.text for t in dst)) for i, (k, _, _, (_, dst, _)) in self._found(tokens)]

    def rewrite(self, tokens: list[Token], notes: list[str] | None = None) -> list[Token]:
        out: list[Token] = []
        done = 0
        for i, (k, _, _, (src, dst, _)) in self._found(tokens):
            if notes is not None and dst and src != dst:
                said = " ".join(t.text for t in tokens[i : i + k])
                notes.append(f"{said} → {' '.join(t.text for t in dst) or '∅'}")
            out.extend(tokens[done:i])
            out.extend(dst)
            done = i + k
        if not done:
            return tokens
        out.extend(tokens[done:])
        return out

    def covered(self, tokens: tuple[Token, ...] | list[Token]) -> set[int]:
        """The positions some phrase covers, phrases allowed to overlap: "hết bao nhiêu tiền" is all cue,
        "hết bao nhiêu" and "bao nhiêu tiền", though ``spans`` finds only the first."""
        phrases = self._words
        folded = list(map(_FOLDED, tokens))
        tokens, texts = list(tokens), list(map(_TEXT, tokens))
        out: set[int] = set()
        for i, f in enumerate(folded):
            if f in phrases and (d := self._match(tokens, folded, texts, i)) is not None:
                out.update(range(i, i + d[0]))
        return out

    def _found(self, tokens: tuple[Token, ...] | list[Token]) -> Iterator[tuple[int, _Described]]:
        """Non-overlapping phrases, longest first at each position: (start, phrase). Asked several times
        for every question and for every phrasing digested: only where a phrase can begin, and few words
        begin one, is there anything to do."""
        phrases = self._words
        folded = list(map(_FOLDED, tokens))
        starts = [i for i, f in enumerate(folded) if f in phrases]
        if not starts:
            return
        tokens, texts = list(tokens), list(map(_TEXT, tokens))
        done = 0
        for i in starts:
            if i >= done and (d := self._match(tokens, folded, texts, i)) is not None:
                yield i, d
                done = i + d[0]

    def _match(self, tokens: list[Token], folded: list[str], texts: list[str], i: int) -> _Described | None:
        """The longest phrase that begins at ``i`` (where some phrase's first word is), or None."""
        longer, single = self._words[folded[i]]
        # Longer phrases first: a phrase of two words or more is longer than any one-word phrase.
        for d in (*longer.get(folded[i + 1], ()), *single) if i + 1 < len(folded) else single:
            k, keys, accented, (src, _, strict) = d
            if k == 1:
                here = tokens[i]
                # _phrase_matches for one word, whose folded form is known to agree: most phrases.
                if (strict or (here.marked and here.text != here.folded)) and here.text != accented[0]:
                    continue
            # The same words with the same accents, or else accents left out and forgiven.
            elif folded[i : i + k] != keys or (
                texts[i : i + k] != accented and not _phrase_matches(tokens, i, src, strict)
            ):
                continue
            return d
        return None


@dataclass(frozen=True)
class Lexicon:
    """Staff-editable language data: abbreviations, synonyms and filler phrases."""

    abbreviations: Mapping[str, str] = field(default_factory=dict)
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fillers: tuple[str, ...] = ()
    procedure_cues: tuple[str, ...] = ()
    products: tuple[str, ...] = ()  # names of apps and portals: never typos of each other
    parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # part of a procedure → cues
    safety_contact: tuple[str, ...] = ()  # a call, a text, a link, someone claiming to be an official...
    safety_asks: tuple[str, ...] = ()  # ...asking to install, tap, pay, give an OTP: a possible scam
    safety_entry: str = ""  # the scam-warning entry answered when both kinds of cue are present...
    safety_warnings: tuple[str, ...] = ()  # ...or the closest of these more specific warnings
    safety_link: str = ""  # answered for a web address off the official domains, when no warning is closer
    followup_words: tuple[str, ...] = ()  # words that name no subject ("thế", "còn", "thì sao")
    # Cases that fit many procedures, alone they need a topic: "same" → a case of the procedure just asked
    # ("quá hạn", "ở đâu"), "other" → often another procedure ("bị mất": its re-issue) → phrases.
    followup_cases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    safety_line: int | None = None  # where ``safety`` is written, for problems found once entries are read
    small_talk: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # thanks / bye / greeting / ok → phrases
    # Services the catalogue has no guide for yet ("hộ chiếu" → its wordings): named honestly, never answered
    # with the nearest-sounding entry.
    uncovered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


class Normalizer:
    """Normalizes citizens' questions and catalogue phrasings the same way.

    ``known`` holds canonical accented words and ``known_folded`` their folded keys: a Telex
    repair is accepted only when the typed word is not known and the repaired one is.
    """

    def __init__(self, lexicon: Lexicon, known: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        self.abbreviations = {clean(k): v for k, v in lexicon.abbreviations.items()}
        # "cđs", "CĐS", "cds" are one abbreviation whatever marks were typed: look keys up by their folded
        # form too, unless two keys fold alike with different meanings.
        by_fold: dict[str, set[str]] = {}
        for key, value in self.abbreviations.items():
            by_fold.setdefault(syllable.fold(key), set()).add(value)
        self.folded_abbreviations = {k: next(iter(v)) for k, v in by_fold.items() if len(v) == 1}
        self.known = frozenset(syllable.canonical(w) for w in known)
        forms: dict[str, set[str]] = {}
        for word in self.known:
            forms.setdefault(syllable.fold(word), set()).add(word)
        ambiguous = frozenset(key for key, accented in forms.items() if len(accented) > 1)
        self.ambiguous = ambiguous  # folded keys shared by several known words (ban: bán, bàn, bạn)
        self._cache: dict[str, tuple[tuple[Token, ...], tuple[str, ...]]] = {}
        self.known_folded = frozenset(syllable.fold(w) for w in self.known) | {
            syllable.fold(k) for k in self.abbreviations
        }
        # The canonical form maps to itself so that a longer canonical phrase is not cut short by a
        # shorter variant ("cổng dịch vụ công quốc gia" must not become "... quốc gia quốc gia").
        synonyms = [(v, canonical) for canonical, variants in lexicon.synonyms.items() for v in (canonical, *variants)]
        # One pass, longest phrase first, does both jobs: synonyms become their canonical form and
        # fillers become nothing. A phrase is found in a question after its abbreviations are expanded,
        # so it is expanded too: a variant written "app vneid" must find what "app vneid" becomes.
        phrases = []
        for phrase, replacement in synonyms + [(f, "") for f in lexicon.fillers]:
            src = tuple(self._expand(words(phrase), []))
            if src:
                dst = tuple(make_token(w, marked=True) for w in words(replacement))
                phrases.append((src, dst, len(src) == 1 and src[0].folded in ambiguous))
        self.phrases = PhraseTable.of(phrases)
        # Cues are looked for in normalized questions, so they are normalized the same way first.
        self.procedure_cues = self._table((c, c) for c in lexicon.procedure_cues)
        self.products = self._table((p, p) for p in lexicon.products)
        self.parts = self._table((cue, part) for part, cues in lexicon.parts.items() for cue in cues)
        self.followup = self._table((w, w) for w in lexicon.followup_words)
        self.followup_cases = self._table((w, kind) for kind, said in lexicon.followup_cases.items() for w in said)
        # Their words: a text with any other word outside its form is no case, found without a phrase search.
        self.case_words = frozenset(t.folded for phrase in self.followup_cases.phrases() for t in phrase)
        self.safety_contact = self._table((c, c) for c in lexicon.safety_contact)
        self.safety_asks = self._table((c, c) for c in lexicon.safety_asks)
        self.uncovered = self._table((w, name) for name, said in lexicon.uncovered.items() for w in (name, *said))

    def _table(self, pairs: Iterable[tuple[str, str]]) -> PhraseTable:
        """A phrase table over normalized text: a cue written "cccd" or "ko" finds what questions become.
        Cues match accents the citizen typed, and forgive accents left out."""
        entries = []
        for phrase, replacement in pairs:
            src = tuple(self.phrases.rewrite(self._expand(words(phrase), [])))
            if src:
                # Not strict: an unaccented "co" in "co lam online duoc khong" is the filler "có" here.
                entries.append((src, (Token(replacement, replacement, True),), False))
        return PhraseTable.of(entries)

    def _is_known(self, word: str) -> bool:
        return word in self.abbreviations or syllable.fold(word) in self.known_folded

    def _repair_letters(self, word: str, notes: list[str]) -> str:
        if self._is_known(word) or not REPEATED_LETTER.search(syllable.fold(word)):
            return word
        once = _collapse(word, 3)
        for candidate in (once, _collapse(word, 2)):
            if candidate != word and self._is_known(candidate):
                notes.append(f"{word} → {candidate}")
                return candidate
        return once

    def _repair_telex(self, word: str, notes: list[str]) -> str:
        if not word.isascii() or self._is_known(word):
            return word
        decoded = telex.decode(word)
        if decoded and syllable.canonical(decoded) in self.known:
            notes.append(f"{word} → {decoded} (Telex/VNI)")
            return decoded
        return word

    def _word(self, word: str) -> tuple[tuple[Token, ...], tuple[str, ...]]:
        """Tokens for one typed word, and notes on what was repaired. Memoized: words repeat a lot."""
        cached = self._cache.get(word)
        if cached is None:
            notes: list[str] = []
            if word.isascii() and word.isdigit() and word not in self.abbreviations:
                # A number (a year, a fee, a phone number) is itself: no letters to repair, no Telex, and the
                # catalogue of a province may hold thousands of them.
                tokens: tuple[Token, ...] = (Token(word, word, False),)
            else:
                tokens = self._repaired(word, notes)
            if len(self._cache) > 100_000:
                self._cache.clear()
            cached = self._cache[word] = (tokens, tuple(notes))
        return cached

    def _repaired(self, word: str, notes: list[str]) -> tuple[Token, ...]:
        fixed = self._repair_letters(word, notes)
        # By the canonical form too, so one pass is final: "ñg" canonicalizes to "ng" (the tilde
        # reads as a tone mark), which a second pass would otherwise expand.
        expansion = self.abbreviations.get(fixed) or self.abbreviations.get(syllable.canonical(fixed))
        if expansion is None and _only_d_marked(fixed):
            # A word typed without tone or vowel marks (đ aside) may be any abbreviation that folds
            # to it; a word with tone marks is taken as typed ("mụn" is not "mún").
            expansion = self.folded_abbreviations.get(syllable.fold(fixed))
        if expansion is not None:
            notes.append(f"{fixed} → {expansion}")
            return tuple(make_token(w, marked=True) for w in words(expansion))
        return (make_token(self._repair_telex(fixed, notes)),)

    def _expand(self, raw: list[str], notes: list[str]) -> list[Token]:
        tokens: list[Token] = []
        cache = self._cache
        for i, word in enumerate(raw):
            if word == "k" and i > 0 and raw[i - 1].isdigit():
                tokens.append(make_token(word))  # "50 k" is money, not "không"
                continue
            word_tokens, word_notes = cache.get(word) or self._word(word)
            tokens.extend(word_tokens)
            notes.extend(word_notes)
        return tokens

    def _normalized(self, text: str, raw: list[str]) -> Normalized:
        notes: list[str] = []
        tokens = self.phrases.rewrite(self._expand(raw, notes), notes)
        return Normalized(text, tuple(tokens), tuple(notes))

    def normalize(self, text: str) -> Normalized:
        return self._normalized(text, words(text))

    def normalize_trusted(self, text: str) -> Normalized:
        """A catalogue text: as many words as a question's are read, however long the text; no notes."""
        return Normalized(text, self._normalized(text, _TOKEN.findall(clean_trusted(text))[:MAX_TOKENS]).tokens)

    def spell(self, word: str) -> tuple[Token, ...]:
        """The tokens one word of a trusted text becomes, before phrases are rewritten."""
        return self._word(word)[0]
