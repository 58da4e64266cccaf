"""A case that fits many procedures ("quá hạn", "hết hạn", "bị mất"), alone with follow-up words, is never
answered by the search alone; in a conversation it is a case of the topic before."""

from __future__ import annotations

from bot.conversation import Answer, Choices
from knowledge import Status
from knowledge.loader import read_lexicon
from tests.telegram_harness import play
from tests.test_conversation import make, web


def test_a_case_alone_is_a_choice_not_the_phrasing_that_happens_to_say_it(index):
    alone = index.search("quá hạn thì sao")  # was answered: the car inspection's "ô tô quá hạn kiểm định thì sao"
    assert alone.status is Status.SUGGESTED and alone.case
    named = index.search("ô tô quá hạn kiểm định thì sao")  # names its subject: answered as before
    assert named.status is Status.ANSWERED and named.best.entry.id == "dang-kiem-xe" and not named.case
    assert not index.search("khai sinh quá hạn thì sao").case
    # "đăng ký ở đâu" was answered with vocational training, "đăng ký chỗ nào" with school enrolment.
    for question in ("đăng ký ở đâu", "đăng ký chỗ nào"):
        assert index.search(question).status is Status.SUGGESTED


def test_a_case_follows_the_topic_before_where_the_message_came_near_it(index):
    conv, _, clock = make(index)
    conv.ask("web", "v", "thủ tục đổi giấy phép lái xe")
    clock.now += 30
    late = conv.ask("web", "v", "quá hạn thì sao")  # near the expired-licence entry of the same topic
    assert isinstance(late, Answer) and late.entry.id == "thu-tuc-doi-gplx" and late.carried_from is not None
    conv.ask("web", "w", "thủ tục cấp đổi căn cước")
    lost = conv.ask("web", "w", "còn bị mất thì sao")  # the message's first choice and the combined reading agree
    assert isinstance(lost, Answer) and lost.entry.id == "thu-tuc-cap-lai-can-cuoc"


def test_a_case_far_from_the_topic_before_gets_choices_not_a_guess(index):
    conv, _, clock = make(index)
    conv.ask("web", "v", "đăng ký khai sinh cho con")
    clock.now += 30
    reply = conv.ask("web", "v", "quá hạn thì sao")  # was the car inspection, answered
    assert isinstance(reply, Choices) and "dang-kiem-xe" in [e.id for e in reply.entries]


def test_followup_cases_must_be_a_list(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("abbreviations: {}\nsynonyms: {}\nfillers: []\nfollowup_cases: quá hạn\n", encoding="utf-8")
    lexicon, problems = read_lexicon(path)
    assert [(p.line, "followup_cases" in p.message) for p in problems] == [(4, True)]
    assert lexicon.followup_cases == ()


def test_telegram_a_case_after_the_licence_renewal_says_what_it_is_about(index):
    async def scenario(fake, app, rec):
        fake.text("thủ tục đổi giấy phép lái xe")
        await fake.wait_for("sendMessage")
        fake.text("quá hạn thì sao")
        second = (await fake.wait_for("sendMessage", 2))[1]
        assert second.params["text"].startswith("Về «Thủ tục đổi giấy phép lái xe»")

    play(index, scenario)


def test_web_chat_a_case_after_the_licence_renewal_says_what_it_is_about(index):
    async def scenario(client, rec):
        await client.post("/api/ask", json={"q": "thủ tục đổi giấy phép lái xe"})
        html = (await (await client.post("/api/ask", json={"q": "quá hạn thì sao"})).json())["html"]
        assert "Về «Thủ tục đổi giấy phép lái xe»" in html

    web(index, scenario)
