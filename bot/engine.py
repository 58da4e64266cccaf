"""The live knowledge base: the current index, reloaded safely when staff change the files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import CatalogueError, Index, Problem, Thresholds, content, load_catalogue, safety_problems
from knowledge.content import KnowledgeDir

log = logging.getLogger("tro_ly_so.reload")


@dataclass(frozen=True)
class ReloadReport:
    ok: bool
    problems: tuple[Problem, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()

    def summary(self) -> str:
        if not self.ok:
            lines = [f"❌ Không nạp được dữ liệu mới ({len(self.problems)} lỗi); trợ lý vẫn dùng bản đúng gần nhất."]
            lines += [str(p) for p in self.problems[:20]]
            return "\n".join(lines)
        if not (self.added or self.removed or self.edited):
            return "✅ Đã nạp lại: không có mục nào thay đổi."
        parts = []
        for label, ids in (("thêm", self.added), ("xoá", self.removed), ("sửa", self.edited)):
            if ids:
                parts.append(f"{label} {len(ids)}: {', '.join(ids[:10])}{'…' if len(ids) > 10 else ''}")
        return "✅ Đã nạp lại. " + "; ".join(parts)


@dataclass
class Engine:
    index: Index
    faq: Path | None = None  # None: the FAQ of the knowledge directory
    thresholds: Thresholds = field(default_factory=Thresholds)
    knowledge: KnowledgeDir | None = None  # None: KNOWLEDGE_DIR (a checkout: the repository's files)
    read_only: str = ""  # why staff edits cannot be saved ("" when they can); the console says so

    @classmethod
    def load(
        cls, faq: Path | None = None, thresholds: Thresholds | None = None, knowledge: KnowledgeDir | None = None
    ) -> Engine:
        thresholds = thresholds or Thresholds()
        kd = (knowledge or content.current()).with_faq(faq)
        catalogue, lexicon = _load(kd)
        return cls(Index(catalogue, lexicon, thresholds), faq, thresholds, kd)

    @property
    def files(self) -> KnowledgeDir:
        """The knowledge files this engine serves and staff edit."""
        return (self.knowledge or content.current()).with_faq(self.faq)

    def watched(self) -> list[Path]:
        """The FAQ, every procedure file (new ones too), the lexicon, the sector list, other staff files."""
        return self.files.watched()

    def reload(self) -> ReloadReport:
        """Validate first; swap only a catalogue without problems."""
        try:
            catalogue, lexicon = _load(self.files)
        except CatalogueError as exc:
            return ReloadReport(False, exc.problems)
        # A scam warning renamed or retired on disk would silently turn the safety rule off: kept out, as the
        # console keeps it out, so the last good version (whose warnings work) stays in use.
        in_use = (self.index.lexicon, self.index.catalogue.entries)
        broken = safety_problems(lexicon, catalogue.entries, str(self.files.lexicon), in_use)
        if broken:
            return ReloadReport(False, tuple(broken))
        old, new = self.index.catalogue.entries, catalogue.entries
        self.index = Index(catalogue, lexicon, self.thresholds)
        return ReloadReport(
            True,
            added=tuple(sorted(set(new) - set(old))),
            removed=tuple(sorted(set(old) - set(new))),
            edited=tuple(sorted(i for i in set(new) & set(old) if new[i] != old[i])),
        )


def _load(kd: KnowledgeDir):
    return load_catalogue(kd.sources(), lexicon_path=kd.lexicon, sectors_path=kd.sectors)


def _stamp(paths: list[Path]) -> tuple[tuple[str, float, int], ...]:
    out = []
    for path in paths:
        try:
            st = path.stat()
            out.append((str(path), st.st_mtime, st.st_size))
        except OSError:
            out.append((str(path), -1.0, -1))  # removed: also a change worth reporting
    return tuple(out)


async def watch(engine: Engine, notify: Callable[[ReloadReport], Awaitable[None]], interval: float = 2.0) -> None:
    """Reload when any watched file changes (saved, replaced or removed), and tell the administrators."""
    seen = _stamp(engine.watched())
    while True:
        await asyncio.sleep(interval)
        current = _stamp(engine.watched())
        if current == seen:
            continue
        seen = current
        report = await asyncio.to_thread(engine.reload)  # building a large index must not stall replies
        log.info("catalogue changed on disk: %s", report.summary().splitlines()[0])
        try:
            await notify(report)
        except Exception:
            log.exception("could not tell the administrators about the reload")
