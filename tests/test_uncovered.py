"""Services the catalogue has no guide for (lexicon ``uncovered``): named honestly, never answered with the
entry whose words merely sound alike, on every channel; topics that speak of them still answer."""

from __future__ import annotations

import pytest

from bot import texts
from bot.cli import main
from bot.conversation import Answer, AskBack, NoAnswer
from knowledge import Status
from knowledge.loader import read_lexicon
from tests.telegram_harness import play
from tests.test_conversation import make, web
from tests.test_zalo import post, run


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("đăng ký giám hộ", "giám hộ"),  # was the tax registration ("giảm trừ gia cảnh", "hồ sơ")
        ("chứng thực bản sao giấy tờ ở đâu", "chứng thực, công chứng"),  # was the civil-status extract
        ("nhận cha cho con", "nhận cha, mẹ, con"),  # was the card for children
        ("thi tốt nghiệp thpt đăng ký online", "thi tốt nghiệp, điểm thi"),  # was the diploma lookup
        ("trợ cấp cho người có công", "chế độ người có công"),  # was the allowance for the elderly
        ("đổi bằng lái xe quốc tế", "giấy phép lái xe quốc tế"),  # was the domestic licence renewal
        ("lam ho chieu mat bao lau", "hộ chiếu"),  # accent-free, with a part asked
    ],
)
def test_a_service_without_a_guide_is_named_not_answered_with_a_look_alike(index, question, subject):
    result = index.search(question)
    assert result.status is Status.UNANSWERED and result.uncovered == subject
    assert result.best is None and result.suggestions == ()  # no topic here speaks of it


def test_a_topic_that_speaks_of_the_service_still_answers_and_is_still_offered(index):
    # The children's card names "người giám hộ"; the residence-fee and card-fee topics name "hộ nghèo".
    child = index.search("làm căn cước cho trẻ dưới 14 tuổi người giám hộ cần mang gì")
    assert child.status is Status.ANSWERED and child.uncovered == ""
    assert child.best.entry.id in {"can-cuoc-cho-tre-em", "thu-tuc-can-cuoc-cho-tre-duoi-14"}
    poor = index.search("xin giấy chứng nhận hộ nghèo")  # no guide, but the card fee exempts poor households
    assert poor.uncovered == "hộ nghèo" and [c.entry.id for c in poor.suggestions] == ["le-phi-can-cuoc"]
    # "chứng thực" alone is not listed: the digital signature entry is not a notary question.
    assert index.search("chữ ký số là gì").uncovered == ""


def test_a_scam_message_naming_such_a_service_is_still_a_scam_warning(index):
    result = index.search("có người gọi xưng công an bảo bấm link để làm hộ chiếu online")
    assert result.status is Status.ANSWERED and result.safety and result.uncovered == ""


def test_uncovered_must_be_a_mapping_of_lists(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("abbreviations: {}\nsynonyms: {}\nfillers: []\nuncovered:\n  - hộ chiếu\n", encoding="utf-8")
    lexicon, problems = read_lexicon(path)
    assert [(p.line, "uncovered" in p.message) for p in problems] == [(4, True)] and lexicon.uncovered == {}
    path.write_text("abbreviations: {}\nsynonyms: {}\nfillers: []\nuncovered:\n  hộ chiếu:\n", encoding="utf-8")
    lexicon, problems = read_lexicon(path)
    assert problems == [] and dict(lexicon.uncovered) == {"hộ chiếu": ()}  # the name alone is a wording


def test_the_conversation_names_the_service_and_does_not_carry_the_topic_before_it(index):
    conv, rec, clock = make(index)
    assert isinstance(conv.ask("web", "v", "thủ tục cấp đổi căn cước"), Answer)
    clock.now += 30
    reply = conv.ask("web", "v", "còn hộ chiếu thì sao")  # follow-up words, but a subject of its own
    assert isinstance(reply, NoAnswer) and reply.result.uncovered == "hộ chiếu" and reply.closest == ()
    assert rec.questions[-1]["result"].status is Status.UNANSWERED  # kept for staff: a guide is missing
    clock.now += 30
    # The fee of the passport, not of the card answered two messages ago.
    assert isinstance(conv.ask("web", "v", "lệ phí bao nhiêu"), AskBack)


def test_a_topic_that_speaks_of_the_service_still_carries_a_part_asked_for_it(index):
    conv, _, clock = make(index)
    conv.ask("web", "v", "thủ tục cấp phiếu lý lịch tư pháp")
    clock.now += 30
    reply = conv.ask("web", "v", "người có công có được giảm phí không")  # its fee names "người có công"
    assert isinstance(reply, Answer) and reply.entry.id == "thu-tuc-ly-lich-tu-phap-vneid" and reply.parts == ("fee",)
    assert reply.carried_from is not None


def test_telegram_names_the_service_and_offers_a_person(index):
    async def scenario(fake, app, rec):
        fake.text("đăng ký giám hộ ở đâu")
        [call] = await fake.wait_for("sendMessage")
        assert call.params["text"].startswith(texts.NOT_COVERED.format(subject="giám hộ"))
        assert texts.NOT_FOUND not in call.params["text"] and texts.HUMAN_HELP in call.params["text"]
        assert "reply_markup" not in call.params  # no look-alike topics to tap (was the tax registration)

    play(index, scenario)


def test_web_chat_names_the_service(index):
    async def scenario(client, rec):
        html = (await (await client.post("/api/ask", json={"q": "xin cấp hộ chiếu online được không"})).json())["html"]
        assert "chưa có hướng dẫn về «hộ chiếu»" in html and texts.NOT_FOUND not in html

    web(index, scenario)


def test_zalo_names_the_service(index, tmp_path):
    async def scenario(client, fake, store):
        await post(client, text="dang ky nghia vu quan su o dau", msg_id="m1")
        await fake.wait_sent(1)
        assert fake.sent[0].text.startswith(texts.NOT_COVERED.format(subject="nghĩa vụ quân sự"))

    run(index, tmp_path, scenario)


def test_the_terminal_says_which_service_has_no_guide(capsys):
    main(["ask", "--json", "làm hộ chiếu ở đâu"])
    assert '"uncovered": "hộ chiếu"' in capsys.readouterr().out
    main(["ask", "--explain", "đăng ký giám hộ"])
    assert "chưa có hướng dẫn về «giám hộ»" in capsys.readouterr().out
