from datetime import date

import pytest

from knowledge import CatalogueError, check_catalogue, load_catalogue, safety_problems
from knowledge.loader import DEFAULT_LEXICON
from knowledge.normalize import Lexicon
from knowledge.validation import parse_date
from tests.helpers import faq_text

TODAY = date(2026, 11, 23)


def problems_for(write_yaml, text: str, *more: tuple[str, str]) -> list[str]:
    paths = [write_yaml("faq.yaml", text)] + [write_yaml(name, body) for name, body in more]
    _, _, problems = check_catalogue(paths, today=TODAY)
    return [str(p) for p in problems]


GOOD = faq_text(
    ("can-cuoc", "Làm căn cước", ["làm căn cước ở đâu", "cấp căn cước"]),
    ("tam-tru", "Đăng ký tạm trú", ["đăng ký tạm trú", "tạm trú ở đâu"]),
)


def test_a_good_file_has_no_problems(write_yaml):
    assert problems_for(write_yaml, GOOD) == []
    catalogue, _ = load_catalogue([write_yaml("ok.yaml", GOOD)], today=TODAY)
    assert set(catalogue.entries) == {"can-cuoc", "tam-tru"}
    assert catalogue.entries["can-cuoc"].origin.endswith("ok.yaml:5")


def test_yaml_syntax_error_names_file_and_line(write_yaml):
    broken = GOOD.replace("    answer: Câu trả lời cho Làm căn cước.", "    answer: [chưa đóng ngoặc")
    [message] = problems_for(write_yaml, broken)
    assert "faq.yaml:" in message and "Lỗi cú pháp YAML" in message and "Cách sửa" in message


def test_tab_indentation_is_explained(write_yaml):
    [message] = problems_for(write_yaml, GOOD.replace("    title: Làm căn cước", "\ttitle: Làm căn cước"))
    assert "faq.yaml:6:" in message and "Tab" in message


def test_missing_and_empty_fields(write_yaml):
    text = GOOD.replace("    answer: Câu trả lời cho Làm căn cước.\n", "    answer: ''\n").replace(
        '    source: "Nguồn thử"\n', "", 1
    )
    messages = problems_for(write_yaml, text)
    assert any('[can-cuoc] Thiếu hoặc để trống trường "answer"' in m for m in messages)
    assert any('[can-cuoc] Thiếu hoặc để trống trường "source"' in m for m in messages)


def test_duplicate_ids_across_files(write_yaml):
    other = faq_text(("can-cuoc", "Khác", ["một câu hỏi khác hẳn"]))
    messages = problems_for(write_yaml, GOOD, ("more.yaml", other))
    assert any('Mã mục "can-cuoc" bị trùng' in m and "faq.yaml" in m for m in messages)


def test_same_phrasing_under_two_entries_even_written_differently(write_yaml):
    text = faq_text(
        ("a", "Mục A", ["Làm căn cước ở đâu ạ"]),
        ("b", "Mục B", ["lam can cuoc o dau"]),
    )
    [message] = problems_for(write_yaml, text)
    assert '[b] Cách hỏi "lam can cuoc o dau" trùng với "Làm căn cước ở đâu ạ" của mục "a"' in message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://dichvucong.gov.vn", "https://"),
        ("https://dichvucong-gov.vn.example.com", "không nằm trong danh sách"),
        ("https://evil.com/gov.vn", "không nằm trong danh sách"),
        ("https://user:pw@dichvucong.gov.vn", "tên đăng nhập"),
    ],
)
def test_links_must_be_https_and_official(write_yaml, url, reason):
    text = GOOD.replace(
        '    source: "Nguồn thử"', f'    links:\n      - title: Trang\n        url: {url}\n    source: "Nguồn thử"', 1
    )
    [message] = problems_for(write_yaml, text)
    assert reason in message and "[can-cuoc]" in message


def test_urls_inside_answers_are_checked_too(write_yaml):
    text = GOOD.replace("Câu trả lời cho Làm căn cước.", "Xem tại https://lua-dao.com/vneid nhé.")
    [message] = problems_for(write_yaml, text)
    assert "lua-dao.com" in message


def test_official_subdomains_are_allowed(write_yaml):
    text = GOOD.replace(
        '    source: "Nguồn thử"',
        '    links:\n      - title: BCA\n        url: https://dichvucong.bocongan.gov.vn\n    source: "Nguồn thử"',
        1,
    )
    assert problems_for(write_yaml, text) == []


@pytest.mark.parametrize(("value", "fragment"), [("31/02/2026", "không đọc được"), ("2027-01-01", "tương lai")])
def test_bad_and_future_dates(write_yaml, value, fragment):
    [message] = problems_for(write_yaml, GOOD.replace("reviewed: 2026-11-01", f"reviewed: {value}", 1))
    assert fragment in message


def test_dates_staff_write_are_accepted():
    assert parse_date("23/11/2026") == date(2026, 11, 23)
    assert parse_date("2026-11-23") == date(2026, 11, 23)
    assert parse_date(date(2026, 1, 2)) == date(2026, 1, 2)
    assert parse_date("hôm qua") is None


def test_unknown_field_suggests_the_right_name(write_yaml):
    messages = problems_for(write_yaml, GOOD.replace("    questions:", "    quesitons:", 1))
    assert any('Trường lạ "quesitons". Có phải ý bạn là "questions"?' in m for m in messages)


def test_colon_inside_a_list_item_is_explained(write_yaml):
    text = GOOD.replace("      - cấp căn cước", "      - Bước 1: đến công an xã")
    [message] = problems_for(write_yaml, text)
    assert "dấu hai chấm" in message and "ngoặc kép" in message


def test_procedures_need_their_own_fields(write_yaml):
    text = GOOD.replace("entries:", "procedures:")
    messages = problems_for(write_yaml, text)
    assert any('"steps"' in m for m in messages) and any('"fee"' in m for m in messages)


def test_unknown_sector(write_yaml):
    [message] = problems_for(write_yaml, GOOD.replace("sector: test", "sector: khong-co", 1))
    assert 'Lĩnh vực "khong-co" chưa được khai báo' in message


def test_missing_file_and_empty_file(write_yaml, tmp_path):
    _, _, problems = check_catalogue([tmp_path / "nope.yaml"], today=TODAY)
    assert "Không tìm thấy tệp" in str(problems[0])
    empty = write_yaml("empty.yaml", "")
    _, _, problems = check_catalogue([empty], today=TODAY)
    assert "Tệp trống" in str(problems[0])


def test_loader_refuses_a_broken_file_with_the_same_messages(write_yaml):
    path = write_yaml("faq.yaml", GOOD.replace("reviewed: 2026-11-01", "reviewed: 99/99/2026", 1))
    with pytest.raises(CatalogueError) as raised:
        load_catalogue([path], today=TODAY)
    _, _, problems = check_catalogue([path], today=TODAY)
    assert raised.value.problems == tuple(problems)
    assert "Có 1 lỗi" in raised.value.report()


def test_all_problems_are_reported_not_just_the_first(write_yaml):
    text = GOOD.replace("reviewed: 2026-11-01", "reviewed: sai").replace("sector: test", "sector: x")
    assert len(problems_for(write_yaml, text)) >= 4


def test_ids_short_enough_for_telegram_buttons(write_yaml):
    long_id = "a" + "-b" * 30
    [message] = problems_for(write_yaml, GOOD.replace("id: can-cuoc", f"id: {long_id}", 1))
    assert "quá 48" in message and "64 byte" in message


def test_the_whole_catalogue_must_hold_the_scam_warnings_its_lexicon_names(tmp_path):
    shipped = DEFAULT_LEXICON.read_text(encoding="utf-8")
    assert "  entry: nhan-biet-lua-dao\n" in shipped
    renamed = tmp_path / "lexicon.yaml"
    renamed.write_text(shipped.replace("  entry: nhan-biet-lua-dao\n", "  entry: nhan-biet-lua-dao-cu\n"), "utf-8")
    _, _, problems = check_catalogue(lexicon_path=renamed, whole=True)
    assert [p.file for p in problems] == [str(renamed)] and '"nhan-biet-lua-dao-cu"' in problems[0].message
    assert problems[0].line == shipped[: shipped.index("\nsafety:")].count("\n") + 2
    # A draft, or a small catalogue tried on its own, need not hold them.
    assert check_catalogue(lexicon_path=renamed)[2] == []
    assert check_catalogue(whole=True)[2] == []


def test_only_what_a_change_breaks_counts_against_the_catalogue_in_use():
    lexicon = Lexicon(safety_contact=("cuộc gọi",), safety_entry="canh-bao", safety_warnings=("otp", "cu"))
    in_use = (lexicon, {"canh-bao", "otp"})  # "cu" was already missing: not this change's doing
    assert safety_problems(lexicon, {"canh-bao", "otp"}, "lexicon.yaml", in_use) == []
    [problem] = safety_problems(lexicon, {"canh-bao"}, "lexicon.yaml", in_use)  # "otp" retired
    assert '"otp"' in problem.message
    assert len(safety_problems(lexicon, {"canh-bao"}, "lexicon.yaml")) == 2  # without ``before``: all of them
    unnamed = Lexicon(safety_contact=("cuộc gọi",))
    assert "entry" in safety_problems(unnamed, {"canh-bao"}, "lexicon.yaml", in_use)[0].message
    linked = Lexicon(safety_contact=("cuộc gọi",), safety_entry="canh-bao", safety_link="trang-that")
    [problem] = safety_problems(linked, {"canh-bao"}, "lexicon.yaml")  # the entry for links is held too
    assert '"trang-that"' in problem.message
