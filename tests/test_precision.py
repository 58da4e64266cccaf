"""Issue 17: topics instead of near twins, the part asked, fragments, product names, scam messages."""

import pytest

from knowledge import Index, Status, check_catalogue
from knowledge.allowlist import unofficial_host
from knowledge.loader import read_lexicon
from tests.helpers import faq_text


@pytest.mark.parametrize("question", ["cds là gì", "cđs là gì", "CĐS là gì", "CDS LA GI", "Cđs là gì vậy"])
def test_abbreviations_match_whatever_marks_were_typed(index, question):
    result = index.search(question)
    assert result.status is Status.ANSWERED and result.best.entry.id == "chuyen-doi-so-la-gi"


def test_a_word_typed_with_tone_marks_is_not_taken_for_an_abbreviation(index):
    assert "muốn" not in index.normalizer.normalize("mụn").text
    assert "muốn" in index.normalizer.normalize("mun lam cccd").text


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("cài VssID thế nào", "vssid"),
        ("đăng nhập vssid", "vssid"),
        ("quên mật khẩu vssid", "vssid"),
        ("cài đặt etax mobile", "etax mobile"),
        ("cài vneid thế nào", "vneid"),
        # Without its own phrasing, was answered with the VNeID password entry.
        ("quên mật khẩu email", "email"),
    ],
)
def test_an_app_is_never_answered_with_another_apps_entry(index, question, named):
    # Each asked without the phrasing written like it, if any: a new wording.
    owners = [e.id for e in index.catalogue.entries.values() if question in e.questions]
    if owners:
        index = Index(index.catalogue.without_phrasings(owners[0], [question]), index.lexicon)
    result = index.search(question)
    if result.status is Status.ANSWERED:
        entry = result.best.entry
        assert named in (entry.title + " " + " ".join(entry.questions)).lower(), entry.id


def test_a_document_is_not_offered_first_with_another_documents_entry(index):
    # Was offered the driving licence first ("gplx het han doi o dau") and the card's renewal not at all.
    result = index.search("căn cước của tôi sắp hết hạn, đi đổi ở đâu")
    first = result.best if result.status is Status.ANSWERED else result.suggestions[0]
    assert first.entry.id != "gplx-het-han"
    assert "doi-can-cuoc-theo-tuoi" in [c.entry.id for c in result.suggestions]


def test_a_document_is_never_answered_with_another_documents_entry(index):
    # Was answered with the renewal of the family health insurance ("thẻ bhyt hết hạn đóng tiền ở đâu").
    result = index.search("căn cước hết hạn đóng tiền ở đâu")
    assert result.status is not Status.ANSWERED


def test_a_licence_named_by_its_class_or_vehicle_is_the_driving_licence(index):
    result = index.search("bằng a1 bị mất làm lại")  # was choices
    assert result.status is Status.ANSWERED and result.best.entry.id == "gplx-bi-mat"
    car = index.search("bằng ô tô thì sao")  # was answered with the car inspection
    assert "gplx" in car.closest.entry.id, car.closest.entry.id


@pytest.mark.parametrize(
    ("entry_id", "question", "other"),
    [
        ("chuong-trinh-chuyen-doi-so-quoc-gia", "qđ 749 ttg", "de-an-06"),
        ("de-an-06", "qđ 06 ttg", "chuong-trinh-chuyen-doi-so-quoc-gia"),
    ],
)
def test_a_decision_named_by_its_number_is_not_another_numbered_decision(index, entry_id, question, other):
    # Without its own phrasing, "qđ 749 ttg" was answered with "qđ 06 ttg" (the same words but the number).
    without = index.catalogue.without_phrasings(entry_id, [question])
    result = Index(without, index.lexicon).search(question)
    assert not (result.status is Status.ANSWERED and result.best.entry.id == other)


def test_product_penalty_keeps_the_other_app_below_the_answer_threshold(index):
    result = index.search("cài VssID thế nào", explain=True)
    for row in result.explanation.scored:
        if row["id"] == "cai-dat-vneid":
            assert row["score"] < index.thresholds.answer


@pytest.mark.parametrize(
    "question",
    [
        "có người gọi xưng công an bảo cài app để cập nhật định danh",
        "nhận tin nhắn yêu cầu bấm link nộp phạt nguội",
        "có số lạ gọi bảo tôi chuyển tiền để xác minh tài khoản bảo hiểm xã hội",
        "người tự xưng nhân viên thuế gửi đường link bảo cài ứng dụng etax",
        "cong an goi bao kich hoat dinh danh muc 2 qua dien thoai",
        # Was the tax registration procedure ("cập nhật thông tin đăng ký thuế"): someone claiming to be an
        # official, asking to update one's details, is the scam pattern.
        "co nguoi nhan la can bo thue bao toi cap nhat thong tin",
        # Were choices led by the ordinary entry: "cài lại", "theo link", "cho tôi cài" are asks.
        "có người gọi xưng là công an phường bảo tài khoản định danh của tôi bị khóa phải cài lại theo link",
        "công an gọi bảo tôi lên mức 2 tại nhà, gửi đường link cho tôi cài",
        "có số lạ gọi chúc mừng trúng thưởng ti vi, bảo chuyển tiền thuế trước",
    ],
)
def test_a_suspicious_contact_is_answered_with_a_scam_warning(index, question):
    result = index.search(question)
    assert result.status is Status.ANSWERED and result.safety
    assert result.best.entry.sector == "an-toan"


def test_a_scam_message_gets_its_closest_warning_even_a_little_below_the_floor(index):
    # The general warning before; the police impersonation warning scores 0.395.
    result = index.search("công an gọi bảo tôi lên mức 2 tại nhà, gửi đường link cho tôi cài")
    assert result.safety and result.best.entry.id == "gia-danh-cong-an-vneid"
    assert result.best.score < index.thresholds.floor


def test_a_transfer_to_the_wrong_person_is_answered_with_its_own_warning(index):
    # "người lạ" and "chuyển tiền" make it a safety message; the closest warning is the wrong-transfer entry
    # (it warns of the fake "chuyển nhầm" call), not the general "báo lừa đảo ở đâu" it used to get.
    result = index.search("lỡ chuyển tiền nhầm cho người lạ lấy lại được không")
    assert result.status is Status.ANSWERED
    assert result.best.entry.id == "chuyen-khoan-nham"


def test_an_ordinary_question_is_not_a_scam(index):
    ordinary = (
        "cài vneid thế nào",
        "nộp phạt giao thông online",
        "chuyển khoản nộp thuế đất",
        # A reminder to pay is no scam by itself ("nộp tiền" is not listed among the asks).
        "xã nhắn tin nhắc nộp tiền bảo hiểm y tế, nộp ở đâu",
        "vneid lỗi, tổng đài bảo cài lại ứng dụng",
    )
    for question in ordinary:
        assert not index.search(question).safety, question


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("thế lệ phí bao nhiêu?", ("fee",)),
        ("mất bao lâu", ("processing_time",)),
        ("mấy ngày thì có", ("processing_time",)),
        ("có mất tiền không", ("fee",)),
        ("cần giấy tờ gì", ("documents",)),
        ("nộp ở đâu", ("where",)),
        ("làm online được không", ("online",)),
        ("có bị phạt không", ("penalty",)),
        ("co lam online duoc khong", ("online",)),
        # "mất" is "costs" here, not "lost": not the lost-card entry, not any fee entry either
        ("mất bao nhiêu tiền", ("fee",)),
        ("mat bao nhieu ngay", ("processing_time",)),
        # Two cues overlapping ("hết bao nhiêu" + "bao nhiêu tiền"): was answered with the card's fee.
        ("hết bao nhiêu tiền", ("fee",)),
        # Were answered with the electronic tax and the place to make the card.
        ("làm qua điện thoại được không", ("online",)),
        ("làm ở chỗ nào vậy", ("where",)),
        # A deadline the citizen must keep is written with the procedure's time ("gia hạn trước 15 ngày").
        ("hạn chót là khi nào", ("processing_time",)),
    ],
)
def test_a_bare_part_is_a_fragment_never_a_guess(index, question, parts):
    result = index.search(question)
    assert result.parts == parts
    assert result.fragment
    assert result.status is Status.UNANSWERED and result.best is None and not result.suggestions


def test_a_part_with_its_subject_is_answered_from_the_procedure(index):
    result = index.search("cấp lại căn cước bị mất mất bao lâu")
    assert result.parts == ("processing_time",) and not result.fragment
    assert result.status is Status.ANSWERED
    assert result.best.entry.id == "thu-tuc-cap-lai-can-cuoc"


@pytest.mark.parametrize(
    "question", ["hồ sơ đăng ký tạm trú gồm những gì", "đăng ký tạm trú cần giấy gì", "ho so dang ky tam tru gom gi"]
)
def test_documents_asked_the_way_forms_word_it(index, question):
    """Forms ask for the documents as "hồ sơ … gồm những gì"; the subject between the words used to hide
    the cue "hồ sơ gồm", and the whole guide was shown instead of the documents first."""
    result = index.search(question)
    assert result.parts == ("documents",) and not result.fragment
    assert result.status is Status.ANSWERED and result.best.entry.id == "thu-tuc-dang-ky-tam-tru"


def test_one_topic_is_one_candidate(index):
    result = index.search("mất căn cước")
    topics = [index.catalogue.topic(c.entry.id) for c in result.ranked]
    assert len(topics) == len(set(topics))
    assert result.status is Status.ANSWERED
    assert {e.id for e in index.catalogue.same_topic("mat-can-cuoc")} == {"thu-tuc-cap-lai-can-cuoc"}


def test_a_procedure_cue_picks_the_topics_procedure(index):
    result = index.search("thủ tục xin bản sao trích lục kết hôn")
    assert result.best.entry.id == "thu-tuc-cap-ban-sao-trich-luc"


def _catalogue(tmp_path, related_a, related_b):
    text = faq_text(("a-a", "Mục A", ["câu hỏi về mục a"]), ("b-b", "Mục B", ["câu hỏi về mục b"]))
    text = text.replace('    source: "Nguồn thử"', '    source: "Nguồn thử"\n    related: RELATED', 2)
    text = text.replace("related: RELATED", f"related: {related_a}", 1).replace(
        "related: RELATED", f"related: {related_b}"
    )
    path = tmp_path / "faq.yaml"
    path.write_text(text)
    return check_catalogue([path])


def test_related_must_name_existing_entries(tmp_path):
    _, _, problems = _catalogue(tmp_path, "[khong-co]", "[]")
    assert any("khong-co" in p.message for p in problems)


def test_related_must_not_cycle(tmp_path):
    _, _, problems = _catalogue(tmp_path, "[b-b]", "[a-a]")
    assert any("vòng" in p.message for p in problems)


def test_related_one_way_makes_one_topic(tmp_path):
    catalogue, _, problems = _catalogue(tmp_path, "[b-b]", "[]")
    assert not problems
    assert catalogue.topic("a-a") == catalogue.topic("b-b")


def test_shipped_lexicon_names_a_real_safety_entry(index):
    lexicon, problems = read_lexicon()
    assert not problems
    assert lexicon.safety_entry in index.catalogue.entries
    assert lexicon.safety_warnings and set(lexicon.safety_warnings) <= set(index.catalogue.entries)
    assert set(lexicon.parts) >= {"documents", "fee", "processing_time", "where", "online", "penalty"}


# Two FAQ entries on one subject, linked on purpose (the other one is offered by its title: test_render).
FAQ_PAIRS = {
    ("to-cong-nghe-so-cong-dong", "nho-to-cong-nghe-so-giup"),
    ("ban-nong-san-thuong-mai-dien-tu", "ban-hang-online"),
}


def test_every_shipped_related_link_pairs_an_faq_with_a_procedure_or_is_a_known_faq_pair(index):
    entries = index.catalogue.entries
    for entry in entries.values():
        for other in entry.related:
            assert entries[other].kind != entry.kind or (entry.id, other) in FAQ_PAIRS, (entry.id, other)
    # One procedure per topic: "Các bước, hồ sơ" and a part asked of an FAQ answer open that procedure.
    for entry in entries.values():
        procedures = [e.id for e in (entry, *index.catalogue.same_topic(entry.id)) if e.is_procedure]
        assert len(procedures) <= 1, procedures


def test_another_apps_entry_is_not_answered_even_where_both_readings_agree(index):
    """Without its own phrasing, "dang ky tai khoan vssid" comes nearest to "đăng ký tài khoản vneid", and
    the second reading agrees on that topic: the lowered score must still not become an answer."""
    entry = index.catalogue.entries["thu-tuc-cai-dat-vssid"]
    assert "dang ky tai khoan vssid" in entry.questions
    without = index.catalogue.without_phrasings(entry.id, ["dang ky tai khoan vssid"])
    result = Index(without, index.lexicon).search("dang ky tai khoan vssid")
    assert result.status is not Status.ANSWERED or result.best.entry.id == entry.id
    assert {"cai-dat-vneid", entry.id} <= {c.entry.id for c in (result.best, *result.suggestions) if c}


@pytest.mark.parametrize("question", ["mở app công an không được", "ung dung cong an bi loi", "cái app của công an"])
def test_the_police_app_is_vneid(normalizer, question):
    """What many citizens call VNeID: it must count as naming that app (a product, a strong word)."""
    assert "vneid" in normalizer.normalize(question).text.split()


def test_a_suspicious_call_is_answered_with_a_scam_warning_not_other_safety_advice(index):
    """Bank staff calling to have an app installed: before, the closest entry of the safety sector answered,
    and without its own phrasing that was the public Wi-Fi entry."""
    entry = index.catalogue.entries["lua-dao-gia-danh-ngan-hang"]
    question = "ngân hàng gọi bảo cài app để nhận hoàn tiền"
    assert question in entry.questions
    without = index.catalogue.without_phrasings(entry.id, [question])
    result = Index(without, index.lexicon).search(question)
    assert result.safety
    assert result.best.entry.id in {index.lexicon.safety_entry, *index.lexicon.safety_warnings}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("cấp phép xd", "thu-tuc-giay-phep-xay-dung"),  # "xd" (xây dựng) was unknown: unanswered
        # Unanswered or choices before "gp", "hktt", "shk", "hgđ" and "bca" were in the lexicon:
        ("gp xây dựng", "thu-tuc-giay-phep-xay-dung"),
        ("xóa hktt", "thu-tuc-xoa-dang-ky-thuong-tru"),
        ("shk giấy", "so-ho-khau-giay"),
        ("bhyt hgđ", "gia-han-bhyt-ho-gia-dinh"),
        ("dvc bca", "cong-dich-vu-cong-bo-cong-an"),
    ],
)
def test_short_keyword_queries_with_field_abbreviations(index, question, expected):
    result = index.search(question)
    assert result.status.value == "answered" and result.best.entry.id == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # A link alone was "chưa có câu trả lời" (its words are a made-up host): how to tell the state's sites.
        ("http://vneid-capnhat.xyz có phải trang thật không", "tim-thong-tin-chinh-thong"),
        ("vào www.csgt-phatnguoi.com nộp phạt được không", "tim-thong-tin-chinh-thong"),
        ("facebook.com/congan có phải của công an không", "tim-thong-tin-chinh-thong"),
        # A text asking to tap a link to re-activate: a scam pattern first, whatever the link.
        ("có tin nhắn bảo bấm vào vneid-kichhoat.com để kích hoạt lại tài khoản", "nhan-biet-lua-dao"),
    ],
)
def test_a_web_address_off_the_official_domains_is_a_safety_question(index, question, expected):
    result = index.search(question)
    assert result.safety and result.status is Status.ANSWERED and result.best.entry.id == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [("dichvucong.gov.vn là gì", "cong-dich-vu-cong-quoc-gia"), ("tạo email abc@gmail.com thế nào", "tao-email")],
)
def test_official_addresses_and_e_mail_addresses_are_not_suspicious_links(index, question, expected):
    result = index.search(question)
    assert not result.safety and result.best.entry.id == expected


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("link dichvucong-gov.vn.top gửi qua tin nhắn", "dichvucong-gov.vn.top"),
        ("bocongan.gov.vn.info", "bocongan.gov.vn.info"),
        ("https://vneid.gov.vn/abc", None),
        ("play.google.com/store/apps", None),
        ("abc@gmail.com", None),
        ("tp.hcm, v.v., 1.500.000 đ, thông tư 73/2024/tt-btc", None),
    ],
)
def test_unofficial_host(text, host):
    assert unofficial_host(text) == host


def test_a_question_naming_exactly_a_phrasings_words_is_answered_though_a_synonym_scores_near(index):
    # Choices before: "nhập hộ khẩu có mất phí không" (nhập hộ khẩu = đăng ký thường trú) scored 0.84 against
    # the title's 0.90, short of the usual margin; the question is the title but for "thủ tục".
    for question in ("đăng ký thường trú", "đk thường trú"):
        result = index.search(question)
        assert result.status is Status.ANSWERED and result.best.entry.id == "thu-tuc-dang-ky-thuong-tru"
    assert index.search("thường trú").status is not Status.ANSWERED  # not every title word: still a choice


def test_bao_tu_names_the_death_registration_even_without_the_phrasing_that_says_it(index):
    # Only one phrasing said "báo tử"; without it (leave-one-out) the question was a choice.
    question = "bố tôi mới mất, báo tử cho ông ở đâu"
    without = index.catalogue.without_phrasings("khai-tu", [question])
    result = Index(without, index.lexicon).search(question)
    assert result.status is Status.ANSWERED and without.topic(result.best.entry.id) == without.topic("khai-tu")
