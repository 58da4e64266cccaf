"""A long message is often the citizen's situation first, then the question: its sentences, to ask one by one.

"Chào cán bộ, tôi năm nay 68 tuổi, con cái đi làm xa cả. Cho hỏi làm lại căn cước bị mất ở đâu?" —
the whole message scores low against every phrasing (most of its words are the situation), while its
last sentence alone is a plain question the catalogue knows.
"""

from __future__ import annotations

import re

LONG_MESSAGE = 12  # words; shorter messages are one question already

# Sentence ends, and the openers that announce the question ("cho hỏi", "xin hỏi", "hỏi luôn"), typed with
# or without accents.
_BREAKS = re.compile(
    r"[.!?:;\n]+"
    r"|\b(?:cho (?:em |tôi |toi |cháu |chau |mình |minh |con |tui )?|muốn |muon |xin |mạn phép |man phep )h[oỏ]i\b"
    r"|\bh[oỏ]i (?:chút|chut|luôn|luon|giùm|gium|giúp|giup|thăm|tham)\b",
    re.IGNORECASE,
)


def sentences(message: str) -> list[str]:
    """The message's sentences of two words or more, last first (the question tends to come last);
    none for a short message or one that is a single sentence."""
    if len(message.split()) < LONG_MESSAGE:
        return []
    parts = [p.strip(" ,-") for p in _BREAKS.split(message)]
    parts = [p for p in parts if len(p.split()) >= 2]
    if len(parts) < 2:
        return []
    return parts[::-1]
