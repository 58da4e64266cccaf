import itertools
import unicodedata

import pytest

from knowledge.normalize import MAX_TOKENS, Lexicon, Normalizer, Token, words
from knowledge.stream import normalize_many


def text(normalizer, raw: str) -> str:
    return normalizer.normalize(raw).text


def folded(normalizer, raw: str) -> str:
    return normalizer.normalize(raw).folded


def test_nfd_and_nfc_questions_normalize_alike(normalizer):
    raw = "Làm căn cước cho con ở đâu"
    assert text(normalizer, unicodedata.normalize("NFD", raw)) == text(normalizer, raw)


def test_old_tone_placement_in_a_question(normalizer):
    assert text(normalizer, "thủ tục hoà giải") == text(normalizer, "thủ tục hòa giải")


def test_unaccented_question_has_the_same_folded_key(normalizer):
    assert folded(normalizer, "dang ky tam tru o dau") == folded(normalizer, "đăng ký tạm trú ở đâu")


def test_telex_residue_is_repaired_to_known_syllables(normalizer):
    assert text(normalizer, "chuyeenr ddooir soos") == "chuyển đổi số"


@pytest.mark.parametrize("word", ["online", "zalo", "ios", "status", "facebook", "email", "password"])
def test_loan_words_are_not_telex_repaired(normalizer, word):
    plain = Normalizer(Lexicon(), normalizer.known)  # the catalogue's vocabulary, no abbreviations/synonyms
    assert plain.normalize(f"{word} vneid").text == f"{word} vneid"


def test_loan_words_that_mean_something_map_through_the_lexicon(normalizer):
    assert text(normalizer, "nộp hồ sơ online") == text(normalizer, "nộp hồ sơ trực tuyến")
    assert text(normalizer, "quên password") == "quên mật khẩu"
    assert text(normalizer, "wifi free") == text(normalizer, "wifi miễn phí")
    assert text(normalizer, "trả phí ship") == text(normalizer, "trả phí giao hàng")
    assert text(normalizer, "mở shop") == text(normalizer, "mở cửa hàng")


def test_telex_repair_needs_the_result_to_be_known():
    bare = Normalizer(Lexicon(), known=["số"])
    assert bare.normalize("soos").text == "số"
    assert bare.normalize("ddooir").text == "ddooir"  # "đổi" unknown to this catalogue: left alone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ko biết", "không biết"),
        ("k biết", "không biết"),
        ("kh biết", "không biết"),
        ("dc không", "được không"),
        ("đc không", "được không"),
        ("là j", "là gì"),
        ("làm ntn", "làm như thế nào"),
        ("dvc", "dịch vụ công"),
        ("gplx", "giấy phép lái xe"),
        ("bhxh", "bảo hiểm xã hội"),
        ("bhyt", "bảo hiểm y tế"),
        ("ubnd", "ủy ban nhân dân"),
        ("tthc", "thủ tục hành chính"),
        ("cds", "chuyển đổi số"),
        ("sđt", "số điện thoại"),
        ("mst", "mã số thuế"),
        ("cmnd", "chứng minh nhân dân"),
        ("cccd", "căn cước"),
    ],
)
def test_chat_abbreviations(normalizer, raw, expected):
    assert text(normalizer, raw) == expected


def test_money_k_is_not_khong(normalizer):
    assert text(normalizer, "phí 50k") == "phí 50k"
    assert text(normalizer, "phí 50 k") == "phí 50 k"


@pytest.mark.parametrize(
    "raw", ["cho mình hỏi đăng ký tạm trú ạ", "ad ơi đăng ký tạm trú vậy", "Cho em hỏi đăng ký tạm trú với ạ!!!"]
)
def test_politeness_and_fillers_carry_no_topic(normalizer, raw):
    assert text(normalizer, raw) == text(normalizer, "đăng ký tạm trú")


def test_unaccented_word_is_not_taken_for_an_accented_filler(normalizer):
    # "vậy" is a filler, but "vay" (borrow) typed without accents must stay.
    assert folded(normalizer, "vay tien online") == "vay tien truc tuyen"
    assert folded(normalizer, "thu tuc tach ho") == "thu tuc tach ho"
    assert text(normalizer, "vậy thôi") == "thôi"


def test_zero_width_emoji_repeated_letters_and_punctuation(normalizer):
    raw = "căn\u200b cước 🪪🙏 đổi ở đâuuuu ạaaa???!!!"
    assert text(normalizer, raw) == "căn cước đổi ở đâu"
    assert text(normalizer, "khôngggg đượcccc") == "không được"


def test_known_words_with_doubled_letters_are_kept(normalizer):
    assert text(normalizer, "cccd") == "căn cước"  # not collapsed to "cd"


def test_empty_and_symbol_only_input(normalizer):
    for raw in ["", "   ", "😀😀", "???", "\u200b"]:
        assert normalizer.normalize(raw).tokens == ()


def test_huge_input_is_bounded():
    assert len(words("chữ " * 100_000)) == MAX_TOKENS


def test_lone_surrogates_do_not_raise(normalizer):
    assert normalizer.normalize("căn \ud800 cước").text == "căn cước"


def test_notes_explain_repairs(normalizer):
    notes = normalizer.normalize("ko có cccd").notes
    assert any("ko → không" in n for n in notes)


def test_batch_normalization_matches_one_by_one(normalizer, index):
    texts = [q for e in list(index.catalogue.entries.values())[:40] for q in e.questions]
    texts += ["căn\u200bcước", "dòng\nhai", "phí 50 k ko có cccd", "từ mới chưa gặp xyzzy", ""]
    # Texts are normalized as one stream: nothing may reach across from one text into the next.
    texts += ["", "!!!", "đổi thẻ căn", "cước công dân", "hết 50", "k là gì", "k"]
    batch = normalize_many(normalizer, texts)
    assert [(n.original, n.tokens) for n in batch] == [(t, normalizer.normalize(t).tokens) for t in texts]
    assert not any(n.notes for n in batch)  # repairs are explained for citizens' questions only
    long = ["cccd " * 500, "ko có cccd"]  # more words than are read: the same bound as one by one
    assert [n.tokens for n in normalize_many(normalizer, long)] == [normalizer.normalize(t).tokens for t in long]


def test_batch_normalization_matches_one_by_one_over_the_whole_catalogue(normalizer, index):
    # Every phrasing, and every synonym and filler of the lexicon in a sentence: the batch finds and replaces
    # phrases in numpy, one by one they are found in Python; the two must never differ.
    texts = [p for e in index.catalogue.entries.values() for p in (e.title, *e.questions)]
    lexicon = normalizer.lexicon
    phrases = [v for c, vs in lexicon.synonyms.items() for v in (c, *vs)] + list(lexicon.fillers)
    texts += [f"cho hỏi {p} thế nào" for p in phrases] + [f"{a} {b}" for a, b in itertools.pairwise(phrases)]
    batch = normalize_many(normalizer, texts)
    assert [n.tokens for n in batch] == [normalizer.normalize(t).tokens for t in texts]


def test_one_pass_is_final_even_when_canonical_form_is_an_abbreviation(normalizer):
    once = normalizer.normalize("ÑG").text  # found by hypothesis
    assert normalizer.normalize(once).text == once


def test_a_synonym_written_with_an_abbreviation_finds_what_the_question_becomes():
    # Questions have their abbreviations expanded before synonyms are looked for ("app" → "ứng dụng"):
    # a variant staff wrote as citizens type it must be expanded the same way, or it never matches.
    lexicon = Lexicon(abbreviations={"app": "ứng dụng"}, synonyms={"định danh điện tử": ("app định danh",)})
    normalizer = Normalizer(lexicon, known=["ứng", "dụng", "định", "danh", "điện", "tử"])
    assert normalizer.normalize("tải app định danh").text == "tải định danh điện tử"
    assert normalizer.normalize("tải ứng dụng định danh").text == "tải định danh điện tử"


def test_a_procedure_cue_written_with_an_abbreviation_finds_what_the_question_becomes():
    lexicon = Lexicon(abbreviations={"tthc": "thủ tục hành chính"}, procedure_cues=("tthc", "hồ sơ"))
    normalizer = Normalizer(lexicon, known=["thủ", "tục", "hành", "chính", "hồ", "sơ"])
    for question in ("tthc cấp đổi căn cước", "thủ tục hành chính cấp đổi", "ho so cap doi"):
        assert normalizer.procedure_cues.spans(normalizer.normalize(question).tokens), question


@pytest.mark.parametrize("number", ["0", "7", "50", "2025", "0912345678", "1900561", "000"])
def test_a_number_is_taken_as_itself_exactly_as_the_full_repair_would(normalizer, number):
    # Numbers skip the letter, abbreviation and Telex repairs (a province's catalogue holds thousands of them);
    # what they become must not change.
    assert normalizer._word(number)[0] == normalizer._repaired(number, []) == (Token(number, number, False),)
