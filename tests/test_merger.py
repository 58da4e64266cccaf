"""Old address → new commune (issue 16): recogniser, conversion against the package, directory of offices."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.config import Settings
from knowledge import default_sources, load_catalogue, merger, merger_directory, merger_render
from knowledge.merger import Ambiguous, Converted, NotFound

DATA = Path(__file__).parent / "data"
ADDRESSES = yaml.safe_load((DATA / "addresses.yaml").read_text(encoding="utf-8"))["addresses"]


@pytest.fixture(scope="module")
def package_convert():
    """The package's own answer for a clean address (no street, so it never geocodes over the network)."""
    from vietnamadminunits import convert_address

    return convert_address


def _catalogue_questions() -> list[tuple[str, str]]:
    catalogue, _ = load_catalogue(default_sources())
    out = []
    for entry in catalogue.entries.values():
        out += [(entry.id, q) for q in entry.questions] + [(entry.id, entry.title)]
    return out


def _question_set(name: str) -> list[tuple[str, str]]:
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["questions"]
    return [(k, q.split("] ", 1)[-1] if q.startswith("[") else q) for k, qs in data.items() for q in qs]


# ------------------------------------------------------------------------------------------ the question set


def test_address_set_reaches_95_percent_and_never_guesses(package_convert):
    assert len(ADDRESSES) >= 120
    correct, wrong, guesses = 0, [], []
    for item in ADDRESSES:
        expected = package_convert(item["clean"])
        reply = merger.answer(item["text"])
        result = reply.result if reply else None
        if item.get("expect") == "ambiguous":
            # Divided commune or a name in several districts: the citizen must choose, and the package's
            # own pick must be among the choices.
            if isinstance(result, Ambiguous) and any(o.new.ward == expected.ward for o in result.options):
                correct += 1
            else:
                guesses.append((item["text"], result))
            continue
        if (
            isinstance(result, Converted)
            and result.new.ward == expected.ward
            and result.new.province == expected.province
        ):
            correct += 1
        else:
            wrong.append((item["text"], expected.ward, reply.kind if reply else None))
    assert not guesses, f"silent guesses on ambiguous addresses: {guesses}"
    assert correct / len(ADDRESSES) >= 0.95, wrong


def test_the_set_covers_how_citizens_write():
    tags = " ".join(item["tag"] for item in ADDRESSES)
    for kind in ("không dấu", "viết tắt", "thiếu tỉnh", "thiếu huyện", "lỗi gõ", "hoa", "câu hỏi"):
        assert kind in tags
    assert sum(item.get("expect") == "ambiguous" for item in ADDRESSES) >= 5


def test_every_divided_commune_of_the_province_lists_its_candidates():
    data = merger.map_data()
    divided = [
        data.old_units[key]
        for key, targets in data.targets.items()
        if len(targets) > 1 and key in data.old_units and data.new_province_of[key.split("_")[0]] == "tinhquangngai"
    ]
    assert divided  # Trà Bùi (huyện Trà Bồng) in the package's data
    for old in divided:
        result = merger.convert(old.full)
        assert isinstance(result, Ambiguous) and result.reason == "divided"
        assert {o.new for o in result.options} == {t.unit for t in data.targets[old.key]}


def test_every_name_shared_by_two_districts_is_asked_back_without_the_district():
    data = merger.map_data()
    by_name: dict[tuple[str, str], list] = {}
    for old in data.old_units.values():
        if old.province_key == "tinhkontum":
            by_name.setdefault((old.ward_type, old.ward_short), []).append(old)
    shared = [units for units in by_name.values() if len(units) > 1]
    assert shared  # Xã Đăk Long: huyện Đắk Glei and huyện Đăk Hà
    for units in shared:
        reply = merger.answer(f"{units[0].ward} giờ là xã nào")
        assert reply and isinstance(reply.result, Ambiguous), units[0].ward
        assert len(reply.choices) == len(units)
        # Tapping a choice converts exactly that one.
        tapped = merger.handle_choice(reply.choices[1][1])
        assert tapped and isinstance(tapped.result, Converted) and tapped.result.old == units[1]


# ------------------------------------------------------------------------------------------ the recogniser


@pytest.mark.parametrize(
    "text",
    [
        "xã Đắk Cấm thành phố Kon Tum giờ là xã nào",
        "xa dak cam tp kon tum gio la xa nao",
        "X. Đăk Cấm, TP. Kon Tum",
        "thôn 3 xã Đăk Cấm",
        "Đăk Cấm, Kon Tum",
        "XÃ ĐĂK CẤM TP KON TUM SAU SÁP NHẬP THUỘC PHƯỜNG NÀO",
    ],
)
def test_usual_forms_are_recognised(text):
    reply = merger.answer(text)
    assert reply and reply.kind == "converted"
    assert "Phường Đăk Cấm, Tỉnh Quảng Ngãi" in reply.text


@pytest.mark.parametrize(
    "text", ["địa chỉ mới của tôi", "sau sáp nhập thôn tôi thuộc xã nào", "dia chi moi cua toi la gi"]
)
def test_the_question_without_an_address_asks_for_it(text):
    reply = merger.answer(text)
    assert reply and reply.kind == "ask_address"
    assert "xã (phường, thị trấn), huyện, tỉnh" in reply.text


def test_missing_province_is_assumed_from_the_setting_and_said():
    reply = merger.answer("xã Ngọk Bay giờ là xã nào")
    assert reply and "Bạn chưa ghi tỉnh nên tôi hiểu là tỉnh Kon Tum cũ" in reply.text
    # Another home province: a commune of old Quảng Ngãi without its province.
    assert Settings.from_env({"HOME_OLD_PROVINCE": "Quảng Ngãi"}).home_old_province == "Quảng Ngãi"
    assert Settings.from_env({}).home_old_province == "Kon Tum"
    other = merger.answer("xã Tịnh Ấn Tây giờ là xã nào", "Quảng Ngãi")
    assert other and "tỉnh Quảng Ngãi cũ" in other.text
    for home in ("Tỉnh Kon Tum", "kontum", "không rõ"):  # an unknown setting falls back to Kon Tum
        bare = merger.answer("Pờ Y Ngọc Hồi", home)
        assert bare and bare.kind == "converted" and "Xã Bờ Y" in bare.text, home
    named = merger.answer("xã Đăk Cấm, thành phố Kon Tum, tỉnh Kon Tum")
    assert named and "chưa ghi tỉnh" not in named.text


def test_catalogue_and_dev_questions_are_not_taken_for_addresses():
    questions = _catalogue_questions() + _question_set("dev_questions.yaml") + _question_set("holdout_questions.yaml")
    assert len(questions) > 1000
    # None of today's catalogue or dev questions names a specific old address; if one ever does, list it here.
    about_an_address = {"thôn tôi giờ thuộc xã nào"}  # asks which commune, naming none: asking back is right
    taken = [(eid, q, r.kind) for eid, q in questions if q not in about_an_address and (r := merger.answer(q))]
    assert taken == []


@pytest.mark.parametrize(
    "text",
    [
        "đăng ký khai sinh ở xã Đăk Cấm",
        "công an xã Đăk Cấm có làm căn cước không",
        "Kon Tum bây giờ thuộc tỉnh nào",
        "tôi không hiểu",
        "xã phường mới của quảng ngãi",
        "Xã hội số là gì",
        "bảo hiểm xã hội ở Đăk Hà ở đâu",
        "công an phường có làm căn cước buổi tối không",
        "tôi ở Kon Tum muốn làm hộ chiếu",
        "làm sổ đỏ ở xã Đăk Cấm mất bao lâu",
        "giờ làm việc của bộ phận một cửa",
        "tt thường trú",  # "tt" is "thủ tục" here, and "thường trú" no commune's name
        "tt tạm trú",
    ],
)
def test_procedure_questions_that_name_places_are_left_to_the_catalogue(text):
    assert merger.answer(text) is None


@pytest.mark.parametrize(
    "text,label",
    [
        ("UBND xã ở đâu", "UBND"),
        ("ủy ban xã ở đâu", "UBND"),  # was answered with the marriage procedure ("…tại ủy ban xã")
        ("UBND xã làm việc thứ 7 không", "UBND"),
        ("giờ làm việc của xã", "UBND"),
        ("uy ban xa may gio mo cua", "UBND"),
        ("số điện thoại công an xã", "Công an"),
        ("trụ sở xã mình ở đâu vậy", "UBND"),
    ],
)
def test_an_office_question_naming_no_commune_asks_which(text, label):
    reply = merger.answer(text)
    assert reply and reply.kind == "ask_office", text
    assert f"Bạn hỏi {label} của xã, phường nào?" in reply.text and "Trung tâm Phục vụ hành chính công" in reply.text
    assert reply.related_entry_ids == merger_render.ASK_OFFICE_ENTRIES and not reply.choices
    assert "chưa ghi xã" in reply.record_text


@pytest.mark.parametrize(
    "text",
    ["đăng ký kết hôn tại ủy ban xã ở đâu", "công an xã có làm căn cước không", "bộ phận một cửa bây giờ ở đâu"],
)
def test_a_procedure_or_the_centre_without_a_commune_stays_with_the_catalogue(text):
    assert merger.answer(text) is None


def test_an_office_question_naming_a_commune_answers_it_whatever_the_contact_asked():
    for text in ("giờ làm việc xã Đăk Hà", "số điện thoại phường Kon Tum"):
        reply = merger.answer(text)
        assert reply and reply.kind == "office", text


@pytest.mark.parametrize("text", ["", " ", "🙂🙂", "xã", "x" * 5000, "xã " * 300, "\u0301\u0301 xã Đ", "p. p. p."])
def test_odd_input_never_crashes(text):
    reply = merger.answer(text)
    assert reply is None or reply.text


def test_a_name_not_in_the_data_is_said_honestly():
    reply = merger.answer("xã Abcxyz huyện Đăk Hà giờ là xã nào")
    assert reply and reply.kind == "not_found" and isinstance(reply.result, NotFound)
    assert "chưa tìm thấy" in reply.text and merger_render.PORTAL_URL in reply.text
    assert reply.offer_handoff
    assert "Abcxyz".lower() not in reply.record_text.lower()


def test_district_only_lists_the_new_communes():
    for text in ("huyện Đăk Hà giờ là những xã nào", "H. Đăk Hà"):
        reply = merger.answer(text)
        assert reply and isinstance(reply.result, Ambiguous) and reply.result.reason == "district"
        assert "không còn cấp huyện" in reply.text and "Xã Đăk Ui" in reply.text


def test_old_commune_office_question_names_the_new_commune():
    reply = merger.answer("UBND phường Quyết Thắng ở đâu")
    assert reply and reply.kind == "office"
    assert reply.text.startswith("Phường Quyết Thắng, Thành phố Kon Tum (cũ) nay thuộc Phường Kon Tum")


def test_names_that_differ_only_by_accents_follow_the_citizens_accents():
    accented = merger.answer("UBND xã Ba Tô ở đâu")
    assert accented and accented.kind == "office" and "xã Ba Tô" in accented.text
    plain = merger.answer("UBND xã Ba To ở đâu")
    assert plain and plain.kind == "ambiguous"
    assert sorted(label for label, _ in plain.choices) == ["Xã Ba Tô", "Xã Ba Tơ"]


def test_reverse_question_lists_the_old_communes():
    reply = merger.answer("phường Đăk Cấm mới gồm những xã cũ nào")
    assert reply and reply.kind == "reverse"
    data = merger.map_data()
    for key in data.sources[("tinhquangngai", "phuongdakcam")]:
        assert data.old_units[key].ward in reply.text


def test_divided_commune_reply_offers_each_new_commune():
    reply = merger.answer("xã Trà Bùi huyện Trà Bồng tỉnh Quảng Ngãi giờ là xã nào")
    assert reply and reply.kind == "ambiguous"
    assert [label for label, _ in reply.choices] == ["Xã Cà Đam", "Xã Tây Trà Bồng"]
    assert "chia cho nhiều xã" in reply.text
    reverse = merger.handle_choice(reply.choices[0][1])
    assert reverse and "Xã Trà Bùi" in reverse.text and "(một phần)" in reverse.text


def test_reply_parts_are_safe_and_linked():
    catalogue, _ = load_catalogue(default_sources())
    for ids in (
        merger_render.AFTER_CONVERSION_ENTRIES,
        merger_render.ASK_ADDRESS_ENTRIES,
        merger_render.OFFICE_ENTRIES,
        merger_render.ASK_OFFICE_ENTRIES,
    ):
        assert all(i in catalogue.entries for i in ids), ids
    reply = merger.answer("Thôn Kon Klor 2, số nhà 15, xã Đăk Rơ Wa, TP Kon Tum")
    assert reply and reply.kind == "converted"
    assert "VNeID" in reply.text and "vẫn dùng được" in reply.text and "dữ liệu mở" in reply.text
    assert "Kon Klor" not in reply.record_text and "15" not in reply.record_text
    assert "Xã Đăk Rơ Wa" in reply.record_text
    for item in ADDRESSES:
        for _, payload in (merger.answer(item["text"]) or merger.MergerReply("", "")).choices:
            assert len(payload.encode()) <= 64  # Telegram callback data


# ------------------------------------------------------------------------------------------ office directory


def test_shipped_directory_is_valid_complete_and_empty():
    province, units = merger.province_units()
    directory, problems = merger_directory.read_directory(known_names={u.ward for u in units})
    assert problems == []
    assert province == "Tỉnh Quảng Ngãi" and len(units) == 96  # 96 units, shared/facts.md
    assert [o.name for o in directory.offices] == [u.ward for u in units]
    assert all(o.empty and not o.verified for o in directory.offices)  # nothing invented


def test_office_question_with_an_empty_record_is_honest():
    for text in ("UBND xã Đăk Ui ở đâu", "trung tâm hành chính công phường Kon Tum", "công an xã Ngọk Bay"):
        reply = merger.answer(text)
        assert reply and reply.kind == "office", text
        assert "Chưa có địa chỉ đã xác nhận" in reply.text and merger_render.PORTAL_URL in reply.text
        assert reply.offer_handoff
        assert not any(ch.isdigit() for ch in reply.text.replace(merger_render.PORTAL_URL, ""))


def _filled_directory(tmp_path: Path, verified: bool) -> Path:
    province, units = merger.province_units()
    path = tmp_path / "communes.yaml"
    path.write_text(merger_directory.generate(province, [u.ward for u in units], "test"), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    old = '''name: "Xã Đăk Ui"
    people_committee_address: ""
    admin_centre_address: ""
    police_address: ""
    opening_hours: ""
    phone: ""
    map_url: ""
    verified: false
    reviewed: ""
    source: ""'''
    new = f'''name: "Xã Đăk Ui"
    people_committee_address: "Thôn Kon Teo (địa chỉ thử nghiệm)"
    admin_centre_address: "Cạnh trụ sở UBND (thử nghiệm)"
    police_address: ""
    opening_hours: "Thứ 2 – thứ 6, 7:30–17:00"
    phone: "0260 000 0000"
    map_url: "https://dakui.quangngai.gov.vn/ban-do"
    verified: {"true" if verified else "false"}
    reviewed: 2026-11-25
    source: "bản ghi thử nghiệm"'''
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("verified", [True, False])
def test_office_question_with_a_filled_record_gives_the_address(tmp_path, monkeypatch, verified):
    path = _filled_directory(tmp_path, verified)
    assert merger_directory.read_directory(path)[1] == []
    monkeypatch.setattr(merger_directory, "directory_path", lambda: path)
    reply = merger.answer("UBND xã Đăk Ui ở đâu")
    assert reply and reply.kind == "office" and not reply.offer_handoff
    assert "Trụ sở UBND: Thôn Kon Teo" in reply.text
    assert "0260 000 0000" in reply.text and "https://dakui.quangngai.gov.vn/ban-do" in reply.text
    assert ("Cán bộ đã xác minh ngày 25/11/2026" in reply.text) is verified
    assert ("chưa được xác minh" in reply.text) is not verified
    # Asked for the police, whose address is still empty: said so, and the rest is given.
    police = merger.answer("công an xã Đăk Ui ở đâu")
    assert police and "Chưa có địa chỉ đã xác nhận của Công an xã Đăk Ui" in police.text
    # An old commune that joined Đăk Ui finds the same office.
    old_name = merger.answer("ubnd xa dak ui huyen dak ha o dau")
    assert old_name and "Thôn Kon Teo" in old_name.text


def test_directory_validation_names_each_problem(write_yaml):
    path = write_yaml(
        "communes.yaml",
        """
        province: "Tỉnh Quảng Ngãi"
        communes:
          - id: xa-dak-ui
            name: "Xã Đăk Ui"
            map_url: "https://maps.example.com/dakui"
            phone: "gọi trưởng thôn"
            verified: true
            dia_chi: "x"
          - id: xa-dak-ui
            name: "Xã Đăk Ui"
          - id: Xa Sai
            name: "Xã Không Có"
        """,
    )
    _, problems = merger_directory.read_directory(path, known_names={"Xã Đăk Ui"})
    text = "\n".join(str(p) for p in problems)
    assert "maps.example.com" in text  # map link outside the allow-list
    assert "Số điện thoại" in text
    assert "phải ghi nguồn" in text and "ngày rà soát" in text and "chưa có địa chỉ nào" in text
    assert 'Ô "dia_chi"' in text
    assert "bị trùng" in text and "có hai bản ghi" in text
    assert "Mã phải là chữ thường" in text and "không có trong danh sách" in text
    assert all(p.line for p in problems)
    # A broken directory answers as empty (honest), never crashes the bot.
    assert merger_directory.load_directory(path).by_name("Xã Đăk Ui") is None


def test_generate_keeps_what_staff_filled(tmp_path):
    path = _filled_directory(tmp_path, True)
    assert main(["communes", "--generate", "--path", str(path)]) == 0
    directory, problems = merger_directory.read_directory(path)
    assert problems == []
    office = directory.by_name("Xã Đăk Ui")
    assert office and office.verified and office.people_committee_address.startswith("Thôn Kon Teo")
    assert main(["communes", "--check", "--path", str(path)]) == 0


def test_generate_refuses_to_overwrite_a_broken_directory(tmp_path, capsys):
    path = tmp_path / "communes.yaml"
    path.write_text("communes:\n  - id: x\n    name: Xã Đăk Ui\n    phone: abc\n", encoding="utf-8")
    assert main(["communes", "--generate", "--path", str(path)]) == 2
    assert "Sửa các lỗi trên" in capsys.readouterr().err
    assert "phone: abc" in path.read_text(encoding="utf-8")  # staff data untouched


# ------------------------------------------------------------------------------------------ CLI and cost


def test_cli_address(capsys):
    assert main(["address", "xa dak cam tp kon tum"]) == 0
    out = capsys.readouterr().out
    assert "Phường Đăk Cấm, Tỉnh Quảng Ngãi" in out and "Ghi vào sổ" in out
    main(["address", "--json", "làm căn cước ở đâu"])
    assert '"kind": null' in capsys.readouterr().out


def test_ordinary_questions_do_not_load_the_package_and_cost_microseconds():
    # In a fresh interpreter: a procedure question must not import the package or read its map.
    code = (
        "import sys, time\n"
        "from knowledge import merger\n"
        "assert merger.answer('làm căn cước gắn chip ở đâu') is None\n"
        "assert merger.answer('xin chào') is None\n"
        "print('vietnamadminunits' in sys.modules, merger.map_data.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "0"]
    questions = [q for _, q in _question_set("dev_questions.yaml")]
    merger.is_candidate("warm up")
    started = time.perf_counter()
    for q in questions:
        merger.is_candidate(q)
    per_message = (time.perf_counter() - started) / len(questions)
    assert per_message < 0.5e-3  # typically ~0.01 ms; the bound leaves room for a loaded CI machine


_PIECES = ["xã", "X.", "phường", "TT", "huyện", "H.", "TP", "tỉnh", "Kon Tum", "Đăk", "Cấm", "Long", "Hà"]
_PIECES += ["nào", "UBND", "công an", "gồm", "giờ là", "thôn", "5", ",", "ở đâu", "địa chỉ mới", "Ba Tô"]
_PIECES += ["Quảng Ngãi", "Trà Bùi", "sáp nhập"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=14))
def test_any_mix_of_place_words_gets_a_reply_or_none_never_an_error(pieces):
    reply = merger.answer(" ".join(pieces))
    if reply is not None:
        assert reply.text and reply.record_text.startswith("[địa chỉ sau sáp nhập]")
        assert all(len(payload.encode()) <= 64 for _, payload in reply.choices)
        for _, payload in reply.choices:
            tapped = merger.handle_choice(payload)
            assert tapped is None or tapped.text
