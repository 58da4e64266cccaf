"""Old address → new commune through the conversation core, on Telegram (real PTB) and the web chat."""

from __future__ import annotations

from bot.channels.telegram import callbacks
from bot.conversation import Place
from tests.telegram_harness import play
from tests.test_conversation import make, web


def test_core_answers_an_old_address_and_records_only_the_commune(index):
    conv, rec, _ = make(index)
    reply = conv.ask("web", "v", "nhà tôi ở thôn 3, xã Đắk Cấm, thành phố Kon Tum giờ là xã nào")
    assert isinstance(reply, Place) and reply.kind == "converted"
    assert "Phường Đăk Cấm" in reply.text and "dữ liệu mở" in reply.text
    assert {e.id for e in reply.related} >= {"giay-to-sau-sap-nhap"}
    [record] = rec.questions
    assert "thôn 3" not in record["text"] and "Phường Đăk Cấm" in record["text"]
    assert record["result"].status.value == "answered"


def test_divided_or_ambiguous_names_are_choices_never_a_guess(index):
    conv, rec, _ = make(index)
    reply = conv.ask("zalo", "u", "xã Đăk Long giờ thuộc xã nào")
    assert isinstance(reply, Place) and reply.kind == "ambiguous" and len(reply.choices) == 2
    assert rec.questions[-1]["result"].status.value == "suggested"
    picked = conv.ask("zalo", "u", "2")  # numbered, as on Zalo
    assert isinstance(picked, Place) and picked.kind == "converted" and "Đăk Pxi" in picked.text


def test_ordinary_questions_still_reach_the_catalogue(index):
    conv, _, _ = make(index)
    assert not isinstance(conv.ask("web", "v", "thủ tục cấp đổi căn cước"), Place)


def test_telegram_address_answer_with_choice_buttons(index):
    async def scenario(fake, app, rec):
        fake.text("xã Đăk Long giờ thuộc xã nào")
        [call] = await fake.wait_for("sendMessage")
        rows = call.params["reply_markup"]["inline_keyboard"]
        data = [b["callback_data"] for row in rows for b in row]
        places = [d for d in data if isinstance(callbacks.decode(d), callbacks.PlaceChoice)]
        assert len(places) == 2
        fake.tap(places[1])
        second = (await fake.wait_for("sendMessage", 2))[1]
        assert "Đăk Pxi" in second.params["text"]

    play(index, scenario)


def test_telegram_office_without_a_confirmed_address_is_honest(index):
    async def scenario(fake, app, rec):
        fake.text("UBND phường Đăk Cấm ở đâu")
        [call] = await fake.wait_for("sendMessage")
        assert "Chưa có địa chỉ đã xác nhận" in call.params["text"]
        assert "https://dichvucong.gov.vn" in call.params["text"]

    play(index, scenario)


def test_web_chat_address_answer_and_choice(index):
    async def scenario(client, rec):
        r = await client.post("/api/ask", json={"q": "xa dak long gio thuoc xa nao"})
        html = (await r.json())["html"]
        assert 'data-place="mg:c:' in html
        payload = html.split('data-place="')[2].split('"')[0]
        r = await client.post("/api/open", json={"place": payload})
        assert "Đăk Pxi" in (await r.json())["html"]
        r = await client.post("/api/open", json={"place": "mg:c:khong-co"})
        assert r.status == 200  # a stale or forged choice gets a polite line

    web(index, scenario)


def test_core_asks_which_commune_and_takes_the_name_typed_next(index):
    conv, rec, _ = make(index)
    asked = conv.ask("zalo", "u", "ủy ban xã ở đâu")  # was answered with the marriage procedure
    assert isinstance(asked, Place) and asked.kind == "ask_office"
    assert {e.id for e in asked.related} == {"trung-tam-phuc-vu-hanh-chinh-cong", "nop-ho-so-giay-sau-sap-nhap"}
    assert rec.questions[-1]["result"].status.value == "unanswered"
    office = conv.ask("zalo", "u", "xã Đăk Hà")  # alone it would be the OLD xã Đăk Hà's conversion
    assert isinstance(office, Place) and office.kind == "office" and "UBND xã Đăk Hà" in office.text
    # The name is taken once: typed again, it is an address question as before.
    again = conv.ask("zalo", "u", "xã Đăk Hà")
    assert isinstance(again, Place) and again.kind == "converted"


def test_the_commune_asked_for_is_not_carried_to_a_new_question_or_past_ten_minutes(index):
    conv, _, clock = make(index)
    conv.ask("web", "v", "số điện thoại công an xã")
    assert not isinstance(conv.ask("web", "v", "thủ tục cấp đổi căn cước"), Place)
    conv.ask("web", "v", "số điện thoại công an xã")
    clock.now += 601
    reply = conv.ask("web", "v", "Sa Thầy")
    assert not (isinstance(reply, Place) and reply.kind == "office")
    conv.ask("web", "v", "số điện thoại công an xã")
    reply = conv.ask("web", "v", "Sa Thầy")
    assert isinstance(reply, Place) and reply.kind == "office" and "Công an xã Sa Thầy" in reply.text


def test_telegram_asks_which_commune_then_answers_its_office(index):
    async def scenario(fake, app, rec):
        fake.text("giờ làm việc của xã")
        [call] = await fake.wait_for("sendMessage")
        assert "Bạn hỏi UBND của xã, phường nào?" in call.params["text"]
        rows = call.params["reply_markup"]["inline_keyboard"]
        assert any("Trung tâm Phục vụ hành chính công" in b["text"] for row in rows for b in row)
        fake.text("phường Kon Tum")
        second = (await fake.wait_for("sendMessage", 2))[1]
        assert "UBND phường Kon Tum" in second.params["text"]
        assert "Chưa có địa chỉ đã xác nhận" in second.params["text"]

    play(index, scenario)


def test_web_chat_asks_which_commune_then_answers_its_office(index):
    async def scenario(client, rec):
        r = await client.post("/api/ask", json={"q": "uy ban xa o dau"})
        assert "Bạn hỏi UBND của xã, phường nào?" in (await r.json())["html"]
        r = await client.post("/api/ask", json={"q": "Đăk Cấm"})
        assert "UBND phường Đăk Cấm" in (await r.json())["html"]

    web(index, scenario)
