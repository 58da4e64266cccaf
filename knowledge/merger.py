"""Old address → new commune after the 1/7/2025 reorganisation, and where the new commune's office is.

Pure domain code: text in, a typed result out. Three layers, cheapest first:

1. :func:`is_candidate` — a set of words and a few substrings of the accent-folded text, plus the district
   names of the home province. Most messages (procedure questions) stop here without loading any data
   (measured: a few microseconds).
2. :func:`parse` — place names found in the text against the 63-province map of the `vietnamadminunits`
   package (see :mod:`knowledge.merger_data`), with abbreviations (H., TP, TX, P., X., TT), with or without
   accents, small typos after a type word, and the province assumed from ``HOME_OLD_PROVINCE`` when missing.
3. :func:`convert` — the old commune's new commune. When the text fits several old communes (a name in
   several districts) or the old commune was divided between new ones, the result is ``Ambiguous`` with
   every candidate: we never pick one for the citizen.

:func:`answer` ties it together for the conversation core and returns ``None`` for anything that is not an
address or commune-office question, so the catalogue search answers it as before.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from knowledge import merger_render
from knowledge.merger_data import MapData, NewUnit, OldUnit, Target, district_gate_keys, map_data
from knowledge.merger_directory import load_directory

DEFAULT_HOME_OLD_PROVINCE = "Kon Tum"
MAX_CHARS = 600  # an address is short; a long message is a story, not an address question

# ------------------------------------------------------------------------------------------ folding


def fold(text: str) -> str:
    """Lower case, no accents, đ → d: "Đắk Cấm" → "dak cam". Letters outside Vietnamese are dropped."""
    text = text.lower().replace("đ", "d")
    if text.isascii():
        return text
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii")


_TOKEN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> tuple[list[str], list[str]]:
    """The words of ``text`` as typed (lower case) and folded, aligned one to one."""
    typed = _WORD.findall(text[:MAX_CHARS].lower())
    return typed, [fold(w) for w in typed]


def _wordset(text: str) -> frozenset[str]:
    """A word list written as one string, the way it reads."""
    return frozenset(text.split())


# ------------------------------------------------------------------------------------------ the gate

# Words without which a message cannot be an address or office question (folded). Checked as a set of
# words and a few substrings: C-speed, so ordinary questions cost microseconds and never load the map.
_GATE_WORDS = frozenset(["xa", "phuong", "tt", "huyen", "tp", "tx", "ubnd", "x", "p", "h", "dak", "dac", "kontum"])
_GATE_PHRASES = (
    "thi tran", "thanh pho", "thi xa", "dac khu", "uy ban", "cong an", "trung tam", "mot cua", "tru so",
    "sap nhap", "sap xep", "dia chi", "kon tum",
)  # fmt: skip


def _trie_pattern(words: list[str]) -> str:
    """One regular expression for many words, shaped as a prefix tree so matching stays fast."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        parts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not parts:
            return ""
        body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        return f"(?:{body})?" if ends else body

    return build(tree) or "(?!)"


# ------------------------------------------------------------------------------------------ intents

_OFFICE = re.compile(
    r"\b(?P<committee>ubnd|uy ban(?: nhan dan)?|tru so)\b|\b(?P<centre>trung tam (?:phuc vu )?hanh chinh(?: cong)?|"
    r"(?:bo phan )?mot cua)\b|\b(?P<police>cong an|ca)\b(?= (?:xa|phuong|thi tran|tt|dac khu|[xp]\b))"
)
_OFFICE_ASK = re.compile(
    r"\b(?:o dau|cho nao|dia chi|duong nao|so dien thoai|sdt|dien thoai|hotline|gio lam viec|may gio|mo cua|"
    r"lam viec|ban do|lien he|nam o|o cho nao|vi tri|cach nao den)\b"
)
# Both anywhere, in either order: hours or a phone number, and a commune.
_COMMUNE_CONTACT = re.compile(
    r"^(?=.*\b(?:gio lam viec|lam viec (?:may gio|gio nao|thu bay|chu nhat)|mo cua|so dien thoai|sdt|hotline)\b)"
    r"(?=.*\b(?:xa|phuong|thi tran|dac khu)\b)"
)
_REVERSE = re.compile(
    r"\b(?:gom|bao gom|sap nhap tu|hop nhat tu|nhap tu|thanh lap tu|(?:xa|phuong|thi tran) cu nao|cu nao|"
    r"nhung (?:xa|phuong|thi tran|don vi) (?:cu )?nao|tu (?:nhung|cac) (?:xa|phuong))\b"
)
_CONVERT = re.compile(
    r"\b(?:gio la|bay gio la|gio thuoc|nay la|nay thuoc|hien nay|bay gio|thanh (?:xa|phuong)|"
    r"thuoc (?:xa|phuong|dac khu)|(?:xa|phuong|dac khu|don vi) (?:moi )?nao|dia chi moi|ten moi|(?:xa|phuong) moi|"
    r"sau sap nhap|sap nhap|sap xep|doi ten|moi la gi|ghi the nao|ghi sao|viet the nao|chuyen (?:ve|thanh)|"
    r"(?:gop|nhap|sap nhap) vao|thuoc ve|ve dau|vao dau|(?:xa|phuong) gi|ten (?:la )?gi)\b"
)
# "địa chỉ mới của tôi", "sau sáp nhập thôn tôi thuộc xã nào": the question without a place in it.
_ASK_OWN = re.compile(
    r"\bdia chi moi (?:cua )?(?:toi|minh|em|nha toi|nha minh|nha em)\b|"
    r"\b(?:thon|xom|lang|nha|to|ban|plei|khu pho|to dan pho) (?:cua )?(?:toi|minh|em)"
    r"(?: (?:gio|bay gio|nay|sau sap nhap))* (?:thuoc|la|ve) (?:xa|phuong) nao\b"
)

# Type words before a name: folded token sequence → kind, and the ward type it implies.
_TYPE_WORDS: dict[tuple[str, ...], tuple[str, str | None]] = {
    ("xa",): ("ward", "Xã"),
    ("x",): ("ward", "Xã"),
    ("phuong",): ("ward", "Phường"),
    ("p",): ("ward", "Phường"),
    ("ph",): ("ward", "Phường"),
    ("thi", "tran"): ("ward", "Thị trấn"),
    ("thitran",): ("ward", "Thị trấn"),
    ("tt",): ("ward", "Thị trấn"),
    ("dac", "khu"): ("ward", "Đặc khu"),
    ("huyen",): ("district", None),
    ("h",): ("district", None),
    ("thanh", "pho"): ("district", None),
    ("thanhpho",): ("district", None),
    ("tp",): ("district", None),
    ("thi", "xa"): ("district", None),
    ("thixa",): ("district", None),
    ("tx",): ("district", None),
    ("quan",): ("district", None),
    ("q",): ("district", None),
    ("tinh",): ("province", None),
    ("t",): ("province", None),
}
# Parts of an address that are not administrative units (street, village) or carry no meaning.
_ADDRESS_WORDS = _wordset(
    "thon to xom lang ban plei so nha duong ap khu pho kp tdp dan hem ngo kiet vn viet nam kt cu moi o tai ho khau "
    "toi em minh cua la dia chi que quan noi thuong tru tam tru nay truoc day va a nhe nha ad oi"
)
_STREET_WORDS = _wordset("thon to xom lang ban plei so nha duong ap khu kp tdp hem ngo kiet")
_MAX_NAME_TOKENS = 4


# ------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    key: str  # the folded name, no spaces
    hint: str | None  # "ward" / "district" / "province" from a type word before it, else None
    ward_type: str | None = None


@dataclass(frozen=True)
class Parsed:
    """What the text names, before deciding anything."""

    provinces: tuple[str, ...]  # old province keys searched, the named ones or the assumed home
    province_assumed: bool
    candidates: tuple[OldUnit, ...]  # old communes the text can mean
    districts: tuple[tuple[str, str], ...]  # (province key, district key) named in the text
    ward_text: str | None  # the name as typed after a ward type word, when nothing matched
    fuzzy: bool = False  # the name matched only approximately (a typo)
    district_typed: bool = False  # the district came with its type word ("huyện Đăk Hà", "TP Kon Tum")
    tokens: tuple[str, ...] = ()  # folded words of the text
    covered: frozenset[int] = frozenset()  # words that are place names or type words


@dataclass(frozen=True)
class Converted:
    old: OldUnit
    new: NewUnit
    province_assumed: bool
    fuzzy: bool


@dataclass(frozen=True)
class Option:
    old: OldUnit | None
    new: NewUnit


@dataclass(frozen=True)
class Ambiguous:
    """Several answers are possible; the citizen chooses. ``reason``: "divided", "names" or "district"."""

    reason: str
    options: tuple[Option, ...]
    province_assumed: bool
    old: OldUnit | None = None  # the divided commune, or None
    district: str | None = None  # the old district, when only a district was named


@dataclass(frozen=True)
class NotFound:
    name: str | None  # what the citizen wrote after "xã"/"phường", for the reply
    province_assumed: bool


Conversion = Converted | Ambiguous | NotFound


@dataclass
class MergerReply:
    """What the conversation core shows: plain text, choices as (label, payload), catalogue entry ids."""

    kind: str  # converted / ambiguous / not_found / ask_address / reverse / office
    text: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    related_entry_ids: list[str] = field(default_factory=list)
    record_text: str = ""  # safe to store: commune-level names only, never the citizen's street or village
    offer_handoff: bool = False
    result: Conversion | None = field(default=None, repr=False)  # the typed result behind the text, if any
    follow_up: str = ""  # "ask_office": the office asked for, so that a name typed next finds it


# ------------------------------------------------------------------------------------------ parsing


# Words that follow a type word without being a name: "xã nào", "phường mới", "huyện cũ", "xã hội".
_NOT_NAMES = _wordset(
    "hoi lam can phai nhan cap giai mo nghi dang ky nao gi moi cu do nay kia toi minh em cua o la thi va "
    "nhung cac thuoc nhap sap co khong ma se da duoc con hay tren duoi ben"
)


def _types(tokens: list[str]) -> tuple[dict[int, tuple[str, str | None]], set[int]]:
    """Where a name starts right after a type word, and which tokens are type words.

    A type word followed by a question word ("xã nào", "phường mới") introduces no name."""
    hints: dict[int, tuple[str, str | None]] = {}
    used: set[int] = set()
    i = 0
    while i < len(tokens):
        for size in (2, 1):
            words = tuple(tokens[i : i + size])
            if len(words) == size and words in _TYPE_WORDS:
                nxt = tokens[i + size] if i + size < len(tokens) else None
                if nxt and nxt not in _NOT_NAMES and (nxt,) not in _TYPE_WORDS and nxt not in ("thi", "thanh"):
                    hints[i + size] = _TYPE_WORDS[words]
                used.update(range(i, i + size))
                i += size
                break
        else:
            i += 1
    return hints, used


def _spans(tokens: list[str], table: dict, hints: dict, kinds: tuple[str | None, ...]) -> list[Span]:
    """Every run of 1–4 tokens whose concatenation is a keyword of ``table``, longest first per start."""
    found: list[Span] = []
    for i in range(len(tokens)):
        hint = hints.get(i)
        if (hint[0] if hint else None) not in kinds:
            continue
        for size in range(min(_MAX_NAME_TOKENS, len(tokens) - i), 0, -1):
            key = "".join(tokens[i : i + size])
            if key in table:
                found.append(Span(i, i + size, key, hint[0] if hint else None, hint[1] if hint else None))
                break
    return found


def _fuzzy_ward(tokens: list[str], start: int, type_tokens: set[int], table: dict) -> tuple[int, list[str]]:
    """Keywords close to the words after a ward type word ("dak cm" → "dakcam"): (words used, keys)."""
    from rapidfuzz import fuzz, process

    best: list[tuple[str, float, int]] = []
    for size in range(1, _MAX_NAME_TOKENS + 1):
        part = tokens[start : start + size]
        if len(part) < size or any(i in type_tokens for i in range(start, start + size)):
            break
        query = "".join(part)
        if len(query) < 4:
            continue
        for key, score, _ in process.extract(query, list(table), scorer=fuzz.ratio, limit=3, score_cutoff=85):
            best.append((key, score, size))
    if not best:
        return min(2, len(tokens) - start), []
    top = max(score for _, score, _ in best)
    size = next(size for _, score, size in best if score == top)
    return size, list(dict.fromkeys(key for key, score, _ in best if score >= top - 3))


def _by_accents(units: list, typed: list[str]) -> list:
    """Names that differ only by accents ("Ba Tơ", "Ba Tô"): when the citizen typed accents, keep theirs."""
    if len(units) < 2 or all(w == fold(w) for w in typed):
        return units
    want = "".join(typed)
    same = [u for u in units if "".join(_WORD.findall(u.ward_short.lower())) == want]
    return same or units


def _home_keys(home: str, data: MapData) -> list[str]:
    """The old province of the setting, then the others merged with it (Kon Tum → Kon Tum, Quảng Ngãi)."""
    keys = data.province_keywords.get("".join(_TOKEN.findall(fold(home)))) or {"tinhkontum"}
    return data.siblings(sorted(keys)[0])


def parse(text: str, home: str = DEFAULT_HOME_OLD_PROVINCE, data: MapData | None = None) -> Parsed:
    """Find the old province, district and commune that ``text`` names."""
    data = data or map_data()
    typed_words, tokens = _words(text)
    hints, type_tokens = _types(tokens)

    named = _spans(tokens, data.province_keywords, hints, (None, "province"))
    provinces = list(dict.fromkeys(pk for s in named for pk in sorted(data.province_keywords[s.key])))
    assumed = not provinces
    if assumed:
        provinces = _home_keys(home, data)
    base_cover = set(type_tokens) | {i for s in named for i in range(s.start, s.end)}

    first_ward_text = None
    for pk in provinces:
        district_spans = [
            (s, data.district_keywords[pk][s.key])
            for s in _spans(tokens, data.district_keywords[pk], hints, (None, "district"))
            if not _is_the_province(s, named)
        ]
        districts = tuple(sorted({(pk, dk) for _, dks in district_spans for dk in dks}))
        district_typed = any(s.hint == "district" for s, _ in district_spans)
        ward_spans = _spans(tokens, data.ward_keywords[pk], hints, (None, "ward"))
        cover = base_cover | {i for s, _ in district_spans for i in range(s.start, s.end)}
        cover |= {i for s in ward_spans for i in range(s.start, s.end)}
        typed = [s for s in ward_spans if s.hint == "ward"]
        if typed:
            ward_spans = typed
        elif assumed and not districts:
            # No type word, no district, no province: only a name of two or more words counts
            # ("dak cam"); a single common word ("hieu", "xop") is too likely to be something else.
            ward_spans = [s for s in ward_spans if s.end - s.start >= 2]
        candidates = [
            (u, s) for s in ward_spans for u in _by_accents(data.ward_keywords[pk][s.key], typed_words[s.start : s.end])
        ]
        fuzzy = False
        if not candidates:
            for p in (p for p, h in hints.items() if h[0] == "ward"):
                size, close = _fuzzy_ward(tokens, p, type_tokens, data.ward_keywords[pk])
                first_ward_text = first_ward_text or " ".join(typed_words[p : p + max(size, 1)])
                if close:
                    fuzzy = True
                    cover |= set(range(p, p + size))
                    span = Span(p, p + size, close[0], "ward", hints[p][1])
                    candidates = [(u, span) for k in close for u in data.ward_keywords[pk][k]]
                    break
        if candidates:
            units = _narrow(candidates, district_spans)
            return Parsed((pk,), assumed and not districts, tuple(units), districts, None, fuzzy,
                          district_typed, tuple(tokens), frozenset(cover))  # fmt: skip
        if districts and not first_ward_text:
            return Parsed((pk,), False, (), districts, None, False, district_typed, tuple(tokens), frozenset(cover))
    return Parsed(
        tuple(provinces), assumed, (), (), first_ward_text, False, False, tuple(tokens), frozenset(base_cover)
    )


def _is_the_province(span: Span, named: list[Span]) -> bool:
    """ "Kon Tum", "Quảng Ngãi" without a type word name a province and a town: read as the province, unless
    another province name follows ("phường Thắng Lợi, Kon Tum, tỉnh Kon Tum")."""
    if span.hint:
        return False
    same = any(p.start == span.start and p.end == span.end for p in named)
    return same and not any(p.start >= span.end for p in named)


def _narrow(candidates: list[tuple[OldUnit, Span]], district_spans: list[tuple[Span, set[str]]]) -> list[OldUnit]:
    """Keep the old communes that agree with a district named elsewhere in the text and with the type word.

    A district spelt with the same words as the commune ("Đăk Hà": district and town) is no evidence."""
    pool = candidates
    in_district = [
        (u, s)
        for u, s in pool
        if any(u.district_key in dks and (d.end <= s.start or d.start >= s.end) for d, dks in district_spans)
    ]
    if in_district:
        pool = in_district
    typed = [(u, s) for u, s in pool if s.ward_type and u.ward_type == s.ward_type]
    if typed:
        pool = typed
    return list(dict.fromkeys(u for u, _ in pool))


# ------------------------------------------------------------------------------------------ conversion


def convert(text: str, home: str = DEFAULT_HOME_OLD_PROVINCE, data: MapData | None = None) -> Conversion:
    """The new commune of the old address in ``text``; ambiguous and not-found cases say so."""
    data = data or map_data()
    parsed = parse(text, home, data)
    return _decide(parsed, data)


def _decide(parsed: Parsed, data: MapData) -> Conversion:
    if len(parsed.candidates) == 1:
        old = parsed.candidates[0]
        targets = data.targets.get(old.key, [])
        if len(targets) == 1:
            return Converted(old, targets[0].unit, parsed.province_assumed, parsed.fuzzy)
        if targets:
            return Ambiguous(
                "divided", tuple(Option(old, t.unit) for t in _order(targets)), parsed.province_assumed, old
            )
        return NotFound(old.ward, parsed.province_assumed)
    if parsed.candidates:
        options = [Option(u, t.unit) for u in parsed.candidates for t in _order(data.targets.get(u.key, []))]
        return Ambiguous("names", tuple(options), parsed.province_assumed)
    if parsed.districts and not parsed.ward_text:
        options = []
        for pk, dk in parsed.districts:
            seen: dict[NewUnit, None] = {}
            for old in data.old_units.values():
                if old.province_key == pk and old.district_key == dk:
                    for t in data.targets.get(old.key, []):
                        seen.setdefault(t.unit)
            options += [Option(None, u) for u in seen]
            district = data.district_names.get((pk, dk))
        if options:
            return Ambiguous("district", tuple(options), parsed.province_assumed, None, district)
    return NotFound(parsed.ward_text, parsed.province_assumed)


def _order(targets: list[Target]) -> list[Target]:
    return sorted(targets, key=lambda t: t.unit.ward)


def sources_of(new: NewUnit, data: MapData | None = None) -> list[OldUnit]:
    """The old communes (whole or in part) that form ``new``: the reverse question."""
    data = data or map_data()
    return [data.old_units[k] for k in data.sources.get((new.province_key, new.ward_key), []) if k in data.old_units]


def find_new_units(text: str, home: str = DEFAULT_HOME_OLD_PROVINCE, data: MapData | None = None) -> list[NewUnit]:
    """New communes named in ``text`` (in the new province of ``home`` unless another province is named)."""
    return _find_new(text, home, data or map_data())[0]


def _find_new(text: str, home: str, data: MapData) -> tuple[list[NewUnit], set[int]]:
    typed_words, tokens = _words(text)
    hints, type_tokens = _types(tokens)
    named = _spans(tokens, data.province_keywords, hints, (None, "province"))
    olds = [pk for s in named for pk in sorted(data.province_keywords[s.key])] or _home_keys(home, data)[:1]
    found: list[NewUnit] = []
    covered = set(type_tokens) | {i for s in named for i in range(s.start, s.end)}
    for new_pk in dict.fromkeys(data.new_province_of.get(pk, pk) for pk in olds):
        table = data.new_ward_keywords[new_pk]
        spans = _spans(tokens, table, hints, (None, "ward"))
        typed = [s for s in spans if s.hint == "ward"] or [s for s in spans if s.end - s.start >= 2]
        for s in typed:
            units = _by_accents(table[s.key], typed_words[s.start : s.end])
            same_type = [u for u in units if s.ward_type and u.ward_type == s.ward_type]
            found += same_type or units
            covered.update(range(s.start, s.end))
    return list(dict.fromkeys(found)), covered


# ------------------------------------------------------------------------------------------ answering

CHOICE_PREFIX = "mg:"  # payloads: mg:c:<old commune key>, mg:r:<new ward key>, mg:o:<new ward key>
MAX_CHOICES = 12


def _address_like(parsed: Parsed) -> bool:
    """A message that is just an address: after the first place name every word is a place, a type word or
    an address word; before it, only a street or village part ("thôn 5", "số 12 Trần Phú")."""
    if not parsed.covered:
        return False
    first = min(parsed.covered)
    for i, tok in enumerate(parsed.tokens):
        if i >= first and i not in parsed.covered and tok not in _ADDRESS_WORDS and not tok.isdigit():
            return False
    prefix = parsed.tokens[:first]
    # "thôn 5, ...", "số 12 Trần Phú, ...", "Quê: ...", "địa chỉ thường trú: ..."
    return all(t in _ADDRESS_WORDS or t.isdigit() for t in prefix) or any(
        t in _STREET_WORDS or t.isdigit() for t in prefix
    )


def _record(kind: str, detail: str) -> str:
    return f"[địa chỉ sau sáp nhập] {kind}: {detail}"


def reply_for(result: Conversion, home: str) -> MergerReply:
    """The reply for a conversion result (also used when a citizen taps a candidate)."""
    if isinstance(result, Converted):
        new = result.new
        return MergerReply(
            "converted",
            merger_render.converted(result),
            [(f"Trụ sở {merger_render.mid(new.ward)}", f"{CHOICE_PREFIX}o:{new.ward_key}"),
             (f"{new.ward} gồm những nơi nào", f"{CHOICE_PREFIX}r:{new.ward_key}")],
            list(merger_render.AFTER_CONVERSION_ENTRIES),
            _record("đã chuyển", f"{result.old.full} → {new.full}"),
            result=result,
        )  # fmt: skip
    if isinstance(result, Ambiguous):
        if result.reason == "names":
            choices = [
                (f"{o.old.ward} ({o.old.district})", f"{CHOICE_PREFIX}c:{o.old.key}") for o in result.options if o.old
            ]
            detail = "; ".join(o.old.full for o in result.options if o.old)
        else:
            choices = [(o.new.ward, f"{CHOICE_PREFIX}r:{o.new.ward_key}") for o in result.options]
            detail = (
                (result.old.full if result.old else result.district or "")
                + " → "
                + "; ".join(o.new.ward for o in result.options)
            )
        choices = [c for c in choices if len(c[1].encode()) <= 64][:MAX_CHOICES]
        return MergerReply(
            "ambiguous",
            merger_render.ambiguous(result),
            choices,
            list(merger_render.AFTER_CONVERSION_ENTRIES),
            _record(f"nhiều khả năng ({result.reason})", detail),
            result=result,
        )
    return MergerReply(
        "not_found",
        merger_render.not_found(result, home),
        [],
        list(merger_render.ASK_ADDRESS_ENTRIES),
        _record("không tìm thấy", "tên xã không có trong dữ liệu"),  # what they typed may be personal
        offer_handoff=True,
        result=result,
    )


def _office_reply(unit: NewUnit, wanted: str, via: OldUnit | None = None) -> MergerReply:
    record = load_directory().by_name(unit.ward)
    empty = record is None or record.empty
    return MergerReply(
        "office",
        merger_render.office(unit, record, wanted, via),
        [(f"{unit.ward} gồm những nơi nào", f"{CHOICE_PREFIX}r:{unit.ward_key}")],
        list(merger_render.OFFICE_ENTRIES),
        _record(f"trụ sở ({wanted})", unit.full + (" — chưa có trong danh bạ" if empty else "")),
        offer_handoff=empty,
    )


def _reverse_reply(unit: NewUnit, data: MapData) -> MergerReply:
    sources = sources_of(unit, data)
    divided = {o.key for o in sources if len(data.targets.get(o.key, [])) > 1}
    return MergerReply(
        "reverse",
        merger_render.reverse(unit, sources, divided),
        [(f"Trụ sở {merger_render.mid(unit.ward)}", f"{CHOICE_PREFIX}o:{unit.ward_key}")],
        [],
        _record("gồm xã cũ", unit.full),
    )


def _new_unit(ward_key: str, home: str, data: MapData) -> NewUnit | None:
    olds = _home_keys(home, data)
    new_pk = data.new_province_of.get(olds[0], "")
    return data.new_units.get((new_pk, ward_key))


def handle_choice(payload: str, home_province: str = DEFAULT_HOME_OLD_PROVINCE) -> MergerReply | None:
    """The reply for a tapped choice from one of our replies; None if the payload is not ours or stale."""
    if not payload.startswith(CHOICE_PREFIX) or payload.count(":") < 2:
        return None
    _, kind, key = payload.split(":", 2)
    data = map_data()
    if kind == "c" and key in data.old_units:
        old = data.old_units[key]
        targets = data.targets.get(old.key, [])
        if len(targets) == 1:
            return reply_for(Converted(old, targets[0].unit, False, False), home_province)
        if targets:
            options = tuple(Option(old, t.unit) for t in _order(targets))
            return reply_for(Ambiguous("divided", options, False, old), home_province)
        return None
    unit = _new_unit(key, home_province, data)
    if unit and kind == "r":
        return _reverse_reply(unit, data)
    if unit and kind == "o":
        return _office_reply(unit, "committee")
    return None


@cache
def _district_gate(home: str) -> re.Pattern[str]:
    # An unknown HOME_OLD_PROVINCE falls back to Kon Tum, as the parser does (``_home_keys``).
    keys = district_gate_keys(home.strip()) or district_gate_keys(DEFAULT_HOME_OLD_PROVINCE)
    return re.compile(_trie_pattern(sorted(keys)))


def is_candidate(text: str, home_province: str = DEFAULT_HOME_OLD_PROVINCE) -> bool:
    """The cheap first test, without the map: False for most messages (no type word, no merger word, no
    district of the home province)."""
    if not text or len(text) > MAX_CHARS:
        return False
    folded = fold(text)
    words = _TOKEN.findall(folded)
    if not _GATE_WORDS.isdisjoint(words) or any(p in folded for p in _GATE_PHRASES):
        return True
    return _district_gate(home_province or DEFAULT_HOME_OLD_PROVINCE).search("".join(words)) is not None


def answer(text: str, home_province: str = DEFAULT_HOME_OLD_PROVINCE) -> MergerReply | None:
    """The reply to an old-address, reverse or commune-office question; None for any other message."""
    if not is_candidate(text, home_province):
        return None
    folded = fold(text)
    home = home_province or DEFAULT_HOME_OLD_PROVINCE
    data = map_data()

    office = _OFFICE.search(folded)
    if office or _COMMUNE_CONTACT.search(folded):
        # "giờ làm việc của xã", "số điện thoại phường Kon Tum": the commune's own office (its committee).
        wanted = (office.lastgroup if office else None) or "committee"
        reply = _answer_office(text, folded, wanted, home, data)
        if reply:
            return reply
        return None

    if _REVERSE.search(folded):
        units = find_new_units(text, home, data)
        if len(units) == 1:
            return _reverse_reply(units[0], data)

    parsed = parse(text, home, data)
    result = _decide(parsed, data)
    cue = _CONVERT.search(folded) is not None
    if isinstance(result, Converted):
        return reply_for(result, home) if cue or _address_like(parsed) else None
    if isinstance(result, Ambiguous):
        if result.reason == "district" and not (parsed.district_typed and (cue or _address_like(parsed))):
            return None  # "Kon Tum bây giờ thuộc tỉnh nào" names a town, but asks about the province
        return reply_for(result, home) if cue or _address_like(parsed) else None
    if (
        result.name
        and not _ADDRESS_WORDS.issuperset(_TOKEN.findall(fold(result.name)))
        and (cue or _address_like(parsed))
    ):
        # "tt thường trú" is "thủ tục thường trú": words such as "thường trú" are no commune's name.
        return reply_for(result, home)
    if _ASK_OWN.search(folded):
        return MergerReply(
            "ask_address",
            merger_render.ask_address(),
            [],
            list(merger_render.ASK_ADDRESS_ENTRIES),
            _record("hỏi địa chỉ mới", "chưa ghi địa chỉ"),
        )
    return None


def _answer_office(text: str, folded: str, wanted: str, home: str, data: MapData) -> MergerReply | None:
    """ "UBND xã X ở đâu", "công an phường Y": the office of a new commune (or of the one an old commune joined)."""
    units, new_covered = _find_new(text, home, data)
    parsed = parse(text, home, data)
    asks = _OFFICE_ASK.search(folded) is not None
    # "công an xã Đăk Cấm có làm căn cước không" is a procedure question that names a place: not ours.
    covered = parsed.covered | new_covered
    bare = all(i in covered or t in _ADDRESS_WORDS or t in _OFFICE_WORDS for i, t in enumerate(parsed.tokens))
    if not (asks or bare):
        return None
    if len(units) == 1:
        return _office_reply(units[0], wanted)
    if len(units) > 1:
        return MergerReply(
            "ambiguous",
            "Có nhiều xã, phường mới trùng tên bạn ghi. Bạn hỏi nơi nào?",
            [(u.ward, f"{CHOICE_PREFIX}o:{u.ward_key}") for u in units][:MAX_CHOICES],
            list(merger_render.OFFICE_ENTRIES),
            _record(f"trụ sở ({wanted})", "; ".join(u.full for u in units)),
        )
    result = _decide(parsed, data)
    if isinstance(result, Converted):
        return _office_reply(result.new, wanted, via=result.old)
    if isinstance(result, Ambiguous) and result.reason != "district":
        return reply_for(result, home)
    if isinstance(result, NotFound) and result.name and bare:
        return reply_for(result, home)
    if wanted != "centre" and asks and isinstance(result, NotFound) and _only_asks_for_an_office(parsed.tokens):
        # "ủy ban xã ở đâu", "giờ làm việc của công an xã": the office of which commune? Without this the
        # catalogue answered on the shared words ("…tại ủy ban xã" of the marriage procedure). The centre
        # ("bộ phận một cửa ở đâu") is left to its catalogue entry, which says every commune has one.
        return MergerReply(
            "ask_office",
            merger_render.ask_office(wanted),
            [],
            list(merger_render.ASK_OFFICE_ENTRIES),
            _record(f"trụ sở ({wanted})", "chưa ghi xã, phường"),
            follow_up=wanted,
        )
    return None


FOLLOW_UP_TOKENS = 6  # "xã Đăk Hà", "phường Kon Tum ạ": the answer to "which commune?" is a name, not a sentence


def office_follow_up(wanted: str, text: str, home_province: str = DEFAULT_HOME_OLD_PROVINCE) -> MergerReply | None:
    """The reply to "xã Đăk Hà" typed after "Bạn hỏi UBND của xã, phường nào?": that commune's office, or
    None when the message is not a short name (it is then a new question)."""
    tokens = _TOKEN.findall(fold(text))
    if not tokens or len(tokens) > FOLLOW_UP_TOKENS or wanted not in merger_render.OFFICE_LABELS:
        return None
    asked = merger_render.OFFICE_LABELS[wanted]  # the office's name as the question asked it
    tries = [f"{asked} {text} ở đâu"]
    if tokens[0] not in ("xa", "phuong", "thi", "tt", "dac", "x", "p"):  # the type words _OFFICE's police accepts
        tries.append(f"{asked} xã {text} ở đâu")  # "công an Sa Thầy" is only an office with a type word
    for query in tries:
        reply = answer(query, home_province)
        if reply is not None and reply.kind != "ask_office":
            return reply
    return None


def _only_asks_for_an_office(tokens: list[str]) -> bool:
    """Every word is an office, place-type, asking or courtesy word: nothing names a procedure or a place."""
    return all(t in _OFFICE_WORDS or t in _ADDRESS_WORDS or t in _OFFICE_ASK_WORDS for t in tokens)


_OFFICE_ASK_WORDS = _wordset(
    "o dau cho nao duong nao so dien thoai sdt hotline gio lam viec may mo cua dong ban do lien he nam vi tri cach "
    "den xa phuong thi tran tt dac khu x p gan nhat nhat hom nay ngay thu bay chu nhat sang chieu khong co ko k "
    "vay a nhi the nao hoi cho xin biet duoc hay 2 3 4 5 6 7 t2 t3 t4 t5 t6 t7 cn"
)
_OFFICE_WORDS = _wordset("ubnd uy ban nhan dan tru so trung tam phuc vu hanh chinh cong an bo phan mot cua ca")


_TYPE_ORDER = {"Phường": 0, "Xã": 1, "Đặc khu": 2}


def province_units(home: str = DEFAULT_HOME_OLD_PROVINCE, data: MapData | None = None) -> tuple[str, list[NewUnit]]:
    """The new province that ``home`` (an old province) belongs to, and all its communes, wards, special zones."""
    data = data or map_data()
    new_pk = data.new_province_of.get(_home_keys(home, data)[0], "")
    units = sorted(data.new_units_of(new_pk), key=lambda u: (_TYPE_ORDER.get(u.ward_type, 3), fold(u.ward_short)))
    return data.new_province_names.get(new_pk, ""), units
