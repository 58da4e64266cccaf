"""Turn parsed YAML into entries, collecting every problem a member of staff must fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from knowledge.allowlist import url_problem, urls_in
from knowledge.models import Entry, Link, Sector
from knowledge.problems import Problem
from knowledge.yamlfile import Node

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 48  # an id travels in Telegram callback data (64 bytes) with a short prefix

# Field name → how staff know it (used in messages).
FAQ_FIELDS = {
    "id": "mã mục",
    "title": "tiêu đề",
    "sector": "lĩnh vực",
    "questions": "các cách hỏi",
    "answer": "câu trả lời",
    "source": "nguồn",
    "reviewed": "ngày rà soát",
}
OPTIONAL_FIELDS = {
    "links": "liên kết",
    "verified": "đã xác minh",
    "note": "ghi chú cho cán bộ",
    "related": "cùng chủ đề với",
}
OPTIONAL_FIELDS["retired"] = "ngừng dùng"  # kept in the file, hidden from citizens (console "Ngừng dùng")
PROCEDURE_FIELDS = {
    "steps": "các bước",
    "documents": "giấy tờ cần mang",
    "fee": "lệ phí",
    "processing_time": "thời gian giải quyết",
    "where": "nơi nộp",
    "legal_basis": "căn cứ pháp lý",
    "online": "làm trực tuyến",
    "penalty": "xử phạt",
}
OPTIONAL_PROCEDURE_FIELDS = {"online", "penalty"}  # filled only where a source confirms them
LIST_FIELDS = {"questions", "steps", "documents"}
TOP_LEVEL = {"sectors", "entries", "procedures"}


def parse_date(value: Any) -> date | None:
    """Accept 2026-11-23 and 23/11/2026 (how staff usually write dates)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f' Có phải ý bạn là "{close[0]}"?' if close else ""


class _EntryReader:
    """Reads one entry mapping, recording problems instead of stopping at the first."""

    def __init__(self, file: str, node: Node, kind: str, today: date) -> None:
        self.file, self.node, self.kind, self.today = file, node, kind, today
        self.id = node.get("id") if isinstance(node.get("id"), str) else None
        self.problems: list[Problem] = []

    def problem(self, key: str | None, message: str, hint: str = "", line: int | None = None) -> None:
        if line is None:
            line = self.node.key_lines.get(key, self.node.line) if key else self.node.line
        self.problems.append(Problem(self.file, line, message, hint, self.id))

    def text(self, key: str, label: str, required: bool = True) -> str:
        value = self.node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(
                    key if key in self.node else None,
                    f'Thiếu hoặc để trống trường "{key}" ({label}).',
                    f'Thêm dòng "{key}: ..." với nội dung {label}.',
                )
            return ""
        if isinstance(value, bool | int | float | date):
            value = str(value)
        if not isinstance(value, str):
            self.problem(key, f'Trường "{key}" ({label}) phải là một đoạn chữ.', "Viết nội dung ngay sau dấu hai chấm.")
            return ""
        return value.strip()

    def texts(self, key: str, label: str) -> tuple[str, ...]:
        value = self.node.get(key)
        if value is None or value == []:
            self.problem(
                key if key in self.node else None,
                f'Thiếu hoặc để trống danh sách "{key}" ({label}).',
                f'Thêm "{key}:" rồi mỗi dòng bên dưới bắt đầu bằng "- ".',
            )
            return ()
        if not isinstance(value, list):  # a single string too: one phrasing written without "- "
            self.problem(key, f'"{key}" ({label}) phải là danh sách.', 'Mỗi ý một dòng, bắt đầu bằng "- ".')
            return ()
        lines = self.node.item_lines.get(key, [])
        out: list[str] = []
        for i, item in enumerate(value):
            line = lines[i] if i < len(lines) else None
            if isinstance(item, int | float) and not isinstance(item, bool):
                item = str(item)
            if isinstance(item, dict):
                self.problem(
                    key,
                    f'Mục thứ {i + 1} của "{key}" có dấu hai chấm nên bị hiểu sai thành một trường.',
                    'Đặt cả câu trong ngoặc kép, ví dụ: - "Chọn lý do: thẻ hỏng".',
                    line,
                )
                continue
            if not isinstance(item, str) or not item.strip():
                self.problem(
                    key, f'Mục thứ {i + 1} của "{key}" trống hoặc không phải chữ.', "Viết nội dung sau dấu gạch.", line
                )
                continue
            out.append(item.strip())
        return tuple(out)

    def links(self) -> tuple[Link, ...]:
        value = self.node.get("links")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(
                "links",
                '"links" phải là danh sách.',
                'Mỗi liên kết gồm hai dòng "- title: ..." và "  url: https://...".',
            )
            return ()
        out: list[Link] = []
        for item in value:
            line = item.line if isinstance(item, Node) else self.node.key_lines.get("links")
            if not isinstance(item, Node) or not isinstance(item.get("url"), str) or not item.get("title"):
                self.problem(
                    "links",
                    "Liên kết thiếu tên (title) hoặc địa chỉ (url).",
                    'Viết "- title: Tên trang" và "  url: https://...".',
                    line,
                )
                continue
            url = item["url"].strip()
            reason = url_problem(url)
            if reason:
                self.problem(
                    "links", f"Liên kết {url}: {reason}.", "Chỉ dùng trang chính thức của cơ quan nhà nước.", line
                )
                continue
            out.append(Link(str(item["title"]).strip(), url))
        return tuple(out)

    def related(self) -> tuple[str, ...]:
        value = self.node.get("related")
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and SLUG.match(v) for v in value):
            self.problem(
                "related",
                '"related" phải là danh sách mã mục cùng chủ đề.',
                'Viết mỗi mã một dòng, ví dụ "  - thu-tuc-cap-lai-can-cuoc".',
            )
            return ()
        return tuple(dict.fromkeys(value))

    def read(self) -> Entry | None:
        node = self.node
        allowed = {**FAQ_FIELDS, **OPTIONAL_FIELDS, **(PROCEDURE_FIELDS if self.kind == "procedure" else {})}
        for key in node:
            if key not in allowed:
                extra = ' (Các trường của thủ tục chỉ dùng trong mục "procedures".)' if key in PROCEDURE_FIELDS else ""
                self.problem(
                    key, f'Trường lạ "{key}".{_suggest(key, allowed)}{extra}', "Sửa tên trường hoặc xoá dòng này."
                )
        if self.id is None:
            self.problem(
                "id" if "id" in node else None,
                'Thiếu "id" (mã mục).',
                'Thêm "id: ten-muc-khong-dau", ví dụ "id: cap-doi-can-cuoc".',
            )
        elif len(self.id) > MAX_ID_LENGTH:
            self.problem(
                "id",
                f'Mã mục "{self.id}" dài {len(self.id)} ký tự, quá {MAX_ID_LENGTH}.',
                "Rút ngắn mã: nút bấm trên Telegram chỉ chứa được 64 byte.",
            )
        elif not SLUG.match(self.id):
            self.problem(
                "id",
                f'Mã mục "{self.id}" không hợp lệ.',
                "Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ cap-doi-can-cuoc.",
            )
        title = self.text("title", FAQ_FIELDS["title"])
        sector = self.text("sector", FAQ_FIELDS["sector"])
        questions = self.texts("questions", FAQ_FIELDS["questions"])
        answer = self.text("answer", FAQ_FIELDS["answer"])
        source = self.text("source", FAQ_FIELDS["source"])
        reviewed = parse_date(node.get("reviewed"))
        if "reviewed" not in node:
            self.problem(
                None, 'Thiếu "reviewed" (ngày rà soát).', 'Thêm "reviewed: 2026-11-23" (ngày bạn kiểm tra nội dung).'
            )
        elif reviewed is None:
            self.problem(
                "reviewed",
                f'Ngày rà soát "{node.get("reviewed")}" không đọc được.',
                "Viết dạng 2026-11-23 hoặc 23/11/2026.",
            )
        elif reviewed > self.today:
            self.problem(
                "reviewed", f"Ngày rà soát {reviewed:%d/%m/%Y} ở tương lai.", "Ghi ngày bạn thực sự kiểm tra nội dung."
            )
        verified = node.get("verified", True)
        if not isinstance(verified, bool):
            self.problem(
                "verified",
                '"verified" chỉ nhận true hoặc false.',
                "Ghi true nếu đã đối chiếu nguồn, false nếu cần kiểm tra lại.",
            )
            verified = False
        retired = node.get("retired", False)
        if not isinstance(retired, bool):
            self.problem(
                "retired",
                '"retired" chỉ nhận true hoặc false.',
                "Ghi true để ẩn mục khỏi người dân (vẫn giữ trong tệp), hoặc xoá dòng này.",
            )
            retired = False
        links = self.links()
        extra: dict[str, Any] = {}
        if "related" in node:
            extra["related"] = self.related()
        if self.kind == "procedure":
            for key, label in PROCEDURE_FIELDS.items():
                if key in LIST_FIELDS:
                    extra[key] = self.texts(key, label)
                else:
                    extra[key] = self.text(key, label, required=key not in OPTIONAL_PROCEDURE_FIELDS)
        for key in ("answer", *PROCEDURE_FIELDS):
            value = extra.get(key, answer if key == "answer" else None)
            for text in [value] if isinstance(value, str) else list(value or ()):
                for url in urls_in(text):
                    reason = url_problem(url if "://" in url else "https://" + url)
                    if reason:
                        self.problem(
                            key,
                            f"Địa chỉ {url} trong nội dung: {reason}.",
                            "Chỉ dẫn tới trang chính thức của cơ quan nhà nước.",
                        )
        if self.id is None:
            return None
        # Built even when something is wrong, so that checks across files (sectors, duplicate ids
        # and phrasings) still report on it; the loader refuses the catalogue as a whole anyway.
        return Entry(
            id=self.id,
            kind=self.kind,
            title=title,
            sector=sector,
            questions=questions,
            answer=answer,
            links=links,
            source=source,
            reviewed=reviewed or self.today,
            verified=verified,
            retired=retired,
            origin=f"{self.file}:{node.line}",
            **extra,
        )


def read_file(file: str, data: Any, today: date) -> tuple[list[Entry], list[Sector], list[Problem]]:
    """Entries and sectors of one parsed file, with its problems."""
    problems: list[Problem] = []
    if data is None:
        return [], [], [Problem(file, None, "Tệp trống.", 'Tệp cần có "entries:", "procedures:" hoặc "sectors:".')]
    if not isinstance(data, Node):
        return (
            [],
            [],
            [Problem(file, 1, 'Tệp phải bắt đầu bằng các mục như "entries:".', "So sánh với tệp faq.yaml mẫu.")],
        )
    for key in data:
        if key not in TOP_LEVEL:
            problems.append(
                Problem(
                    file,
                    data.key_lines.get(key),
                    f'Mục lớn lạ "{key}".{_suggest(key, TOP_LEVEL)}',
                    'Chỉ dùng "sectors", "entries", "procedures".',
                )
            )
    sectors: list[Sector] = []
    raw_sectors = data.get("sectors") or []
    for item in raw_sectors if isinstance(raw_sectors, list) else []:
        if isinstance(item, Node) and isinstance(item.get("id"), str) and isinstance(item.get("title"), str):
            sectors.append(Sector(item["id"], item["title"], str(item.get("icon", ""))))
        else:
            line = item.line if isinstance(item, Node) else data.key_lines.get("sectors")
            problems.append(
                Problem(file, line, "Lĩnh vực cần có id và title.", 'Viết "- id: can-cuoc" và "  title: Căn cước".')
            )
    entries: list[Entry] = []
    for key, kind in (("entries", "faq"), ("procedures", "procedure")):
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(
                Problem(
                    file,
                    data.key_lines.get(key),
                    f'"{key}" phải là danh sách các mục.',
                    'Mỗi mục bắt đầu bằng "- id: ...".',
                )
            )
            continue
        lines = data.item_lines.get(key, [])
        for i, item in enumerate(items):
            if not isinstance(item, Node):
                line = lines[i] if i < len(lines) else None
                problems.append(
                    Problem(
                        file,
                        line,
                        f"Mục thứ {i + 1} trong {key} không đúng dạng.",
                        'Mỗi mục bắt đầu bằng "- id: ..." rồi các trường thụt vào.',
                    )
                )
                continue
            reader = _EntryReader(file, item, kind, today)
            entry = reader.read()
            problems += reader.problems
            if entry:
                entries.append(entry)
    return entries, sectors, problems
