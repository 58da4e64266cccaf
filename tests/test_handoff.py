"""Hand-off to staff through the fake Bot API server and the real PTB Application."""

from __future__ import annotations

import asyncio
from datetime import UTC

from bot import texts
from bot.channels.telegram import callbacks
from bot.store import Store
from bot.tickets import TicketDesk, WorkingHours
from tests.fake_telegram import BOT
from tests.telegram_harness import MemoryRecorder, play

STAFF = -100777
CITIZEN = 31


def staff_reply(fake, post, text, user_id=77, name="Hùng"):
    """A staff member replies (Telegram reply) to the bot's ticket post in the staff group."""
    original = {**post.result, "from": BOT, "chat": {"id": STAFF, "type": "supergroup", "title": "Cán bộ"}}
    return fake.push(
        {"message": fake.message(text, user_id, STAFF, "supergroup", first_name=name, reply_to_message=original)}
    )


def citizen_button(fake, data, user_id=CITIZEN):
    return fake.tap(data, user_id, message=fake.message("…", user_id, **{"from": BOT}))


def buttons(call):
    return [b for row in call.params.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def open_ticket(fake) -> tuple[int, object]:
    fake.text("giá vàng hôm nay thế nào", user_id=CITIZEN)
    [reply] = await fake.wait_for("sendMessage", chat_id=CITIZEN)
    ask = [b for b in buttons(reply) if b["text"] == texts.ASK_STAFF]
    assert ask, "an unanswered question offers the hand-off"
    ticket_id = callbacks.decode(ask[0]["callback_data"]).ticket_id
    citizen_button(fake, ask[0]["callback_data"])
    consent = (await fake.wait_for("sendMessage", 2, chat_id=CITIZEN))[1]
    assert "nội dung câu hỏi" in consent.params["text"] and "Lan" in consent.params["text"]
    assert not fake.sent("sendMessage", chat_id=STAFF), "nothing is forwarded before consent"
    citizen_button(fake, callbacks.encode(callbacks.Consent(ticket_id, True)))
    [post] = await fake.wait_for("sendMessage", chat_id=STAFF)
    confirmation = (await fake.wait_for("sendMessage", 3, chat_id=CITIZEN))[2]
    assert "HT-" in confirmation.params["text"] and "làm việc" in confirmation.params["text"]
    return ticket_id, post


def test_full_hand_off_replies_follow_up_and_done(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        ticket_id, post = await open_ticket(fake)
        assert "giá vàng hôm nay thế nào" in post.params["text"] and "HT-" in post.params["text"]
        staff_reply(fake, post, "Chào bạn, trợ lý chỉ hỗ trợ thủ tục hành chính.")
        staff_reply(fake, post, "Bạn xem giá vàng ở ngân hàng nhé.")
        replies = await fake.wait_for("sendMessage", 5, chat_id=CITIZEN)
        relayed = [c.params["text"] for c in replies[3:5]]
        assert (
            "Cán bộ trả lời" in relayed[0]
            and "chỉ hỗ trợ thủ tục" in relayed[0]
            and "giá vàng ở ngân hàng" in relayed[1]
        )
        assert not any("Hùng" in t for t in relayed), "the staff member's own account is never revealed"
        citizen_button(fake, callbacks.encode(callbacks.FollowUp(ticket_id)))
        await fake.wait_for("sendMessage", 6, chat_id=CITIZEN)
        fake.text("Cho tôi hỏi thêm giờ làm việc của xã", user_id=CITIZEN)
        staff_posts = await fake.wait_for("sendMessage", 2, chat_id=STAFF)
        assert "Bổ sung" in staff_posts[1].params["text"]
        assert (
            int(
                staff_posts[1].params.get("reply_to_message_id")
                or staff_posts[1].params["reply_parameters"]["message_id"]
            )
            == post.result["message_id"]
        )
        citizen_button(fake, callbacks.encode(callbacks.FollowUp(ticket_id)))
        alerts = await fake.wait_for("answerCallbackQuery", 4)
        assert alerts[-1].params["text"] == texts.FOLLOW_UP_USED
        # "Đã xong" pressed by someone outside the staff group does nothing
        citizen_button(fake, callbacks.encode(callbacks.CloseTicket(ticket_id)))
        await fake.wait_for("answerCallbackQuery", 5)
        assert TicketDesk(store).get(ticket_id)["state"] != "closed"
        fake.tap(
            callbacks.encode(callbacks.CloseTicket(ticket_id)),
            77,
            message={**post.result, "from": BOT, "chat": {"id": STAFF, "type": "supergroup", "title": "C"}},
        )
        closed = await fake.wait_for("sendMessage", 8, chat_id=CITIZEN)
        assert "đã đóng" in closed[-1].params["text"]
        staff_reply(fake, post, "trả lời muộn")
        late = await fake.wait_for("sendMessage", 3, chat_id=STAFF)
        assert "đã đóng" in late[-1].params["text"]

    play(index, scenario, store=store, staff_chat_id=STAFF)
    desk = TicketDesk(store)
    [ticket] = [t for t in desk.all()]
    assert ticket["state"] == "closed" and ticket["first_reply"]
    assert [m["author"] for m in desk.messages(ticket["id"])] == ["staff", "staff", "citizen"]
    # Staff actions on tickets are in the console's audit log, with the Telegram account that acted.
    audit = [(r["username"], r["target"], r["detail"]) for r in store.db["audit"].rows if r["action"] == "ticket"]
    assert audit == [("telegram:77", "HT-0001", "trả lời người hỏi")] * 2 + [("telegram:77", "HT-0001", "đóng")]
    store.close()


def test_staff_group_chatter_and_unknown_replies(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        fake.text("chào mọi người", user_id=77, chat_id=STAFF, chat_type="supergroup")  # ignored
        unknown = fake.message("…", 0, STAFF, "supergroup", **{"from": BOT}, message_id=424242)
        fake.push({"message": fake.message("trả lời nhầm", 77, STAFF, "supergroup", reply_to_message=unknown)})
        [hint] = await fake.wait_for("sendMessage", chat_id=STAFF)
        assert hint.params["text"] == texts.STAFF_HINT
        await asyncio.sleep(0.3)
        assert len(fake.sent("sendMessage", chat_id=STAFF)) == 1

    play(index, scenario, store=store, staff_chat_id=STAFF)
    store.close()


def test_blocked_citizen_is_noted_and_staff_told(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        _, post = await open_ticket(fake)
        fake.fail("sendMessage", "403", chat_id=CITIZEN, times=5)
        staff_reply(fake, post, "Trả lời")
        staff = await fake.wait_for("sendMessage", 2, chat_id=STAFF)
        assert "Không gửi được" in staff[-1].params["text"]

    play(index, scenario, store=store, staff_chat_id=STAFF)
    [ticket] = TicketDesk(store).all()
    assert "chặn" in ticket["note"]
    store.close()


def test_deleted_staff_group_keeps_the_ticket(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "403", chat_id=STAFF, times=5)
        fake.text("giá vàng hôm nay thế nào", user_id=CITIZEN)
        [reply] = await fake.wait_for("sendMessage", chat_id=CITIZEN)
        data = next(b for b in buttons(reply) if b["text"] == texts.ASK_STAFF)["callback_data"]
        ticket_id = callbacks.decode(data).ticket_id
        citizen_button(fake, callbacks.encode(callbacks.Consent(ticket_id, True)))
        calls = await fake.wait_for("sendMessage", 2, chat_id=CITIZEN)
        assert "chưa chuyển được" in calls[-1].params["text"]

    play(index, scenario, store=store, staff_chat_id=STAFF)
    [ticket] = TicketDesk(store).all()
    assert ticket["state"] == "open" and "nhóm cán bộ" in ticket["note"]
    store.close()


def test_restart_in_the_middle_of_an_open_ticket(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")
    posted = {}

    async def before(fake, app, rec):
        _, post = await open_ticket(fake)
        posted["post"] = post

    async def after(fake, app, rec):
        staff_reply(fake, posted["post"], "Sau khi khởi động lại vẫn trả lời được")
        [relayed] = await fake.wait_for("sendMessage", chat_id=CITIZEN)
        assert "Sau khi khởi động lại" in relayed.params["text"]

    play(index, before, store=store, staff_chat_id=STAFF)
    play(index, after, store=store, staff_chat_id=STAFF)  # a new Application and a new fake server
    store.close()


def test_tickets_command_and_hotro(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        fake.text("/hotro tôi cần xin giấy xác nhận gấp", user_id=CITIZEN)
        [consent] = await fake.wait_for("sendMessage", chat_id=CITIZEN)
        assert "xin giấy xác nhận gấp" in consent.params["text"]
        ticket_id = callbacks.decode(buttons(consent)[0]["callback_data"]).ticket_id
        citizen_button(fake, callbacks.encode(callbacks.Consent(ticket_id, True)))
        await fake.wait_for("sendMessage", chat_id=STAFF)
        fake.text("/tickets", user_id=77, chat_id=STAFF, chat_type="supergroup")
        listing = (await fake.wait_for("sendMessage", 2, chat_id=STAFF))[-1]
        assert "HT-" in listing.params["text"] and "chờ" in listing.params["text"]
        fake.text("/tickets", user_id=5)  # an ordinary citizen
        [other] = await fake.wait_for("sendMessage", chat_id=5)
        assert other.params["text"] == texts.HELP

    play(index, scenario, store=store, staff_chat_id=STAFF)
    store.close()


def test_idle_tickets_close_and_working_hours():
    from datetime import datetime

    hours = WorkingHours.parse("07:30-17:00", "1-5")
    monday_10 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam, a Monday
    sunday = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert "hôm nay" in hours.expectation(monday_10) and "ngày làm việc tiếp theo" in hours.expectation(sunday)


def test_idle_tickets_are_closed(tmp_path):
    store = Store(tmp_path / "r.sqlite")
    desk = TicketDesk(store)
    ticket = desk.draft(1, "Lan", "hỏi", [])
    desk.open(ticket, 5)
    assert desk.close_stale(hours=1) == []
    store.db.execute("UPDATE tickets SET last_activity = '2020-01-01T00:00:00'")
    assert desk.close_stale(hours=1) == [ticket] and desk.get(ticket)["state"] == "closed"
    store.close()


def test_tapped_suggestion_and_helpful_become_candidates(index):
    recorder = MemoryRecorder()

    async def scenario(fake, app, rec):
        fake.text("căn cước", user_id=CITIZEN)
        [choices] = await fake.wait_for("sendMessage", chat_id=CITIZEN)
        first = buttons(choices)[0]["callback_data"]
        fake.tap(first, CITIZEN, message=fake.message(texts.DID_YOU_MEAN, CITIZEN, **{"from": BOT}))
        await fake.wait_for("sendMessage", 2, chat_id=CITIZEN)
        fake.text("VNeID là gì vậy ad", user_id=CITIZEN)
        await fake.wait_for("sendMessage", 3, chat_id=CITIZEN)
        citizen_button(fake, callbacks.encode(callbacks.Feedback("vneid-la-gi", True)))
        await fake.wait_for("answerCallbackQuery", 2)

    play(index, scenario, recorder=recorder)
    assert recorder.candidates[0] == {
        "question": "căn cước",
        "entry_id": callbacks.decode(recorder.candidates[0] and "e|" + recorder.candidates[0]["entry_id"]).entry_id,
        "source": "tap",
    }
    assert recorder.candidates[1] == {"question": "VNeID là gì vậy ad", "entry_id": "vneid-la-gi", "source": "helpful"}


def test_members_of_other_groups_cannot_act_as_staff(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        _, post = await open_ticket(fake)
        elsewhere = -100888  # not the staff group
        forged = {**post.result, "from": BOT, "chat": {"id": elsewhere, "type": "supergroup", "title": "Thôn"}}
        fake.push({"message": fake.message("tôi là cán bộ đây", 66, elsewhere, "supergroup", reply_to_message=forged)})
        await fake.wait_for("sendMessage", chat_id=elsewhere)  # treated as a question to the bot, nothing more
        await asyncio.sleep(0.3)
        assert not any("tôi là cán bộ đây" in c.params["text"] for c in fake.sent("sendMessage", chat_id=CITIZEN))

    play(index, scenario, store=store, staff_chat_id=STAFF)
    assert [m["author"] for m in TicketDesk(store).messages(1)] == []
    store.close()


def test_sai_roi_after_an_answer_offers_staff_the_question_it_answered(index, tmp_path):
    store = Store(tmp_path / "r.sqlite")

    async def scenario(fake, app, rec):
        fake.text("quên mật khẩu vneid", user_id=CITIZEN)
        await fake.wait_for("sendMessage", chat_id=CITIZEN)
        fake.text("vẫn không được", user_id=CITIZEN)
        sorry = (await fake.wait_for("sendMessage", 2, chat_id=CITIZEN))[1]
        assert sorry.params["text"].startswith("Xin lỗi vì câu trả lời chưa giúp được bạn")
        [ask] = [b for b in buttons(sorry) if b["text"] == texts.ASK_STAFF]
        ticket_id = callbacks.decode(ask["callback_data"]).ticket_id
        assert TicketDesk(store).get(ticket_id)["text"] == "quên mật khẩu vneid"  # not "vẫn không được"
        assert rec.feedbacks == [{"user_id": CITIZEN, "entry_id": "vneid-quen-mat-khau", "helpful": False}]

    play(index, scenario, store=store, staff_chat_id=STAFF)
