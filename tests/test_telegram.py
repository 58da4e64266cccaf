"""The bot end to end: real PTB Application, fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging

from bot import texts
from bot.channels.telegram import callbacks
from tests.fake_telegram import BOT
from tests.telegram_harness import MemoryRecorder, play


def keyboard(call) -> list[list[dict]]:
    return call.params.get("reply_markup", {}).get("inline_keyboard", [])


def buttons(call) -> list[dict]:
    return [b for row in keyboard(call) for b in row]


def test_start_greets_and_offers_sectors(index):
    async def scenario(fake, app, rec):
        fake.text("/start", first_name="<b>Lan</b>")
        [call] = await fake.wait_for("sendMessage")
        assert "Trợ lý số" in call.params["text"] and call.params["parse_mode"] == "HTML"
        assert "&lt;b&gt;Lan&lt;/b&gt;" in call.params["text"]  # the user's name is escaped
        assert any(b["callback_data"].startswith("s|") for b in buttons(call))
        assert fake.sent("setMyCommands")

    play(index, scenario)


def test_deep_link_opens_an_entry(index):
    async def scenario(fake, app, rec):
        fake.text("/start vneid-quen-mat-khau")
        [call] = await fake.wait_for("sendMessage")
        assert "Quên mật khẩu VNeID" in call.params["text"]

    play(index, scenario)


def test_answered_question_html_buttons_and_record(index):
    async def scenario(fake, app, rec):
        fake.text("ad ơi cho em hỏi làm căn cước lần đầu ở đâu ạ")
        [call] = await fake.wait_for("sendMessage")
        assert call.params["text"].startswith("<b>Làm thẻ căn cước lần đầu</b>")
        data = [b.get("callback_data") for b in buttons(call)]
        assert callbacks.encode(callbacks.Feedback("can-cuoc-lan-dau", True)) in data
        assert rec.questions[0]["result"].best.entry.id == "can-cuoc-lan-dau"

    play(index, scenario)


def test_official_links_become_url_buttons(index):
    async def scenario(fake, app, rec):
        fake.text("Cổng dịch vụ công quốc gia là gì")
        [call] = await fake.wait_for("sendMessage")
        assert {"text": "Cổng Dịch vụ công quốc gia", "url": "https://dichvucong.gov.vn"} in buttons(call)

    play(index, scenario)


def test_user_text_is_never_interpreted_as_html(index):
    async def scenario(fake, app, rec):
        fake.text("<script>alert(1)</script> giá vàng")
        [call] = await fake.wait_for("sendMessage")
        assert "<script>" not in call.params["text"]
        assert texts.NOT_FOUND in call.params["text"]

    play(index, scenario)


def test_suggestions_then_tap(index):
    async def scenario(fake, app, rec):
        fake.text("căn cước")
        [call] = await fake.wait_for("sendMessage")
        assert call.params["text"] == texts.DID_YOU_MEAN
        choices = buttons(call)
        assert 2 <= len(choices) <= 3
        fake.tap(choices[0]["callback_data"])
        calls = await fake.wait_for("sendMessage", 2)
        assert calls[1].params["text"].startswith("<b>")
        assert fake.sent("answerCallbackQuery")

    play(index, scenario)


def test_unanswered_offers_human_help_and_is_recorded(index):
    async def scenario(fake, app, rec):
        fake.text("giá vàng hôm nay bao nhiêu")
        [call] = await fake.wait_for("sendMessage")
        assert "chưa có câu trả lời" in call.params["text"] and "Tổ công nghệ số cộng đồng" in call.params["text"]
        assert texts.RECORDED in call.params["text"]
        assert rec.questions[0]["result"].status.value == "unanswered"

    play(index, scenario)


def test_paging_edits_the_message_in_place(index):
    entry = index.catalogue.entries["thu-tuc-ly-lich-tu-phap-vneid"]
    from bot.channels.telegram.render import entry_pages

    pages = entry_pages(entry, page_chars=300)
    assert len(pages) > 1

    async def scenario(fake, app, rec):
        fake.tap(callbacks.encode(callbacks.Page(entry.id, 1)))
        [edit] = await fake.wait_for("editMessageText")
        assert edit.params["text"] == pages[1]
        labels = [b["text"] for b in buttons(edit)]
        assert texts.PREVIOUS in labels and f"2/{len(pages)}" in labels

    play(index, scenario, page_chars=300)


def test_feedback_is_recorded_and_acknowledged(index):
    async def scenario(fake, app, rec):
        fake.tap(callbacks.encode(callbacks.Feedback("vneid-la-gi", False)), user_id=222)
        [ack] = await fake.wait_for("answerCallbackQuery")
        assert ack.params["text"] == texts.THANKS_NOT_HELPFUL
        assert rec.feedbacks == [{"user_id": 222, "entry_id": "vneid-la-gi", "helpful": False}]

    play(index, scenario)


def test_stale_and_forged_buttons_get_a_friendly_answer(index):
    async def scenario(fake, app, rec):
        fake.tap("e|entry-that-was-deleted")
        fake.tap("garbage that we never made")
        fake.tap(callbacks.encode(callbacks.Page("vneid-la-gi", 99)))
        acks = await fake.wait_for("answerCallbackQuery", 3)
        assert all(a.params.get("show_alert") in ("true", True) for a in acks)
        assert not fake.sent("sendMessage")

    play(index, scenario)


def test_sector_browsing_and_search_command(index):
    async def scenario(fake, app, rec):
        fake.tap(callbacks.encode(callbacks.Sector("cu-tru")))
        [listing] = await fake.wait_for("sendMessage")
        assert any(b["callback_data"] == "e|thu-tuc-dang-ky-tam-tru" for b in buttons(listing))
        fake.text("/timkiem tạm trú")
        calls = await fake.wait_for("sendMessage", 2)
        assert any("tam-tru" in b["callback_data"] for b in buttons(calls[1]))
        fake.text("/linhvuc")
        fake.text("/help")
        await fake.wait_for("sendMessage", 4)

    play(index, scenario)


def test_inline_mode_offers_entries(index):
    async def scenario(fake, app, rec):
        fake.inline("căn cước")
        [call] = await fake.wait_for("answerInlineQuery")
        results = call.params["results"]
        assert 1 <= len(results) <= 10
        assert all(r["input_message_content"]["parse_mode"] == "HTML" for r in results)

    play(index, scenario)


def test_non_text_messages_get_a_polite_reply(index):
    async def scenario(fake, app, rec):
        sticker = {
            "file_id": "s",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        photo = [{"file_id": "p", "file_unique_id": "q", "width": 1, "height": 1}]
        fake.push({"message": fake.message(None, sticker=sticker)})
        fake.push({"message": fake.message(None, location={"latitude": 14.35, "longitude": 108.0})})
        fake.push({"message": fake.message(None, photo=photo)})
        calls = await fake.wait_for("sendMessage", 3)
        assert all(c.params["text"] == texts.NON_TEXT for c in calls)

    play(index, scenario)


def test_group_chat_answers_only_mentions_and_replies(index):
    async def scenario(fake, app, rec):
        group = -100500
        fake.text("mất căn cước phải làm sao", user_id=1, chat_id=group, chat_type="group")  # ignored
        text = f"@{BOT['username']} mất căn cước phải làm sao"
        mention = [{"type": "mention", "offset": 0, "length": len(BOT["username"]) + 1}]
        fake.push({"message": fake.message(text, 2, group, "group", entities=mention)})
        fake.push(
            {
                "message": fake.message(
                    "VNeID là gì",
                    3,
                    group,
                    "group",
                    reply_to_message=fake.message("…", 0, group, "group", **{"from": BOT}),
                )
            }
        )
        calls = await fake.wait_for("sendMessage", 2, chat_id=group)
        await asyncio.sleep(0.3)
        assert len(fake.sent("sendMessage", chat_id=group)) == 2
        assert {c.params["text"].split("</b>")[0] for c in calls} == {"<b>Bị mất thẻ căn cước", "<b>VNeID là gì?"}

    play(index, scenario)


def test_edited_messages_and_channel_posts_do_not_break_anything(index):
    async def scenario(fake, app, rec):
        fake.push({"edited_message": fake.message("sửa lại câu hỏi")})
        fake.push({"channel_post": fake.message("tin kênh", chat_id=-1001, chat_type="channel")})
        fake.text("VNeID là gì")
        await fake.wait_for("sendMessage")
        assert len(fake.sent("sendMessage")) == 1
        assert not fake.sent("sendChatAction")  # an instant answer needs no "typing…"

    play(index, scenario)


def test_flood_protection(index):
    async def scenario(fake, app, rec):
        for _ in range(6):
            fake.text("VNeID là gì", user_id=9)
        calls = await fake.wait_for("sendMessage", 4)
        await asyncio.sleep(0.3)
        texts_sent = [c.params["text"] for c in fake.sent("sendMessage")]
        assert texts_sent.count(texts.SLOW_DOWN) == 1
        assert len(texts_sent) == 4 and calls

    play(index, scenario, flood_messages=3, flood_seconds=60)


def test_429_is_retried_after_the_requested_time(index):
    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "429", retry_after=1)
        fake.text("VNeID là gì")
        await fake.wait_for("sendMessage", timeout=10)

    play(index, scenario)


def test_500_and_dropped_connections_are_retried(index):
    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "500")
        fake.fail("sendMessage", "drop")
        fake.text("VNeID là gì")
        await fake.wait_for("sendMessage", timeout=10)

    play(index, scenario)


def test_slow_answer_shows_typing_and_still_arrives(index):
    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "slow", delay=2.0)
        fake.text("VNeID là gì")
        await fake.wait_for("sendMessage", timeout=10)
        [typing] = fake.sent("sendChatAction")
        assert typing.params["action"] == "typing"

    play(index, scenario)


def test_blocked_user_is_logged_not_retried_and_others_are_served(index, caplog):
    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "403", chat_id=404, times=10)
        fake.text("VNeID là gì", user_id=404)
        fake.text("VNeID là gì", user_id=405)
        await fake.wait_for("sendMessage", chat_id=405)
        await asyncio.sleep(0.5)

    with caplog.at_level(logging.WARNING, logger="tro_ly_so.telegram"):
        play(index, scenario)
    assert any("blocked" in r.message for r in caplog.records)


def test_a_failing_recorder_never_costs_the_answer(index, caplog):
    async def scenario(fake, app, rec):
        fake.text("VNeID là gì")
        await fake.wait_for("sendMessage")

    with caplog.at_level(logging.ERROR, logger="tro_ly_so.records"):
        play(index, scenario, recorder=MemoryRecorder(fail=True))
    assert any("could not record" in r.message for r in caplog.records)


def test_burst_of_1000_updates_from_200_users_none_lost(index):
    async def scenario(fake, app, rec):
        questions = ["VNeID là gì", "mất căn cước phải làm sao", "giá vàng", "căn cước", "đăng ký tạm trú"]
        for i in range(1000):
            fake.text(questions[i % len(questions)], user_id=10_000 + i % 200)
        await fake.wait_for("sendMessage", 1000, timeout=120)
        per_user = {}
        for call in fake.sent("sendMessage"):
            per_user[int(call.params["chat_id"])] = per_user.get(int(call.params["chat_id"]), 0) + 1
        assert len(per_user) == 200 and set(per_user.values()) == {5}
        assert len(rec.questions) == 1000

    # Telegram's own 30 messages/s would make this a minute; the limiter itself is tested above.
    play(index, scenario, flood_messages=100, send_rate=0, timeout=150)


def test_failures_are_logged_without_personal_data(index, caplog):
    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "500", times=10)
        fake.text("số của tôi 0912 345 678, VNeID là gì", user_id=31337)
        await asyncio.sleep(3)

    with caplog.at_level(logging.ERROR, logger="tro_ly_so.telegram"):
        play(index, scenario)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed to handle update" in logged
    assert "0912" not in logged and "31337" not in logged and "[số điện thoại]" in logged
