"""The Zalo OA channel end to end: signed webhooks into the real aiohttp app, replies out to our fake Zalo
API on 127.0.0.1 (tests/fake_zalo.py), records in a real SQLite file."""

from __future__ import annotations

import asyncio
import hashlib
import logging

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import texts
from bot.channels.zalo import signature
from bot.channels.zalo.client import TEXT_LIMIT, split_text
from bot.channels.zalo.events import parse
from bot.channels.zalo.tokens import TokenPair, TokenStore
from bot.channels.zalo.webhook import ZALO
from bot.config import Settings
from bot.engine import Engine
from bot.render_text import render_entry
from bot.store import Store
from bot.web import build_web_app
from knowledge import build_index
from tests.fake_zalo import APP_ID, APP_SECRET, FakeZalo, webhook, zalo_settings

USER = "8210000000000000001"


async def serve(index, store, settings):
    app = build_web_app(settings, Engine(index), store, store)
    app[ZALO].client.backoff = (0.01, 0.02, 0.03)  # the same retries, without the waiting
    return TestClient(TestServer(app))


def run(index, tmp_path, scenario, fake: FakeZalo | None = None, **changes):
    async def go():
        zalo = fake or FakeZalo()
        await zalo.start()
        store = Store(tmp_path / "r.sqlite")
        try:
            async with await serve(index, store, zalo_settings(zalo, **changes)) as client:
                await scenario(client, zalo, store)
        finally:
            store.close()
            await zalo.stop()

    asyncio.run(go())


async def post(client, event_name="user_send_text", **kwargs):
    raw, headers = webhook(event_name, **kwargs)
    return await client.post("/zalo/webhook", data=raw, headers=headers)


# -- signature and parsing ----------------------------------------------------------------------


def test_signature_is_sha256_of_app_id_body_timestamp_and_oa_key_in_that_order():
    body = b'{"app_id":"1","timestamp":"1699003881354"}'
    digest = hashlib.sha256(b"1" + body + b"1699003881354" + b"key").hexdigest()
    assert signature.verify(f"mac={digest}", "1", body, "1699003881354", "key")
    assert signature.verify(digest.upper(), "1", body, "1699003881354", "key")  # without "mac=", any case
    swapped = hashlib.sha256(b"key" + body + b"1699003881354" + b"1").hexdigest()
    assert not signature.verify(f"mac={swapped}", "1", body, "1699003881354", "key")
    assert not signature.verify(f"mac={digest}", "1", body + b" ", "1699003881354", "key")
    assert not signature.verify(f"mac={digest}", "1", body, "1699003881354", "")  # no key: nothing passes


def test_events_parsed_from_zalo_bodies():
    import json

    text = parse(json.loads(webhook("user_send_text", "42", text="chào", msg_id="m1")[0]))
    assert (text.kind, text.user_id, text.msg_id, text.text, text.app_id) == ("text", "42", "m1", "chào", APP_ID)
    sticker = parse(json.loads(webhook("user_send_sticker", "42", attachment="sticker")[0]))
    assert (sticker.kind, sticker.text) == ("sticker", "")
    follow = parse(json.loads(webhook("follow", "43")[0]))
    assert (follow.kind, follow.user_id, follow.msg_id) == ("follow", "43", "")
    assert parse({"event_name": 5, "message": "x"}).kind == "other"  # junk never raises


def test_split_text_keeps_every_word_and_stays_within_the_limit():
    paragraph = "Bước làm thủ tục căn cước tại công an xã. " * 30
    text = "\n\n".join(f"{i}. {paragraph}" for i in range(6))
    pages = split_text(text)
    assert len(pages) > 1 and all(len(p) <= TEXT_LIMIT for p in pages)
    assert pages[0].endswith(f"(1/{len(pages)})")
    joined = " ".join(p.rsplit("\n\n(", 1)[0] for p in pages)
    assert joined.split() == text.split()
    assert split_text("ngắn") == ["ngắn"] and split_text("   ") == []


# -- webhook end to end -------------------------------------------------------------------------


def test_text_question_answered_and_recorded_as_zalo(index, tmp_path):
    question = "mất căn cước phải làm sao"
    expected = index.search(question)

    async def scenario(client, fake, store):
        r = await post(client, text=question)
        assert r.status == 200
        [sent] = await fake.wait_sent(1)
        [procedure] = index.catalogue.same_topic(expected.best.entry.id)  # the re-issue procedure
        see_also = "\n".join(
            [texts.SEE_ALSO, f"1. {texts.RELATED_PROCEDURE}: {procedure.title}", texts.CHOOSE_BY_NUMBER]
        )
        assert sent.user_id == USER
        assert sent.text == "\n\n".join([render_entry(expected.best.entry), see_also, texts.ZALO_FEEDBACK_HINT])
        call = fake.calls[0]
        assert call.path == "/v3.0/oa/message/cs" and call.headers["access_token"] == "at-1"
        assert call.body == {"recipient": {"user_id": USER}, "message": {"text": sent.text}}
        store.flush()
        [row] = store.questions()
        assert row["channel"] == "zalo" and row["text"] == question and row["entry_id"] == expected.best.entry.id
        assert USER not in row["user_hash"]

    run(index, tmp_path, scenario)


@pytest.mark.parametrize(
    "headers_change",
    [
        pytest.param(lambda h: h.pop("X-ZEvent-Signature"), id="missing"),
        pytest.param(lambda h: h.update({"X-ZEvent-Signature": "mac=" + "0" * 64}), id="wrong"),
        pytest.param(lambda h: h.update({"X-ZEvent-Signature": "mac="}), id="empty-mac"),
    ],
)
def test_bad_or_missing_signature_refused_and_nothing_answered_or_recorded(index, tmp_path, headers_change):
    async def scenario(client, fake, store):
        raw, headers = webhook("user_send_text", text="mất căn cước phải làm sao", msg_id="evil")
        headers_change(headers)
        r = await client.post("/zalo/webhook", data=raw, headers=headers)
        assert r.status in (401, 403)
        assert (r.status == 401) == ("X-ZEvent-Signature" not in headers)
        await post(client, text="vneid là gì", msg_id="probe", user_id="999")  # a good call after it
        await fake.wait_sent(1)
        await asyncio.sleep(0.05)
        assert [s.user_id for s in fake.sent] == ["999"]
        store.flush()
        assert [q["text"] for q in store.questions()] == ["vneid là gì"]

    run(index, tmp_path, scenario)


def test_body_changed_after_signing_or_signed_with_another_key_refused(index, tmp_path):
    async def scenario(client, fake, store):
        raw, headers = webhook("user_send_text", text="câu hỏi")
        r = await client.post("/zalo/webhook", data=raw.replace("câu hỏi".encode(), b"hacked"), headers=headers)
        assert r.status == 403
        r = await post(client, text="câu hỏi", key="someone-elses-key")
        assert r.status == 403
        r = await client.post("/zalo/webhook", data=b"not json", headers={"X-ZEvent-Signature": "mac=00"})
        assert r.status == 403
        await asyncio.sleep(0.1)
        assert fake.calls == []
        store.flush()
        assert store.questions() == []

    run(index, tmp_path, scenario)


def test_event_for_another_app_id_ignored(index, tmp_path):
    async def scenario(client, fake, store):
        r = await post(client, text="vneid là gì", app_id="999999")  # validly signed, for another app
        assert r.status == 200 and await r.text() == "ignored"
        await asyncio.sleep(0.1)
        assert fake.calls == []

    run(index, tmp_path, scenario)


def test_repeated_msg_id_answered_once(index, tmp_path):
    async def scenario(client, fake, store):
        for _ in range(3):
            assert (await post(client, text="vneid là gì", msg_id="same-1")).status == 200
        await post(client, text="vneid là gì", msg_id="other-2", user_id="777")
        await fake.wait_sent(2)
        await asyncio.sleep(0.05)
        assert sorted(s.user_id for s in fake.sent) == sorted([USER, "777"])
        store.flush()
        assert len(store.questions()) == 2

    run(index, tmp_path, scenario)


@pytest.mark.parametrize("kind", ["sticker", "image", "file", "audio"])
def test_media_gets_the_polite_text_only_reply_and_is_not_recorded(index, tmp_path, kind):
    async def scenario(client, fake, store):
        assert (await post(client, f"user_send_{kind}", attachment=kind)).status == 200
        [sent] = await fake.wait_sent(1)
        assert sent.text == texts.NON_TEXT
        store.flush()
        assert store.questions() == []

    run(index, tmp_path, scenario)


def test_follow_greeted_unfollow_left_alone(index, tmp_path):
    async def scenario(client, fake, store):
        assert (await post(client, "unfollow", user_id="555")).status == 200
        assert (await post(client, "follow", user_id="556")).status == 200
        [sent] = await fake.wait_sent(1)
        assert (sent.user_id, sent.text) == ("556", texts.ZALO_GREETING)
        await asyncio.sleep(0.05)
        assert len(fake.sent) == 1

    run(index, tmp_path, scenario)


def test_choice_answered_with_a_number(index, tmp_path):
    question = "căn cước"
    result = index.search(question)
    assert len(result.choices) >= 2  # the catalogue still makes this a "Có phải bạn muốn hỏi"

    async def scenario(client, fake, store):
        await post(client, text=question)
        [offer] = await fake.wait_sent(1)
        assert offer.text.startswith(texts.DID_YOU_MEAN)
        assert f"\n2. {result.choices[1].entry.title}\n" in offer.text
        await post(client, text="2")
        sent = await fake.wait_sent(2)
        assert sent[1].text.startswith(render_entry(result.choices[1].entry) + "\n\n")
        assert sent[1].text.endswith(texts.ZALO_FEEDBACK_HINT)
        store.flush()
        assert [(c["entry_id"], c["question"]) for c in store.candidates()] == [(result.choices[1].entry.id, question)]
        assert [q["text"] for q in store.questions()] == [question]  # "2" is a pick, not a question

    run(index, tmp_path, scenario)


def test_choices_expire_and_stay_in_range(index):
    from bot.conversation import Choices, Conversation
    from bot.flood import FloodGuard
    from tests.telegram_harness import MemoryRecorder

    now = [0.0]
    conv = Conversation(lambda: index, MemoryRecorder(), FloodGuard(100, 30), clock=lambda: now[0])
    offered = conv.ask("zalo", "u", "căn cước")
    assert isinstance(offered, Choices)
    ids = [e.id for e in offered.entries]
    assert conv.ask("zalo", "u", "2").entry.id == ids[1] and conv.ask("zalo", "u", "1").entry.id == ids[0]
    assert conv.memory.peek(("zalo", "v")) is None  # another person has no list to pick from
    now[0] = 601
    assert conv.ask("zalo", "u", "1") is not None and conv.memory.peek(("zalo", "u")).question == "1"


def test_odd_digits_and_numbers_without_a_list_are_searched_as_text(index, tmp_path):
    async def scenario(client, fake, store):
        for i, text in enumerate(["²", "１", "2"]):
            await post(client, text=text, msg_id=f"d{i}")
        sent = await fake.wait_sent(3)
        assert len(sent) == 3
        store.flush()
        assert len(store.questions()) == 3

    run(index, tmp_path, scenario)


LONG_FAQ = """\
sectors:
  - id: test
    title: Thử
entries:
  - id: huong-dan-dai
    title: Hướng dẫn rất dài
    sector: test
    questions:
      - hướng dẫn rất dài
      - cho xem hướng dẫn dài
    answer: |
{paragraphs}
    source: "Nguồn thử"
    reviewed: 2026-11-01
"""


def test_long_answer_paged_within_zalos_limit(tmp_path):
    paragraph = "      Bước {i}: mang giấy tờ đến bộ phận một cửa của xã, phường và chờ cán bộ kiểm tra kỹ. " * 6
    faq = tmp_path / "faq.yaml"
    faq.write_text(LONG_FAQ.format(paragraphs="\n\n".join(paragraph.format(i=i) for i in range(12))), "utf-8")
    long_index = build_index([faq])
    whole = render_entry(long_index.catalogue.entries["huong-dan-dai"])
    assert len(whole) > 2 * TEXT_LIMIT

    async def scenario(client, fake, store):
        await post(client, text="hướng dẫn rất dài")
        await asyncio.sleep(0.2)
        pages = [s.text for s in fake.sent]
        assert len(pages) >= 3 and all(len(p) <= TEXT_LIMIT for p in pages)
        assert pages[-1].endswith(f"({len(pages)}/{len(pages)})")
        assert (
            " ".join(p.rsplit("\n\n(", 1)[0] for p in pages).split() == (whole + " " + texts.ZALO_FEEDBACK_HINT).split()
        )

    run(long_index, tmp_path, scenario)


# -- tokens, retries, failures ------------------------------------------------------------------


def test_expired_token_refreshed_stored_and_used_after_a_restart(index, tmp_path):
    async def go():
        fake = FakeZalo()
        await fake.start()
        settings = zalo_settings(fake)  # env keeps the first pair throughout, as after a real restart
        store = Store(tmp_path / "r.sqlite")
        async with await serve(index, store, settings) as client:
            fake.expire()
            await post(client, text="vneid là gì")
            await fake.wait_sent(1)
            assert fake.paths() == ["/v3.0/oa/message/cs", "/v4/oa/access_token", "/v3.0/oa/message/cs"]
            refresh = fake.calls[1]
            assert refresh.headers["secret_key"] == APP_SECRET
            assert refresh.body == {"refresh_token": "rt-1", "app_id": APP_ID, "grant_type": "refresh_token"}
            assert fake.calls[2].headers["access_token"] == "at-2"
        row = store.db["zalo_tokens"].get(APP_ID)
        assert (row["access_token"], row["refresh_token"]) == ("at-2", "rt-2")
        store.close()

        store = Store(tmp_path / "r.sqlite")  # restart: rt-1 is dead at Zalo now
        fake.calls.clear()
        async with await serve(index, store, settings) as client:
            await post(client, text="vneid là gì", user_id="2")
            await fake.wait_sent(2)
            assert fake.paths() == ["/v3.0/oa/message/cs"] and fake.calls[0].headers["access_token"] == "at-2"
        store.close()
        await fake.stop()

    asyncio.run(go())


def test_two_sends_meeting_an_expired_token_refresh_it_once(index, tmp_path):
    async def scenario(client, fake, store):
        fake.expire()
        fake.delay = 0.05  # both sends are in flight with the old token
        await asyncio.gather(post(client, text="vneid là gì", user_id="1"), post(client, text="căn cước", user_id="2"))
        sent = await fake.wait_sent(2)
        assert sorted(s.user_id for s in sent) == ["1", "2"]
        assert fake.refreshes == 1

    run(index, tmp_path, scenario)


def test_stored_pair_wins_unless_the_operator_set_a_new_env_pair(tmp_path):
    store = Store(tmp_path / "r.sqlite")
    TokenStore("app", TokenPair("at-1", "rt-1"), store).save(TokenPair("at-2", "rt-2"))
    assert TokenStore("app", TokenPair("at-1", "rt-1"), store).pair == TokenPair("at-2", "rt-2")
    assert TokenStore("app", TokenPair("", ""), store).pair == TokenPair("at-2", "rt-2")
    assert TokenStore("app", TokenPair("at-9", "rt-9"), store).pair == TokenPair("at-9", "rt-9")  # re-authorised
    assert TokenStore("app", TokenPair("at-9", "rt-9"), store).pair == TokenPair("at-9", "rt-9")
    assert "rt-1" not in str(list(store.db["zalo_tokens"].rows))  # the dead env token is not kept
    store.close()


def test_5xx_retried_then_delivered(index, tmp_path):
    async def scenario(client, fake, store):
        fake.fail_next(2, status=502)
        await post(client, text="vneid là gì")
        await fake.wait_sent(1)
        assert fake.paths() == ["/v3.0/oa/message/cs"] * 3

    run(index, tmp_path, scenario)


def test_failures_logged_without_personal_data_and_the_server_keeps_answering(index, tmp_path, caplog):
    def failures() -> list[str]:
        return [r.getMessage() for r in caplog.records if "zalo send failed" in r.getMessage()]

    async def failed(count: int) -> str:
        for _ in range(200):
            if len(failures()) >= count:
                return failures()[count - 1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} logged failures: {failures()}")

    async def scenario(client, fake, store):
        caplog.set_level(logging.INFO, logger="tro_ly_so")
        fake.fail_next(4, status=503)  # the first try and all three retries
        await post(client, text="số điện thoại của tôi 0912345678")
        assert "gave up after 4 attempts (HTTP 503)" in await failed(1)
        fake.error_next(-230)  # e.g. the citizen has not written to the OA in the last 7 days
        await post(client, text="vneid là gì", user_id="2")
        assert "zalo error -230" in await failed(2)
        fake.refresh_token = "changed-by-someone"  # a refresh that Zalo refuses
        fake.expire()
        await post(client, text="vneid là gì", user_id="3")
        assert "refresh failed" in await failed(3)
        assert not any(USER in m or "0912345678" in m or "điện thoại" in m for m in caplog.messages)
        assert (await client.get("/healthz")).status == 200
        fake.access_token, fake.refresh_token = "good", "rt-good"  # staff re-authorised the OA
        client.server.app[ZALO].client.tokens.save(TokenPair("good", "rt-good"))
        await post(client, text="vneid là gì", user_id="4")
        [sent] = await fake.wait_sent(1)
        assert sent.user_id == "4"

    run(index, tmp_path, scenario)


def test_shutdown_answers_the_events_already_accepted(index, tmp_path):
    async def go():
        fake = FakeZalo(delay=0.3)
        await fake.start()
        store = Store(tmp_path / "r.sqlite")
        async with await serve(index, store, zalo_settings(fake)) as client:
            assert (await post(client, text="vneid là gì")).status == 200
        # the server has stopped: the answer was still sent, and the question recorded
        assert [s.user_id for s in fake.sent] == [USER]
        store.close()
        reopened = Store(tmp_path / "r.sqlite")
        assert [q["text"] for q in reopened.questions()] == ["vneid là gì"]
        reopened.close()
        await fake.stop()

    asyncio.run(go())


def test_flood_limited_like_telegram(index, tmp_path):
    async def scenario(client, fake, store):
        for i in range(4):
            await post(client, text="vneid là gì", msg_id=f"f{i}")
        await asyncio.sleep(0.2)
        replies = [s.text for s in fake.sent]
        assert len(replies) == 3 and replies.count(texts.SLOW_DOWN) == 1  # two answers, one "chậm lại", silence

    run(index, tmp_path, scenario, flood_messages=2)


def test_without_zalo_app_id_there_is_no_webhook(index, tmp_path):
    async def go():
        store = Store(tmp_path / "r.sqlite")
        async with TestClient(TestServer(build_web_app(Settings(), Engine(index), store, store))) as client:
            raw, headers = webhook("user_send_text", text="x")
            assert (await client.post("/zalo/webhook", data=raw, headers=headers)).status in (404, 405)
        store.close()

    asyncio.run(go())


def test_settings_from_env():
    env = {
        "ZALO_APP_ID": " 1 ",
        "ZALO_APP_SECRET": "s",
        "ZALO_OA_SECRET_KEY": "k",
        "ZALO_ACCESS_TOKEN": "a",
        "ZALO_REFRESH_TOKEN": "r",
        "ZALO_API_URL": "http://127.0.0.1:9/",
    }
    s = Settings.from_env(env)
    assert (s.zalo_app_id, s.zalo_app_secret, s.zalo_oa_secret_key) == ("1", "s", "k")
    assert (s.zalo_api_url, s.zalo_oauth_url) == ("http://127.0.0.1:9", "https://oauth.zaloapp.com")
    assert "zalo_oa_secret_key" not in repr(s) and "zalo_app_secret" not in repr(s)  # secrets stay out of logs
    assert Settings.from_env({}).zalo_api_url == "https://openapi.zalo.me"


def test_the_scripted_conversation_reads_the_same_as_on_telegram_and_web(index, tmp_path):
    """The same script as tests/test_conversation.py SCRIPT: answer, part follow-up, part, no-answer."""
    script = ["thủ tục cấp đổi căn cước", "thế lệ phí bao nhiêu?", "mất bao lâu", "giá vàng hôm nay"]

    async def scenario(client, fake, store):
        for i, text in enumerate(script):
            await post(client, text=text, msg_id=f"s{i}")
            await fake.wait_sent(i + 1)
        sent = [s.text for s in fake.sent]
        assert sent[0].startswith("THỦ TỤC CẤP ĐỔI THẺ CĂN CƯỚC TRÊN VNEID")
        assert sent[1].startswith("Về «Thủ tục cấp đổi thẻ căn cước trên VNeID»:") and "Lệ phí:" in sent[1]
        assert "Các bước:" not in sent[1]
        assert "Thời gian giải quyết:" in sent[2]
        assert texts.NOT_FOUND in sent[3]
        store.flush()
        assert {q["channel"] for q in store.questions()} == {"zalo"}

    run(index, tmp_path, scenario)


def test_feedback_typed_after_an_answer(index, tmp_path):
    async def scenario(client, fake, store):
        await post(client, text="VNeID là gì", msg_id="f1")
        [answer] = await fake.wait_sent(1)
        assert texts.ZALO_FEEDBACK_HINT in answer.text
        await post(client, text="👍", msg_id="f2")
        thanks = (await fake.wait_sent(2))[1]
        assert thanks.text == texts.THANKS_HELPFUL
        store.flush()
        [row] = store.db["feedback"].rows
        assert row["channel"] == "zalo" and row["helpful"] == 1 and row["question"] == "VNeID là gì"
        await post(client, text="👎", msg_id="f3")
        assert (await fake.wait_sent(3))[2].text == texts.THANKS_NOT_HELPFUL

    run(index, tmp_path, scenario)


def test_the_topics_other_entry_opens_with_its_number_and_feedback_follows_it(index, tmp_path):
    # Telegram shows the topic's other entry as a button and the web as a link; Zalo texts have no buttons
    # we could confirm, so it is a numbered line, and a 👍 typed after it is about the entry opened.
    question = "mất căn cước phải làm sao"
    faq = index.search(question).best.entry
    [procedure] = index.catalogue.same_topic(faq.id)

    async def scenario(client, fake, store):
        await post(client, text=question, msg_id="r1")
        [first] = await fake.wait_sent(1)
        assert f"1. {texts.RELATED_PROCEDURE}: {procedure.title}" in first.text
        await post(client, text="1", msg_id="r2")
        opened = (await fake.wait_sent(2))[1]
        assert opened.text.startswith(procedure.title.upper())
        # and back: its offers continue the numbers of the list still open ("1" still opens the procedure)
        assert f"2. {texts.RELATED_FAQ}: {faq.title}" in opened.text
        await post(client, text="👍", msg_id="r3")
        assert (await fake.wait_sent(3))[2].text == texts.THANKS_HELPFUL
        await post(client, text="2", msg_id="r4")
        assert (await fake.wait_sent(4))[3].text.startswith(faq.title.upper())
        store.flush()
        [row] = store.db["feedback"].rows
        assert row["entry_id"] == procedure.id and row["helpful"] == 1  # the entry opened, not the first answer
        assert [q["text"] for q in store.questions()] == [question]  # the numbers are picks, not questions
        # Opening the topic's other entry is no pick from "Có phải bạn muốn hỏi"; only the 👍 pairs the question.
        assert [(c["entry_id"], c["question"]) for c in store.candidates()] == [(procedure.id, question)]

    run(index, tmp_path, scenario)


def test_a_part_answer_offers_the_whole_guide_by_number(index, tmp_path):
    question = "đăng ký tạm trú cần giấy tờ gì"
    entry = index.search(question).best.entry
    assert entry.is_procedure

    async def scenario(client, fake, store):
        await post(client, text=question, msg_id="w1")
        [part] = await fake.wait_sent(1)
        assert texts.DOCUMENTS in part.text and texts.STEPS not in part.text
        assert f"1. {texts.WHOLE_GUIDE}" in part.text
        await post(client, text="1", msg_id="w2")
        whole = (await fake.wait_sent(2))[1]
        assert whole.text.startswith(render_entry(entry))

    run(index, tmp_path, scenario)


def test_thanks_on_zalo_is_a_polite_word_not_an_unanswered_question(index, tmp_path):
    async def scenario(client, fake, store):
        await post(client, text="cảm ơn ad nhiều", msg_id="s1")
        [sent] = await fake.wait_sent(1)
        assert sent.text == texts.SMALL_TALK["thanks"]
        store.flush()
        assert store.questions() == [] and list(store.db["feedback"].rows) == []

    run(index, tmp_path, scenario)
