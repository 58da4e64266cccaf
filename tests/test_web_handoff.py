"""Hand-off from the web chat: the whole server (serve) with the fake Bot API. The citizen asks in the web
chat, sends the question to staff with consent; a staff member replies in the Telegram group; the chat
fetches the reply; "Đã xong" closes it."""

from __future__ import annotations

import asyncio
import dataclasses

import aiohttp

from bot import texts
from bot.channels.telegram import callbacks
from bot.config import Settings
from bot.engine import Engine
from bot.runner import serve
from bot.store import Store
from tests.fake_telegram import BOT, FakeTelegram
from tests.telegram_harness import TOKEN
from tests.test_runner import free_port

STAFF = -100777


def test_web_citizen_is_handed_to_the_staff_group_and_reads_the_reply(index, tmp_path):
    async def scenario():
        fake = FakeTelegram()
        await fake.start()
        store = Store(tmp_path / "r.sqlite")
        port = free_port()
        settings = dataclasses.replace(
            Settings(),
            telegram_token=TOKEN,
            telegram_api_url=fake.base_url,
            port=port,
            send_rate=0,
            staff_chat_id=STAFF,
        )
        stop = asyncio.Event()
        server = asyncio.create_task(serve(settings, Engine(index), store=store, stop=stop))
        base = f"http://127.0.0.1:{port}"
        try:
            tab = {"X-Chat-Visitor": "a" * 32}  # what chat.js sends (aiohttp keeps no cookie from an IP address)
            async with aiohttp.ClientSession(headers=tab) as http:
                for _ in range(100):  # wait for the server
                    try:
                        async with http.get(base + "/") as r:
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)

                async def post(url, payload):
                    async with http.post(base + url, json=payload) as r:
                        assert r.status == 200, await r.text()
                        return await r.json()

                await post("/api/ask", {"q": "quên mật khẩu vneid"})
                sorry = await post("/api/ask", {"q": "vẫn không được"})  # after an answer: the way to a person
                assert "Xin lỗi vì câu trả lời chưa giúp" in sorry["html"] and 'data-handoff="ask"' in sorry["html"]
                answer = await post("/api/ask", {"q": "giá vàng hôm nay thế nào"})
                assert texts.NOT_FOUND in answer["html"] and 'data-handoff="ask"' in answer["html"]
                consent = await post("/api/handoff", {"step": "ask"})
                assert "giá vàng hôm nay thế nào" in consent["html"] and 'data-handoff="yes"' in consent["html"]
                assert not fake.sent("sendMessage", chat_id=STAFF), "nothing is forwarded before consent"
                sent = await post("/api/handoff", {"step": "yes"})
                assert "HT-" in sent["html"] and sent["ticket"] is True
                [staff_post] = await fake.wait_for("sendMessage", chat_id=STAFF)
                assert "giá vàng hôm nay thế nào" in staff_post.params["text"]

                async with http.get(base + "/api/replies?after=0") as r:
                    assert (await r.json()) == {"replies": [], "open": True}
                original = {**staff_post.result, "from": BOT, "chat": {"id": STAFF, "type": "supergroup", "title": "C"}}
                fake.push(
                    {
                        "message": fake.message(
                            "Giá vàng xem ở ngân hàng nhé.", 77, STAFF, "supergroup", reply_to_message=original
                        )
                    }
                )
                for _ in range(100):
                    async with http.get(base + "/api/replies?after=0") as r:
                        got = await r.json()
                    if got["replies"]:
                        break
                    await asyncio.sleep(0.05)
                [reply] = got["replies"]
                assert "Giá vàng xem ở ngân hàng nhé." in reply["html"] and "HT-" in reply["html"]
                async with http.get(base + f"/api/replies?after={reply['id']}") as r:
                    assert (await r.json())["replies"] == []  # read once
                done = staff_post.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                fake.tap(done, 77, message=original)
                for _ in range(100):
                    async with http.get(base + f"/api/replies?after={reply['id']}") as r:
                        if not (await r.json())["open"]:
                            break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError("the ticket stayed open after Đã xong")
                assert callbacks.decode(done) is not None

            other = {"X-Chat-Visitor": "b" * 32}  # another tab sees nothing of it, nor does a visitor without id
            async with aiohttp.ClientSession(headers=other) as http2, http2.get(base + "/api/replies?after=0") as r:
                assert (await r.json()) == {"replies": [], "open": False}
            async with aiohttp.ClientSession() as http3:
                async with http3.get(base + "/api/replies?after=0") as r:
                    assert (await r.json()) == {"replies": [], "open": False}
                async with http3.post(base + "/api/handoff", json={"step": "ask"}) as r:
                    assert "cookie" in (await r.json())["html"]
        finally:
            stop.set()
            await server
            await fake.stop()
            store.close()

    asyncio.run(asyncio.wait_for(scenario(), 60))


def test_without_a_staff_group_the_web_chat_offers_no_hand_off(index):
    from tests.test_conversation import web

    async def scenario(client, rec):
        r = await client.post("/api/ask", json={"q": "giá vàng hôm nay thế nào"})
        assert "data-handoff" not in (await r.json())["html"]
        r = await client.post("/api/handoff", json={"step": "yes"})
        assert texts.HANDOFF_OFF[:20] in (await r.json())["html"]

    web(index, scenario)
