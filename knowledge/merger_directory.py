"""The staff-maintained directory of commune offices: ``communes.yaml``, one record per new commune or ward.

The list of communes comes from the `vietnamadminunits` package (names only, :func:`generate`); everything
else — addresses, opening hours, phone, map link — is filled in by staff from an official source, and
stays empty until then. An empty record is answered honestly ("chưa có địa chỉ đã xác nhận"), never guessed.
Validated like the catalogue: every problem names the line and says how to fix it, in Vietnamese.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.allowlist import url_problem, urls_in
from knowledge.problems import Problem
from knowledge.validation import parse_date
from knowledge.yamlfile import Node, read_yaml

FILE_NAME = "communes.yaml"

# Field → how staff know it. Order is the order written by :func:`generate`.
FIELDS = {
    "id": "mã",
    "name": "tên xã, phường",
    "people_committee_address": "địa chỉ UBND",
    "admin_centre_address": "địa chỉ Trung tâm Phục vụ hành chính công",
    "police_address": "địa chỉ công an xã, phường",
    "opening_hours": "giờ làm việc",
    "phone": "số điện thoại",
    "map_url": "liên kết bản đồ",
    "verified": "đã xác minh",
    "reviewed": "ngày rà soát",
    "source": "nguồn",
}
TEXT_FIELDS = ("people_committee_address", "admin_centre_address", "police_address", "opening_hours", "phone")
ADDRESS_FIELDS = ("people_committee_address", "admin_centre_address", "police_address")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PHONE = re.compile(r"^\+?[0-9][0-9 .()-]{6,18}[0-9]$")

HEADER = """\
# Danh bạ trụ sở xã, phường, đặc khu của {province} (sau ngày 01/7/2025).
# Danh sách tên được tạo từ gói vietnamadminunits {version} (dữ liệu mở, giấy phép MIT):
#   python -m bot communes --generate
# Cán bộ điền các ô còn trống theo nguồn chính thức (cổng thông tin của xã/tỉnh, văn bản, gọi điện xác nhận):
#   people_committee_address: địa chỉ trụ sở UBND
#   admin_centre_address: địa chỉ Trung tâm Phục vụ hành chính công
#   police_address: địa chỉ công an xã, phường
#   opening_hours: giờ làm việc (ví dụ "Thứ 2 – thứ 6, 7:30–17:00")
#   phone: số điện thoại
#   map_url: liên kết bản đồ (chỉ tên miền được phép trong knowledge/allowlist.py)
#   verified: true khi đã xác minh; reviewed: ngày rà soát (2026-11-25); source: nguồn đã xem.
# Ô để trống: trợ lý trả lời "chưa có địa chỉ đã xác nhận" và gửi cổng dịch vụ công quốc gia. Đừng đoán.
# Kiểm tra sau khi sửa: python -m bot communes --check
"""


@dataclass(frozen=True)
class Office:
    id: str
    name: str  # "Phường Đăk Cấm"
    people_committee_address: str = ""
    admin_centre_address: str = ""
    police_address: str = ""
    opening_hours: str = ""
    phone: str = ""
    map_url: str = ""
    verified: bool = False
    reviewed: date | None = None
    source: str = ""

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f) for f in (*TEXT_FIELDS, "map_url"))


@dataclass(frozen=True)
class Directory:
    province: str
    offices: tuple[Office, ...]

    def by_name(self, name: str) -> Office | None:
        want = _key(name)
        return next((o for o in self.offices if _key(o.name) == want), None)


def directory_path() -> Path:
    """Where ``communes.yaml`` lives: KNOWLEDGE_DIR, like every file staff keep (knowledge/content.py)."""
    from knowledge.content import knowledge_path

    return knowledge_path(FILE_NAME)


def _key(name: str) -> str:
    """Names compare with their accents: "Xã Ba Tơ" and "Xã Ba Tô" are two communes."""
    return " ".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFC", name).lower()))


def slug(name: str) -> str:
    from knowledge.merger import fold

    return "-".join(re.findall(r"[a-z0-9]+", fold(name)))


# ------------------------------------------------------------------------------------------ reading


def read_directory(path: Path | None = None, known_names: set[str] | None = None) -> tuple[Directory, list[Problem]]:
    """Parse and check the directory. ``known_names``: the communes of the province, to catch typos."""
    path = path or directory_path()
    name = str(path)
    data, problems = read_yaml(path)
    if problems:
        return Directory("", ()), problems
    if not isinstance(data, Node) or not isinstance(data.get("communes"), list):
        return Directory("", ()), [
            Problem(
                name,
                None,
                "Tệp danh bạ phải có mục communes: là danh sách.",
                "Tạo lại: python -m bot communes --generate",
            )
        ]
    offices: list[Office] = []
    seen_ids: dict[str, int | None] = {}
    seen_names: dict[str, int | None] = {}
    lines = data.item_lines.get("communes", [])
    for n, record in enumerate(data["communes"]):
        line = lines[n] if n < len(lines) else None
        office, found = _check_record(record, name, line, known_names)
        problems += found
        if office is None:
            continue
        if office.id in seen_ids:
            message = f'Mã "{office.id}" bị trùng (dòng {seen_ids[office.id]}).'
            problems.append(Problem(name, line, message, "Mỗi xã, phường một mã riêng.", office.id))
        if _key(office.name) in seen_names:
            message = f'"{office.name}" có hai bản ghi (dòng {seen_names[_key(office.name)]}).'
            problems.append(Problem(name, line, message, "Gộp vào một bản ghi, xoá bản ghi kia.", office.id))
        seen_ids[office.id] = line
        seen_names[_key(office.name)] = line
        offices.append(office)
    return Directory(str(data.get("province") or ""), tuple(offices)), problems


def _check_record(
    record: object, file: str, line: int | None, known: set[str] | None
) -> tuple[Office | None, list[Problem]]:
    if not isinstance(record, Node):
        return None, [Problem(file, line, "Mỗi xã, phường phải là một nhóm các ô (id:, name:, ...).")]
    problems: list[Problem] = []
    at = record.key_lines
    rid = record.get("id")
    who = rid if isinstance(rid, str) else None

    def problem(key: str, message: str, hint: str = "") -> None:
        problems.append(Problem(file, at.get(key, line), message, hint, who))

    for key in record:
        if key not in FIELDS:
            import difflib

            close = difflib.get_close_matches(str(key), list(FIELDS), n=1, cutoff=0.6)
            problem(key, f'Ô "{key}" không có trong danh bạ.', f'Có phải "{close[0]}"?' if close else "Xoá ô này.")
    if not isinstance(rid, str) or not _SLUG.match(rid):
        problem("id", "Mã phải là chữ thường không dấu nối bằng gạch ngang.", 'Ví dụ: "phuong-dak-cam".')
    office_name = record.get("name")
    if not isinstance(office_name, str) or not office_name.strip():
        problem("name", "Thiếu tên xã, phường.", 'Ví dụ: name: "Phường Đăk Cấm".')
        return None, problems
    if known is not None and _key(office_name) not in {_key(k) for k in known}:
        problem("name", f'"{office_name}" không có trong danh sách xã, phường mới của tỉnh.',
                "Kiểm tra chính tả, hoặc tạo lại danh sách: python -m bot communes --generate")  # fmt: skip
    values: dict[str, str] = {}
    for key in (*TEXT_FIELDS, "map_url", "source"):
        value = record.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str | int):
            problem(key, f"{FIELDS[key].capitalize()} phải là chữ.", 'Viết trong ngoặc kép: "..."')
            value = ""
        values[key] = str(value).strip()
        for url in urls_in(values[key]) if key != "map_url" else ():
            reason = url_problem(url)
            if reason:
                problem(key, f"Liên kết {url}: {reason}.", "Chỉ dùng trang chính thức.")
    if values["map_url"]:
        reason = url_problem(values["map_url"])
        if reason:
            problem("map_url", f"Liên kết bản đồ: {reason}.", "Để trống nếu chưa có liên kết trên trang chính thức.")
            values["map_url"] = ""
    if values["phone"] and (
        not _PHONE.match(values["phone"]) or not 8 <= sum(c.isdigit() for c in values["phone"]) <= 12
    ):
        problem(
            "phone",
            f'Số điện thoại "{values["phone"]}" không đúng dạng.',
            'Chỉ chữ số, ví dụ "0260 3862 xxx" (số thật).',
        )
        values["phone"] = ""
    verified = record.get("verified", False)
    if not isinstance(verified, bool):
        problem("verified", "verified chỉ nhận true hoặc false.")
        verified = False
    reviewed_raw = record.get("reviewed")
    reviewed = parse_date(reviewed_raw) if reviewed_raw not in (None, "") else None
    if reviewed_raw not in (None, "") and reviewed is None:
        problem("reviewed", f'Ngày rà soát "{reviewed_raw}" không đọc được.', "Viết 2026-11-25 hoặc 25/11/2026.")
    if verified:
        if not values["source"]:
            problem("source", "Bản ghi đã xác minh phải ghi nguồn.", "Ví dụ: cổng thông tin của xã, số văn bản.")
        if reviewed is None:
            problem("reviewed", "Bản ghi đã xác minh phải có ngày rà soát.", "Ví dụ: reviewed: 2026-11-25")
        if not any(values[k] for k in ADDRESS_FIELDS):
            problem("verified", "Đã xác minh nhưng chưa có địa chỉ nào.", "Điền địa chỉ, hoặc để verified: false.")
    if any(values[k] for k in (*TEXT_FIELDS, "map_url")) and not values["source"]:
        problem("source", "Có thông tin nhưng chưa ghi nguồn.", "Ghi nơi đã xem hoặc người đã xác nhận.")
    office = Office(
        id=rid if isinstance(rid, str) else slug(office_name),
        name=office_name.strip(),
        verified=verified,
        reviewed=reviewed,
        **values,
    )
    return office, problems


_CACHE: dict[Path, tuple[float, Directory]] = {}


def load_directory(path: Path | None = None) -> Directory:
    """The directory for answering: re-read when the file changes; a broken or missing file answers as empty
    (the honest "chưa có địa chỉ" reply) — `python -m bot communes --check` tells staff what to fix."""
    path = path or directory_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Directory("", ())
    cached = _CACHE.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    directory, problems = read_directory(path)
    if problems:
        bad = {p.entry for p in problems if p.entry}
        directory = Directory(directory.province, tuple(o for o in directory.offices if o.id not in bad))
    _CACHE[path] = (mtime, directory)
    return directory


# ------------------------------------------------------------------------------------------ generating


def generate(province: str, names: list[str], version: str, existing: Directory | None = None) -> str:
    """The YAML text of the directory: every commune of ``names``; records staff already filled are kept."""
    keep = {_key(o.name): o for o in (existing.offices if existing else ())}
    out = [
        HEADER.format(province=province, version=version),
        f"province: {json.dumps(province, ensure_ascii=False)}",
        "communes:",
    ]
    used = {o.id for o in keep.values()}
    for name in names:
        office = keep.get(_key(name))
        if office is None:
            # Names that differ only by accents ("Ba Tơ", "Ba Tô") need distinct ids.
            base = new_id = slug(name)
            n = 1
            while new_id in used:
                n += 1
                new_id = f"{base}-{n}"
            used.add(new_id)
            office = Office(id=new_id, name=name)
        out.append(f"  - id: {office.id}")
        for key in FIELDS:
            if key == "id":
                continue
            value = getattr(office, key)
            if key == "verified":
                out.append(f"    verified: {'true' if value else 'false'}")
            elif key == "reviewed":
                out.append(f"    reviewed: {value.isoformat() if value else chr(34) * 2}")
            else:
                out.append(f"    {key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(out) + "\n"
