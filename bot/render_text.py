"""Plain-text rendering of answers, for the terminal (and the base of every other rendering)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from bot import texts
from bot.conversation.replies import Answer, AskBack, Choices, NoAnswer, Notice, Place, Reply
from knowledge import Entry, SearchResult, Status

# -- paragraphs --------------------------------------------------------------------------------
# Staff wrap long answers in the YAML block wherever their editor does; a phone wraps again at ~35
# characters, so every kept break becomes a ragged half-line. ONE rule, used by every channel (CLI,
# Telegram, web, Zalo) through entry_sections():
#   a line break stays when either side is blank (a paragraph break), when the next line is a list
#   item or a heading, or when the line before ends a sentence (. ! ? … :, maybe followed by a closing
#   quote or bracket) or ends with a web address (a full stop after it would break the link);
#   every other break continues the sentence and becomes a space.
# Exception: a colon followed by a lowercase word ("…môi trường số:⏎nhận và trả hồ sơ…") continues too.

_LIST_ITEM = re.compile(r"(?:\d{1,3}[.)]|[a-zđ][.)]|[•·◦▪‣*+\-–—►▶→✓✔])\s")
_SENTENCE_END = re.compile(r"[.!?…:][\"'”’»)\]]*$")
_URL_END = re.compile(r"https?://\S+$")


def is_list_item(line: str) -> bool:
    """'1. …', '2) …', 'a) …', '• …', '- …', or a line led by a symbol such as ⚠️ or 👉."""
    line = line.lstrip()
    return bool(_LIST_ITEM.match(line)) or (bool(line) and unicodedata.category(line[0]) == "So")


def is_heading(line: str) -> bool:
    """A Markdown-style heading ('# …'); headings the renderers add ('Lệ phí:') end with a colon."""
    return line.lstrip().startswith("#")


def ends_sentence(line: str) -> bool:
    line = line.rstrip()
    return bool(_SENTENCE_END.search(line) or _URL_END.search(line)) or is_heading(line)


def keeps_break(before: str, after: str) -> bool:
    """Whether the line break between two lines stays (see the rule above)."""
    before, after = before.strip(), after.strip()
    if not before or not after or is_list_item(after) or is_heading(after):
        return True
    if before.endswith(":") and after[0].islower():
        return False
    return ends_sentence(before)


def reflow(text: str) -> str:
    """Text as paragraphs: lines that continue a sentence are joined; steps, bullets, headings and
    blank-line paragraphs stay. Indentation and runs of blank lines are dropped. Idempotent."""
    out: list[str] = []
    for line in text.strip().splitlines():
        line = " ".join(line.split())  # also folds tabs and double spaces from copy-paste
        if out and not keeps_break(out[-1], line):
            out[-1] = f"{out[-1]} {line}"
        elif line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def entry_sections(entry: Entry) -> list[tuple[str, list[str]]]:
    """An entry as (heading, lines) sections, in the order a citizen needs them; text reflowed."""
    sections: list[tuple[str, list[str]]] = [("", [reflow(entry.answer)])]
    if entry.steps:
        sections.append((texts.STEPS, [f"{i}. {reflow(s)}" for i, s in enumerate(entry.steps, 1)]))
    if entry.documents:
        sections.append((texts.DOCUMENTS, [f"• {reflow(d)}" for d in entry.documents]))
    for heading, value in (
        (texts.FEE, entry.fee),
        (texts.PROCESSING_TIME, entry.processing_time),
        (texts.WHERE, entry.where),
        (texts.LEGAL_BASIS, entry.legal_basis),
    ):
        if value:
            sections.append((heading, [reflow(value)]))
    if entry.links:
        sections.append((texts.LINKS, [f"• {link.title}: {link.url}" for link in entry.links]))
    if not entry.verified:
        sections.append(("", [texts.UNVERIFIED]))
    return sections


def part_sections(entry: Entry, parts: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """Only the parts asked, labelled; a part the entry lacks says so plainly and points to the official
    source; an unconfirmed entry says that too."""
    sections: list[tuple[str, list[str]]] = []
    for part in parts:
        label = texts.PART_LABELS[part]
        value: str | tuple[str, ...] = getattr(entry, part)
        if part == "online" and not value and entry.where:
            label, value = texts.ONLINE_FROM_WHERE, entry.where
        if not value:
            links = [f"• {link.title}: {link.url}" for link in entry.links] or [f"• {texts.NATIONAL_PORTAL}"]
            sections.append((label, [texts.PART_MISSING.format(label=label.lower()), *links]))
        elif isinstance(value, tuple):
            sections.append((label, [f"• {reflow(item)}" for item in value]))
        else:
            sections.append((label, [reflow(value)]))
    if not entry.verified:
        links = [f"• {link.title}: {link.url}" for link in entry.links] or [f"• {texts.NATIONAL_PORTAL}"]
        sections.append(("", [texts.PART_UNCONFIRMED, *links]))
    return sections


def answer_sections(answer: Answer) -> list[tuple[str, list[str]]]:
    """An answer's sections: the parts asked, or the whole entry."""
    return part_sections(answer.entry, answer.parts) if answer.parts else entry_sections(answer.entry)


RELATED_BUTTON_CHARS = 60  # Telegram shows about this much of a button on a phone


def shorten(text: str, limit: int = 70) -> str:
    """One line of at most ``limit`` characters, cut with "…"."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def related_label(entry: Entry) -> str:
    return texts.RELATED_PROCEDURE if entry.is_procedure else texts.RELATED_FAQ


def related_buttons(answered: Entry, related: tuple[Entry, ...]) -> list[str]:
    """A button's text for each of the topic's other entries. "Các bước, hồ sơ" for its procedure and
    "Giải thích thêm" for its FAQ under a procedure; the entry's title where that would not say which: two
    entries of one kind (a topic with two FAQ entries showed two identical "Giải thích thêm" buttons, and
    the one under the BHYT answer opened the driving licence entry), or an FAQ beside the FAQ answered."""
    kinds = Counter(e.is_procedure for e in related)
    labels = []
    for other in related:
        if kinds[other.is_procedure] == 1 and (other.is_procedure or answered.is_procedure):
            labels.append(related_label(other))
        else:
            icon = related_label(other).split(" ", 1)[0]
            labels.append(shorten(f"{icon} {other.title}", RELATED_BUTTON_CHARS))
    return labels


def ask_back(reply: AskBack) -> str:
    if not reply.parts:
        # "thế thì sao", "được không": no part named, so a question about documents would be a guess.
        return texts.ASK_BACK_MORE.format(title=reply.about.title.rstrip("?")) if reply.about else texts.ASK_BACK_WHICH
    part = reply.parts[0]
    if reply.choosing:
        return texts.ASK_BACK_CHOICES.format(what=texts.ASK_BACK_WHAT[part])
    return texts.ASK_BACK.format(what=texts.ASK_BACK_WHAT[part], example=texts.ASK_BACK_EXAMPLE[part])


def render_reply(reply: Reply, *, numbered: bool = False) -> str:
    """Plain text of any reply (terminal, Zalo). ``numbered``: choices can be picked by typing their number."""
    match reply:
        case Answer():
            head = [texts.ABOUT.format(title=reply.carried_from.title)] if reply.carried_from else []
            body = render_answer(reply)
            extra = []
            related = [f"{related_label(e)}: {e.title}" for e in reply.related]
            if numbered and reply.offers:
                lines = ([texts.WHOLE_GUIDE] if reply.parts else []) + related
                numbered_lines = [f"{i}. {line}" for i, line in enumerate(lines, reply.first_number)]
                extra.append("\n".join([texts.SEE_ALSO, *numbered_lines, texts.CHOOSE_BY_NUMBER]))
            else:
                if reply.parts:
                    extra.append(f"{texts.WHOLE_GUIDE}: gõ “{reply.entry.title}”")
                if related:
                    extra.append("\n".join([texts.SEE_ALSO, *(f"  • {line}" for line in related)]))
            return "\n\n".join([*head, body, *extra])
        case Choices():
            indent = "" if numbered else "  "
            lines = [texts.DID_YOU_MEAN] + [f"{indent}{i}. {e.title}" for i, e in enumerate(reply.entries, 1)]
            if numbered:
                lines.append(texts.CHOOSE_BY_NUMBER)
            return "\n".join(lines)
        case NoAnswer():
            first = texts.not_found(reply.result.uncovered if reply.result else "")
            lines = [f"{first} {texts.RECORDED}" if reply.recorded else first]
            if reply.closest:
                indent = "" if numbered else "  "
                lines += ["", texts.CLOSEST] + [f"{indent}{i}. {e.title}" for i, e in enumerate(reply.closest, 1)]
                if numbered:
                    lines.append(texts.CHOOSE_BY_NUMBER)
            lines += ["", texts.HUMAN_HELP]
            return "\n".join(lines)
        case AskBack():
            return ask_back(reply)
        case Place():
            labels = [label for label, _ in reply.choices] + [e.title for e in reply.related]
            lines = [reply.text]
            if labels:
                indent = "" if numbered else "  • "
                lines += [""] + [
                    f"{i}. {label}" if numbered else f"{indent}{label}" for i, label in enumerate(labels, 1)
                ]
                if numbered:
                    lines.append(texts.CHOOSE_BY_NUMBER)
            return "\n".join(lines)
        case Notice():
            return reply.text
    raise TypeError(reply)


def render_answer(answer: Answer) -> str:
    return _plain(answer.entry.title, answer_sections(answer))


def render_entry(entry: Entry) -> str:
    return _plain(entry.title, entry_sections(entry))


def _plain(title: str, sections: list[tuple[str, list[str]]]) -> str:
    parts = [title.upper()]
    for heading, lines in sections:
        block = "\n".join(lines)
        parts.append(f"{heading}:\n{block}" if heading else block)
    return "\n\n".join(parts)


def explain_text(result: SearchResult) -> str:
    ex = result.explanation
    if ex is None:
        return ""
    lines = [
        "--- giải thích ---",
        f"chuẩn hoá : {ex.normalized}",
        f"không dấu : {ex.folded}",
        f"sửa đổi   : {'; '.join(ex.notes) or '(không)'}",
        f"kết luận  : {result.status.value}{_why(result)}",
        "điểm = q_cov^wq · (0.5·p_cov + 0.25·pairs + 0.25·fuzzy)^(1−wq), nhân hệ số dấu; +thưởng thủ tục",
    ]
    for row in ex.scored:
        lines.append(
            f"  {row['score']:.3f} {row['id']:<32} p_cov={row['p_cov']:.2f} q_cov={row['q_cov']:.2f} "
            f"pairs={row['pairs']:.2f} fuzzy={row['fuzzy']:.2f} accent={row['accent']:.2f} ← {row['matched']}"
        )
    return "\n".join(lines)


def _why(result: SearchResult) -> str:
    """What turned a candidate away, when a rule did: staff reading --explain see why it was not answered."""
    if result.uncovered:
        return f" (chưa có hướng dẫn về «{result.uncovered}»: lexicon uncovered)"
    if result.case and result.status is not Status.ANSWERED:
        return " (chỉ nêu trường hợp chung: lexicon followup_cases)"
    return ""
