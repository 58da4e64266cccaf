"""The accuracy bar of the knowledge-core issue, on the development question set."""

from pathlib import Path

import pytest

from knowledge.evaluation import evaluate, read_question_set

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def dev_set():
    return read_question_set(DATA / "dev_questions.yaml")


@pytest.fixture(scope="module")
def report(index, dev_set):
    return evaluate(index, dev_set)


def test_dev_set_is_big_enough(dev_set):
    assert sum(1 for q in dev_set if q.expected) >= 300
    assert sum(1 for q in dev_set if q.expected is None) >= 40


def test_dev_set_labels_exist_and_cover_every_entry(index, dev_set):
    labelled = {q.expected for q in dev_set if q.expected}
    assert labelled <= set(index.catalogue.entries), labelled - set(index.catalogue.entries)
    assert set(index.catalogue.entries) <= labelled, set(index.catalogue.entries) - labelled


def test_answered_correct_at_least_95_percent(report):
    assert report.answered_correct >= 0.95, report.summary()


def test_wrong_answers_at_most_2_percent(report):
    assert report.wrong <= 0.02, report.summary()


def test_out_of_scope_rejected_at_least_95_percent(report):
    assert report.out_of_scope_rejected >= 0.95, report.summary()


def test_holdout_set_has_no_unknown_labels(index):
    holdout = read_question_set(DATA / "holdout_questions.yaml")
    assert {q.expected for q in holdout if q.expected} <= set(index.catalogue.entries)
