from __future__ import annotations

import os
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


# CI runs the same examples every time (a red build must reproduce); local runs keep exploring.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a module's browser tests (the module skips itself without it)."""
    from tests.test_browser import ARGS, CHROMIUM, playwright

    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()
