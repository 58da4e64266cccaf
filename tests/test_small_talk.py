"""Greetings, thanks, "ok" and goodbyes get a polite word back, are not searched and are not recorded as
unanswered questions; a message with one word more is a question as before."""

from __future__ import annotations

import pytest

from bot import texts
from bot.conversation import Answer, Notice
from knowledge.loader import read_lexicon
from knowledge.small_talk import SmallTalk
from tests.telegram_harness import play
from tests.test_conversation import make, web


@pytest.fixture(scope="module")
def small_talk() -> SmallTalk:
    lexicon, problems = read_lexicon()
    assert problems == []
    return SmallTalk(lexicon.small_talk)


@pytest.mark.parametrize(
    "text,kind",
    [
        ("cảm ơn", "thanks"),
        ("Cám ơn bạn nhiều nhé!", "thanks"),
        ("cam on ad", "thanks"),
        ("thanksss", "thanks"),
        ("ok cảm ơn nhé", "thanks"),  # several kinds: thanks first
        ("xin chào", "greeting"),
        ("Chào bạn", "greeting"),
        ("alo", "greeting"),
        ("hi ad", "greeting"),
        ("chào tạm biệt", "bye"),  # the longer phrase, not "chào"
        ("tạm biệt nhé", "bye"),
        ("okkk", "ok"),
        ("dạ vâng ạ", "ok"),
        ("uh hiểu rồi", None),  # "uh" is not in the list
        ("bot ơi", "greeting"),  # someone calling before the question comes
        ("Ad oi", "greeting"),
        ("chị ơi cho em hỏi", "greeting"),
        ("cho hỏi", "greeting"),
        ("sai rồi", "not_helped"),  # after an answer: sorry, a 👎, another way to ask or a person
        ("Vẫn không được ạ", "not_helped"),
        ("cảm ơn, vẫn không được", "not_helped"),  # several kinds: the complaint first
        ("không phải cái này", "not_helped"),
    ],
)
def test_messages_that_are_only_small_talk(small_talk, text, kind):
    assert small_talk.kind(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "cảm ơn, còn lệ phí thì sao",
        "chào bạn, cho hỏi làm căn cước ở đâu",
        "ok vậy nộp ở đâu",
        "bạn là ai",
        "bạn",  # only words that come along: no kind
        "vậy",
        "bot ơi làm căn cước ở đâu",
        "cho hỏi lệ phí căn cước",
        "sai ngày sinh rồi",  # a question about a wrong birth date, not a complaint
        "không phải đăng ký tạm trú à",
        "",
        "🙂",
        "cảm ơn " * 20,  # too long to be only a greeting
    ],
)
def test_anything_more_is_not_small_talk(small_talk, text):
    assert small_talk.kind(text) is None


def test_an_unknown_kind_in_the_lexicon_is_a_problem_with_its_line(write_yaml):
    path = write_yaml(
        "lexicon.yaml",
        """
        abbreviations: {}
        synonyms: {}
        fillers: []
        small_talk:
          thanks:
            - cảm ơn
          cheers:
            - dzô
        """,
    )
    lexicon, problems = read_lexicon(path)
    assert [(p.line, "cheers" in p.message) for p in problems] == [(7, True)]
    assert dict(lexicon.small_talk) == {"thanks": ("cảm ơn",)}


def test_core_answers_small_talk_politely_records_nothing_and_keeps_the_topic(index):
    conv, rec, _ = make(index)
    first = conv.ask("web", "v", "thủ tục cấp đổi căn cước")
    assert isinstance(first, Answer)
    thanks = conv.ask("web", "v", "cảm ơn bạn nhiều")
    assert thanks == Notice("thanks", texts.SMALL_TALK["thanks"])
    follow = conv.ask("web", "v", "thế lệ phí bao nhiêu?")  # still about the card
    assert isinstance(follow, Answer) and follow.entry.id == first.entry.id and follow.parts == ("fee",)
    assert conv.ask("web", "v", "🙂👍") == Notice("empty", texts.EMPTY_QUESTION)
    assert [q["text"] for q in rec.questions] == ["thủ tục cấp đổi căn cước", "thế lệ phí bao nhiêu?"]


def test_telegram_greeting_and_thanks(index):
    async def scenario(fake, app, rec):
        fake.text("xin chào")
        [hello] = await fake.wait_for("sendMessage")
        assert hello.params["text"].startswith("Xin chào") and "Trợ lý số" in hello.params["text"]
        sectors = [b["text"] for row in hello.params["reply_markup"]["inline_keyboard"] for b in row]
        assert len(sectors) >= 5  # the same welcome as /start, with the sectors to browse
        fake.text("ok cam on nhe")
        thanks = (await fake.wait_for("sendMessage", 2))[1]
        assert thanks.params["text"] == texts.SMALL_TALK["thanks"]
        assert rec.questions == []

    play(index, scenario)


def test_web_chat_goodbye(index):
    async def scenario(client, rec):
        r = await client.post("/api/ask", json={"q": "tạm biệt nhé"})
        assert "chúc bạn một ngày tốt lành" in (await r.json())["html"]
        assert rec.questions == []

    web(index, scenario)


def test_web_chat_sai_roi_reads_as_paragraphs_with_the_portal_as_a_link(index):
    async def scenario(client, rec):
        await client.post("/api/ask", json={"q": "quên mật khẩu vneid"})
        html = (await (await client.post("/api/ask", json={"q": "sai rồi"})).json())["html"]
        assert html.count("<p>") == 2 and '<a href="https://dichvucong.gov.vn"' in html
        assert [f["helpful"] for f in rec.feedbacks] == [False]

    web(index, scenario)
