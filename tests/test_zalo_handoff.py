"""Hand-off for Zalo citizens: the whole server (serve) with the fake Bot API and the fake Zalo API.

The citizen asks on Zalo, types HOTRO and ĐỒNG Ý; the ticket reaches the Telegram staff group; a staff
member replies there and presses "Đã xong"; both reach the citizen on Zalo."""

from __future__ import annotations

import asyncio
import dataclasses

import aiohttp

from bot import texts
from bot.channels.telegram import callbacks
from bot.engine import Engine
from bot.runner import serve
from bot.store import Store
from tests.fake_telegram import BOT, FakeTelegram
from tests.fake_zalo import FakeZalo, webhook, zalo_settings
from tests.telegram_harness import TOKEN
from tests.test_runner import free_port

STAFF = -100777
USER = "8210000000000000001"


def test_zalo_citizen_is_handed_to_the_telegram_staff_group_and_gets_the_reply(index, tmp_path):
    async def scenario():
        fake, zalo = FakeTelegram(), FakeZalo()
        await fake.start()
        await zalo.start()
        store = Store(tmp_path / "r.sqlite")
        port = free_port()
        settings = dataclasses.replace(
            zalo_settings(zalo),
            telegram_token=TOKEN,
            telegram_api_url=fake.base_url,
            port=port,
            send_rate=0,
            staff_chat_id=STAFF,
        )
        stop = asyncio.Event()
        server = asyncio.create_task(serve(settings, Engine(index), store=store, stop=stop))
        url = f"http://127.0.0.1:{port}/zalo/webhook"
        n = 0

        async def say(http, text):
            nonlocal n
            n += 1
            raw, headers = webhook("user_send_text", text=text, msg_id=f"m{n}", user_id=USER)
            for _ in range(100):  # the server may still be starting
                try:
                    async with http.post(url, data=raw, headers=headers) as response:
                        assert response.status == 200
                        return
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            raise AssertionError("server did not start")

        try:
            async with aiohttp.ClientSession() as http:
                await say(http, "quên mật khẩu vneid")
                await say(http, "vẫn không được")  # after an answer: sorry, and the way to a person
                sorry = (await zalo.wait_sent(2))[1]
                assert sorry.text.startswith("Xin lỗi vì câu trả lời chưa giúp") and "HOTRO" in sorry.text
                await say(http, "giá vàng hôm nay thế nào")
                no_answer = (await zalo.wait_sent(3))[2]
                assert texts.NOT_FOUND in no_answer.text and "HOTRO" in no_answer.text
                await say(http, "HOTRO")
                consent = (await zalo.wait_sent(4))[3]
                assert "giá vàng hôm nay thế nào" in consent.text and "ĐỒNG Ý" in consent.text
                assert not fake.sent("sendMessage", chat_id=STAFF), "nothing is forwarded before consent"
                await say(http, "đồng ý")
                [post] = await fake.wait_for("sendMessage", chat_id=STAFF)
                assert "giá vàng hôm nay thế nào" in post.params["text"]
                sent = (await zalo.wait_sent(5))[4]
                assert "HT-" in sent.text
                original = {**post.result, "from": BOT, "chat": {"id": STAFF, "type": "supergroup", "title": "C"}}
                fake.push(
                    {
                        "message": fake.message(
                            "Bạn xem giá ở ngân hàng nhé.", 77, STAFF, "supergroup", reply_to_message=original
                        )
                    }
                )
                relayed = (await zalo.wait_sent(6))[5]
                assert relayed.user_id == USER and "Bạn xem giá ở ngân hàng nhé." in relayed.text
                assert "Hùng" not in relayed.text and "77" not in relayed.text  # no staff identity
                ticket_id = callbacks.decode(post.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"])
                fake.tap(callbacks.encode(ticket_id), 77, message=original)
                closed = (await zalo.wait_sent(7))[6]
                assert "đã đóng" in closed.text
        finally:
            stop.set()
            await server
            await fake.stop()
            await zalo.stop()
            store.close()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_without_a_staff_group_zalo_offers_no_hand_off(index, tmp_path):
    from tests.test_zalo import post, run

    async def scenario(client, zalo, store):
        await post(client, text="giá vàng hôm nay thế nào", msg_id="x1")
        [reply] = await zalo.wait_sent(1)
        assert "HOTRO" not in reply.text and texts.HUMAN_HELP in reply.text

    run(index, tmp_path, scenario)
