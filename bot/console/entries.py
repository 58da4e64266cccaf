"""One catalogue entry as a form, and back into its YAML file. No web framework here.

The file is edited with ruamel.yaml's round trip: only the fields whose meaning changed are replaced,
so comments, order, quoting and every other entry stay as staff wrote them. The result is validated
with the whole catalogue before anything is written; the write is atomic and leaves a backup.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import io
import json
import os
import stat
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from knowledge import Catalogue, Entry, Problem, check_catalogue, content, safety_problems
from knowledge.validation import parse_date, read_file
from knowledge.yamlfile import Node, read_yaml


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    hint: str
    kind: str  # text | textarea | lines | links | date | bool | ids | sector


FIELDS = (
    Field("title", "Tiêu đề", "Ngắn gọn, hiện trên nút bấm.", "text"),
    Field("sector", "Lĩnh vực", "Chọn lĩnh vực của mục.", "sector"),
    Field(
        "questions",
        "Các cách hỏi",
        "Mỗi dòng một cách hỏi, 4–10 cách người dân hay hỏi; có dấu, không dấu, viết tắt đều được.",
        "lines",
    ),
    Field("answer", "Câu trả lời", "Ngắn, dễ hiểu; các bước làm thì đánh số 1. 2. 3.", "textarea"),
    Field("steps", "Các bước", "Mỗi dòng một bước, theo thứ tự.", "lines"),
    Field("documents", "Giấy tờ cần mang", "Mỗi dòng một loại giấy tờ.", "lines"),
    Field("fee", "Lệ phí", "Chưa chắc chắn thì ghi rõ và bỏ chọn “Đã xác minh”; không đoán.", "text"),
    Field("processing_time", "Thời gian giải quyết", "Ví dụ: 07 ngày làm việc kể từ khi nhận đủ hồ sơ.", "text"),
    Field("where", "Nơi nộp", "Nơi người dân nộp hồ sơ hoặc làm trực tuyến.", "textarea"),
    Field("legal_basis", "Căn cứ pháp lý", "Số và tên văn bản, ví dụ: Luật Cư trú 68/2020/QH14.", "textarea"),
    Field(
        "links",
        "Liên kết",
        "Không bắt buộc. Mỗi dòng một trang: Tên trang | https://… (chỉ trang chính thức, tên miền .gov.vn).",
        "links",
    ),
    Field("source", "Nguồn", "Nơi bạn đã đối chiếu thông tin, ví dụ: Nghị định 69/2024/NĐ-CP.", "text"),
    Field("reviewed", "Ngày rà soát", "Ngày bạn kiểm tra nội dung, dạng ngày/tháng/năm, ví dụ 23/11/2026.", "date"),
    Field(
        "verified",
        "Đã xác minh",
        "Bỏ chọn nếu còn điều chưa xác nhận: trợ lý sẽ nhắc người dân kiểm tra lại.",
        "bool",
    ),
    Field("related", "Chủ đề liên quan", "Không bắt buộc. Mã các mục liên quan, mỗi dòng một mã.", "ids"),
    Field("note", "Ghi chú cho cán bộ", "Không bắt buộc; người dân không thấy.", "textarea"),
)
PROCEDURE_ONLY = {"steps", "documents", "fee", "processing_time", "where", "legal_basis"}
REQUIRED = {"title", "sector", "questions", "answer", "source", "reviewed"}
SECTION = {"faq": "entries", "procedure": "procedures"}


def fields_for(kind: str) -> list[Field]:
    return [f for f in FIELDS if kind == "procedure" or f.key not in PROCEDURE_ONLY]


# -- reading ---------------------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML()  # round trip, set up like bot/faq_editor.py so both writers produce the same layout
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def entry_path(catalogue: Catalogue, entry_id: str) -> Path | None:
    """The file an entry lives in, as the loader read it (its origin), never a guessed path."""
    entry = catalogue.entries.get(entry_id) or catalogue.retired.get(entry_id)
    return Path(entry.file) if entry else None


def find(data: Any, entry_id: str) -> tuple[CommentedMap | None, str]:
    for section in ("entries", "procedures"):
        for item in (data or {}).get(section) or []:
            if isinstance(item, dict) and item.get("id") == entry_id:
                return item, section
    return None, ""


def file_entries(path: Path, today: date | None = None) -> dict[str, Entry]:
    """The entries of one file as the loader reads them now (problems elsewhere do not matter here)."""
    data, _ = read_yaml(path)
    if data is None:
        return {}
    entries, _, _ = read_file(str(path), data, today or date.today())
    return {e.id: e for e in entries}


def _plain_date(value: Any) -> str:
    parsed = parse_date(value)
    return f"{parsed:%d/%m/%Y}" if parsed else str(value or "")


def form_values(raw: dict | None, kind: str = "faq") -> dict[str, str]:
    """What the form shows for an entry as written in its file."""
    raw = raw or {}
    values: dict[str, str] = {"id": str(raw.get("id", "")), "kind": kind}
    for f in fields_for(kind):
        value = raw.get(f.key)
        if f.kind in ("lines", "ids"):
            values[f.key] = "\n".join(str(x) for x in value) if isinstance(value, list) else str(value or "")
        elif f.kind == "links":
            values[f.key] = "\n".join(
                f"{item.get('title', '')} | {item.get('url', '')}" if isinstance(item, dict) else str(item)
                for item in (value if isinstance(value, list) else [])
            )
        elif f.kind == "date":
            values[f.key] = _plain_date(value) if value is not None else f"{date.today():%d/%m/%Y}"
        elif f.kind == "bool":
            values[f.key] = "1" if value is not False else ""
        else:
            values[f.key] = str(value).strip() if value is not None else ""
    values["retired"] = "1" if raw.get("retired") is True else ""
    return values


# -- snapshots: what an entry says, for history and for noticing changes on disk ------------------


def snapshot(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(entry):
        if f.name == "origin":
            continue
        value = getattr(entry, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = [f"{x.title} | {x.url}" if hasattr(x, "url") else x for x in value]
        out[f.name] = value
    return out


def snapshot_json(entry: Entry) -> str:
    return json.dumps(snapshot(entry), ensure_ascii=False, sort_keys=True)


LABELS = {f.key: f.label for f in FIELDS} | {"id": "Mã mục", "kind": "Loại", "retired": "Ngừng dùng"}
ORDER = ["id", "kind", *(f.key for f in FIELDS), "retired"]


def snapshot_text(snap: dict[str, Any] | None) -> str:
    """A snapshot as lines staff can read, in the form's order; empty fields left out."""
    if not snap:
        return ""
    lines = []
    for key in [*ORDER, *sorted(set(snap) - set(ORDER))]:
        value = snap.get(key)
        if value in (None, "", [], ()) or (key == "retired" and value is False):
            continue
        label = LABELS.get(key, key)
        if key == "reviewed":
            value = _plain_date(value)
        if isinstance(value, bool):
            value = "có" if value else "không"
        if isinstance(value, list):
            lines.append(f"{label}:")
            lines += [f"  - {x}" for x in value]
        else:
            text = str(value).rstrip().split("\n")
            lines.append(f"{label}: {text[0]}")
            lines += [f"  {x}" for x in text[1:]]
    return "\n".join(lines)


def diff(before: str, after: str, old: str = "trước", new: str = "sau") -> str:
    return "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), fromfile=old, tofile=new, lineterm="", n=2)
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- the form's values, checked --------------------------------------------------------------------


@dataclass
class Draft:
    """The form as typed, turned into YAML values, with the problems that belong to each field."""

    entry_id: str
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.replace("\r", "").split("\n") if line.strip()]


def parse_form(form: dict[str, str], entry_id: str, kind: str, today: date | None = None) -> Draft:
    draft = Draft(entry_id, kind)
    for f in fields_for(kind):
        raw = str(form.get(f.key, ""))
        if f.kind in ("lines", "ids"):
            value: Any = lines_of(raw)
        elif f.kind == "links":
            value = []
            for number, line in enumerate(lines_of(raw), 1):
                title, sep, url = line.rpartition("|")
                if not sep or not title.strip() or not url.strip():
                    draft.error(
                        "links", f"Dòng {number} cần dạng: Tên trang | https://… (tên, dấu |, rồi địa chỉ trang)."
                    )
                    continue
                value.append({"title": title.strip(), "url": url.strip()})
        elif f.kind == "date":
            value = parse_date(raw)
            if value is None:
                draft.error("reviewed", "Ngày chưa đúng dạng. Viết ngày/tháng/năm, ví dụ 23/11/2026.")
                continue
            if value > (today or date.today()):
                draft.error("reviewed", "Ngày rà soát ở tương lai. Ghi ngày bạn thực sự kiểm tra nội dung.")
                continue
        elif f.kind == "bool":
            value = raw in ("1", "on", "true")
        else:
            value = raw.replace("\r", "").strip()
            if f.kind == "text":
                value = " ".join(value.split())
        if f.key in REQUIRED and value in ("", []):
            draft.error(f.key, f"Còn trống. Hãy điền {f.label.lower()}.")
        draft.values[f.key] = value
    return draft


# -- writing -----------------------------------------------------------------------------------------


def _same(old: Any, new: Any) -> bool:
    """Same meaning, whatever the YAML style (a literal block's last newline, dates as text)."""
    if isinstance(new, date):
        return parse_date(old) == new
    if isinstance(new, list):
        if not isinstance(old, list) or len(old) != len(new):
            return False
        return all(_same(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(new, dict):
        return isinstance(old, dict) and all(_same(old.get(k), v) for k, v in new.items()) and len(old) == len(new)
    if isinstance(new, str):
        return isinstance(old, str) and old.strip() == new.strip()
    return old == new


def _yaml_value(new: Any, old: Any) -> Any:
    if isinstance(new, str) and ("\n" in new or isinstance(old, LiteralScalarString)):
        return LiteralScalarString(new.rstrip() + "\n")
    if isinstance(new, list):
        seq = CommentedSeq()
        for item in new:
            if isinstance(item, dict):
                m = CommentedMap()
                for k, v in item.items():
                    m[k] = v
                seq.append(m)
            else:
                seq.append(item)
        return seq
    return new


def _trailing_holder(node: Any) -> tuple[Any, Any, int, bool] | None:
    """Where the comment after the last line of ``node`` is kept: (container, key, slot, after a literal)."""
    if isinstance(node, CommentedMap) and node:
        last = list(node.keys())[-1]
        value = node[last]
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            return _trailing_holder(value)
        return node, last, 2, isinstance(value, LiteralScalarString)
    if isinstance(node, CommentedSeq) and node:
        last = len(node) - 1
        value = node[last]
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            return _trailing_holder(value)
        return node, last, 0, isinstance(value, LiteralScalarString)
    return None


def _pop_trailing(node: Any) -> Any:
    """The comment lines after an entry belong to what follows it (often the next section's header):
    taken off before the entry changes, and put back after its new last line."""
    where = _trailing_holder(node)
    if where is None:
        return None
    container, key, slot, _ = where
    item = container.ca.items.get(key)
    if not item or item[slot] is None:
        return None
    token, item[slot] = item[slot], None
    return token


def _push_trailing(node: Any, token: Any) -> None:
    where = _trailing_holder(node)
    if token is None or where is None:
        return
    container, key, slot, literal = where
    text = token.value.lstrip("\n") if literal else "\n" + token.value.lstrip("\n")
    if not literal and token.value.startswith("\n\n"):
        text = "\n" + text  # keep a blank line that was there
    token.value = text
    item = container.ca.items.setdefault(key, [None, None, None, None])
    item[slot] = token


def apply(entry: CommentedMap, draft: Draft) -> None:
    """Change in ``entry`` only what the draft says differently, keeping the order of the fields."""
    token = _pop_trailing(entry)
    order = ["id", *(f.key for f in FIELDS)]
    for key, new in draft.values.items():
        old = entry.get(key)
        empty = new in ("", [], None)
        if key == "verified":
            if new is (old if isinstance(old, bool) else True):
                continue
            empty = False
        if empty and key not in REQUIRED:
            if key in entry:
                del entry[key]
            continue
        if key in entry and _same(old, new):
            continue
        value = _yaml_value(new, old)
        if key in entry:
            entry[key] = value
        else:  # a new field goes where the form shows it
            later = [k for k in order[order.index(key) + 1 :] if k in entry]
            position = list(entry.keys()).index(later[0]) if later else len(entry)
            entry.insert(position, key, value)
    _push_trailing(entry, token)


def set_flag(entry: CommentedMap, key: str, value: bool | None) -> None:
    """``retired: true`` / ``verified: true``; None removes the line."""
    token = _pop_trailing(entry)
    if value is None:
        entry.pop(key, None)
    elif key in entry:
        entry[key] = value
    else:
        entry.insert(len(entry), key, value)
    _push_trailing(entry, token)


def dump(data: Any) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def load(text: str) -> Any:
    return _yaml().load(text)


def new_entry(entry_id: str) -> CommentedMap:
    entry = CommentedMap()
    entry["id"] = entry_id
    return entry


@dataclass
class Checked:
    catalogue: Catalogue
    lexicon: Any
    problems: list[Problem]  # every problem, the draft's file named as the real file
    fields: dict[str, list[str]]  # this entry's problems by field ("" : not tied to a field)


def _field_of(node: Node | None, line: int | None, message: str) -> str:
    if message.startswith("Cách hỏi"):
        return "questions"
    if message.startswith("Lĩnh vực"):
        return "sector"
    if message.startswith(("Mã mục", 'Thiếu "id"')):
        return "id"
    if node is None or line is None:
        return ""
    best, best_line = "", -1
    for key, key_line in node.key_lines.items():
        if best_line < key_line <= line:
            best, best_line = key, key_line
    return best if best_line > node.line or line >= node.line else ""


def check(
    text: str,
    path: Path,
    sources: list[Path],
    entry_id: str,
    today: date | None = None,
    lexicon: Path | None = None,
    sectors: Path | None = None,
    before: tuple[Any, Collection[str]] | None = None,
) -> Checked:
    """Validate the whole catalogue with ``text`` in place of ``path``; with ``before`` (the lexicon and
    entry ids in use), also that the change keeps every scam warning the lexicon names.

    The draft goes to the system's temporary folder, not beside the catalogue, so that the file
    watcher never mistakes it for a new catalogue file."""
    fd, temp = tempfile.mkstemp(prefix=f"draft-{path.stem}-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        real = [Path(s) for s in sources]
        swapped = [Path(temp) if s.resolve() == path.resolve() else s for s in real]
        # The staff's own lexicon and sector list (KNOWLEDGE_DIR), as the live catalogue uses them.
        paths = {k: v for k, v in (("lexicon_path", lexicon), ("sectors_path", sectors)) if v is not None}
        catalogue, words, problems = check_catalogue(swapped, today=today, **paths)
        if before is not None:
            problems += safety_problems(words, catalogue.entries, str(lexicon or content.current().lexicon), before)
        data, _ = read_yaml(Path(temp))
        node = None
        for section in ("entries", "procedures"):
            for item in (data or {}).get(section) or [] if isinstance(data, dict) else []:
                if isinstance(item, Node) and item.get("id") == entry_id:
                    node = item
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    renamed = [dataclasses.replace(p, file=str(path)) if p.file == temp else p for p in problems]
    fields: dict[str, list[str]] = {}
    for p in renamed:
        if p.entry == entry_id:
            message = p.message + (f" → {p.hint}" if p.hint else "")
            fields.setdefault(_field_of(node, p.line, p.message), []).append(message)
    return Checked(catalogue, words, renamed, fields)


class Conflict(Exception):
    """The file changed on disk since the form was opened."""

    def __init__(self, difference: str) -> None:
        self.difference = difference
        super().__init__("changed on disk")


def write_atomically(path: Path, text: str, expected_original: str) -> Path:
    """Replace ``path`` with ``text`` (atomically) after a timestamped backup; refuse if the file is no
    longer ``expected_original`` (changed between reading and writing). Returns the backup's path."""
    current = path.read_text(encoding="utf-8")
    if current != expected_original:
        raise Conflict(diff(expected_original, current, "khi bắt đầu lưu", "bây giờ"))
    backup = path.with_name(f"{path.name}.bak-{datetime.now():%Y%m%d-%H%M%S-%f}")
    backup.write_text(current, encoding="utf-8")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temp, stat.S_IMODE(path.stat().st_mode))  # mkstemp's 0600 would lock other readers out
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)  # readers see the old file or the new one, never half of it
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    _prune_backups(path)
    return backup


KEEP_BACKUPS = 50  # per file; every version is also in the entry history


def _prune_backups(path: Path) -> None:
    for old in sorted(path.parent.glob(f"{path.name}.bak-*"))[:-KEEP_BACKUPS]:
        with contextlib.suppress(OSError):  # already gone: fine
            old.unlink()
