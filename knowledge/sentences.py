"""A long message is often the citizen's situation first, then the question: its sentences, to ask one by one.

"Chào cán bộ, tôi năm nay 68 tuổi, con cái đi làm xa cả. Cho hỏi làm lại căn cước bị mất ở đâu?" —
the whole message scores low against every phrasing (most of its words are the situation), while its
last sentence alone is a plain question the catalogue knows.
"""

from __future__ import annotations

import re

LONG_MESSAGE = 12  # words; shorter messages are one question already
MAX_PARTS = 8  # each part is a search of its own: a message of a hundred commas must not cost a hundred

# Sentence ends, and the openers that announce the question ("cho hỏi", "xin hỏi", "hỏi luôn"), typed with
# or without accents.
_BREAKS = re.compile(
    r"[.!?:;\n]+"
    r"|\b(?:cho (?:em |tôi |toi |cháu |chau |mình |minh |con |tui )?|muốn |muon |xin |mạn phép |man phep )h[oỏ]i\b"
    r"|\bh[oỏ]i (?:chút|chut|luôn|luon|giùm|gium|giúp|giup|thăm|tham)\b",
    re.IGNORECASE,
)


def sentences(message: str) -> list[str]:
    """The message's sentences, and their tails after each comma, of two words or more: last first (the
    question tends to come last), shortest first, at most ``MAX_PARTS``; none for a short message.
    Built from the end and stopped at ``MAX_PARTS``: a message of ten thousand commas costs no more."""
    if len(message.split()) < LONG_MESSAGE:
        return []
    whole = message.strip(" ,-")
    out: list[str] = []
    for sentence in reversed(_BREAKS.split(message)):
        # Within a sentence the situation is often a clause or two before a comma: "mẹ em già yếu, nhà xa
        # xã, làm căn cước ở đâu". Each tail after a comma is a candidate too, the shortest first.
        tail = ""
        for clause in reversed(sentence.split(",")):
            clause = clause.strip(" -")
            if not clause:
                continue
            tail = f"{clause}, {tail}" if tail else clause
            if len(tail.split()) >= 2 and tail != whole and tail not in out:
                out.append(tail)
                if len(out) == MAX_PARTS:
                    return out
    return out
