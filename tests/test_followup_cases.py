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


def test_a_late_or_where_case_is_the_topic_before_and_another_case_gets_choices(index):
    conv, _, clock = make(index)
    conv.ask("web", "v", "đăng ký khai sinh cho con")
    clock.now += 30
    late = conv.ask("web", "v", "quá hạn thì sao")  # was the car inspection, answered
    assert isinstance(late, Answer) and late.carried_from is not None
    assert index.catalogue.topic(late.entry.id) == index.catalogue.topic("thu-tuc-khai-sinh-lien-thong")
    where = conv.ask("web", "v", "ở đâu")  # "same" too: where to register the birth
    assert isinstance(where, Answer) and where.carried_from is not None
    conv.ask("web", "w", "đăng ký kết hôn")
    lost = conv.ask("web", "w", "bị mất thì sao")  # "other": the copy of the certificate, not the registration
    assert isinstance(lost, Choices) and "dang-ky-ket-hon" not in [e.id for e in lost.entries]


def test_followup_cases_must_name_same_or_other(tmp_path):
    path = tmp_path / "lexicon.yaml"
    head = "abbreviations: {}\nsynonyms: {}\nfillers: []\n"
    path.write_text(head + "followup_cases:\n  - quá hạn\n", encoding="utf-8")
    lexicon, problems = read_lexicon(path)
    assert [(p.line, "followup_cases" in p.message) for p in problems] == [(4, True)] and lexicon.followup_cases == {}
    path.write_text(head + "followup_cases:\n  same:\n    - quá hạn\n  later:\n    - sau\n", encoding="utf-8")
    lexicon, problems = read_lexicon(path)
    assert [p.line for p in problems] == [7] and dict(lexicon.followup_cases) == {"same": ("quá hạn",)}


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


def test_asking_the_conditions_or_where_to_pay_follows_the_topic_before(index):
    # Each was "no answer" (or, for "đóng ở đâu", choices led by the land tax) after its topic.
    for first, then in (
        ("trợ cấp thất nghiệp", "điều kiện là gì"),
        ("đăng ký thường trú", "cần điều kiện gì"),
        ("gia hạn bảo hiểm y tế", "đóng ở đâu"),
    ):
        conv, _, _ = make(index)
        before = conv.ask("web", "v", first)
        reply = conv.ask("web", "v", then)
        assert isinstance(reply, Answer) and reply.carried_from is not None, (first, then)
        assert index.catalogue.topic(reply.entry.id) == index.catalogue.topic(before.entry.id)
    assert index.search("điều kiện là gì").status is not Status.ANSWERED, "alone it names no procedure"


def test_doing_it_again_is_a_case_not_the_licence_phrasing_that_says_it(index):
    # "làm lại mất bao lâu" was answered on its own with the licence re-issue ("làm lại bằng lái mất bao
    # lâu"), even right after the lost căn cước.
    assert index.search("làm lại mất bao lâu").status is not Status.ANSWERED
    conv, _, _ = make(index)
    conv.ask("web", "v", "mất căn cước")
    reply = conv.ask("web", "v", "làm lại mất bao lâu")
    assert isinstance(reply, Answer) and reply.entry.id == "thu-tuc-cap-lai-can-cuoc"
    assert reply.parts == ("processing_time",)


def test_an_unresolved_case_offers_what_it_reads_to_with_the_topic_before(index):
    conv, _, _ = make(index)
    conv.ask("web", "v", "đăng ký tạm trú")
    expired = conv.ask("web", "v", "hết hạn thì sao")  # offered the driving licence first, the renewal second
    assert isinstance(expired, Choices)
    assert expired.entries[0].id == "thu-tuc-gia-han-tam-tru"
    assert all("gplx" not in e.id for e in expired.entries)
