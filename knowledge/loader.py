"""Load the FAQ, the procedure catalogue and the lexicon, refusing anything broken."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from knowledge.models import Catalogue, Entry, Sector
from knowledge.normalize import Lexicon, Normalizer
from knowledge.problems import CatalogueError, Problem
from knowledge.validation import read_file
from knowledge.yamlfile import Node, read_yaml

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_FAQ = PROJECT_DIR / "faq.yaml"
PROCEDURES_DIR = PACKAGE_DIR / "procedures"
DEFAULT_LEXICON = PACKAGE_DIR / "lexicon.yaml"


def default_sources(faq: Path | None = None) -> list[Path]:
    """The staff FAQ followed by every procedure file, in a stable order."""
    return [faq or DEFAULT_FAQ, *sorted(PROCEDURES_DIR.glob("*.yaml"))]


def read_lexicon(path: Path = DEFAULT_LEXICON) -> tuple[Lexicon, list[Problem]]:
    data, problems = read_yaml(path)
    if problems:
        return Lexicon(), problems
    name = str(path)
    if not isinstance(data, Node):
        return Lexicon(), [Problem(name, None, "Từ điển phải có các mục abbreviations, synonyms, fillers.")]
    abbreviations = data.get("abbreviations") or {}
    synonyms = data.get("synonyms") or {}
    fillers = data.get("fillers") or []
    if not isinstance(abbreviations, dict) or not all(isinstance(v, str) for v in abbreviations.values()):
        problems.append(
            Problem(
                name,
                data.key_lines.get("abbreviations"),
                "Mỗi từ viết tắt cần đúng một dạng đầy đủ.",
                'Viết "ko: không".',
            )
        )
        abbreviations = {}
    if not isinstance(synonyms, dict):
        problems.append(
            Problem(
                name,
                data.key_lines.get("synonyms"),
                "synonyms phải gồm các dạng chuẩn.",
                'Viết "căn cước:" rồi "  - cccd".',
            )
        )
        synonyms = {}
    for key, variants in list(synonyms.items()):
        if not isinstance(variants, list) or not variants or not all(isinstance(v, str) for v in variants):
            problems.append(
                Problem(
                    name,
                    synonyms.key_lines.get(key) if isinstance(synonyms, Node) else None,
                    f'Từ đồng nghĩa "{key}" chưa có danh sách cách nói khác.',
                    f'Dưới "{key}:" viết mỗi cách nói một dòng, bắt đầu bằng "  - ", hoặc xoá dòng này.',
                )
            )
            del synonyms[key]
    cues = data.get("procedure_cues") or []
    if not isinstance(cues, list):
        problems.append(
            Problem(name, data.key_lines.get("procedure_cues"), "procedure_cues phải là danh sách.", 'Mỗi dòng "- ".')
        )
        cues = []
    if not isinstance(fillers, list):
        problems.append(
            Problem(name, data.key_lines.get("fillers"), "fillers phải là danh sách.", 'Mỗi dòng bắt đầu bằng "- ".')
        )
        fillers = []
    lexicon = Lexicon(
        abbreviations={str(k): v for k, v in abbreviations.items()},
        synonyms={str(k): tuple(str(x) for x in v) for k, v in synonyms.items()},
        fillers=tuple(str(f) for f in fillers),
        procedure_cues=tuple(str(c) for c in cues),
    )
    return lexicon, problems


def _cross_check(entries: list[Entry], sectors: dict[str, Sector], normalizer: Normalizer) -> list[Problem]:
    problems: list[Problem] = []
    seen_ids: dict[str, Entry] = {}
    seen_phrasings: dict[str, tuple[Entry, str]] = {}
    for entry in entries:
        file, _, line = entry.origin.rpartition(":")
        at = int(line) if line.isdigit() else None
        if entry.id in seen_ids:
            problems.append(
                Problem(
                    file,
                    at,
                    f'Mã mục "{entry.id}" bị trùng với mục ở {seen_ids[entry.id].origin}.',
                    "Đổi mã của một trong hai mục.",
                    entry.id,
                )
            )
        seen_ids.setdefault(entry.id, entry)
        if sectors and entry.sector not in sectors:
            problems.append(
                Problem(
                    file,
                    at,
                    f'Lĩnh vực "{entry.sector}" chưa được khai báo.',
                    f"Dùng một trong: {', '.join(sectors)}.",
                    entry.id,
                )
            )
        for phrasing in (*entry.questions, entry.title):
            key = normalizer.normalize(phrasing).folded
            if not key:
                if phrasing != entry.title:
                    problems.append(
                        Problem(
                            file,
                            at,
                            f'Cách hỏi "{phrasing}" chỉ gồm từ đệm, không có nội dung.',
                            "Viết rõ chủ đề.",
                            entry.id,
                        )
                    )
                continue
            other = seen_phrasings.get(key)
            if other and other[0].id != entry.id:
                problems.append(
                    Problem(
                        file,
                        at,
                        f'Cách hỏi "{phrasing}" trùng với "{other[1]}" của mục "{other[0].id}" ({other[0].origin}).',
                        "Một câu hỏi chỉ được dẫn tới một mục: xoá hoặc viết lại ở một bên.",
                        entry.id,
                    )
                )
            elif not other:
                seen_phrasings[key] = (entry, phrasing)
    return problems


def check_catalogue(
    paths: Sequence[Path] | None = None, lexicon_path: Path = DEFAULT_LEXICON, today: date | None = None
) -> tuple[Catalogue, Lexicon, list[Problem]]:
    """Read everything and return what could be read together with every problem found."""
    today = today or date.today()
    paths = list(paths) if paths else default_sources()
    lexicon, problems = read_lexicon(lexicon_path)
    entries: list[Entry] = []
    sectors: dict[str, Sector] = {}
    for path in paths:
        data, file_problems = read_yaml(path)
        problems += file_problems
        if data is None and file_problems:
            continue
        file_entries, file_sectors, more = read_file(str(path), data, today)
        problems += more
        entries += file_entries
        for sector in file_sectors:
            sectors.setdefault(sector.id, sector)
    problems += _cross_check(entries, sectors, Normalizer(lexicon))
    catalogue = Catalogue({e.id: e for e in entries}, sectors, tuple(str(p) for p in paths))
    return catalogue, lexicon, problems


def load_catalogue(
    paths: Sequence[Path] | None = None, lexicon_path: Path = DEFAULT_LEXICON, today: date | None = None
) -> tuple[Catalogue, Lexicon]:
    """The catalogue and lexicon, or CatalogueError listing every problem."""
    catalogue, lexicon, problems = check_catalogue(paths, lexicon_path, today)
    if problems:
        raise CatalogueError(problems)
    if not catalogue.entries:
        raise CatalogueError([Problem(", ".join(catalogue.files), None, "Không có mục nào.", "Thêm ít nhất một mục.")])
    return catalogue, lexicon
