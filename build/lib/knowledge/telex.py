"""Undo Telex and VNI keystrokes left in text typed without an input method ("chuyeenr", "a1").

The decoder is deliberately naive: it turns any ASCII word into *some* string. Whether that
string is accepted is the caller's decision (the normalizer accepts it only when it is a
syllable the catalogue knows and the original word is not itself known), which is what keeps
"online", "zalo" or "password" intact.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.syllable import VOWELS, place_tone

_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_BREVE_HORN = {"a": "ă", "o": "ơ", "u": "ư"}
_VNI_TONES = {"1": "s", "2": "f", "3": "r", "4": "x", "5": "j"}
_TELEX_TONES = set("sfrxj")


def _last_vowel(chars: list[str], among: str) -> int | None:
    for k in range(len(chars) - 1, -1, -1):
        if chars[k] in among:
            return k
    return None


def _apply_horn(chars: list[str]) -> bool:
    """Telex w / VNI 7: horn on "uo" pairs together, else breve/horn on the last a/o/u."""
    k = _last_vowel(chars, "aou")
    if k is None:
        return False
    if chars[k] == "o" and k > 0 and chars[k - 1] == "u":
        chars[k - 1 : k + 1] = ["ư", "ơ"]
    elif chars[k] == "u" and k + 1 < len(chars) and chars[k + 1] == "o":
        chars[k : k + 2] = ["ư", "ơ"]
    else:
        chars[k] = _BREVE_HORN[chars[k]]
    return True


@lru_cache(maxsize=16384)
def decode(word: str) -> str | None:
    """Decode a lower-case ASCII word typed in Telex or VNI; None when nothing was decoded."""
    if not word.isascii() or not word.isalnum():
        return None
    chars: list[str] = []
    tone: str | None = None
    changed = False
    for ch in word:
        seen_vowel = any(c in VOWELS for c in chars)
        if ch.isdigit():
            if ch in _VNI_TONES and seen_vowel:
                tone = _VNI_TONES[ch]
            elif ch == "6" and (k := _last_vowel(chars, "aeo")) is not None:
                chars[k] = _CIRCUMFLEX[chars[k]]
            elif ch == "7" and _apply_horn(chars):
                pass
            elif ch == "8" and (k := _last_vowel(chars, "a")) is not None:
                chars[k] = "ă"
            elif ch == "9" and chars and chars[0] == "d":
                chars[0] = "đ"
            else:
                return None
            changed = True
        elif ch in _TELEX_TONES and seen_vowel:
            tone, changed = ch, True
        elif ch == "z" and seen_vowel:
            tone, changed = None, True
        elif ch == "w":
            if not _apply_horn(chars):
                chars.append("ư")
            changed = True
        elif ch == "d" and chars == ["d"]:
            chars[0], changed = "đ", True
        elif ch in _CIRCUMFLEX and chars and chars[-1] == ch:
            chars[-1], changed = _CIRCUMFLEX[ch], True
        elif ch in _CIRCUMFLEX and len(chars) > 1 and chars[-2] == ch and chars[-1] not in VOWELS:
            # Circumflex key typed after the final consonant: "dangg" is not this, "caan"/"cana" is.
            chars[-2], changed = _CIRCUMFLEX[ch], True
        else:
            chars.append(ch)
    if not changed:
        return None
    return place_tone("".join(chars), tone)
