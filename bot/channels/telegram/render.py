"""Answers as Telegram HTML messages and inline keyboards. Everything from the catalogue is escaped."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.channels.telegram import callbacks
from bot.conversation.replies import Answer
from bot.render_text import entry_sections, part_sections, related_buttons
from knowledge import Catalogue, Entry, SearchResult

TELEGRAM_LIMIT = 4096
PAGE_CHARS = 1500  # a phone screen or two; longer guides are paged


def _blocks(entry: Entry) -> list[str]:
    """Sections as HTML blocks; the title travels with the first one, so no page is a bare title."""
    blocks = []
    for heading, lines in entry_sections(entry):
        body = "\n".join(escape(line.strip()) for line in lines)
        blocks.append(f"<b>{escape(heading)}:</b>\n{body}" if heading else body)
    blocks[0] = f"<b>{escape(entry.title)}</b>\n\n{blocks[0]}"
    return blocks


_CUT_AFTER = re.compile(r"[.!?…:](?= )")  # a long paragraph is cut after a sentence if one fits
MARKER_ROOM = 24  # "\n\n<i>(12/12)</i>" with room to spare
MIN_PAGE = 200  # a smaller PAGE_CHARS would leave no room for the text


def _cut(text: str, limit: int, start: int = 0) -> int | None:
    """Where to cut text longer than a page, after ``start`` (what the piece already holds): after the
    last sentence that fits if that fills at least half a page, else at the last space, never inside an
    HTML entity. None: no place after ``start``; a single word longer than a page is cut at the limit."""
    ends = [m.end() for m in _CUT_AFTER.finditer(text, start, limit)]
    space = text.rfind(" ", start, limit)
    if ends and ends[-1] >= max(start + 1, limit // 2):
        cut = ends[-1]
    elif space > start:
        cut = space
    elif start:
        return None
    else:
        cut = limit
    amp = text.rfind("&", start, cut)
    if amp > start and ";" not in text[amp:cut]:
        cut = amp
    return cut


def _split(block: str, limit: int) -> list[str]:
    """A block longer than a page, cut at line ends, then at sentence ends or spaces, in order; a long
    line first fills the piece it starts in (so the title is not left alone on a page)."""
    if len(block) <= limit:
        return [block]
    pieces, current = [], ""
    for line in block.split("\n"):
        text = f"{current}\n{line}" if current else line
        if len(text) > limit and len(line) <= limit:  # the line starts the next piece
            pieces.append(current)
            current = line
            continue
        start = len(current) + 1 if current else 0
        while len(text) > limit:
            cut = _cut(text, limit, start)
            if cut is None:
                pieces.append(text[: start - 1])
                text = text[start:]
            else:
                pieces.append(text[:cut])
                text = text[cut:].lstrip()
            start = 0
        current = text
    if current:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _pack(blocks: list[str], limit: int) -> list[str]:
    """Whole sections packed together into pages of at most ``limit`` characters."""
    pages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split(block, limit):
            if current and len(current) + 2 + len(piece) > limit:
                pages.append(current)
                current = piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
    if current:
        pages.append(current)
    return pages


@lru_cache(maxsize=4096)  # entries are immutable; a reload brings new Entry objects
def entry_pages(entry: Entry, page_chars: int = PAGE_CHARS) -> tuple[str, ...]:
    """The entry as HTML pages, each within ``page_chars`` (at least MIN_PAGE) and Telegram's limit,
    counting the "(1/3)" marker a paged answer carries."""
    limit = min(max(page_chars, MIN_PAGE), TELEGRAM_LIMIT)
    blocks = _blocks(entry)
    pages = _pack(blocks, limit)
    if len(pages) > 1:
        pages = _pack(blocks, limit - MARKER_ROOM)
        pages = [f"{p}\n\n<i>({i}/{len(pages)})</i>" for i, p in enumerate(pages, 1)]
    return tuple(pages)


def button(label: str, action: callbacks.Action) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.encode(action))


@lru_cache(maxsize=4096)  # PTB markup objects are frozen, so one can serve every reply
def entry_keyboard(
    entry: Entry, page: int, pages: int, related: tuple[Entry, ...] = (), whole: bool = False
) -> InlineKeyboardMarkup:
    """Links, page navigation, the whole guide (after a part), the topic's other entries, 👍/👎."""
    rows: list[list[InlineKeyboardButton]] = []
    if page == 0:
        rows += [[InlineKeyboardButton(link.title, url=link.url)] for link in entry.links]
    if whole:
        rows.append([button(texts.WHOLE_GUIDE, callbacks.Open(entry.id))])
    labels = related_buttons(entry, related)
    rows += [[button(label, callbacks.Open(other.id))] for label, other in zip(labels, related, strict=True)]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(button(texts.PREVIOUS, callbacks.Page(entry.id, page - 1)))
        nav.append(button(f"{page + 1}/{pages}", callbacks.Noop()))
        if page < pages - 1:
            nav.append(button(texts.NEXT, callbacks.Page(entry.id, page + 1)))
        rows.append(nav)
    rows.append(
        [
            button(texts.HELPFUL, callbacks.Feedback(entry.id, True)),
            button(texts.NOT_HELPFUL, callbacks.Feedback(entry.id, False)),
        ]
    )
    return InlineKeyboardMarkup(rows)


def entry_list_keyboard(entries: list[Entry]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(e.title[:60], callbacks.Open(e.id))] for e in entries])


def sectors_keyboard(catalogue: Catalogue) -> InlineKeyboardMarkup:
    buttons = [
        button(f"{s.icon} {s.title}".strip(), callbacks.Sector(s.id))
        for s in catalogue.sectors.values()
        if catalogue.in_sector(s.id)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def not_found(result: SearchResult, recorded: bool) -> str:
    lines = [escape(texts.not_found(result.uncovered)) + (" " + escape(texts.RECORDED) if recorded else "")]
    if result.suggestions:
        lines.append(escape(texts.CLOSEST))
    lines += ["", escape(texts.HUMAN_HELP)]
    return "\n".join(lines)


def part_message(answer: Answer) -> str:
    """The parts asked, labelled, under the entry's title; "Về «…»" first when carried over."""
    lines = [escape(texts.ABOUT.format(title=answer.carried_from.title))] if answer.carried_from else []
    lines.append(f"<b>{escape(answer.entry.title)}</b>")
    for heading, body in part_sections(answer.entry, answer.parts):
        text = "\n".join(escape(line.strip()) for line in body)
        lines.append(f"<b>{escape(heading)}:</b>\n{text}" if heading else text)
    return "\n\n".join(lines)[: TELEGRAM_LIMIT - 10]
