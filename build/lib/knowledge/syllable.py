"""Vietnamese syllables: tone marks, their canonical placement, and the accent-free folded key.

A syllable is split into its *base* (letters with the vowel-quality marks â ă ê ô ơ ư and đ,
but no tone) and its *tone*. Re-composing places the tone by one fixed rule, so that
"hoà"/"hòa", "thuỷ"/"thủy" and "qúa"/"quá" become the same string.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks: sắc, huyền, hỏi, ngã, nặng.
TONE_MARKS = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
TONE_BY_KEY = {key: mark for mark, key in TONE_MARKS.items()}

VOWELS = set("aăâeêioôơuưy")
MARKED_VOWELS = set("ăâêôơư")

# Initial consonants after which a lone final "y" is spelt "i" just as well (lý/lí, kỹ/kĩ, quy/qui).
_Y_AS_I = re.compile(r"^(b|c|ch|d|đ|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)y$")


def split_tone(syllable: str) -> tuple[str, str | None]:
    """Return (base without tone, tone key or None). Tone keys follow Telex: s f r x j."""
    tone: str | None = None
    kept: list[str] = []
    for ch in unicodedata.normalize("NFD", syllable):
        key = TONE_MARKS.get(ch)
        if key is None:
            kept.append(ch)
        elif tone is None:
            tone = key
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone in ``base``, by the traditional rule."""
    start = 0
    if base.startswith("qu") or (base.startswith("gi") and any(c in VOWELS for c in base[2:])):
        start = 2
    i = start
    while i < len(base) and base[i] not in VOWELS:
        i += 1
    if i == len(base):
        # "gi", "qu" alone: the tone goes on their vowel after all.
        positions = [k for k, c in enumerate(base) if c in VOWELS]
        return positions[-1] if positions else None
    j = i
    while j < len(base) and base[j] in VOWELS:
        j += 1
    cluster = range(i, j)
    marked = [k for k in cluster if base[k] in MARKED_VOWELS]
    if marked:
        return marked[-1]
    if len(cluster) == 1:
        return i
    if j < len(base):  # closed syllable: the last vowel (hoàn, toán, huỳnh)
        return j - 1
    if len(cluster) == 2:  # open syllable: the first vowel (hòa, thủy, mía)
        return i
    return i + 1  # three vowels: the middle one (hoài, khuỷu)


def place_tone(base: str, tone: str | None) -> str:
    """Put ``tone`` (Telex key) on the right vowel of ``base``; NFC result."""
    if not tone:
        return base
    pos = _tone_position(base)
    if pos is None:
        return base
    decomposed = unicodedata.normalize("NFD", base[pos]) + TONE_BY_KEY[tone]
    return base[:pos] + unicodedata.normalize("NFC", decomposed) + base[pos + 1 :]


def _unify_y(base: str) -> str:
    return base[:-1] + "i" if _Y_AS_I.match(base) else base


@lru_cache(maxsize=65536)
def canonical(word: str) -> str:
    """Lower-case NFC word with the tone re-placed and i/y unified; non-syllables pass through."""
    word = unicodedata.normalize("NFC", word.lower())
    if not word.isalpha():
        return word
    base, tone = split_tone(word)
    return place_tone(_unify_y(base), tone)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The accent-free key: marks removed, đ→d, i/y unified. ``fold("Quý") == "qui"``."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")
    return _unify_y(stripped)


def has_diacritics(word: str) -> bool:
    return fold(word) != _unify_y(word.lower())
