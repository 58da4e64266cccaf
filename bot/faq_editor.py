"""Staff-approved changes to the catalogue files: validated first, written atomically, backed up,
comments and formatting kept (ruamel.yaml round trip)."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import datetime
from pathlib import Path

from ruamel.yaml import YAML

from knowledge import Problem, check_catalogue
from knowledge.loader import default_sources


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


def add_phrasing(path: Path, entry_id: str, phrasing: str, faq: Path | None = None) -> Path:
    """Append ``phrasing`` to the questions of ``entry_id`` in ``path``. Returns the backup's path.

    The new text is validated together with the rest of the catalogue before it replaces the file;
    on any problem nothing is written and EditRefused lists the problems."""
    phrasing = " ".join(phrasing.split())
    if not phrasing:
        raise EditRefused(["Cách hỏi trống."])
    yaml = _yaml()
    original = path.read_text(encoding="utf-8")
    data = yaml.load(original)
    entry = next(
        (e for key in ("entries", "procedures") for e in (data.get(key) or []) if e.get("id") == entry_id), None
    )
    if entry is None:
        raise EditRefused([f'Không tìm thấy mục "{entry_id}" trong {path.name}.'])
    if phrasing in entry["questions"]:
        raise EditRefused([f'"{phrasing}" đã có trong mục này.'])
    entry["questions"].append(phrasing)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())
        sources = [Path(temp) if Path(s).resolve() == path.resolve() else Path(s) for s in default_sources(faq)]
        _, _, problems = check_catalogue(sources)
        if problems:
            raise EditRefused(problems)
        backup = path.with_name(f"{path.name}.bak-{datetime.now():%Y%m%d-%H%M%S}")
        backup.write_text(original, encoding="utf-8")
        os.replace(temp, path)  # atomic: readers see the old file or the new one, never half of it
        return backup
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
