"""Problems found in catalogue files, worded for staff who edit YAML but are not programmers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str  # what is wrong, in Vietnamese
    hint: str = ""  # how to fix it
    entry: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.entry}]" if self.entry else ""
        fix = f"\n    → Cách sửa: {self.hint}" if self.hint else ""
        return f"{where}:{who} {self.message}{fix}"


class CatalogueError(Exception):
    """The catalogue cannot be used as it is; ``problems`` says exactly why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.problems)
        lines = [f"Có {count} lỗi trong dữ liệu câu hỏi – đáp:"]
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)
