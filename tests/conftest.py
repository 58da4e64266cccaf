from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import Index, build_index
from knowledge.loader import read_lexicon
from knowledge.normalize import Normalizer


@pytest.fixture(scope="session")
def index() -> Index:
    """The shipped catalogue, indexed once for the whole run."""
    return build_index()


@pytest.fixture(scope="session")
def normalizer(index: Index) -> Normalizer:
    return index.normalizer


@pytest.fixture(scope="session")
def lexicon():
    lexicon, problems = read_lexicon()
    assert not problems
    return lexicon


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented YAML file under tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
