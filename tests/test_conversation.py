"""The conversation core, and the same conversation on Telegram (real PTB + fake Bot API) and the web chat."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import texts
from bot.channels.telegram import callbacks
from bot.cli import follow_up_counts
from bot.config import Settings
from bot.conversation import Answer, AskBack, Choices, Conversation, NoAnswer, Notice
from bot.engine import Engine
from bot.flood import FloodGuard
from bot.render_text import render_reply
from bot.web import build_web_app
from knowledge import Status
from knowledge.evaluation import read_question_set
from tests.telegram_harness import MemoryRecorder, play


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(index, limit: int = 100):
    recorder, clock = MemoryRecorder(), Clock()
    return Conversation(lambda: index, recorder, FloodGuard(limit, 30, clock), clock), recorder, clock


def test_a_part_follows_the_topic_of_the_last_ten_minutes(index):
    conv, rec, clock = make(index)
    first = conv.ask("web", "v1", "thủ tục cấp đổi căn cước")
    assert isinstance(first, Answer) and first.entry.id == "thu-tuc-cap-doi-can-cuoc"
    clock.now += 300
    follow = conv.ask("web", "v1", "thế lệ phí bao nhiêu?")
    assert isinstance(follow, Answer)
    assert follow.entry.id == "thu-tuc-cap-doi-can-cuoc" and follow.parts == ("fee",)
    assert follow.carried_from.id == "thu-tuc-cap-doi-can-cuoc"
    assert rec.questions[-1]["result"].status.value == "answered"  # records say it was answered
    clock.now += 601
    late = conv.ask("web", "v1", "làm online được không")
    assert isinstance(late, AskBack) and late.parts == ("online",)


def test_each_person_has_their_own_topic(index):
    conv, _, _ = make(index)
    conv.ask("web", "a", "thủ tục cấp đổi căn cước")
    assert isinstance(conv.ask("web", "b", "mất bao lâu"), AskBack)
    assert isinstance(conv.ask("telegram", "a", "mất bao lâu"), AskBack)  # another channel, another person


def test_a_message_with_its_own_topic_wins_over_the_carry_over(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "thủ tục cấp đổi căn cước")
    reply = conv.ask("web", "v", "đăng ký tạm trú mất bao lâu")
    assert isinstance(reply, Answer) and reply.carried_from is None
    assert reply.entry.id == "thu-tuc-dang-ky-tam-tru" and reply.parts == ("processing_time",)
    assert "03 ngày làm việc" in reply.entry.processing_time


@pytest.mark.parametrize(
    ("first", "then", "entry_id", "parts"),
    [
        # Overlapping cues ("hết bao nhiêu" + "bao nhiêu tiền"): was answered on its own with the card's fee.
        ("đăng ký tạm trú", "hết bao nhiêu tiền", "thu-tuc-dang-ky-tam-tru", ("fee",)),
        # A deadline the citizen keeps is in the procedure's time ("15 ngày trước khi hết thời hạn"): was
        # "no answer".
        ("gia hạn tạm trú", "chậm nhất là khi nào phải làm", "thu-tuc-gia-han-tam-tru", ("processing_time",)),
        # Were choices of civil-status procedures: "giấy khai sinh" named them, and "phải mang" was no cue.
        (
            "làm căn cước cho con 10 tuổi",
            "có phải mang giấy khai sinh không",
            "thu-tuc-can-cuoc-cho-tre-duoi-14",
            ("documents",),
        ),
    ],
)
def test_a_part_asked_after_a_procedure_is_that_procedures_part(index, first, then, entry_id, parts):
    conv, _, _ = make(index)
    conv.ask("web", "v", first)
    reply = conv.ask("web", "v", then)
    assert isinstance(reply, Answer) and reply.carried_from is not None
    assert reply.entry.id == entry_id and reply.parts == parts


def test_paying_a_fine_is_the_fine_procedure_not_the_penalty_part(index):
    # "nộp phạt" was a penalty cue: "nộp phạt ở đâu" after the fine look-up answered "Xử phạt: chưa có
    # thông tin", and on its own it was only a choice.
    assert index.search("nộp phạt ở đâu").status is Status.ANSWERED
    conv, _, _ = make(index)
    conv.ask("web", "v", "tra cứu phạt nguội")
    reply = conv.ask("web", "v", "nộp phạt ở đâu")
    assert isinstance(reply, Answer) and "penalty" not in reply.parts
    assert index.catalogue.topic(reply.entry.id) == index.catalogue.topic("thu-tuc-nop-phat-giao-thong")


def test_a_variation_is_resolved_against_the_previous_topic(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "thủ tục cấp căn cước lần đầu")
    reply = conv.ask("web", "v", "còn cho con dưới 14 tuổi thì sao")
    assert isinstance(reply, Answer) and "14" in reply.entry.title


def test_a_new_subject_in_follow_up_words_is_not_carried(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "đăng ký khai sinh")
    reply = conv.ask("web", "v", "còn khai tử thì sao")
    assert isinstance(reply, Answer) and reply.carried_from is None
    assert "khai tử" in reply.entry.title.lower()


def test_a_part_asked_of_an_faq_entry_comes_from_its_procedure(index):
    conv, _, _ = make(index)
    first = conv.ask("web", "v", "mất căn cước")
    assert isinstance(first, Answer) and first.entry.id == "mat-can-cuoc"
    assert [e.id for e in first.related] == ["thu-tuc-cap-lai-can-cuoc"]
    reply = conv.ask("web", "v", "cần giấy tờ gì")
    assert reply.entry.id == "thu-tuc-cap-lai-can-cuoc" and reply.parts == ("documents",)


def test_choices_can_be_picked_by_number_and_teach_a_phrasing(index):
    conv, rec, _ = make(index)
    reply = conv.ask("zalo", "u", "căn cước")
    assert isinstance(reply, Choices) and len(reply.entries) >= 2
    picked = conv.ask("zalo", "u", "2")
    assert isinstance(picked, Answer) and picked.entry.id == reply.entries[1].id
    assert rec.candidates == [{"question": "căn cước", "entry_id": reply.entries[1].id, "source": "tap"}]


def test_a_part_asked_under_choices_is_about_one_of_them_and_the_pick_answers_it(index):
    conv, rec, clock = make(index)
    conv.ask("zalo", "u", "quên mật khẩu vneid")  # a topic answered before the choices
    clock.now += 30
    choices = conv.ask("zalo", "u", "đổi cccd")
    assert isinstance(choices, Choices) and choices.entries[0].id == "thu-tuc-cap-doi-can-cuoc"
    asked = conv.ask("zalo", "u", "lệ phí bao nhiêu")  # not the VNeID password's fee
    assert isinstance(asked, AskBack) and asked.choosing and "mục nào ở trên" in render_reply(asked)
    picked = conv.ask("zalo", "u", "1")
    assert isinstance(picked, Answer) and picked.entry.id == "thu-tuc-cap-doi-can-cuoc" and picked.parts == ("fee",)
    # the pick teaches the question the choices were offered for, not "lệ phí bao nhiêu"
    assert rec.candidates == [{"question": "đổi cccd", "entry_id": "thu-tuc-cap-doi-can-cuoc", "source": "tap"}]
    again = conv.ask("zalo", "u", "thủ tục cấp lại giấy phép lái xe")
    assert isinstance(again, Answer) and again.parts == ()  # the part asked once is not kept


def test_an_id_number_nothing_answers_gets_the_privacy_entry_and_stays_unanswered_in_records(index):
    conv, rec, _ = make(index)
    reply = conv.ask("web", "v", "số cccd của tôi là 079123456789 tra giúp")  # there is no lookup
    assert isinstance(reply, Answer) and reply.entry.id == "tro-ly-khong-hoi-thong-tin-ca-nhan"
    assert rec.questions[-1]["result"].status.value == "unanswered"  # still in the administrators' review
    plate = conv.ask("web", "w", "xe biển 82B1-123.45 giá bao nhiêu")  # a plate is not an identity number
    assert not isinstance(plate, Answer) or plate.entry.id != "tro-ly-khong-hoi-thong-tin-ca-nhan"
    choices = conv.ask("web", "x", "sđt 0905123456 đăng ký vneid rồi mà không nhận được otp")
    assert isinstance(choices, Choices)  # choices that may help are kept


def test_thanks_then_a_part_in_one_message_follows_the_topic(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "thủ tục đăng ký kết hôn")
    reply = conv.ask("web", "v", "cảm ơn, cho hỏi thêm lệ phí bao nhiêu")  # was the residence fee entry
    assert isinstance(reply, Answer) and reply.entry.id == "thu-tuc-dang-ky-ket-hon" and reply.parts == ("fee",)


def test_no_answer_is_honest_and_recorded(index):
    conv, rec, _ = make(index)
    reply = conv.ask("web", "v", "giá vàng hôm nay")
    assert isinstance(reply, NoAnswer) and reply.recorded
    assert rec.questions[-1]["channel"] == "web"


def test_flood_limit_warns_once_then_stays_silent(index):
    conv, _, clock = make(index, limit=3)
    assert [conv.allow("web", "v") for _ in range(3)] == [None, None, None]
    first = conv.allow("web", "v")
    assert isinstance(first, Notice) and first.text == texts.SLOW_DOWN
    assert conv.allow("web", "v").text == ""
    clock.now += 31
    assert conv.allow("web", "v") is None


def test_helpful_feedback_pairs_with_the_question(index):
    conv, rec, _ = make(index)
    reply = conv.ask("web", "v", "mất căn cước phải làm sao")
    conv.feedback("web", "v", reply.entry.id, True)
    assert rec.candidates[-1] == {
        "question": "mất căn cước phải làm sao",
        "entry_id": reply.entry.id,
        "source": "helpful",
    }


# -- the same conversation on Telegram and the web chat ------------------------------------------

SCRIPT = ["thủ tục cấp đổi căn cước", "thế lệ phí bao nhiêu?", "mất bao lâu", "giá vàng hôm nay"]


def test_telegram_part_follow_up_and_buttons(index):
    async def scenario(fake, app, rec):
        for i, text in enumerate(SCRIPT, 1):
            fake.text(text)
            await fake.wait_for("sendMessage", count=i)
        calls = fake.sent("sendMessage")
        assert calls[0].params["text"].startswith("<b>Thủ tục cấp đổi thẻ căn cước trên VNeID</b>")
        fee = calls[1].params["text"]
        assert fee.startswith("Về «Thủ tục cấp đổi thẻ căn cước trên VNeID»:")
        assert "<b>Lệ phí:</b>" in fee and "Các bước" not in fee
        labels = [b["text"] for row in calls[1].params["reply_markup"]["inline_keyboard"] for b in row]
        assert texts.WHOLE_GUIDE in labels
        assert "<b>Thời gian giải quyết:</b>" in calls[2].params["text"]
        assert texts.NOT_FOUND in calls[3].params["text"]

    play(index, scenario)


def test_telegram_bare_fragment_is_asked_back(index):
    async def scenario(fake, app, rec):
        fake.text("có làm online được không")
        [call] = await fake.wait_for("sendMessage")
        assert "thủ tục nào" in call.params["text"]
        fake.text("thì sao")  # no part named either: which subject, not "which procedure's documents"
        calls = await fake.wait_for("sendMessage", count=2)
        assert calls[1].params["text"] == texts.ASK_BACK_WHICH

    play(index, scenario)


def test_a_fragment_naming_no_part_asks_what_about_the_topic_not_about_documents(index):
    conv, _, clock = make(index)
    first = conv.ask("web", "v", "được không")
    assert isinstance(first, AskBack) and first.about is None
    assert render_reply(first) == texts.ASK_BACK_WHICH  # not "Bạn đang hỏi giấy tờ của thủ tục nào?"
    conv.ask("web", "v", "thủ tục cấp đổi căn cước")
    clock.now += 60
    more = conv.ask("web", "v", "thế thì sao")
    assert isinstance(more, AskBack) and more.about.id == "thu-tuc-cap-doi-can-cuoc"
    assert "«Thủ tục cấp đổi thẻ căn cước trên VNeID»" in render_reply(more) and "giấy tờ" in render_reply(more)
    conv.ask("web", "v", "trợ lý số làm được gì")  # no procedure in that topic: no parts to offer
    assert isinstance(after_faq := conv.ask("web", "v", "thế thì sao"), AskBack) and after_faq.about is None


def test_sai_roi_after_an_answer_is_a_thumbs_down_and_the_topic_no_longer_carries(index):
    conv, rec, _ = make(index)
    conv.ask("web", "v", "làm căn cước cho con")
    sorry = conv.ask("web", "v", "sai rồi")
    assert isinstance(sorry, Notice) and sorry.kind == "not_helped" and texts.HUMAN_HELP in sorry.text
    assert [f["helpful"] for f in rec.feedbacks] == [False] and len(rec.questions) == 1  # not a question
    assert isinstance(conv.ask("web", "v", "mất bao lâu"), AskBack)  # not the rejected topic's time
    conv.ask("web", "v", "sai rồi")
    assert len(rec.feedbacks) == 1  # nothing answered since: no second 👎


def test_a_question_worded_as_a_phrasing_is_answered_even_if_every_word_is_a_follow_up_word(index):
    conv, _, _ = make(index)
    reply = conv.ask("web", "v", "em hỏi gì được ạ")  # a phrasing of the entry, word for word
    assert isinstance(reply, Answer) and reply.entry.id == "tro-ly-so-lam-duoc-gi"
    assert isinstance(conv.ask("web", "w", "hỏi gì được"), AskBack)  # not the phrasing: still a fragment


def test_telegram_a_part_asked_for_one_case_of_the_topic_is_answered_from_it(index):
    async def scenario(fake, app, rec):
        fake.text("thủ tục cấp phiếu lý lịch tư pháp")
        await fake.wait_for("sendMessage")
        fake.text("sinh viên có được giảm không")  # every word is in the topic's text: its fee
        fake.text("hộ chiếu mất bao lâu")  # "hộ chiếu" is not: no carry-over to the certificate
        calls = await fake.wait_for("sendMessage", count=3)
        fee = calls[1].params["text"]
        assert fee.startswith("Về «Thủ tục cấp phiếu lý lịch tư pháp trên VNeID»:")
        assert "<b>Lệ phí:</b>" in fee and "sinh viên" in fee and "Các bước" not in fee
        assert not calls[2].params["text"].startswith("Về «")

    play(index, scenario)


def test_telegram_a_part_asked_under_choices_is_answered_for_the_tapped_one(index):
    async def scenario(fake, app, rec):
        fake.text("đổi cccd")
        [choices] = await fake.wait_for("sendMessage")
        first = choices.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        fake.text("lệ phí bao nhiêu")
        asked = (await fake.wait_for("sendMessage", count=2))[1]
        assert "mục nào ở trên" in asked.params["text"]
        fake.tap(first, message=choices.result)  # a tap on the "Có phải bạn muốn hỏi" message itself
        fee = (await fake.wait_for("sendMessage", count=3))[2]
        assert "<b>Lệ phí:</b>" in fee.params["text"] and "Các bước" not in fee.params["text"]

    play(index, scenario)


def test_telegram_related_topic_in_one_tap(index):
    async def scenario(fake, app, rec):
        fake.text("mất căn cước")
        [call] = await fake.wait_for("sendMessage")
        related = [
            b
            for row in call.params["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"] == texts.RELATED_PROCEDURE
        ]
        assert related and related[0]["callback_data"] == callbacks.encode(callbacks.Open("thu-tuc-cap-lai-can-cuoc"))

    play(index, scenario)


def web(index, scenario, **settings):
    async def go():
        rec = MemoryRecorder()
        config = dataclasses.replace(Settings(), admin_token="t", **settings)
        app = build_web_app(config, Engine(index), rec, None)
        async with TestClient(TestServer(app)) as client:
            await client.get("/")  # the visitor cookie
            await scenario(client, rec)

    asyncio.run(go())


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_web_chat_same_conversation(index):
    async def scenario(client, rec):
        answers = []
        for question in SCRIPT:
            r = await client.post("/api/ask", json={"q": question})
            assert r.status == 200
            answers.append((await r.json())["html"])
        assert "Thủ tục cấp đổi thẻ căn cước trên VNeID" in answers[0]
        assert "Về «Thủ tục cấp đổi thẻ căn cước trên VNeID»" in answers[1] and "Lệ phí:" in _text(answers[1])
        assert texts.WHOLE_GUIDE in answers[1]
        assert "Thời gian giải quyết:" in _text(answers[2])
        assert texts.NOT_FOUND in answers[3]
        assert [q["channel"] for q in rec.questions] == ["web"] * 4

    web(index, scenario)


def test_web_chat_flood_gets_a_polite_429(index):
    async def scenario(client, rec):
        statuses = []
        for _ in range(8):
            r = await client.post("/api/ask", json={"q": "VNeID là gì"})
            statuses.append(r.status)
        assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
        body = await r.json()
        assert r.headers["Retry-After"] and "chậm lại" in body["html"]
        assert len(rec.questions) == 3  # the flood is neither answered nor recorded

    web(index, scenario, flood_messages=3)


def test_a_new_bare_subject_gets_its_choices_not_a_carry_over(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "quen mk vneid")
    reply = conv.ask("web", "v", "căn cước")
    assert isinstance(reply, Choices)


def test_telegram_long_message_situation_first_gets_the_part_it_asked(index):
    # The topic and the part are in two sentences after a situation; records keep the whole message.
    message = (
        "em chào anh chị ạ, em là công nhân đang làm ở Bình Dương, quê ở Kon Tum, giờ em muốn hỏi chút: "
        "đăng ký tạm trú. Mất mấy ngày?"
    )

    async def scenario(fake, app, rec):
        fake.text(message)
        [call] = await fake.wait_for("sendMessage")
        text = call.params["text"]
        assert "tạm trú" in text.split("\n")[0].lower()
        assert "<b>Thời gian giải quyết:</b>" in text and "Các bước" not in text
        assert [q["text"] for q in rec.questions] == [message]
        assert rec.questions[0]["result"].parts == ("processing_time",)

    play(index, scenario)


def test_an_answer_picked_by_number_continues_the_list_with_its_topic(index):
    # Zalo and the CLI number everything: "Có phải bạn muốn hỏi" 1–3 stays open, and the answer picked from
    # it offers its topic's other entry as 4, so no number changes meaning under the citizen's eyes.
    conv, rec, _ = make(index)
    offered = conv.ask("zalo", "u", "căn cước")
    assert isinstance(offered, Choices)
    ids = [e.id for e in offered.entries]
    pick = next(i for i, e in enumerate(offered.entries, 1) if index.catalogue.same_topic(e.id))
    answer = conv.ask("zalo", "u", str(pick))
    assert isinstance(answer, Answer) and answer.entry.id == ids[pick - 1] and answer.related
    assert answer.first_number == len(ids) + 1
    text = render_reply(answer, numbered=True)
    assert f"\n{len(ids) + 1}. " in text and f"\n{len(ids) + 2}. " not in text
    other = conv.ask("zalo", "u", str(len(ids) + 1))
    assert isinstance(other, Answer) and other.entry.id == answer.related[0].id
    assert conv.ask("zalo", "u", "1").entry.id == ids[0]  # the first list is still open
    assert [c["entry_id"] for c in rec.candidates] == [ids[pick - 1], ids[0]]  # only picks from it teach


def test_an_answer_offers_its_topic_by_number_and_a_tap_keeps_them_fresh(index):
    conv, _, _ = make(index)
    first = conv.ask("cli", "u", "mất căn cước phải làm sao")
    assert isinstance(first, Answer) and [e.is_procedure for e in first.offers] == [True]
    opened = conv.ask("cli", "u", "1")
    assert isinstance(opened, Answer) and opened.entry.id == first.offers[0].id
    tapped = conv.open("telegram", "t", first.offers[0].id)  # a button: no list was open, numbering starts at 1
    assert isinstance(tapped, Answer) and tapped.first_number == 1
    assert render_reply(first).count("•") >= 1 and "1. " not in render_reply(first).split(texts.SEE_ALSO)[1]


def test_a_first_message_gets_what_the_search_decided_so_make_eval_measures_what_citizens_get(index):
    # The core once retried every short unanswered message without its conversational words: on first
    # messages that answered 69 leave-one-out phrasings, 23 wrongly, and `make eval` (search only) never
    # saw it. The retry is for follow-ups ("còn khai tử thì sao" after another topic) only.
    items = read_question_set(Path(__file__).parent / "data" / "dev_questions.yaml")
    conv, _, _ = make(index, limit=10**6)
    topic = index.catalogue.topic
    for n, item in enumerate(items):
        result = index.search(item.question)
        reply = conv.ask("web", f"first-{n}", item.question)
        if result.status.value == "answered":
            assert isinstance(reply, Answer) and topic(reply.entry.id) == topic(result.best.entry.id), item
        else:
            assert not isinstance(reply, Answer), item
    reply = conv.ask("web", "new", "cho hỏi làm sao để có tài khoản vneid")  # was "Giữ tài khoản VNeID an toàn"
    assert isinstance(reply, Choices) and "cai-dat-vneid" in {e.id for e in reply.entries}


@pytest.mark.parametrize(
    "question,entry_id,parts",
    [
        # The FAQ's own phrasing asks the same part: it was written for this question and answers it whole.
        ("lam sao biet xe minh co bi phat khong", "tra-cuu-phat-nguoi", ()),  # not "Xử phạt: chưa có thông tin"
        ("ở trọ bao lâu thì phải đăng ký tạm trú", "khi-nao-phai-dang-ky-tam-tru", ()),  # 30 days, not 3 to process
        # Otherwise the part comes from the topic's procedure, and a part it lacks is said to be unknown.
        ("không đăng ký tạm trú có bị phạt không", "thu-tuc-dang-ky-tam-tru", ("penalty",)),
        ("tạm trú mất mấy ngày", "thu-tuc-dang-ky-tam-tru", ("processing_time",)),
    ],
)
def test_a_part_asked_of_an_faq_comes_from_the_procedure_unless_the_faq_was_written_for_it(
    index, question, entry_id, parts
):
    conv, _, _ = make(index)
    reply = conv.ask("web", "v", question)
    assert isinstance(reply, Answer) and (reply.entry.id, reply.parts) == (entry_id, parts)


def test_a_number_outside_the_open_list_is_asked_again_not_searched(index):
    conv, rec, clock = make(index)
    offered = conv.ask("zalo", "u", "căn cước")
    assert isinstance(offered, Choices)
    n = len(offered.entries)
    assert conv.ask("zalo", "u", str(n + 1)) == Notice("out_of_range", texts.CHOOSE_IN_RANGE.format(n=n))
    assert conv.ask("zalo", "u", "0").kind == "out_of_range"
    assert isinstance(conv.ask("zalo", "u", "1"), Answer)  # the list is still open
    assert [q["text"] for q in rec.questions] == ["căn cước"]
    clock.now += 601  # no list open any more: a number is searched as text, as before
    assert not isinstance(conv.ask("zalo", "u", "9"), Notice)
    conv.ask("zalo", "u", "mất căn cước phải làm sao")  # one entry offered under the answer
    assert conv.ask("zalo", "u", "2") == Notice("out_of_range", texts.CHOOSE_THE_ONE)


def test_feedback_pairs_the_question_only_with_what_was_picked_after_it(index):
    conv, rec, _ = make(index)
    conv.ask("telegram", "t", "thủ tục cấp đổi căn cước")
    conv.open("telegram", "t", "vneid-la-gi")  # a deep link from a poster: nothing to do with the question
    conv.feedback("telegram", "t", "vneid-la-gi", True)
    assert rec.candidates == [] and rec.feedbacks[-1]["entry_id"] == "vneid-la-gi"
    conv.ask("zalo", "z", "mất căn cước phải làm sao")
    conv.ask("zalo", "z", "1")  # the topic's procedure, offered under the answer
    conv.feedback("zalo", "z", conv.last_answer("zalo", "z"), True)
    assert [(c["entry_id"], c["source"]) for c in rec.candidates] == [("thu-tuc-cap-lai-can-cuoc", "helpful")]


@pytest.mark.parametrize(
    "first,then,entry_id,carried",
    [
        # The message's own choices (the lost card, the lost phone) were a new subject; read with the
        # previous topic's title, the licence's re-issue is clear of the rest once the renewal is set aside.
        ("thủ tục đổi giấy phép lái xe", "còn bị mất thì làm sao", "thu-tuc-cap-lai-gplx", True),
        ("đăng ký tạm trú", "còn gia hạn thì sao", "thu-tuc-gia-han-tam-tru", True),  # was "no answer"
        ("đăng ký khai sinh", "còn khai tử thì sao", None, False),  # a new subject: the death registration
    ],
)
def test_a_variation_is_read_with_the_previous_topic(index, first, then, entry_id, carried):
    conv, _, _ = make(index)
    conv.ask("web", "v", first)
    reply = conv.ask("web", "v", then)
    assert isinstance(reply, Answer) and (reply.carried_from is not None) == carried
    if entry_id:
        assert reply.entry.id == entry_id
    else:
        assert "khai tử" in reply.entry.title.lower()


def test_follow_up_words_around_a_word_the_context_does_not_support_are_not_answered(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "đăng ký khai sinh")
    assert not isinstance(conv.ask("web", "v", "còn con nuôi thì sao"), Answer)  # was "nông nghiệp số"


def test_words_answered_alone_do_not_win_where_the_reading_with_the_topic_is_that_topic(index):
    # "người nước ngoài" alone is answered (the deletion of permanent residence, for who moves abroad);
    # read with the marriage or the temporary stay, the message is still that topic, a case it does not
    # cover: choices, not the deletion.
    for first in ("đăng ký kết hôn", "đăng ký tạm trú"):
        conv, _, _ = make(index)
        conv.ask("web", "v", first)
        reply = conv.ask("web", "v", "còn người nước ngoài thì sao")
        assert not isinstance(reply, Answer), (first, reply.entry.id)


def test_follow_up_pairs_mostly_right_and_rarely_wrong(index):
    counts = follow_up_counts(index)
    # 40 hand-written pairs; before the variation reading: 25 right, 5 wrong, 10 unanswered; after: 30 / 2 / 8.
    first = counts["built"] + counts["fresh"]
    assert sum(first.values()) == 40 and first["right"] >= 29 and first["wrong"] <= 2, counts
    # 12 parts asked for one case of the topic; before within_topic 4 / 2 / 6, after 9 / 2 / 1.
    case = counts["case"]
    assert sum(case.values()) == 12 and case["right"] >= 9 and case["wrong"] <= 2, counts
    # A case alone ("quá hạn thì sao"): before followup_cases generic 3 / 4 / 5, case2 0 / 7 / 5 (the car
    # inspection, vocational training), case3 1 / 0 / 8 (written before "same" cases followed the topic);
    # after, 7 / 0 / 5, 5 / 1 / 6 (the e-BHYT card "quá hạn" is its renewal) and 8 / 0 / 1.
    for name, size, right, wrong in (("generic", 12, 7, 0), ("case2", 12, 5, 1), ("case3", 9, 8, 0)):
        tally = counts[name]
        assert sum(tally.values()) == size and tally["right"] >= right and tally["wrong"] <= wrong, counts


def test_an_answers_offers_are_numbered_only_where_numbers_are_shown(index):
    # Telegram shows the topic's other entry as a button and the web as a link: a "1" or "2" typed there
    # after an answer is searched as before, never an invisible pick nor "gõ 1 để mở".
    conv, _, _ = make(index)
    for channel in ("telegram", "web"):
        answer = conv.ask(channel, "u", "mất căn cước phải làm sao")
        assert isinstance(answer, Answer) and answer.related
        assert not isinstance(conv.ask(channel, "u", "1"), Answer)
        assert not isinstance(conv.ask(channel, "u", "2"), Notice)
    assert isinstance(conv.ask("zalo", "u", "mất căn cước phải làm sao"), Answer)
    assert isinstance(conv.ask("zalo", "u", "1"), Answer)
