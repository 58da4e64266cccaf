"""Measuring generalization: the ``also:`` labels, leave-one-out, and the second held-out set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.cli import main
from knowledge import Catalogue, Entry, Index, Sector, load_catalogue
from knowledge.evaluation import Labelled, evaluate, leave_one_out, read_question_set, unknown_labels
from knowledge.normalize import Lexicon
from tests.helpers import faq_text

DATA = Path(__file__).parent / "data"


def _entry(id: str, sector: str, title: str, *questions: str) -> Entry:
    return Entry(id, "faq", title, sector, questions, "Trả lời.", (), "Nguồn thử", date(2026, 11, 1))


def tiny_catalogue() -> Catalogue:
    """Three entries whose words do not overlap, except where a case needs them to.

    a: an accent twin pair repeating the title, and a phrasing sharing no word with anything else.
    b: a phrasing repeating the title, and one word for word the same as c's only phrasing.
    """
    entries = [
        _entry("a", "s1", "mất căn cước", "mất căn cước", "mat can cuoc", "đánh rơi ví"),
        _entry("b", "s2", "đổi bằng lái", "đổi bằng lái", "quên tài khoản"),
        _entry("c", "s2", "tài khoản vneid", "quên tài khoản"),
    ]
    sectors = {s: Sector(s, s) for s in ("s1", "s2")}
    return Catalogue({e.id: e for e in entries}, sectors)


def test_leave_one_out_on_a_tiny_catalogue_gives_the_known_counts():
    loo = leave_one_out(tiny_catalogue(), Lexicon())
    # plain: a's twins and b's first phrasing still find the copy left behind (3 right); "đánh rơi ví" has
    # nothing left to match (missed); b and c each answer the other's identical phrasing (2 wrong).
    assert loo.plain.total_in_scope == 6
    assert (loo.plain.counts["correct"], loo.plain.counts["wrong"], loo.plain.counts["missed"]) == (3, 2, 1)
    # strict: the copies go too, so nothing of a, and nothing of b's "đổi bằng lái", is left to match.
    assert (loo.strict.counts["correct"], loo.strict.counts["wrong"], loo.strict.counts["missed"]) == (0, 2, 4)
    assert loo.plain.by_sector["s1"] == {"correct": 2, "missed": 1}
    assert loo.plain.by_sector["s2"] == {"correct": 1, "wrong": 2}
    # a's twin group: 1 strict + 2 plain; "đánh rơi ví": 1; b's title twin: 1 + 1; b's and c's other: 1 each.
    assert loo.rebuilds == 8


def test_leave_one_out_counts_accepted_alternatives_as_right():
    loo = leave_one_out(tiny_catalogue(), Lexicon(), accept={"b": ["c"], "c": ["b"]})
    assert (loo.plain.counts["correct"], loo.plain.counts["wrong"]) == (5, 0)


def test_leave_one_out_leaves_the_catalogue_untouched():
    catalogue = tiny_catalogue()
    before = dict(catalogue.entries)
    leave_one_out(catalogue, Lexicon())
    assert dict(catalogue.entries) == before


def test_also_labels_are_read_and_count_as_right(write_yaml):
    path = write_yaml(
        "set.yaml",
        """
        questions:
          b:
            - "[không dấu] quen tai khoan"
            - {q: "quên tài khoản", also: [c]}
        out_of_scope:
          - "giá cà phê hôm nay"
        """,
    )
    items = read_question_set(path)
    assert items[0] == Labelled("quen tai khoan", "b", "không dấu")
    assert items[1] == Labelled("quên tài khoản", "b", "", ("c",))
    assert items[2].expected is None and items[2].acceptable == frozenset()
    catalogue = tiny_catalogue()
    without_b = Catalogue({k: v for k, v in catalogue.entries.items() if k != "b"}, catalogue.sectors)
    report = evaluate(Index(without_b, Lexicon()), items[1:2])
    assert report.counts["correct"] == 1  # answered with c, which the label accepts
    assert report.by_sector == {}  # b is not in this catalogue: no sector to count it under
    # With both b and c, the identical phrasings tie: b is among the choices, counted under b's sector.
    assert evaluate(Index(catalogue, Lexicon()), items[:2]).by_sector == {"s2": {"suggested_correct": 2}}


def test_unknown_labels_names_missing_entries_including_also():
    items = [Labelled("q1", "a"), Labelled("q2", "b", also=("gone",)), Labelled("q3", "renamed"), Labelled("x", None)]
    assert unknown_labels(items, ["a", "b"]) == {"gone", "renamed"}


def test_second_holdout_set_is_big_enough_and_every_label_exists():
    items = read_question_set(DATA / "holdout2_questions.yaml")
    assert sum(1 for q in items if q.expected) >= 150
    assert sum(1 for q in items if q.expected is None) >= 30
    catalogue, _ = load_catalogue()
    assert not unknown_labels(items, catalogue.entries), unknown_labels(items, catalogue.entries)


def test_second_holdout_set_spans_every_sector():
    items = read_question_set(DATA / "holdout2_questions.yaml")
    catalogue, _ = load_catalogue()
    assert {catalogue.entries[q.expected].sector for q in items if q.expected} == set(catalogue.sectors)


def test_eval_loo_prints_a_table_by_sector(capsys, tmp_path):
    faq = tmp_path / "faq.yaml"
    faq.write_text(faq_text(("quen-mk", "Quên mật khẩu", ["quên mật khẩu", "quen mat khau", "lấy lại mật khẩu"])))
    assert main(["eval", "--loo", "--faq", str(faq)]) == 0
    out = capsys.readouterr().out
    assert "bỏ-1 (LOO)" in out and "LOO nghiêm" in out and "lần dựng lại chỉ mục" in out
    assert any(line.startswith("test ") for line in out.splitlines())  # the tiny FAQ's sector has a row
