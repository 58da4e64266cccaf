"""The conversation core: "this person, on this channel, wrote this (or tapped this)" → what to say.

Channel-neutral: no Telegram, no aiohttp, no Zalo. Every channel gets the same decisions from here —
answer, part of an answer, follow-up on the previous topic, choices, a question back, an honest
no-answer — and the same records, learning candidates and flood limits. Records are written beside the
reply and may fail without the citizen noticing.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

from bot import texts
from bot.conversation.memory import Memory, Person, Recent
from bot.conversation.replies import Answer, AskBack, Choices, NoAnswer, Notice, Place, Reply
from bot.flood import FloodGuard
from bot.metrics import METRICS
from bot.records import Recorder, safely
from bot.redact import holds_identifiers
from knowledge import Candidate, Entry, Index, SearchResult, Status, merger
from knowledge.normalize import words

log = logging.getLogger("tro_ly_so.conversation")
FOLLOW_UP_SECONDS = 600.0  # a follow-up refers to the topic answered within the last 10 minutes
FOLLOW_UP_WORDS = 12  # longer messages say what they are about; they are not carried over
# Channels that show an answer's "Xem thêm" as numbered lines (Zalo's texts, the terminal); Telegram and the
# web show buttons and links, so a "1" typed there after an answer is a question, as it always was.
NUMBERED_CHANNELS = frozenset({"zalo", "cli"})
# What a message carrying an ID card, phone or account number gets when nothing else answers it: no lookup
# exists, and such numbers should not be sent at all. Absent from a catalogue: the usual no-answer.
PRIVACY_ENTRY = "tro-ly-khong-hoi-thong-tin-ca-nhan"


class Conversation:
    def __init__(
        self,
        index: Callable[[], Index],
        recorder: Recorder,
        flood: FloodGuard,
        clock: Callable[[], float] = time.monotonic,
        memory: Memory | None = None,
        recording: bool = True,
        home_province: str = "Kon Tum",
    ) -> None:
        self.home_province = home_province  # the old province assumed when an address names none
        self.recording = recording  # False: nothing is recorded, and no reply may say it was
        self._index = index  # read per turn: a reload swaps the index
        self.recorder = recorder
        self.flood = flood
        self.clock = clock
        self.memory = memory or Memory()

    # -- turns --------------------------------------------------------------------------------

    def allow(self, channel: str, user: str | int) -> Notice | None:
        """None if the person may be answered now; a "slow down" notice once per burst; else a silent
        notice (kind "flooded") that channels drop."""
        person = (channel, str(user))
        if self.flood.allow(person):
            return None
        if self.flood.warn(person):
            return Notice("slow_down", texts.SLOW_DOWN)
        return Notice("flooded", "")

    def ask(self, channel: str, user: str | int, text: str) -> Reply:
        """A typed message. The caller has checked ``allow`` (so a channel can put its own checks between)."""
        text = text.strip()
        if not words(text):  # nothing, or only emoji and punctuation: no question to search or record
            return Notice("empty", texts.EMPTY_QUESTION)
        person = (channel, str(user))
        recent = self.memory.get(person)
        listed = recent.choices and self.clock() - recent.choices_at <= FOLLOW_UP_SECONDS
        if listed and text.isdecimal():  # isdigit() would let "²" through to int()
            number, n = int(text), len(recent.choices)
            if 1 <= number <= n:
                # The list stays open: "1", then "3", both work until the next question.
                chosen = recent.choices[number - 1]
                if chosen.startswith(merger.CHOICE_PREFIX):
                    return self.place_choice(channel, user, chosen)
                return self.open(channel, user, chosen, from_choices=number <= recent.choices_learn, listed=True)
            if len(text) <= 2:
                # "5" under a list of 3: a slip of the finger, not a question to search and record.
                return Notice("out_of_range", texts.CHOOSE_IN_RANGE.format(n=n) if n > 1 else texts.CHOOSE_THE_ONE)
        index = self._index()
        small_talk = index.small_talk.kind(text)
        if small_talk is not None:
            # "cảm ơn", "xin chào": a polite word, not an unanswered question for the administrators. The
            # topic and the choices stay, so "thế lệ phí bao nhiêu" after "cảm ơn" still follows them.
            METRICS.question(channel, "small_talk")
            if small_talk == "not_helped":
                self._disown(channel, user, recent)
            return Notice(small_talk, texts.SMALL_TALK[small_talk])
        now = self.clock()
        found = self._place(index, text, recent, now)
        if found is not None:
            reply, kept = found  # the address is personal data: records keep only the commune-level summary
            recorded = SearchResult(kept, Status(reply.status), None)
        else:
            kept = text
            reply, recorded = self._decide(index, recent, text, index.search(text), now)
        METRICS.question(channel, recorded.status.value)
        safely("question", self.recorder.question, channel=channel, user_id=user, text=kept, result=recorded)
        self._remember(recent, reply, text, recorded, now, channel)
        return reply

    def open(
        self, channel: str, user: str | int, entry_id: str, *, from_choices: bool = False, listed: bool = False
    ) -> Reply:
        """A tapped entry (a choice, a related topic, a deep link). A tap on a choice teaches a phrasing.
        ``listed``: picked by its number from a list that stays open; the answer's own offers continue its
        numbers ("1"–"3" still pick the choices, "4" opens the topic's other entry)."""
        index = self._index()
        entry = index.catalogue.entries.get(entry_id)
        if entry is None:
            return Notice("unknown_entry", texts.UNKNOWN_ENTRY)
        recent = self.memory.get((channel, str(user)))
        if from_choices and recent.question:
            safely("candidate", self.recorder.candidate, question=recent.question, entry_id=entry_id, source="tap")
        reply = self._answer(index, entry, recent.parts_pending if listed or from_choices else ())
        recent.parts_pending = ()
        now = self.clock()
        recent.topic_entry, recent.topic_at = entry.id, now
        if listed or from_choices:
            recent.best = entry.id  # picked after the question: a typed 👍 is about this one, and pairs with it
        offers = _numbered_offers(channel, reply)
        if listed and offers:
            kept = recent.choices[: recent.choices_open]
            reply = dataclasses.replace(reply, first_number=len(kept) + 1)
            recent.choices, recent.choices_at = kept + offers, now
        elif offers:
            recent.choices, recent.choices_at, recent.choices_open, recent.choices_learn = offers, now, len(offers), 0
        return reply

    def place_choice(self, channel: str, user: str | int, payload: str) -> Reply:
        """A tapped (or numbered) choice of a merger reply: one of the old communes, an office, a reverse list."""
        try:
            found = merger.handle_choice(payload, self.home_province)
        except Exception:
            log.exception("merger choice failed")
            found = None
        if found is None:
            return Notice("unknown_entry", texts.STALE_BUTTON)
        place = _place_reply(self._index(), found)
        recent = self.memory.get((channel, str(user)))
        recent.choices, recent.choices_at = place.choice_keys, self.clock()
        recent.choices_open, recent.choices_learn = len(recent.choices), 0
        return place

    def _place(self, index: Index, text: str, recent: Recent, now: float) -> tuple[Place, str] | None:
        """The merger's answer, when the message is about an old address or a commune office, or names the
        commune just asked for ("xã Đăk Hà" after "Bạn hỏi UBND của xã, phường nào?")."""
        try:
            found = None
            if recent.office_asked and now - recent.choices_at <= FOLLOW_UP_SECONDS:
                found = merger.office_follow_up(recent.office_asked, text, self.home_province)
            if found is None:
                found = merger.answer(text, self.home_province)
        except Exception:  # open data and a parser: never let them cost the citizen an answer
            log.exception("merger lookup failed")
            return None
        if found is None:
            return None
        return _place_reply(index, found), found.record_text or "[địa chỉ sau sáp nhập]"

    def _disown(self, channel: str, user: str | int, recent: Recent) -> None:
        """ "sai rồi", "vẫn không được" after an answer: a 👎 for it, paired with its question, and its topic
        no longer carries follow-ups (the next "mất bao lâu" must not be about what the person rejected)."""
        if recent.topic_entry and self.clock() - recent.topic_at <= FOLLOW_UP_SECONDS:
            self.feedback(channel, user, recent.topic_entry, helpful=False)
        recent.topic_entry = None

    def feedback(self, channel: str, user: str | int, entry_id: str, helpful: bool) -> None:
        """👍/👎 on an answer, paired with the question it answered when that is still known."""
        recent = self.memory.peek((channel, str(user)))
        asked = recent is not None and recent.best == entry_id and recent.question
        question, score = (recent.question, recent.score) if asked else (None, None)
        safely(
            "feedback",
            self.recorder.feedback,
            channel=channel,
            user_id=user,
            entry_id=entry_id,
            helpful=helpful,
            question=question,
            score=score,
        )
        if helpful and question:
            safely("candidate", self.recorder.candidate, question=question, entry_id=entry_id, source="helpful")

    def last_answer(self, channel: str, user: str | int) -> str | None:
        """The entry this person was last answered with (for 👍/👎 typed on channels without buttons)."""
        recent = self.memory.peek((channel, str(user)))
        return recent.best if recent else None

    def last_question(self, channel: str, user: str | int) -> str | None:
        recent = self.memory.peek((channel, str(user)))
        return recent.question if recent else None

    def forget(self, channel: str, user: str | int) -> None:
        """The person cleared the conversation (a shared phone, a new subject): the next short question
        must not be carried over to a topic they can no longer see. Records are not touched."""
        self.memory.forget((channel, str(user)))

    # -- decisions ----------------------------------------------------------------------------

    def _decide(
        self, index: Index, recent: Recent, text: str, result: SearchResult, now: float
    ) -> tuple[Reply, SearchResult]:
        if result.status is Status.ANSWERED and result.best:
            return self._answer(index, result.best.entry, result.parts, result=result), result
        previous = None
        if recent.topic_entry and now - recent.topic_at <= FOLLOW_UP_SECONDS:
            previous = index.catalogue.entries.get(recent.topic_entry)
        if previous is not None and result.uncovered and not index.mentions(previous.id, result.uncovered):
            # A service without a guide ("còn hộ chiếu thì sao") is a subject of its own, unless the topic
            # before speaks of it ("người có công có được giảm phí không" after the criminal-record certificate).
            previous = None
        short = len(words(text)) <= FOLLOW_UP_WORDS
        if result.fragment and result.parts and _choosing(recent, now):
            # "lệ phí bao nhiêu" right under "Có phải bạn muốn hỏi": about one of those, not the topic before
            # them; the number picked next answers that part.
            return AskBack(result.parts, result, choosing=True), result
        if previous is not None and short and result.parts and result.fragment:
            return self._carry(index, previous, result)
        if previous is not None and short and not result.fragment:
            # A variation of the previous topic ("còn bị mất thì sao" after the licence renewal) or a new
            # subject in follow-up words ("còn khai tử thì sao" after the birth). Only in a conversation: on
            # first messages the retry without follow-up words answered 69 leave-one-out phrasings the
            # search left as choices or unanswered, 23 of them wrongly (precision 67%; the search's own
            # answers 94%). A message suggesting topics of its own with no follow-up words ("căn cước") is
            # a new subject: it gets its choices.
            if result.case == "same":
                # "quá hạn thì sao", "ở đâu" after the birth registration: a case of that very procedure. On the
                # pairs this was written from ("generic", "case2"), right 10 times of 11.
                return self._carry(index, previous, result)
            bare = index.topic_words(text)  # "" when it has no follow-up words
            if result.status is Status.UNANSWERED or bare:
                found = _variation(index, previous, text, bare, result)
                if found is not None:
                    entry, parts, carried, recorded = found
                    reply = self._answer(index, entry, parts, result=result, carried_from=previous if carried else None)
                    return reply, (_carried(result, reply) if carried else recorded)
            mine = index.catalogue.topic(previous.id)
            if result.case and any(index.catalogue.topic(c.entry.id) == mine for c in result.ranked):
                # "hết hạn thì sao" after the licence re-issue, whose renewal it came near.
                return self._carry(index, previous, result)
            if result.case:
                # Still unclear: the choices the message reads to with the topic before, not alone ("hết hạn
                # thì sao" after the temporary stay offered the driving licence first, its renewal second).
                combined = index.search(f"{previous.title} {text}")  # memoized: _variation asked it
                near = tuple(c.entry for c in combined.ranked if index.catalogue.topic(c.entry.id) != mine)
                if near:
                    return Choices(near[:3], result), result
            if result.parts and result.status is not Status.ANSWERED and index.within_topic(text, previous.id):
                # A part of the same topic for one case of it ("sinh viên có được giảm không" after the
                # criminal-record certificate): its words are all in that topic's text, so its part answers.
                return self._carry(index, previous, result)
        unanswered = result.status is Status.UNANSWERED and not result.fragment
        privacy = index.catalogue.entries.get(PRIVACY_ENTRY) if unanswered and holds_identifiers(text) else None
        if privacy is not None:
            # "số cccd của tôi là 0791… tra giúp": no lookup exists, and the number should not be sent at all.
            return self._answer(index, privacy, result=result), result
        if result.fragment:
            # "thế thì sao" after a procedure: ask which of its parts; after an FAQ there are none to name.
            about = None
            if previous is not None and not result.parts:
                about = previous if _procedure_of(previous, index.catalogue.same_topic(previous.id)) else None
            return AskBack(result.parts, result, about), result
        if result.status is Status.SUGGESTED:
            return Choices(tuple(c.entry for c in result.choices), result), result
        return NoAnswer(tuple(c.entry for c in result.suggestions), result, recorded=self.recording), result

    def _carry(self, index: Index, previous: Entry, result: SearchResult) -> tuple[Reply, SearchResult]:
        """The previous topic answers the message (the parts it asks, if any), said so ("Về «…»:")."""
        reply = self._answer(index, previous, result.parts, result=result, carried_from=previous)
        return reply, _carried(result, reply)

    def _answer(
        self,
        index: Index,
        entry: Entry,
        parts: tuple[str, ...] = (),
        *,
        result: SearchResult | None = None,
        carried_from: Entry | None = None,
    ) -> Answer:
        related = tuple(index.catalogue.same_topic(entry.id))
        if parts and not entry.is_procedure:
            # Parts live in the topic's procedure; an FAQ entry without one answers whole, and so does one
            # whose phrasing that matched asks the same part: staff wrote it for this very question ("làm
            # sao biết xe mình có bị phạt không" got "Xử phạt: chưa có thông tin" of the fine-paying
            # procedure instead of the FAQ on looking fines up).
            procedure = _procedure_of(entry, related)
            found = result.best if result is not None else None
            written_for = found.asks if found is not None and found.entry.id == entry.id else frozenset()
            if procedure is None or written_for & set(parts):
                parts = ()
            else:
                entry, related = procedure, tuple(index.catalogue.same_topic(procedure.id))
        return Answer(entry, parts, carried_from, related, result)

    def _remember(
        self, recent: Recent, reply: Reply, text: str, recorded: SearchResult, now: float, channel: str
    ) -> None:
        if isinstance(reply, AskBack) and reply.choosing:
            recent.parts_pending = reply.parts  # the list, and the question it was offered for, stay
            return
        recent.parts_pending = ()
        recent.question, recent.score = text, recorded.score
        recent.best = recorded.best.entry.id if recorded.best else None
        recent.choices, recent.choices_at, recent.choices_learn = (), now, 0
        recent.office_asked = reply.follow_up if isinstance(reply, Place) else ""
        if isinstance(reply, Answer):
            recent.topic_entry, recent.topic_at = reply.entry.id, now
            recent.best = reply.entry.id
            recent.choices = _numbered_offers(channel, reply)
        elif isinstance(reply, Choices):
            recent.choices, recent.choices_learn = tuple(e.id for e in reply.entries), len(reply.entries)
        elif isinstance(reply, NoAnswer):
            recent.choices = tuple(e.id for e in reply.closest)
            if recorded.uncovered:
                # The conversation moved to a service without a guide: "lệ phí bao nhiêu" next is about
                # that service, not the topic answered before it.
                recent.topic_entry = None
        elif isinstance(reply, Place):
            recent.question = None  # an address: never a phrasing to learn, never paired with feedback
            recent.choices = reply.choice_keys
        recent.choices_open = len(recent.choices)


def _numbered_offers(channel: str, answer: Answer) -> tuple[str, ...]:
    """The entry ids "1", "2"… open after this answer: only where the channel shows them as numbers."""
    return tuple(e.id for e in answer.offers) if channel in NUMBERED_CHANNELS else ()


def _variation(
    index: Index, previous: Entry, text: str, bare: str, result: SearchResult
) -> tuple[Entry, tuple[str, ...], bool, SearchResult] | None:
    """The entry a short message in a conversation is about, read with the previous topic's title; None
    when it stays unclear. (entry, parts, carried from the previous topic, what records keep)."""
    topic = index.catalogue.topic
    mine = topic(previous.id)
    combined = index.search(f"{previous.title} {text}")
    alone = index.search(bare) if bare else None
    # The previous topic set aside (its title's words match it anyway), the combined reading's first topic
    # counts when it is answered or clear of the rest, and the message itself came near it.
    others = [c for c in combined.ranked if topic(c.entry.id) != mine]
    near = {topic(c.entry.id) for c in (*result.ranked, *(alone.ranked if alone else ()))}
    if others and topic(others[0].entry.id) in near:
        first, t = others[0], index.thresholds
        runner = others[1].score if len(others) > 1 else 0.0
        answered = combined.status is Status.ANSWERED and combined.best is first
        # "còn bị mất thì sao" after the card exchange: a case alone is never answered, but where the message's
        # own first choice is the combined reading's, the two agree on the re-issue.
        agreed = result.case and bool(result.ranked) and topic(result.ranked[0].entry.id) == topic(first.entry.id)
        if answered or agreed or (first.score >= t.answer and first.score - runner >= t.clear):
            return first.entry, combined.parts, True, combined
    # The words without "còn … thì sao", answered on their own, when the combined reading came near too.
    if (
        alone is not None
        and not (combined.status is Status.ANSWERED and combined.best and topic(combined.best.entry.id) == mine)
        and alone.status is Status.ANSWERED
        and alone.best
        and not alone.fragment
        and topic(alone.best.entry.id) in {topic(c.entry.id) for c in combined.ranked}
    ):
        return alone.best.entry, result.parts, False, alone
    return None


_PLACE_STATUS = {"converted": "answered", "reverse": "answered", "office": "answered", "ambiguous": "suggested"}


def _place_reply(index: Index, found: merger.MergerReply) -> Place:
    entries = index.catalogue.entries
    return Place(
        kind=found.kind,
        text=found.text,
        choices=tuple(found.choices),
        related=tuple(entries[i] for i in found.related_entry_ids if i in entries),
        offer_handoff=found.offer_handoff,
        follow_up=found.follow_up,
        status=_PLACE_STATUS.get(found.kind, "unanswered"),
    )


def _carried(result: SearchResult, reply: Answer) -> SearchResult:
    """What records keep of a follow-up: answered, with the entry it was answered from."""
    best = Candidate(reply.entry, f"(tiếp nối) {reply.carried_from.title if reply.carried_from else ''}", result.score)
    return SearchResult(result.question, Status.ANSWERED, best, (), None, result.parts, result.fragment)


def _choosing(recent: Recent, now: float) -> bool:
    """Whether "Có phải bạn muốn hỏi" is the last thing offered, and still open."""
    return (
        bool(recent.choices_learn)
        and recent.choices_at >= recent.topic_at
        and now - recent.choices_at <= FOLLOW_UP_SECONDS
    )


def _procedure_of(entry: Entry, others: Sequence[Entry]) -> Entry | None:
    """Where a topic's parts live: the entry itself, or the procedure among the topic's ``others``; None
    for an FAQ alone."""
    return entry if entry.is_procedure else next((e for e in others if e.is_procedure), None)


__all__ = ["Conversation", "Person"]
