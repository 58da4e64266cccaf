"""Load the FAQ, the procedure catalogue and the lexicon, refusing anything broken."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from pathlib import Path

from knowledge import content
from knowledge.models import PART_NAMES, Catalogue, Entry, Sector, topics_of
from knowledge.normalize import Lexicon, Normalizer, words
from knowledge.problems import CatalogueError, Problem
from knowledge.small_talk import KINDS as SMALL_TALK_KINDS
from knowledge.small_talk import WITH as SMALL_TALK_WITH
from knowledge.syllable import has_diacritics
from knowledge.validation import read_file
from knowledge.yamlfile import Node, read_yaml

# The shipped, read-only content (tests copy it; nothing writes here). What is served and edited is the
# staff's KNOWLEDGE_DIR: see knowledge/content.py.
_SHIPPED = content.shipped()
PACKAGE_DIR = content.PACKAGE_DIR
PROJECT_DIR = content.PROJECT_DIR
DEFAULT_FAQ = _SHIPPED.faq
PROCEDURES_DIR = _SHIPPED.root / content.PROCEDURES
DEFAULT_LEXICON = _SHIPPED.lexicon
DEFAULT_SECTORS = _SHIPPED.sectors
CASE_KINDS = ("same", "other")  # of the lexicon's followup_cases (see Lexicon)


def default_sources(faq: Path | None = None) -> list[Path]:
    """The staff FAQ (``faq``, else FAQ_PATH, else KNOWLEDGE_DIR's) followed by every procedure file."""
    return content.current().with_faq(faq).sources()


def read_lexicon(path: Path | None = None) -> tuple[Lexicon, list[Problem]]:
    path = path or content.current().lexicon
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
    products = _string_list(data, "products", name, problems)
    safety = data.get("safety") or {}
    if not isinstance(safety, dict):
        problems.append(
            Problem(name, data.key_lines.get("safety"), "safety phải gồm entry, contact, asks.", "Xem ví dụ ở đầu tệp.")
        )
        safety = {}
    part_cues = _named_lists(
        data, "parts", PART_NAMES, name, problems,
        ("parts phải gồm các phần của thủ tục.", 'Viết "fee:" rồi "  - lệ phí".'),
        'Phần "{key}" không có trong thủ tục.',
    )  # fmt: skip
    small_talk = _named_lists(
        data, "small_talk", (*SMALL_TALK_KINDS, SMALL_TALK_WITH), name, problems,
        ("small_talk phải gồm các loại lời chào.", 'Viết "thanks:" rồi "  - cảm ơn".'),
        'Loại "{key}" không có trong small_talk.',
    )  # fmt: skip
    uncovered = _named_lists(
        data, "uncovered", None, name, problems,
        ("uncovered phải gồm các việc chưa có hướng dẫn.", 'Viết "hộ chiếu:" rồi "  - passport".'),
    )  # fmt: skip
    followup_cases = _named_lists(
        data, "followup_cases", CASE_KINDS, name, problems,
        ("followup_cases phải gồm same và other.", 'Viết "same:" rồi "  - quá hạn".'),
        'Loại "{key}" không có trong followup_cases.',
    )  # fmt: skip
    lexicon = Lexicon(
        abbreviations={str(k): v for k, v in abbreviations.items()},
        synonyms={str(k): tuple(str(x) for x in v) for k, v in synonyms.items()},
        fillers=tuple(str(f) for f in fillers),
        procedure_cues=tuple(str(c) for c in cues),
        products=products,
        parts=part_cues,
        safety_contact=_string_list(safety, "contact", name, problems),
        safety_asks=_string_list(safety, "asks", name, problems),
        safety_entry=str(safety.get("entry") or ""),
        safety_warnings=_string_list(safety, "warnings", name, problems),
        safety_link=str(safety.get("link") or ""),
        followup_words=_string_list(data, "followup_words", name, problems),
        followup_cases=followup_cases,
        safety_line=data.key_lines.get("safety"),
        small_talk=small_talk,
        uncovered=uncovered,
    )
    return lexicon, problems


def _named_lists(
    data: Node,
    section: str,
    known: Sequence[str] | None,
    name: str,
    problems: list[Problem],
    not_a_mapping: tuple[str, str],
    unknown: str = "",
) -> dict[str, tuple[str, ...]]:
    """A section of named lists (``parts:``, ``small_talk:``): each known name with its phrases; a problem,
    with its line, for a section that is no mapping and for each unknown name (``unknown`` gets ``{key}``).
    ``known`` None: any name is the staff's own (``uncovered:``, the services named to citizens)."""
    value = data.get(section) or {}
    if not isinstance(value, dict):
        problems.append(Problem(name, data.key_lines.get(section), *not_a_mapping))
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for key in value:
        if known is not None and str(key) not in known:
            line = value.key_lines.get(key) if isinstance(value, Node) else None
            problems.append(Problem(name, line, unknown.format(key=key), f"Dùng một trong: {', '.join(known)}."))
            continue
        found[str(key)] = _string_list(value, key, name, problems)
    return found


def _string_list(data: dict, key: str, name: str, problems: list[Problem]) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        line = data.key_lines.get(key) if isinstance(data, Node) else None
        problems.append(Problem(name, line, f"{key} phải là danh sách.", 'Mỗi dòng bắt đầu bằng "- ".'))
        return ()
    return tuple(str(v) for v in value)


def _cross_check(entries: list[Entry], sectors: dict[str, Sector], normalizer: Normalizer) -> list[Problem]:
    problems: list[Problem] = []
    seen_ids: dict[str, Entry] = {}
    seen_phrasings: dict[str, list[tuple[Entry, str, str, bool]]] = {}
    for entry in entries:
        file, at = entry.file, entry.line
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
    lexicon_path: Path | None = None,
    today: date | None = None,
    sectors_path: Path | None = None,
    whole: bool = False,
) -> tuple[Catalogue, Lexicon, list[Problem]]:
    """Read everything and return what could be read together with every problem found.

    The sector list is always read first, so that a draft FAQ can be tried on its own. ``whole``: the
    paths are the whole catalogue (``bot validate``), so the entries the lexicon names must be among them.
    Unset paths come from the staff's knowledge directory (KNOWLEDGE_DIR)."""
    today = today or date.today()
    sectors_path = sectors_path or content.current().sectors
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
    by_id = {e.id: e for e in entries}
    problems += _check_related(by_id)
    live = {i: e for i, e in by_id.items() if not e.retired}
    if whole:
        problems += safety_problems(lexicon, live, str(lexicon_path or content.current().lexicon))
    catalogue = Catalogue(
        live,
        sectors,
        tuple(str(p) for p in paths[1:]),
        topics=topics_of(live),
        retired={i: e for i, e in by_id.items() if e.retired},
    )
    return catalogue, lexicon, problems


def _check_related(entries: dict[str, Entry]) -> list[Problem]:
    """``related`` names existing entries, not the entry itself, and links each pair once (no cycles)."""
    problems: list[Problem] = []

    def at(entry: Entry) -> tuple[str, int | None]:
        return entry.file, entry.line

    for entry in entries.values():
        for other in entry.related:
            if other == entry.id:
                problems.append(
                    Problem(*at(entry), "Mục không thể cùng chủ đề với chính nó.", "Xoá mã này khỏi related.", entry.id)
                )
            elif other not in entries:
                problems.append(
                    Problem(
                        *at(entry), f'related: không có mục "{other}".', "Sửa mã cho đúng hoặc xoá dòng này.", entry.id
                    )
                )
    # A directed cycle (A → B → A) means the same link written twice; one direction is enough.
    state: dict[str, int] = {}

    def visit(i: str, path: list[str]) -> None:
        state[i] = 1
        for j in entries[i].related:
            if j not in entries or j == i:
                continue
            if state.get(j) == 1:
                cycle = [*path[path.index(j) :], j] if j in path else [i, j]
                problems.append(
                    Problem(
                        *at(entries[i]),
                        f"Liên kết cùng chủ đề bị vòng: {' → '.join(cycle)}.",
                        "Chỉ ghi related ở một mục của mỗi cặp (thường ở mục hỏi đáp, trỏ tới thủ tục).",
                        i,
                    )
                )
            elif j not in state:
                visit(j, [*path, j])
        state[i] = 2

    for i in entries:
        if i not in state:
            visit(i, [i])
    return problems


def _safety_ids(lexicon: Lexicon) -> list[str]:
    """The scam-warning entries a lexicon names, each once."""
    return [i for i in dict.fromkeys((lexicon.safety_entry, *lexicon.safety_warnings, lexicon.safety_link)) if i]


def safety_problems(
    lexicon: Lexicon, live: Collection[str], file: str, before: tuple[Lexicon, Collection[str]] | None = None
) -> list[Problem]:
    """The scam warnings the lexicon names must be entries in use (``live``): a renamed or retired one would
    silently turn a suspicious call back into the ordinary procedure the caller named. With ``before`` (the
    lexicon and entry ids in use now), only what a change breaks counts: a small test catalogue or a draft
    never held the warnings."""
    named = _safety_ids(lexicon)
    if before is not None:
        old_lexicon, old_live = before
        already = {i for i in _safety_ids(old_lexicon) if i not in old_live}
        named = [i for i in named if i not in already]
    line, problems = lexicon.safety_line, []
    cues = lexicon.safety_contact or lexicon.safety_asks
    if cues and not lexicon.safety_entry and (before is None or before[0].safety_entry):
        hint = 'Viết "  entry: <mã mục>" dưới "safety:".'
        problems.append(Problem(file, line, "safety chưa nêu mục cảnh báo lừa đảo chung (entry).", hint))
    problems += [
        Problem(
            file,
            line,
            f'Mục cảnh báo lừa đảo "{i}" (safety trong từ điển) không còn được dùng.',
            "Giữ mục này (không ngừng dùng, không đổi mã), hoặc sửa safety trong từ điển cho đúng.",
        )
        for i in named
        if i not in live
    ]
    return problems


def load_catalogue(
    paths: Sequence[Path] | None = None,
    lexicon_path: Path | None = None,
    today: date | None = None,
    sectors_path: Path | None = None,
) -> tuple[Catalogue, Lexicon]:
    """The catalogue and lexicon, or CatalogueError listing every problem."""
    catalogue, lexicon, problems = check_catalogue(paths, lexicon_path, today, sectors_path)
    if problems:
        raise CatalogueError(problems)
    if not catalogue.entries:
        raise CatalogueError([Problem(", ".join(catalogue.files), None, "Không có mục nào.", "Thêm ít nhất một mục.")])
    return catalogue, lexicon
