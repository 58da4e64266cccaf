"""Load the FAQ, the procedure catalogue and the lexicon, refusing anything broken."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from knowledge.models import Catalogue, Entry, Sector
from knowledge.normalize import Lexicon, Normalizer, words
from knowledge.problems import CatalogueError, Problem
from knowledge.syllable import has_diacritics
from knowledge.validation import read_file
from knowledge.yamlfile import Node, read_yaml

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_FAQ = PROJECT_DIR / "faq.yaml"
PROCEDURES_DIR = PACKAGE_DIR / "procedures"
DEFAULT_LEXICON = PACKAGE_DIR / "lexicon.yaml"
DEFAULT_SECTORS = PACKAGE_DIR / "sectors.yaml"


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
    seen_phrasings: dict[str, list[tuple[Entry, str, str, bool]]] = {}
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
        if entry.retired:  # its sector and phrasings no longer matter: a successor may reuse them
            continue
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
            norm = normalizer.normalize(phrasing)
            if not norm.tokens:
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
            # The same words, or the same words once accents are dropped when one side has none
            # ("bán gì" and "bàn gì" are different questions; "ban gi" is both).
            marked = any(has_diacritics(w) for w in words(phrasing))
            for other, other_phrasing, other_text, other_marked in seen_phrasings.get(norm.folded, []):
                if other.id != entry.id and (other_text == norm.text or not (marked and other_marked)):
                    problems.append(
                        Problem(
                            file,
                            at,
                            f'Cách hỏi "{phrasing}" trùng với "{other_phrasing}" '
                            f'của mục "{other.id}" ({other.origin}).',
                            "Một câu hỏi chỉ được dẫn tới một mục: xoá hoặc viết lại ở một bên.",
                            entry.id,
                        )
                    )
                    break
            seen_phrasings.setdefault(norm.folded, []).append((entry, phrasing, norm.text, marked))
    return problems


def check_catalogue(
    paths: Sequence[Path] | None = None,
    lexicon_path: Path = DEFAULT_LEXICON,
    today: date | None = None,
    sectors_path: Path = DEFAULT_SECTORS,
) -> tuple[Catalogue, Lexicon, list[Problem]]:
    """Read everything and return what could be read together with every problem found.

    The sector list is always read first, so that a draft FAQ can be tried on its own."""
    today = today or date.today()
    paths = [sectors_path, *(list(paths) if paths else default_sources())]
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
    catalogue = Catalogue(
        {e.id: e for e in entries if not e.retired},
        sectors,
        tuple(str(p) for p in paths[1:]),
        {e.id: e for e in entries if e.retired},
    )
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
