"""Answers read as paragraphs on every channel, and Telegram pages stay within their limits."""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import texts
from bot.channels.telegram import render as render_telegram
from bot.channels.zalo.client import split_text
from bot.config import Settings
from bot.conversation.replies import Answer
from bot.render_text import reflow, render_entry, render_reply
from bot.web_pages import entry_html, reply_html

# -- what "a break inside a sentence" means (written here independently of the renderer) -------------
# A newline is a break inside a sentence unless
#   - the line before or after it is blank (a paragraph break), or
#   - the line after is a list item ("1. ", "2) ", "a) ", "• ", "- ", or led by a symbol such as ⚠️), or
#     a heading ("# …", or a short label ending in a colon such as "Lệ phí:"), or
#   - the line before ends a sentence or a heading: ". ! ? … :" (maybe followed by a closing quote or
#     bracket), or a web address (no full stop can follow one without breaking the link).
ITEM = re.compile(r"(\d{1,3}[.)]|[a-zđ][.)]|[•\-–—*+])\s")
SENTENCE_END = re.compile(r"([.!?…:][\"'”’»)\]]*|https?://\S+)$")


def is_item_or_heading(line: str) -> bool:
    return bool(
        ITEM.match(line)
        or unicodedata.category(line[0]) == "So"
        or line.startswith("#")
        or (len(line) <= 40 and line.endswith(":"))
    )


def breaks_inside_sentences(text: str) -> list[str]:
    lines = [line.strip() for line in text.split("\n")]
    return [
        f"{before[-40:]!r} ⏎ {after[:40]!r}"
        for before, after in itertools.pairwise(lines)
        if before and after and not is_item_or_heading(after) and not SENTENCE_END.search(before)
    ]


def telegram_text(page: str) -> str:
    """What Telegram shows of an HTML page: tags gone, entities read."""
    return unescape(re.sub(r"<[^>]+>", "", page))


def web_text(html: str) -> str:
    """What the web chat shows: paragraphs apart, <br> as a line break, tags gone."""
    html = html.replace("</p>", "\n\n").replace("<br>", "\n")
    return unescape(re.sub(r"<[^>]+>", "", html))


def parts(entry) -> Answer:
    """A follow-up answer with every part a procedure can have (fee, time, where, …)."""
    return Answer(entry, parts=tuple(texts.PART_LABELS))


CHANNELS = {
    "cli": lambda entry: [render_entry(entry)],
    "telegram": lambda entry: [telegram_text(p) for p in render_telegram.entry_pages(entry, Settings().page_chars)],
    "web": lambda entry: [web_text(entry_html(entry))],
    "zalo": lambda entry: split_text(render_reply(Answer(entry), numbered=True)),
    "parts-text": lambda entry: [render_reply(parts(entry))],
    "parts-telegram": lambda entry: [telegram_text(render_telegram.part_message(parts(entry)))],
    "parts-web": lambda entry: [web_text(reply_html(parts(entry)))],
}


def test_the_definition_catches_the_reported_break():
    reported = "Chuyển đổi số là đưa công nghệ số vào cách chúng ta làm việc,\nhọc tập, mua bán và làm thủ tục."
    assert breaks_inside_sentences(reported)
    assert not breaks_inside_sentences("Các bước:\n1. Mở VNeID.\n2. Chọn thủ tục\n\nLưu ý.\nHết.")


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_entry_of_the_shipped_catalogue_reads_as_paragraphs(index, channel):
    found = {}
    for entry in index.catalogue.entries.values():
        for text in CHANNELS[channel](entry):
            if breaks := breaks_inside_sentences(text):
                found[entry.id] = breaks
    assert not found, f"{len(found)} entries on {channel} break a sentence, e.g. {list(found.items())[:3]}"


def test_the_catalogue_needs_the_rule(index):
    """The shipped YAML really has breaks inside sentences: without reflow the test above would fail."""
    assert sum(bool(breaks_inside_sentences(e.answer)) for e in index.catalogue.entries.values()) > 20


# -- the rule on examples -----------------------------------------------------------------------------


def test_continuation_lines_are_joined():
    assert reflow("vào cách chúng ta làm việc,\nhọc tập, mua bán.") == "vào cách chúng ta làm việc, học tập, mua bán."
    joined = "ban hành Quyết định 505/QĐ-TTg (ngày 22/4/2022)."
    assert reflow("ban hành Quyết định 505/QĐ-TTg\n(ngày 22/4/2022).") == joined


def test_steps_bullets_paragraphs_headings_and_addresses_stay():
    text = (
        "Cách đăng nhập:\n1. Vào trang,\n   bấm Đăng nhập.\n2) Nhập mã.\n\n\n"
        "Giấy tờ\n• căn cước\n- ảnh\n⚠️ Không đưa OTP cho ai.\n# Lưu ý\n"
        "Địa chỉ: https://dichvucong.gov.vn\nTại đây bạn nộp hồ sơ."
    )
    assert reflow(text) == (
        "Cách đăng nhập:\n1. Vào trang, bấm Đăng nhập.\n2) Nhập mã.\n\n"
        "Giấy tờ\n• căn cước\n- ảnh\n⚠️ Không đưa OTP cho ai.\n# Lưu ý\n"
        "Địa chỉ: https://dichvucong.gov.vn\nTại đây bạn nộp hồ sơ."
    )


def test_a_colon_followed_by_a_lowercase_word_continues_the_sentence():
    assert reflow("dựa trên dữ liệu:\nnhận và trả hồ sơ.") == "dựa trên dữ liệu: nhận và trả hồ sơ."
    assert reflow("Ba việc:\nMột là học.") == "Ba việc:\nMột là học."


lines = st.lists(
    st.sampled_from(["", "1. Mở ứng dụng", "• giấy tờ", "làm việc,", "Xong.", "  thụt lề", "Cách làm:", "a b\tc"]),
    max_size=12,
)


@given(lines)
def test_reflow_keeps_every_word_in_order_and_is_idempotent(sample):
    text = "\n".join(sample)
    once = reflow(text)
    assert once.split() == text.split()
    assert reflow(once) == once
    assert "\n\n\n" not in once and once == once.strip()


# -- Telegram pages -------------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("page_chars", [Settings().page_chars, 300, 700, 4096, 10_000])
def test_every_telegram_page_stays_within_its_limits(index, page_chars):
    limit = min(max(page_chars, render_telegram.MIN_PAGE), render_telegram.TELEGRAM_LIMIT)
    for entry in index.catalogue.entries.values():
        pages = render_telegram.entry_pages(entry, page_chars)
        assert pages and all(p.strip() for p in pages)
        for page in pages:
            assert len(page) <= limit, (entry.id, page_chars, len(page))
            assert utf16_length(telegram_text(page)) <= render_telegram.TELEGRAM_LIMIT


def test_a_long_paragraph_is_cut_after_a_sentence_and_keeps_its_order(index):
    entry = index.catalogue.entries["vneid-la-gi"]
    sentences = [f"Câu số {i} có biểu tượng 👍 và <thẻ> & dấu." for i in range(300)]
    huge = dataclasses.replace(entry, answer="Mở đầu ngắn.\n" + " ".join(sentences), steps=("Bước một.",))
    pages = render_telegram.entry_pages(huge, 1000)
    assert len(pages) > 5
    shown = [re.sub(r"\s*\(\d+/\d+\)$", "", telegram_text(p)) for p in pages]
    for page in pages:
        assert len(page) <= 1000 and not page.rstrip().endswith("&")
    for text in shown[:-1]:  # the last page ends with the links
        assert text.rstrip().endswith("."), text[-60:]
    words = " ".join(shown).split()
    assert words == telegram_text("\n".join(render_telegram._blocks(huge))).split()


words = st.sampled_from(["Câu", "dài.", "có", "<thẻ>", "&", "👍", "x" * 250, "Hết!", "1.", "•", "đồng;", "\n", "\n\n"])


@given(st.lists(words, min_size=1, max_size=400), st.sampled_from([200, 300, 1000]))
def test_pages_keep_every_word_in_order_within_the_limit(index, sample, page_chars):
    entry = dataclasses.replace(index.catalogue.entries["vneid-la-gi"], answer=" ".join(sample))
    pages = render_telegram.entry_pages(entry, page_chars)
    for page in pages:
        assert len(page) <= page_chars
        assert not re.search(r"&[a-z]*$", page.split("\n\n<i>(")[0]), "an HTML entity cut in two"
    shown = "".join(re.sub(r"\s*\(\d+/\d+\)$", "", telegram_text(p)) for p in pages)
    whole = telegram_text("\n".join(render_telegram._blocks(entry)))
    assert "".join(shown.split()) == "".join(whole.split())  # a word longer than a page is cut, not lost


def _buttons(index, entry_id: str) -> list[str]:
    """The buttons under ``entry_id``'s answer in Telegram, with its topic's other entries."""
    entry = index.catalogue.entries[entry_id]
    markup = render_telegram.entry_keyboard(entry, 0, 1, tuple(index.catalogue.same_topic(entry_id)))
    return [b.text for row in markup.inline_keyboard for b in row]


def test_each_related_button_says_which_entry_it_opens(index):
    """A topic of a procedure and two FAQ entries (documents in VNeID): two "Giải thích thêm" buttons
    could not be told apart, and the one under the BHYT answer opened the driving-licence entry."""
    catalogue = index.catalogue
    under_procedure = _buttons(index, "thu-tuc-tich-hop-giay-to-vneid")
    titles = [f"💬 {catalogue.entries[i].title}" for i in ("vneid-tich-hop-bhyt", "vneid-tich-hop-giay-phep-lai-xe")]
    assert set(titles) <= set(under_procedure) and texts.RELATED_FAQ not in under_procedure
    under_faq = _buttons(index, "vneid-tich-hop-bhyt")
    assert texts.RELATED_PROCEDURE in under_faq and titles[1] in under_faq
    # A plain pair keeps the short labels.
    assert texts.RELATED_PROCEDURE in _buttons(index, "mat-can-cuoc")
    assert texts.RELATED_FAQ in _buttons(index, "thu-tuc-cap-lai-can-cuoc")
    assert all(len(label) <= 60 for label in under_procedure + under_faq)
