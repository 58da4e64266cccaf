"""What citizens read about the merger: every user-facing sentence of the address feature, in one place.

Plain text (no Markdown): each channel's renderer wraps it as it does catalogue answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.merger import Ambiguous, Converted, NotFound
    from knowledge.merger_data import NewUnit, OldUnit
    from knowledge.merger_directory import Office

PORTAL_URL = "https://dichvucong.gov.vn"  # Cổng Dịch vụ công quốc gia (shared/facts.md)

# Catalogue entries offered as the next step (tests check they exist in faq.yaml / knowledge/procedures).
AFTER_CONVERSION_ENTRIES = ["giay-to-sau-sap-nhap", "thu-tuc-doi-can-cuoc-dia-danh-moi"]
ASK_ADDRESS_ENTRIES = ["xa-phuong-moi-quang-ngai"]
OFFICE_ENTRIES = ["nop-ho-so-giay-sau-sap-nhap"]
ASK_OFFICE_ENTRIES = ["trung-tam-phuc-vu-hanh-chinh-cong", "nop-ho-so-giay-sau-sap-nhap"]

DATA_NOTE = (
    "ℹ️ Tra theo dữ liệu mở về sắp xếp đơn vị hành chính (gói vietnamadminunits), có thể còn sai sót: "
    "khi làm giấy tờ, hãy xác nhận lại với UBND xã, phường."
)
NEXT_STEP = (
    "Giấy tờ đã cấp ghi địa danh cũ vẫn dùng được, không bắt buộc đổi. Thẻ căn cước ghi địa danh cũ: "
    "nếu muốn, bạn có thể đề nghị cấp đổi miễn phí trên VNeID (lý do sắp xếp đơn vị hành chính)."
)
NO_DISTRICT = "Từ 01/7/2025 không còn cấp huyện: địa chỉ mới chỉ ghi thôn/số nhà, xã (phường) và tỉnh."
EXAMPLE = '"xã Đăk Cấm, thành phố Kon Tum, tỉnh Kon Tum"'
HOW_TO_WRITE = f"Bạn gõ lại địa chỉ cũ theo dạng: xã (phường, thị trấn), huyện, tỉnh — ví dụ {EXAMPLE}."

OFFICE_LABELS = {
    "committee": "UBND",
    "centre": "Trung tâm Phục vụ hành chính công",
    "police": "Công an",
}


def _province_short(name: str) -> str:
    return name.removeprefix("Tỉnh ").removeprefix("Thành phố ")


def mid(name: str) -> str:
    """A unit name inside a sentence: "Xã Đăk Ui" → "xã Đăk Ui"."""
    return name[:1].lower() + name[1:]


def assumed_note(province: str) -> str:
    return f"(Bạn chưa ghi tỉnh nên tôi hiểu là tỉnh {_province_short(province)} cũ.)"


def converted(result: Converted, typed: str | None = None) -> str:
    old, new = result.old, result.new
    lines = [
        f"📍 Địa chỉ cũ: {old.full}",
        f"➡️ Từ 01/7/2025 thuộc: {new.ward}, {new.province}.",
    ]
    if result.province_assumed:
        lines.append(assumed_note(old.province))
    if result.fuzzy:
        lines.append(f"(Tôi hiểu bạn viết về {old.ward}. Nếu không phải, hãy gõ lại tên xã cho đúng.)")
    lines += [
        f'Ghi địa chỉ mới: "thôn/số nhà…, {new.ward}, {new.province}" (không còn cấp huyện).',
        NEXT_STEP,
        DATA_NOTE,
    ]
    return "\n".join(lines)


def _old_label(old: OldUnit) -> str:
    return f"{old.ward}, {old.district}"


def ambiguous(result: Ambiguous) -> str:
    if result.reason == "divided" and result.old:
        lines = [
            f"📍 {result.old.full} (cũ) đã được chia cho nhiều xã, phường mới:",
            *[f"• {o.new.ward}, {o.new.province}" for o in result.options],
            "Xã mới của bạn tùy thôn, tổ bạn ở: hỏi trưởng thôn hoặc UBND xã. Chọn một xã bên dưới để xem "
            "xã đó gồm những nơi nào.",
        ]
    elif result.reason == "district":
        lines = [
            f"📍 {result.district} (cũ). {NO_DISTRICT}",
            "Các xã, thị trấn của huyện cũ nay thuộc:",
            *[f"• {o.new.ward}" for o in result.options],
            f"Bạn ở xã, thị trấn nào của huyện cũ? {HOW_TO_WRITE}",
        ]
    else:
        first = result.options[0].old
        name = first.ward_short if first else ""
        lines = [f'Có nhiều nơi tên "{name}" trước đây. Bạn ở đâu?']
        lines += [f"• {_old_label(o.old)} → nay là {o.new.ward}" for o in result.options if o.old]
        lines.append("Chọn một dòng bên dưới, hoặc gõ lại kèm tên huyện cũ.")
    if result.province_assumed and result.reason != "district":
        province = next((o.old.province for o in result.options if o.old), "")
        lines.append(assumed_note(province))
    lines.append(DATA_NOTE)
    return "\n".join(lines)


def not_found(result: NotFound, home: str) -> str:
    what = f'"{result.name}"' if result.name else "địa chỉ này"
    where = f"tỉnh {_province_short(home)} cũ" if result.province_assumed else "tỉnh bạn ghi"
    return "\n".join([
        f"Tôi chưa tìm thấy {what} trong danh sách xã, phường cũ của {where}.",
        HOW_TO_WRITE,
        f"Hoặc hỏi UBND xã, phường nơi bạn ở; tra cứu thủ tục trên Cổng Dịch vụ công quốc gia: {PORTAL_URL}",
    ])  # fmt: skip


def ask_address() -> str:
    return "\n".join([
        "Tôi tra giúp bạn xã, phường mới sau sắp xếp (từ 01/7/2025).",
        HOW_TO_WRITE,
    ])  # fmt: skip


def ask_office(wanted: str) -> str:
    label = OFFICE_LABELS.get(wanted, "UBND")
    return "\n".join([
        "Hồ sơ giấy nộp tại Trung tâm Phục vụ hành chính công (bộ phận một cửa) của xã, phường nơi bạn ở; "
        "không còn cấp huyện.",
        f"Bạn hỏi {label} của xã, phường nào? Gõ tên xã, phường mới (hoặc xã, huyện cũ), ví dụ "
        f'"{label} xã Đăk Hà ở đâu": tôi cho biết địa chỉ, giờ làm việc, số điện thoại mà cán bộ đã xác nhận.',
    ])  # fmt: skip


def reverse(new: NewUnit, sources: list[OldUnit], divided: set[str]) -> str:
    if not sources:
        return f"Chưa có dữ liệu về các xã, phường cũ hợp thành {new.ward}, {new.province}.\n{DATA_NOTE}"
    lines = [f"📍 {new.ward}, {new.province} được lập từ:"]
    for old in sources:
        part = " (một phần)" if old.key in divided else ""
        lines.append(f"• {old.ward}, {old.district}, {old.province}{part}")
    lines.append(DATA_NOTE)
    return "\n".join(lines)


def office(unit: NewUnit, record: Office | None, wanted: str, via: OldUnit | None = None) -> str:
    label = OFFICE_LABELS.get(wanted, "UBND")
    lines = []
    if via:
        lines.append(f"{via.ward}, {via.district} (cũ) nay thuộc {unit.ward}, {unit.province}.")
    title = f"🏛 {label} {mid(unit.ward)} ({unit.province})"
    if record is None or record.empty:
        lines += [
            title,
            f"Chưa có địa chỉ đã xác nhận của {label} {mid(unit.ward)} trong danh bạ của chúng tôi.",
            "Bạn có thể hỏi trưởng thôn, tổ dân phố, hoặc tìm cơ quan và thủ tục trên Cổng Dịch vụ công quốc gia: "
            + PORTAL_URL,
            "Nếu cần, bạn có thể để lại câu hỏi để cán bộ trả lời.",
        ]
        return "\n".join(lines)
    lines.append(title)
    fields = [
        ("committee", "Trụ sở UBND", record.people_committee_address),
        ("centre", "Trung tâm Phục vụ hành chính công", record.admin_centre_address),
        ("police", "Công an", record.police_address),
    ]
    fields.sort(key=lambda f: f[0] != wanted)  # what was asked comes first
    if not dict((k, v) for k, _, v in fields).get(wanted):
        lines.append(f"Chưa có địa chỉ đã xác nhận của {label} {mid(unit.ward)}; các thông tin đã có:")
    lines += [f"• {name}: {value}" for _, name, value in fields if value]
    if record.opening_hours:
        lines.append(f"• Giờ làm việc: {record.opening_hours}")
    if record.phone:
        lines.append(f"• Điện thoại: {record.phone}")
    if record.map_url:
        lines.append(f"• Bản đồ: {record.map_url}")
    if record.verified:
        when = f" ngày {record.reviewed:%d/%m/%Y}" if record.reviewed else ""
        lines.append(f"(Cán bộ đã xác minh{when}. Nguồn: {record.source}.)")
    else:
        lines.append("⚠️ Thông tin chưa được xác minh: nên gọi điện hoặc hỏi lại trước khi đến.")
    return "\n".join(lines)
