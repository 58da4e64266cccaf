"""Greetings, thanks, "ok", goodbyes: messages that ask nothing and deserve a polite word, not a search.

"cảm ơn", "xin chào", "ok ạ" were searched like questions: their words are all fillers, so they ended as
"Xin lỗi, trợ lý chưa có câu trả lời" and as unanswered questions in the administrators' review. A message
is small talk only when every word of it belongs to the lexicon's ``small_talk`` phrases; one other word
("cảm ơn, còn lệ phí thì sao") and it is a question as before.
"""

from __future__ import annotations

from collections.abc import Mapping

from knowledge import syllable
from knowledge.normalize import REPEATED_LETTER, words

# What a message that is only small talk gets answered as, when it holds several kinds ("ok cảm ơn nhé"
# is thanks; "cảm ơn nhưng vẫn không được" is not_helped). ``with``: words that come along with any of
# them ("bạn", "nhiều", "ad") and name no kind.
KINDS = ("not_helped", "thanks", "bye", "greeting", "ok")
WITH = "with"
MAX_WORDS = 12  # a longer message is never only a greeting
VOCATIVE = "oi"  # "ơi", folded


def _key(word: str) -> str:
    # Accent-free, runs of one letter folded ("okkk", "thanksss", "chàooo"): phrases and messages alike.
    return REPEATED_LETTER.sub(r"\1", syllable.fold(word))


class SmallTalk:
    def __init__(self, phrases: Mapping[str, tuple[str, ...]]) -> None:
        table = {tuple(_key(w) for w in words(p)): kind for kind, ps in phrases.items() for p in ps}
        table.pop((), None)
        # By first word (every message is checked, most at their first word), longest first, so that "chào
        # tạm biệt" is a goodbye before "chào" can be a greeting.
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, kind in sorted(table.items(), key=lambda item: -len(item[0])):
            self._by_first.setdefault(phrase[0], []).append((phrase, kind))

    def kind(self, text: str) -> str | None:
        """ "not_helped", "thanks", "bye", "greeting" or "ok" when the message is only that; None otherwise."""
        raw = words(text)
        if not raw or len(raw) > MAX_WORDS or _key(raw[0]) not in self._by_first:
            return None  # most messages: their first word already says they are questions
        typed = [_key(w) for w in raw]
        found: set[str] = set()
        at = 0
        while at < len(typed):
            for phrase, kind in self._by_first.get(typed[at], ()):
                if tuple(typed[at : at + len(phrase)]) == phrase:
                    found.add(kind)
                    at += len(phrase)
                    break
            else:
                return None  # a word that is not small talk: a question
        if found == {WITH} and VOCATIVE in typed:
            return "greeting"  # "bot ơi", "ad ơi": someone calling, before the question comes
        return next((kind for kind in KINDS if kind in found), None)
