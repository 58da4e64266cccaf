"""Answers as Telegram HTML messages and inline keyboards. Everything from the catalogue is escaped."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, texts
from bot.conversation.replies import Answer
from bot.render_text import entry_sections, part_sections, related_label
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


def _split(block: str, limit: int) -> list[str]:
    """A block longer than a message, cut at line ends, then at spaces, never inside an HTML entity."""
    if len(block) <= limit:
        return [block]
    pieces, current = [], ""
    for line in block.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            pieces.append(line[:cut])
            line = line[cut:].lstrip()
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


@lru_cache(maxsize=4096)  # entries are immutable; a reload brings new Entry objects
def entry_pages(entry: Entry, page_chars: int = PAGE_CHARS) -> tuple[str, ...]:
    """The entry as HTML pages: whole sections packed together, none over Telegram's limit."""
    limit = min(page_chars, TELEGRAM_LIMIT - 40)  # room for the "(1/3)" marker
    pages: list[str] = []
    current = ""
    for block in _blocks(entry):
        for piece in _split(block, limit):
            if current and len(current) + 2 + len(piece) > page_chars:
                pages.append(current)
                current = piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
    if current:
        pages.append(current)
    if len(pages) > 1:
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
    rows += [[button(related_label(other), callbacks.Open(other.id))] for other in related]
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
    lines = [escape(texts.NOT_FOUND) + (" " + escape(texts.RECORDED) if recorded else "")]
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
