import shutil

import pytest

from bot.faq_editor import EditRefused, add_phrasing
from knowledge import load_catalogue
from knowledge.loader import DEFAULT_FAQ, default_sources


@pytest.fixture
def faq(tmp_path):
    path = tmp_path / "faq.yaml"
    shutil.copy(DEFAULT_FAQ, path)
    return path


def test_adds_a_phrasing_keeps_comments_makes_a_backup(faq):
    before = faq.read_text(encoding="utf-8")
    backup = add_phrasing(faq, "vneid-quen-mat-khau", "em lỡ quên pass vneid rồi", faq=faq)
    after = faq.read_text(encoding="utf-8")
    assert backup.read_text(encoding="utf-8") == before
    assert (
        "# Câu hỏi – đáp của Trợ lý số" in after
        and "# ---------------------------------------------------------------- VNeID" in after
    )
    catalogue, _ = load_catalogue(default_sources(faq))
    assert "em lỡ quên pass vneid rồi" in catalogue.entries["vneid-quen-mat-khau"].questions
    # everything else unchanged: only the added line differs
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == ["      - em lỡ quên pass vneid rồi"]


def test_a_phrasing_that_would_break_the_catalogue_is_refused_and_nothing_changes(faq):
    before = faq.read_text(encoding="utf-8")
    with pytest.raises(EditRefused) as refused:
        add_phrasing(faq, "vneid-la-gi", "Chuyển đổi số là gì", faq=faq)  # belongs to another entry
    assert "trùng" in str(refused.value)
    assert faq.read_text(encoding="utf-8") == before
    assert not list(faq.parent.glob("faq.yaml.bak-*")) and not list(faq.parent.glob(".faq.yaml.*"))


def test_unknown_entry_and_duplicate(faq):
    with pytest.raises(EditRefused):
        add_phrasing(faq, "khong-co", "gì đó", faq=faq)
    with pytest.raises(EditRefused):
        add_phrasing(faq, "vneid-la-gi", "vneid la gi", faq=faq)
