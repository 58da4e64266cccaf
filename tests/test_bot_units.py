"""Pure parts of the delivery layer: callbacks, flood guard, redaction, Telegram rendering."""

import pytest

from bot.channels.telegram import callbacks
from bot.channels.telegram import render as render_telegram
from bot.flood import FloodGuard
from bot.redact import redact, user_hash


@pytest.mark.parametrize(
    "action",
    [
        callbacks.Open("vneid-la-gi"),
        callbacks.Page("x", 3),
        callbacks.Feedback("x", True),
        callbacks.Sector("thue"),
        callbacks.Noop(),
    ],
)
def test_callback_round_trip(action):
    assert callbacks.decode(callbacks.encode(action)) == action


@pytest.mark.parametrize("data", [None, "", "zzz", "p|x", "p|x|y", "f|2|x", "e|", "e|a|b", "n|1"])
def test_foreign_callback_data_is_refused(data):
    assert callbacks.decode(data) is None


def test_callback_data_over_64_bytes_is_an_error():
    with pytest.raises(ValueError):
        callbacks.encode(callbacks.Open("x" * 70))


def test_flood_guard_window_and_single_warning():
    now = [0.0]
    guard = FloodGuard(limit=3, window=10, clock=lambda: now[0])
    assert [guard.allow(1) for _ in range(4)] == [True, True, True, False]
    assert guard.allow(2)  # other users are not affected
    assert guard.warn(1) and not guard.warn(1)
    now[0] = 11
    assert guard.allow(1)


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("gọi em 0912 345 678 nhé", "0912"),
        ("sđt 0912.345.678", "345"),
        ("+84 912 345 678", "912"),
        ("84912345678", "912345"),
        ("(0260) 3 123 456", "123 456"),
        ("cccd 001234567890", "001234567890"),
        ("căn cước 0012 3456 7890", "3456"),
        ("cmnd 233456789", "233456789"),
        ("stk 1903 5555 6666 01", "5555"),
        ("tk 0071000123456", "0071000123456"),
        ("xe 82A-123.45", "82A"),
        ("biển 29A1 234.56", "234.56"),
        ("biển 51F 12345", "12345"),
        ("mail an.nguyen+bot@gmail.com", "gmail"),
    ],
)
def test_personal_data_is_redacted(text, hidden):
    assert hidden not in redact(text)


@pytest.mark.parametrize("text", ["phí 50.000 đồng", "năm 2025", "ngày 10/10/2025", "đủ 14 tuổi", "1.000.000 đồng"])
def test_ordinary_numbers_survive(text):
    assert redact(text) == text


def test_user_hash_is_stable_salted_and_not_the_id():
    assert user_hash(12345, "a") == user_hash(12345, "a") != user_hash(12345, "b")
    assert "12345" not in user_hash(12345, "a")


def test_pages_never_exceed_telegram_limit_and_keep_html_entities_whole(index):
    import dataclasses

    entry = index.catalogue.entries["vneid-la-gi"]
    huge = dataclasses.replace(entry, answer=("Dòng có ký tự <đặc biệt> & dài. " * 40 + "\n") * 20)
    pages = render_telegram.entry_pages(huge)
    assert len(pages) > 1
    assert "&lt;đặc biệt&gt;" in pages[0]
    for page in pages:
        assert len(page) <= render_telegram.TELEGRAM_LIMIT
        assert "<đặc" not in page
        assert not page.rstrip().endswith("&")
