"""Where the knowledge lives: the staff's directory (KNOWLEDGE_DIR) and the shipped, read-only defaults.

Everything staff may change sits in one directory, separate from the code:

    KNOWLEDGE_DIR/
      faq.yaml            questions and answers (FAQ_PATH may point the FAQ alone somewhere else)
      procedures/*.yaml   procedures, one file per sector
      sectors.yaml        the list of sectors
      lexicon.yaml        abbreviations, synonyms, fillers, procedure cues

The package carries the same files as the shipped default (``shipped()``); it is never written to. In a
development checkout, with KNOWLEDGE_DIR unset, the staff directory *is* the repository's own files
(faq.yaml at the root, the rest under knowledge/), so ``make run`` edits what git tracks.

A new staff-owned file is one more name in ``STAFF_FILES``; read it with ``knowledge_path("name.yaml")``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

FAQ = "faq.yaml"
SECTORS = "sectors.yaml"
LEXICON = "lexicon.yaml"
PROCEDURES = "procedures"
# Every staff-owned file besides procedures/*.yaml: copied on first start, watched, offered on upgrades.
COMMUNES = "communes.yaml"  # the new communes' offices (knowledge/merger_directory.py)
STAFF_FILES: tuple[str, ...] = (FAQ, SECTORS, LEXICON, COMMUNES)
MANIFEST = ".shipped.json"  # fingerprints of the shipped items staff have seen (seeded, taken in or left)

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
INSTALLED_DEFAULT = Path("data/knowledge")  # KNOWLEDGE_DIR unset outside a checkout: beside data/ records


@dataclass(frozen=True)
class KnowledgeDir:
    """A set of knowledge files: ``path(name)`` gives the file for a name such as "faq.yaml"."""

    root: Path
    faq_file: Path | None = None  # FAQ_PATH: the FAQ alone, elsewhere
    moved: Mapping[str, Path] = field(default_factory=dict)  # a checkout keeps faq.yaml at the repository root

    def path(self, name: str) -> Path:
        if name == FAQ and self.faq_file is not None:
            return self.faq_file
        return self.moved.get(name) or self.root / name

    @property
    def faq(self) -> Path:
        return self.path(FAQ)

    @property
    def lexicon(self) -> Path:
        return self.path(LEXICON)

    @property
    def sectors(self) -> Path:
        return self.path(SECTORS)

    def procedures(self) -> list[Path]:
        """Procedure files in a stable order; dot-files (an editor's or our own temporary copy) are not content."""
        return sorted(p for p in (self.root / PROCEDURES).glob("*.yaml") if not p.name.startswith("."))

    def sources(self) -> list[Path]:
        """The catalogue files: the FAQ followed by every procedure file."""
        return [self.faq, *self.procedures()]

    def watched(self) -> list[Path]:
        """Every file whose change should reload the assistant (new procedure files too)."""
        others = [self.path(name) for name in STAFF_FILES if name != FAQ]
        return [*self.sources(), *others]

    def names(self) -> list[str]:
        """The staff-file names present here, e.g. "faq.yaml", "procedures/cu-tru.yaml"."""
        present = [name for name in STAFF_FILES if self.path(name).is_file()]
        return present + [f"{PROCEDURES}/{p.name}" for p in self.procedures()]

    def with_faq(self, faq: Path | None) -> KnowledgeDir:
        return replace(self, faq_file=faq) if faq is not None else self

    def is_seeded(self) -> bool:
        return any(self.path(name).is_file() for name in STAFF_FILES if name != FAQ) or bool(self.procedures())

    def same_files_as(self, other: KnowledgeDir) -> bool:
        return all(self.path(n).resolve() == other.path(n).resolve() for n in (*STAFF_FILES, PROCEDURES))


def shipped() -> KnowledgeDir:
    """The read-only content inside the package. An installed wheel carries faq.yaml in the package
    (setup.py copies it there); a checkout keeps it at the repository root."""
    if (PACKAGE_DIR / FAQ).is_file():
        return KnowledgeDir(PACKAGE_DIR)
    return KnowledgeDir(PACKAGE_DIR, moved={FAQ: PROJECT_DIR / FAQ})


def is_checkout() -> bool:
    return (PROJECT_DIR / "pyproject.toml").is_file() and (PROJECT_DIR / FAQ).is_file()


def from_env(env: Mapping[str, str] = os.environ) -> KnowledgeDir:
    """KNOWLEDGE_DIR (a checkout without it: the repository's files; an install: data/knowledge), FAQ_PATH."""
    raw = env.get("KNOWLEDGE_DIR", "").strip()
    unset = shipped() if is_checkout() else KnowledgeDir(INSTALLED_DEFAULT)
    base = KnowledgeDir(Path(raw)) if raw else unset
    faq = env.get("FAQ_PATH", "").strip()
    return base.with_faq(Path(faq) if faq else None)


def current(env: Mapping[str, str] = os.environ) -> KnowledgeDir:
    """What readers use: the staff directory, or, until the first start has filled it, the shipped content
    (the same files the first start copies there)."""
    kd = from_env(env)
    if kd.is_seeded():
        return kd
    return shipped().with_faq(kd.faq_file)


def knowledge_path(name: str, env: Mapping[str, str] = os.environ) -> Path:
    """The staff's copy of one knowledge file, e.g. ``knowledge_path("lexicon.yaml")``."""
    return current(env).path(name)


# -- first start, permissions -----------------------------------------------------------------


def seed(staff: KnowledgeDir, source: KnowledgeDir | None = None) -> list[str]:
    """Copy the shipped files the staff directory lacks. All of them on first start; later only a
    staff file that is new in this version (never one staff removed, never over an existing file).
    Returns the names copied. Raises OSError when the directory cannot be written."""
    source = source or shipped()
    if staff.same_files_as(source):
        return []
    first = not staff.is_seeded()
    seen = read_manifest(staff)
    copied: list[str] = []
    for name in source.names():
        target = staff.path(name)
        if target.exists():
            continue
        known = any(key == name or key.startswith(name + "#") for key in seen)
        if not first and (known or name.startswith(PROCEDURES + "/")):
            continue  # staff removed it, or new shipped entries are offered one by one (upgrades)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.path(name), target)
        copied.append(name)
    if first:
        write_manifest(staff, fingerprints(source))
    elif copied:
        prints = fingerprints(source)
        write_manifest(staff, {**seen, **{k: v for k, v in prints.items() if k.partition("#")[0] in copied}})
    return copied


def not_writable(staff: KnowledgeDir) -> str | None:
    """Why staff edits cannot be saved (creating a file where the writers create theirs), or None."""
    folders = {staff.root, staff.root / PROCEDURES, staff.faq.parent}
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
                pass
        except OSError as exc:
            return f"{folder}: {exc.strerror or exc}"
    if not staff.root.is_dir():
        return f"{staff.root}: thư mục không tồn tại"
    return None


# -- items and fingerprints (for upgrades) ----------------------------------------------------

ITEM_LISTS = ("entries", "procedures", "sectors")  # top-level lists whose items have an "id"


def items(data: Any, name: str) -> dict[str, tuple[str, Any]]:
    """The comparable items of one parsed file: key "name#id" → (list key, item) for each entry, procedure
    or sector; a file without such lists (the lexicon) is one item keyed by its name."""
    out: dict[str, tuple[str, Any]] = {}
    if isinstance(data, dict):
        for list_key in ITEM_LISTS:
            for item in data.get(list_key) or []:
                if isinstance(item, dict) and item.get("id"):
                    out[f"{name}#{item['id']}"] = (list_key, item)
    if not out and data is not None:
        out[name] = ("", data)
    return out


def fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprints(kd: KnowledgeDir) -> dict[str, str]:
    from knowledge.yamlfile import read_yaml  # here: content.py is imported by the loader

    out: dict[str, str] = {}
    for name in kd.names():
        data, problems = read_yaml(kd.path(name))
        if not problems:
            out.update({key: fingerprint(item) for key, (_, item) in items(data, name).items()})
    return out


def read_manifest(staff: KnowledgeDir) -> dict[str, str]:
    try:
        data = json.loads((staff.root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_manifest(staff: KnowledgeDir, seen: Mapping[str, str]) -> None:
    path = staff.root / MANIFEST
    fd, temp = tempfile.mkstemp(prefix=".shipped.", dir=staff.root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(dict(sorted(seen.items())), f, ensure_ascii=False, indent=1)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
