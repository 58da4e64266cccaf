"""``retired: true``: an entry kept in its file for the record, never searched, reversible."""

from __future__ import annotations

from knowledge import Index, check_catalogue

FAQ = """
sectors:
  - id: test
    title: Thử
entries:
  - id: cu
    title: Mục cũ
    sector: test
    questions: [giờ làm việc của xã]
    answer: Bản cũ.
    source: x
    reviewed: 2026-01-01
    retired: {retired}
  - id: moi
    title: Mục mới
    sector: test
    questions: [giờ làm việc của xã]
    answer: Bản mới.
    source: x
    reviewed: 2026-01-01
"""


def test_a_retired_entry_is_kept_apart_and_its_phrasings_may_be_reused(write_yaml):
    path = write_yaml("faq.yaml", FAQ.format(retired="true"))
    catalogue, lexicon, problems = check_catalogue([path])
    assert problems == []
    assert "cu" in catalogue.retired and "cu" not in catalogue.entries
    assert Index(catalogue, lexicon).search("giờ làm việc của xã").best.entry.id == "moi"


def test_without_retired_the_same_phrasing_twice_is_still_refused(write_yaml):
    path = write_yaml("faq.yaml", FAQ.format(retired="false"))
    _, _, problems = check_catalogue([path])
    assert any("trùng" in p.message for p in problems)


def test_retired_takes_only_true_or_false(write_yaml):
    path = write_yaml("faq.yaml", FAQ.format(retired="có"))
    _, _, problems = check_catalogue([path])
    assert [p.message for p in problems if p.entry == "cu"] == ['"retired" chỉ nhận true hoặc false.']
