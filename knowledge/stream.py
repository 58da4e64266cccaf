"""The tokens of many trusted texts (a whole catalogue) at once, as numbers.

A province-wide catalogue has 100,000 phrasings and 1.4 million words, normalized at every build. Here
each distinct word is normalized once, in Python, and the rest is numpy over integer arrays: spelling
out each word's tokens, and finding and replacing the lexicon's phrases. The tokens are exactly those
``Normalizer.normalize`` gives each text (tests/test_normalize.py compares them over the catalogue).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from knowledge.normalize import MAX_TOKENS, Normalized, Normalizer, PhraseTable, Token, clean_trusted, make_token

LINE = "\n"  # between two texts' words in a stream of words
SEPARATOR = Token(LINE, LINE, False)  # between two texts' tokens: number 0, in no phrase, so none crosses it
_WORD_OR_LINE = re.compile(r"[^\W_]+|\n")


def stream_of(texts: Iterable[str]) -> list[str]:
    """The words of many trusted texts as one list, ``LINE`` between two texts' words: cleaned and split
    in one pass each, without the length bound of a citizen's message."""
    return _WORD_OR_LINE.findall(clean_trusted("\n".join(t.replace("\n", " ") for t in texts)))


def distinct_words(stream: list[str]) -> set[str]:
    """The words of a stream, each once, without the separators."""
    found = set(stream)
    found.discard(LINE)
    return found


@dataclass(frozen=True)
class TokenStream:
    """Tokens of many texts as numbers into ``table``, the distinct tokens; ``SEPARATOR`` (number 0)
    between two texts' tokens. Four bytes a token, where a list of tokens takes eight."""

    table: tuple[Token, ...]
    ids: np.ndarray  # int32

    @classmethod
    def of(cls, tokens: Iterable[Token]) -> TokenStream:
        numbers: dict[Token, int] = {SEPARATOR: 0}
        ids = [numbers.setdefault(t, len(numbers)) for t in tokens]
        return cls(tuple(numbers), np.array(ids, dtype=np.int32))

    def tokens(self, start: int = 0, end: int | None = None) -> tuple[Token, ...]:
        return tuple(map(self.table.__getitem__, self.ids[start:end].tolist()))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Where each text's tokens start and end."""
        between = np.flatnonzero(self.ids == 0)
        return np.concatenate(([0], between + 1)), np.append(between, len(self.ids))


def normalize_stream(
    normalizer: Normalizer, texts: list[str], words: list[str] | None = None, distinct: set[str] | None = None
) -> TokenStream:
    """The tokens of many trusted texts, ``SEPARATOR`` between two texts' tokens. ``words``: the texts'
    words from ``stream_of``, and ``distinct`` the set of them, where the caller has them already."""
    if not texts:
        return TokenStream((SEPARATOR,), np.zeros(0, dtype=np.int32))
    if max(map(len, texts)) >= 2 * MAX_TOKENS:  # a text that may have more words than are read
        tokens: list[Token] = []
        for k, text in enumerate(texts):
            if k:
                tokens.append(SEPARATOR)
            tokens += normalizer.normalize_trusted(text).tokens
        return TokenStream.of(tokens)
    if words is None:
        words = stream_of(texts)
    if distinct is None:
        distinct = distinct_words(words)
    spelled = [LINE, *distinct]  # word numbers; 0 is the separator
    number = {w: i for i, w in enumerate(spelled)}
    word_ids = np.fromiter(map(number.__getitem__, words), np.int64, len(words))
    tokens_of = [(SEPARATOR,), *map(normalizer.spell, distinct)]
    if "k" in number:
        # "50 k" is money, not "không" (as in ``Normalizer``): such a "k" becomes a word of its own.
        digit = np.fromiter(map(str.isdigit, spelled), bool, len(spelled))
        at = np.flatnonzero(word_ids[1:] == number["k"]) + 1
        word_ids[at[digit[word_ids[at - 1]]]] = len(tokens_of)
        tokens_of.append((make_token("k"),))
    numbers: dict[Token, int] = {SEPARATOR: 0}
    spelt = [[numbers.setdefault(t, len(numbers)) for t in tokens] for tokens in tokens_of]
    flat, first = _flatten(spelt)
    size = np.diff(np.append(first, len(flat)))[word_ids]
    ids = flat[np.repeat(first[word_ids], size) + within(size)]
    return rewrite_stream(normalizer.phrases, TokenStream(tuple(numbers), ids))


def normalize_many(normalizer: Normalizer, texts: list[str]) -> list[Normalized]:
    """Each text normalized, in one batch (without notes: they explain repairs to citizens)."""
    stream = normalize_stream(normalizer, texts)
    starts, ends = stream.bounds()
    return [Normalized(t, stream.tokens(a, b)) for t, a, b in zip(texts, starts.tolist(), ends.tolist(), strict=True)]


def rewrite_stream(phrases: PhraseTable, stream: TokenStream) -> TokenStream:
    """``PhraseTable.rewrite`` over every text of the stream at once: at each position the first phrase of
    its first word that matches (longest first), left to right, phrases never overlapping."""
    numbers = {t: i for i, t in enumerate(stream.table)}
    keys: dict[str, int] = {}  # folded and accented forms as numbers
    numbered = _Numbered.of(phrases, numbers, keys)
    table = tuple(numbers)  # with the replacements' tokens
    where, chosen = _matches(numbered, table, keys, stream.ids)
    # Left to right, a phrase starting inside one already replaced is not one: few enough to loop over.
    taken: list[int] = []
    done = 0
    for i, (start, size) in enumerate(zip(where.tolist(), numbered.length[chosen].tolist(), strict=True)):
        if start >= done:
            taken.append(i)
            done = start + size
    return TokenStream(table, numbered.replaced(stream.ids, where[taken], chosen[taken]))


@dataclass(frozen=True)
class _Numbered:
    """A phrase table in numbers. Phrases are numbered in the table's order (by first word, longest first)."""

    # Per first word: its key, and its phrases as (phrase number, (folded, accented) key per word, strict).
    by_first: list[tuple[int, list[tuple[int, list[tuple[int, int]], bool]]]]
    length: np.ndarray  # words per phrase
    flat: np.ndarray  # the replacements' tokens, one after the other
    first: np.ndarray  # where each phrase's replacement begins in ``flat``

    @classmethod
    def of(cls, phrases: PhraseTable, numbers: dict[Token, int], keys: dict[str, int]) -> _Numbered:
        """``numbers`` gains the replacements' tokens, ``keys`` the phrases' folded and accented words."""
        replacements: list[list[int]] = []
        by_first = []
        for first, entries in phrases.by_first.items():
            forms = []
            for src, dst, strict in entries:
                words = [(keys.setdefault(t.folded, len(keys)), keys.setdefault(t.text, len(keys))) for t in src]
                forms.append((len(replacements), words, strict))
                replacements.append([numbers.setdefault(t, len(numbers)) for t in dst])
            by_first.append((keys.setdefault(first, len(keys)), forms))
        length = np.array([len(words) for _, forms in by_first for _, words, _ in forms], dtype=np.int64)
        return cls(by_first, length, *_flatten(replacements))

    def replaced(self, ids: np.ndarray, where: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        """``ids`` with phrase ``chosen[i]`` at ``where[i]`` replaced (none overlapping, in order)."""
        size = self.length[chosen]
        keep = np.ones(len(ids), dtype=bool)
        keep[np.repeat(where, size) + within(size)] = False
        count = np.diff(np.append(self.first, len(self.flat)))[chosen]
        # Each replacement goes where its phrase began, counted in the tokens kept.
        into = np.repeat(where - (np.cumsum(size) - size), count)
        return np.insert(ids[keep], into, self.flat[np.repeat(self.first[chosen], count) + within(count)])


def _matches(
    numbered: _Numbered, table: tuple[Token, ...], keys: dict[str, int], ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, phrase) of every position where a phrase matches, the first that does in the table's
    order; by position. Overlaps are not resolved here."""
    folded = np.fromiter((keys.setdefault(t.folded, len(keys)) for t in table), np.int64, len(table))[ids]
    text = np.fromiter((keys.setdefault(t.text, len(keys)) for t in table), np.int64, len(table))[ids]
    # Accents the writer typed must agree with the phrase's; accents left out are forgiven (not if strict).
    typed = np.fromiter((t.marked and t.text != t.folded for t in table), bool, len(table))[ids]
    n = len(ids)
    # Where each first word is, grouped by word with one sort.
    begins = np.flatnonzero(np.isin(folded, [key for key, _ in numbered.by_first]))
    begins = begins[np.argsort(folded[begins], kind="stable")]
    first_words = folded[begins]
    found_at, found = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for key, forms in numbered.by_first:
        where = begins[np.searchsorted(first_words, key) : np.searchsorted(first_words, key, "right")]
        if not len(where):
            continue
        chosen = np.full(len(where), -1)
        # The last phrase first, so that an earlier (longer) one that also matches overwrites it.
        for phrase, words, strict in reversed(forms):
            ok = where + len(words) <= n
            for j, (want_folded, want_text) in enumerate(words):
                k = np.minimum(where + j, n - 1)
                if j:  # the first word's folded form agrees: that is how ``where`` was found
                    ok &= folded[k] == want_folded
                ok &= (text[k] == want_text) | (False if strict else ~typed[k])
            chosen[ok] = phrase
        hit = chosen >= 0
        found_at.append(where[hit])
        found.append(chosen[hit])
    where, chosen = np.concatenate(found_at), np.concatenate(found)
    order = np.argsort(where, kind="stable")
    return where[order], chosen[order]


def _flatten(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of numbers as one array, and where each list begins in it."""
    sizes = np.fromiter(map(len, lists), np.int64, len(lists))
    flat = np.fromiter(itertools.chain.from_iterable(lists), np.int32, int(sizes.sum()))
    return flat, np.cumsum(sizes) - sizes


def within(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... within each of consecutive runs of the given sizes: [2, 3] → [0, 1, 0, 1, 2]."""
    total = int(sizes.sum())
    return np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
