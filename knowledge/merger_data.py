"""The 2025 administrative map, read from the `vietnamadminunits` package (MIT, pinned in pyproject.toml).

Why we read its data files instead of calling ``convert_address()``:
- importing the package pulls in shapely, geopy and numpy (~0.6 s), and ``convert_address()`` geocodes
  through ArcGIS over the network when an address has a street and its old commune was divided;
- for a divided commune it silently picks a "default" new commune, and we must list the candidates instead.
So we read the two files the package itself reads — ``data/dataset.db`` (tables ``admin_units_legacy``, 63
provinces, and ``admin_units``, 34 provinces, documented in its README under "database") and
``data/converter_2025.json`` (old commune key → new commune key, the package's ``DICT_PROVINCE_WARD_*``) —
found with ``importlib.util.find_spec`` so the heavy package ``__init__`` never runs. Nothing is copied
into this repository; the version is pinned exactly because the file layout is the package's own.
Source of the data (package README): danhmuchanhchinh.gso.gov.vn, sapnhap.bando.com.vn.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "vietnamadminunits"

# Type words the package puts in front of names, as folded keys (to find the untyped keywords).
_TYPE_KEYS = ("thitran", "phuong", "xa", "dackhu", "huyen", "thanhpho", "thixa", "quan", "tinh")


@dataclass(frozen=True)
class OldUnit:
    """A commune of the 63-province map, as it was until 30/6/2025."""

    province_key: str
    district_key: str
    ward_key: str
    province: str  # "Tỉnh Kon Tum"
    district: str  # "Thành phố Kon Tum"
    ward: str  # "Xã Đăk Cấm"
    ward_short: str  # "Đăk Cấm"
    ward_type: str  # "Xã"
    district_short: str
    district_type: str

    @property
    def key(self) -> str:
        return f"{self.province_key}_{self.district_key}_{self.ward_key}"

    @property
    def full(self) -> str:
        return f"{self.ward}, {self.district}, {self.province}"


@dataclass(frozen=True)
class NewUnit:
    """A commune, ward or special zone of the 34-province map, from 1/7/2025."""

    province_key: str
    ward_key: str
    province: str  # "Tỉnh Quảng Ngãi"
    ward: str  # "Phường Đăk Cấm"
    ward_short: str
    ward_type: str

    @property
    def full(self) -> str:
        return f"{self.ward}, {self.province}"


@dataclass(frozen=True)
class Target:
    """Where (part of) an old commune went."""

    unit: NewUnit
    default: bool  # the package's own pick for a divided commune; shown, never used to decide


def package_dir() -> Path:
    """The installed package's folder, located without importing it (its ``__init__`` is heavy)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"Thiếu gói {PACKAGE}: chạy pip install -e . (xem pyproject.toml).")
    return Path(next(iter(spec.submodule_search_locations)))


def package_version() -> str:
    from importlib.metadata import version

    return version(PACKAGE)


def _untyped(keywords: list[str], type_name: str) -> list[str]:
    """Keywords without their type prefix: "xadakcam" is covered by "dakcam" plus the word "xã"."""
    folded_type = _fold_key(type_name.lower()).replace(" ", "")
    out = []
    for kw in keywords:
        rest = kw[len(folded_type) :] if folded_type and kw.startswith(folded_type) else None
        if rest and rest in keywords:
            continue
        out.append(kw)
    return out


@cache
def _fold_key(key: str) -> str:
    from unicodedata import normalize

    return "".join(c for c in normalize("NFD", key.replace("đ", "d")) if c.isascii())


class _Lazy(dict):
    """A dict whose missing keys are built on first access (one province's index)."""

    def __init__(self, build) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self._build = build

    def __missing__(self, key: str):  # type: ignore[no-untyped-def]
        value = self[key] = self._build(key)
        return value


def _with_folded(table: dict[str, list]) -> dict[str, list]:
    """The package keeps accented keywords for names that differ only by accents ("batơ", "batô");
    file each under its folded form too, so "ba to" finds both and the citizen's accents choose."""
    for kw in [k for k in table if not k.isascii()]:
        folded = _fold_key(kw)
        table[folded] = list(dict.fromkeys([*table.get(folded, []), *table[kw]]))
    return table


class MapData:
    """Indexes over the package's data; build once with :func:`map_data`."""

    def __init__(self, folder: Path) -> None:
        db = sqlite3.connect(f"file:{folder / 'data' / 'dataset.db'}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        try:
            legacy = db.execute(
                "SELECT provinceKey, districtKey, wardKey, province, district, ward, wardShort, wardType,"
                " districtShort, districtType, provinceShort, provinceKeywords, districtKeywords, wardKeywords"
                " FROM admin_units_legacy"
            ).fetchall()
            new = db.execute(
                "SELECT provinceKey, wardKey, province, ward, wardShort, wardType, provinceShort,"
                " provinceKeywords, wardKeywords FROM admin_units"
            ).fetchall()
        finally:
            db.close()
        converter = json.loads((folder / "data" / "converter_2025.json").read_text(encoding="utf-8"))

        # Old map. Keyword indexes of communes and districts are built per province on first use
        # (json of ~10,000 keyword lists is most of the cost; an address names one or two provinces).
        self.province_names: dict[str, str] = {}
        self.province_short: dict[str, str] = {}
        self.province_keywords: dict[str, set[str]] = defaultdict(set)  # keyword → old province keys
        self.district_names: dict[tuple[str, str], str] = {}
        self.old_units: dict[str, OldUnit] = {}
        self._legacy_rows: dict[str, list[sqlite3.Row]] = defaultdict(list)
        for r in legacy:
            pk, dk = r["provinceKey"], r["districtKey"]
            if pk not in self.province_names:
                self.province_names[pk] = r["province"]
                self.province_short[pk] = r["provinceShort"]
                for kw in json.loads(r["provinceKeywords"] or "[]"):
                    if len(kw) >= 4:  # "hn", "qn": too short to trust inside a sentence
                        self.province_keywords[kw].add(pk)
            self.district_names[(pk, dk)] = r["district"]
            self._legacy_rows[pk].append(r)
            if r["wardKey"]:
                unit = OldUnit(
                    pk, dk, r["wardKey"], r["province"], r["district"], r["ward"], r["wardShort"], r["wardType"],
                    r["districtShort"], r["districtType"],
                )  # fmt: skip
                self.old_units[unit.key] = unit
        self.district_keywords: dict[str, dict[str, set[str]]] = _Lazy(self._district_index)
        self.ward_keywords: dict[str, dict[str, list[OldUnit]]] = _Lazy(self._ward_index)

        # New map.
        self.new_units: dict[tuple[str, str], NewUnit] = {}
        self.new_province_names: dict[str, str] = {}
        self._new_rows: dict[str, list[sqlite3.Row]] = defaultdict(list)
        for r in new:
            unit = NewUnit(r["provinceKey"], r["wardKey"], r["province"], r["ward"], r["wardShort"], r["wardType"])
            self.new_units[(unit.province_key, unit.ward_key)] = unit
            self.new_province_names[unit.province_key] = unit.province
            self._new_rows[unit.province_key].append(r)
        self.new_ward_keywords: dict[str, dict[str, list[NewUnit]]] = _Lazy(self._new_ward_index)

        # Old province → new province, and old commune → new commune(s).
        self.new_province_of: dict[str, str] = {}
        for new_pk, old_pks in converter["DICT_PROVINCE"].items():
            for old_pk in old_pks:
                self.new_province_of[old_pk] = new_pk
        self.targets: dict[str, list[Target]] = defaultdict(list)
        for new_pk, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
            for new_wk, old_keys in wards.items():
                unit = self.new_units.get((new_pk, new_wk))
                if unit:
                    for old_key in old_keys:
                        self.targets[old_key].append(Target(unit, True))
        for new_pk, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
            for old_key, parts in divided.items():
                for part in parts:
                    unit = self.new_units.get((new_pk, part["newWardKey"]))
                    if unit and all(t.unit != unit for t in self.targets[old_key]):
                        self.targets[old_key].append(Target(unit, bool(part["isDefaultNewWard"])))
        self.sources: dict[tuple[str, str], list[str]] = defaultdict(list)  # new unit → old keys
        for old_key, targets in self.targets.items():
            for t in targets:
                self.sources[(t.unit.province_key, t.unit.ward_key)].append(old_key)

    def _district_index(self, pk: str) -> dict[str, set[str]]:
        table: dict[str, set[str]] = defaultdict(set)
        seen = set()
        for r in self._legacy_rows.get(pk, []):
            if r["districtKey"] in seen:
                continue
            seen.add(r["districtKey"])
            for kw in _untyped(json.loads(r["districtKeywords"] or "[]"), r["districtType"] or ""):
                table[kw].add(r["districtKey"])
        for kw in [k for k in table if not k.isascii()]:
            table[_fold_key(kw)] |= table[kw]
        return table

    def _ward_index(self, pk: str) -> dict[str, list[OldUnit]]:
        table: dict[str, list[OldUnit]] = defaultdict(list)
        for r in self._legacy_rows.get(pk, []):
            if r["wardKey"]:
                unit = self.old_units[f"{pk}_{r['districtKey']}_{r['wardKey']}"]
                for kw in _untyped(json.loads(r["wardKeywords"] or "[]"), r["wardType"] or ""):
                    table[kw].append(unit)
        return _with_folded(table)

    def _new_ward_index(self, pk: str) -> dict[str, list[NewUnit]]:
        table: dict[str, list[NewUnit]] = defaultdict(list)
        for r in self._new_rows.get(pk, []):
            unit = self.new_units[(pk, r["wardKey"])]
            for kw in _untyped(json.loads(r["wardKeywords"] or "[]"), r["wardType"] or ""):
                table[kw].append(unit)
        return _with_folded(table)

    def siblings(self, old_province_key: str) -> list[str]:
        """Old provinces merged into the same new province (Kon Tum → [Kon Tum, Quảng Ngãi])."""
        new_pk = self.new_province_of.get(old_province_key)
        others = sorted(pk for pk, npk in self.new_province_of.items() if npk == new_pk and pk != old_province_key)
        return [old_province_key, *others]

    def new_units_of(self, new_province_key: str) -> list[NewUnit]:
        return [u for (pk, _), u in self.new_units.items() if pk == new_province_key]


@cache
def map_data() -> MapData:
    """Loaded on first use (~0.1 s), then kept: the recogniser's cheap gate runs without it."""
    return MapData(package_dir())


@cache
def district_gate_keys(home_province: str) -> frozenset[str]:
    """Folded district names (no spaces) of the home old province and the provinces merged with it, read
    with one small query (milliseconds, without building :class:`MapData`): the recogniser's cheap gate
    accepts "Pờ Y Ngọc Hồi", an address with no type word, because it names a district."""
    folder = package_dir()
    converter = json.loads((folder / "data" / "converter_2025.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(f"file:{folder / 'data' / 'dataset.db'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT DISTINCT provinceKey, provinceKeywords FROM admin_units_legacy").fetchall()
        want = "".join(ch for ch in _fold_key(home_province.lower()) if ch.isalnum())
        home = next((pk for pk, raw in rows if want in json.loads(raw or "[]")), None)
        olds = next((v for v in converter["DICT_PROVINCE"].values() if home in v), [home] if home else [])
        marks = ",".join("?" * len(olds))
        keywords = db.execute(
            f"SELECT DISTINCT districtKeywords FROM admin_units_legacy WHERE provinceKey IN ({marks})", olds
        ).fetchall()
    finally:
        db.close()
    return frozenset(_fold_key(kw) for (raw,) in keywords for kw in json.loads(raw or "[]") if len(kw) >= 5)
