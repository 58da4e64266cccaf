"""Helpers shared by tests."""

ENTRY = """
  - id: {id}
    title: {title}
    sector: test
    questions:
{questions}
    answer: Câu trả lời cho {title}.
    source: "Nguồn thử"
    reviewed: 2026-11-01
"""


def faq_text(*entries: tuple[str, str, list[str]]) -> str:
    """A small valid FAQ file: (id, title, questions) per entry."""
    body = "".join(ENTRY.format(id=i, title=t, questions="\n".join(f"      - {q}" for q in qs)) for i, t, qs in entries)
    return "sectors:\n  - id: test\n    title: Thử\nentries:" + body
