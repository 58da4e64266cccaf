import unicodedata

import pytest

from knowledge.syllable import canonical, fold, has_diacritics, place_tone, split_tone
from knowledge.telex import decode


@pytest.mark.parametrize(
    ("old", "new"),
    [("hoà", "hòa"), ("thuỷ", "thủy"), ("qúa", "quá"), ("khoẻ", "khỏe"), ("toà", "tòa"), ("Hoà", "hòa")],
)
def test_old_and_new_tone_placement_become_one_form(old, new):
    assert canonical(old) == canonical(new)


def test_nfd_input_is_the_same_word_as_nfc():
    nfd = unicodedata.normalize("NFD", "chuyển đổi")
    assert [canonical(w) for w in nfd.split()] == [canonical("chuyển"), canonical("đổi")]


@pytest.mark.parametrize(
    ("word", "key"),
    [("đăng", "dang"), ("Được", "duoc"), ("lý", "li"), ("lí", "li"), ("kỹ", "ki"), ("quý", "qui"), ("tay", "tay")],
)
def test_fold_removes_marks_maps_d_and_unifies_i_y(word, key):
    assert fold(word) == key


def test_i_y_unification_keeps_diphthongs_apart():
    assert fold("tay") != fold("tai")  # "ay" and "ai" are different words
    assert fold("huy") == "huy"  # u+y is a diphthong, not a lone y


@pytest.mark.parametrize(
    ("base", "tone", "expected"),
    [("hoa", "f", "hòa"), ("hoan", "f", "hoàn"), ("nguyên", "x", "nguyễn"), ("gia", "f", "già"), ("qua", "s", "quá")],
)
def test_tone_goes_on_the_right_vowel(base, tone, expected):
    assert place_tone(base, tone) == expected


def test_split_tone_round_trips():
    for word in ["chuyển", "đổi", "số", "người", "cước", "khuỷu"]:
        base, tone = split_tone(word)
        assert place_tone(base, tone) == word


def test_has_diacritics():
    assert has_diacritics("căn") and has_diacritics("đi") and not has_diacritics("can")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("chuyeenr", "chuyển"),
        ("ddooir", "đổi"),
        ("soos", "số"),
        ("cuwowcs", "cước"),
        ("nguowif", "người"),
        ("lafm", "làm"),
        ("chuye6n3", "chuyển"),
        ("d9o6i3", "đổi"),
        ("a1", "á"),
    ],
)
def test_telex_and_vni_decoding(typed, meant):
    assert decode(typed) == meant


def test_decoder_returns_none_when_there_is_nothing_to_decode():
    assert decode("online") is None and decode("zalo") is None and decode("căn") is None
