"""Staff-approved changes to the catalogue files: validated first, written atomically, backed up,
comments and formatting kept (ruamel.yaml round trip)."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML, YAMLError

from bot import texts
from knowledge import Problem, check_catalogue, content
from knowledge.content import KnowledgeDir


class EditRefused(Exception):
    def __init__(self, problems: list[Problem] | list[str]) -> None:
        self.problems = [str(p) for p in problems]
        super().__init__("; ".join(self.problems))


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: comments, order and quoting are kept
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _knowledge(knowledge: KnowledgeDir | None, faq: Path | None) -> KnowledgeDir:
    return (knowledge or content.current()).with_faq(faq)


def load(path: Path, text: str) -> Any:
    """Round-trip parse; a file staff left broken is a polite refusal, not a crash."""
    try:
        return _yaml().load(text)
    except YAMLError as exc:
        raise EditRefused([f"{path.name} đang có lỗi cú pháp, hãy sửa trước (python -m bot validate): {exc}"]) from exc


def dump(data: object) -> str:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()


def add_phrasing(
    path: Path, entry_id: str, phrasing: str, faq: Path | None = None, knowledge: KnowledgeDir | None = None
) -> Path:
    """Append ``phrasing`` to the questions of ``entry_id`` in ``path``. Returns the backup's path.

    The new text is validated together with the rest of the catalogue (``knowledge``: the staff's
    KNOWLEDGE_DIR) before it replaces the file; on any problem nothing is written and EditRefused lists
    the problems."""
    phrasing = " ".join(phrasing.split())
    if not phrasing:
        raise EditRefused(["Cách hỏi trống."])
    original = path.read_text(encoding="utf-8")
    data = load(path, original)
    entry = next(
        (e for key in ("entries", "procedures") for e in (data.get(key) or []) if e.get("id") == entry_id), None
    )
    if entry is None:
        raise EditRefused([f'Không tìm thấy mục "{entry_id}" trong {path.name}.'])
    if phrasing in entry["questions"]:
        raise EditRefused([f'"{phrasing}" đã có trong mục này.'])
    entry["questions"].append(phrasing)
    backup = write_checked(path, dump(data), _knowledge(knowledge, faq))
    assert backup is not None  # the file existed: it was read above
    return backup


def write_checked(path: Path, text: str, knowledge: KnowledgeDir) -> Path | None:
    """Replace (or create) one knowledge file with ``text``, only if the whole catalogue is still valid.

    Written atomically next to the old file, which is kept as ``<name>.bak-<time>``; returns that backup
    (None for a new file). On any problem nothing changes and EditRefused lists them."""
    try:
        return _write_checked(path, text, knowledge)
    except OSError as exc:  # the directory turned read-only, the disk is full: say so, change nothing
        raise EditRefused([f"Không ghi được {path.name} ({exc.strerror or exc}). {texts.EDITS_OFF}"]) from exc


def _write_checked(path: Path, text: str, knowledge: KnowledgeDir) -> Path | None:
    original = path.read_text(encoding="utf-8") if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    # a dot-name: the watcher and the loader do not take the half-checked copy for content
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        here = path.resolve()

        def swap(p: Path) -> Path:
            return Path(temp) if p.resolve() == here else p

        sources = [swap(p) for p in knowledge.sources()]
        if original is None and path.parent.resolve() == (knowledge.root / content.PROCEDURES).resolve():
            sources.append(Path(temp))  # a new procedure file
        _, _, problems = check_catalogue(
            sources, lexicon_path=swap(knowledge.lexicon), sectors_path=swap(knowledge.sectors)
        )
        if problems:
            raise EditRefused([str(p).replace(temp, str(path)) for p in problems])
        backup = None
        if original is not None:
            backup = path.with_name(f"{path.name}.bak-{datetime.now():%Y%m%d-%H%M%S}")
            backup.write_text(original, encoding="utf-8")
        os.replace(temp, path)  # atomic: readers see the old file or the new one, never half of it
        return backup
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
