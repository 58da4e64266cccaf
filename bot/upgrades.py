"""The staff's knowledge directory at start, and shipped content offered to staff entry by entry.

At start (``open_knowledge``): an empty KNOWLEDGE_DIR is filled with the shipped content; a directory that
cannot be written is a clear error in the log, the assistant still serves what it can read and the console
says edits are off.

Upgrades: a new version of the assistant may ship new or changed entries. Staff's files are never
overwritten: ``pending`` lists each shipped entry (procedure, sector, or a whole file such as the lexicon)
that is new or changed since staff last saw it, ``take`` writes one into the staff's file (validated with
the whole catalogue, atomically, with a timestamped backup, comments kept) and ``leave`` remembers that
staff keep their own. What staff have seen is a fingerprint per shipped item in KNOWLEDGE_DIR/.shipped.json,
so an entry staff edited themselves is not offered back until the shipped one changes again.
"""

from __future__ import annotations

import difflib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from bot.faq_editor import EditRefused, _yaml, dump, load, write_checked
from knowledge import content
from knowledge.content import KnowledgeDir, fingerprint, items, read_manifest, seed, write_manifest
from knowledge.yamlfile import read_yaml

log = logging.getLogger("tro_ly_so.knowledge")


@dataclass(frozen=True)
class Upgrade:
    key: str  # "procedures/cu-tru.yaml#thu-tuc-tach-ho", or "lexicon.yaml" for a whole file
    name: str  # the shipped file
    item_id: str  # "" for a whole file
    list_key: str  # "entries", "procedures", "sectors", or "" for a whole file
    kind: str  # "new" | "changed"
    title: str
    fingerprint: str
    target: str  # the staff file it goes into: where staff keep this entry, else the shipped file's name
    shipped_text: str
    staff_text: str  # "" when staff have no such entry

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.staff_text.splitlines(), self.shipped_text.splitlines(), "bản đang dùng", "bản mới", lineterm="", n=2
        )
        return "\n".join(list(lines)[2:])


def _plain_yaml(value: Any) -> str:
    plain = json.loads(json.dumps(value, ensure_ascii=False, default=str))
    return yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=100)


def _identity(name: str, list_key: str, item: Any) -> tuple[str, str]:
    """Entries and procedures are one id space across files (staff may move one); sectors another."""
    if not list_key:
        return "file", name
    return ("sectors" if list_key == "sectors" else "entries"), str(item["id"])


def _read_items(kd: KnowledgeDir) -> dict[tuple[str, str], tuple[str, str, str, Any]]:
    """identity → (file name, key, list key, item) for every item of every staff file."""
    out: dict[tuple[str, str], tuple[str, str, str, Any]] = {}
    for name in kd.names():
        data, problems = read_yaml(kd.path(name))
        if problems:
            continue
        for key, (list_key, item) in items(data, name).items():
            out.setdefault(_identity(name, list_key, item), (name, key, list_key, item))
    return out


def pending(staff: KnowledgeDir, source: KnowledgeDir | None = None) -> list[Upgrade]:
    """Shipped items that are new or changed since staff last saw them, and differ from the staff's copy."""
    source = source or content.shipped()
    if staff.same_files_as(source):
        return []  # a checkout serving its own files: nothing to offer
    seen = read_manifest(staff)
    mine = _read_items(staff)
    out: list[Upgrade] = []
    for ident, (name, key, list_key, item) in _read_items(source).items():
        shipped_print = fingerprint(item)
        if seen.get(key) == shipped_print:
            continue  # this shipped version was seeded, taken in or left already
        held = mine.get(ident)
        if held is not None and fingerprint(held[3]) == shipped_print:
            continue  # staff already have exactly this
        title = str(item.get("title", ident[1])) if isinstance(item, dict) else name
        out.append(
            Upgrade(
                key=key,
                name=name,
                item_id="" if ident[0] == "file" else ident[1],
                list_key=list_key,
                kind="changed" if held is not None or key in seen else "new",
                title=title,
                fingerprint=shipped_print,
                target=held[0] if held is not None else name,
                shipped_text=_plain_yaml(item),
                staff_text=_plain_yaml(held[3]) if held is not None else "",
            )
        )
    return sorted(out, key=lambda u: u.list_key != "sectors")  # a new sector before the entries that use it


# -- taking one in, leaving one -----------------------------------------------------------------


def _tail(node: Any) -> tuple[Any, Any, int] | None:
    """Where the comment after a node's last value lives (blank lines and the next section's header)."""
    while True:
        if isinstance(node, CommentedMap) and node:
            key = list(node.keys())[-1]
            pos = 2
        elif isinstance(node, CommentedSeq) and node:
            key, pos = len(node) - 1, 0
        else:
            return None
        value = node[key]
        if isinstance(value, CommentedMap | CommentedSeq) and value:
            node = value
            continue
        return node, key, pos


def _slots(holder: Any, key: Any, pos: int) -> list:
    """The comment slots ruamel keeps for one key of a mapping (4) or one item of a sequence (2)."""
    slots = holder.ca.items.setdefault(key, [None] * (4 if isinstance(holder, CommentedMap) else 2))
    while len(slots) <= pos:
        slots.append(None)
    return slots


def _move_tail(old: Any, new: Any) -> None:
    """The new node ends as the old one did: its own trailing comment dropped, the old one's kept."""
    new_spot, old_spot = _tail(new), _tail(old)
    if new_spot is None:
        return
    token = None
    if old_spot is not None:
        holder, key, pos = old_spot
        token = _slots(holder, key, pos)[pos]
    holder, key, pos = new_spot
    _slots(holder, key, pos)[pos] = token


def _blank_line_after(node: Any) -> None:
    """Entries are separated by a blank line in the staff's files; keep that when appending one."""
    spot = _tail(node)
    if spot is not None:
        holder, key, pos = spot
        slots = _slots(holder, key, pos)
        if slots[pos] is None:
            slots[pos] = CommentToken("\n\n", CommentMark(0), None)


def take(staff: KnowledgeDir, key: str, source: KnowledgeDir | None = None) -> Path | None:
    """Write the shipped version of one pending item into the staff's files. Returns the backup's path
    (None for a new file). EditRefused when it is no longer pending or the catalogue would break."""
    source = source or content.shipped()
    upgrade = next((u for u in pending(staff, source) if u.key == key), None)
    if upgrade is None:
        raise EditRefused(["Mục này không còn chờ cập nhật (có thể đã được nhận hoặc để nguyên)."])
    target = staff.path(upgrade.target)
    if not upgrade.item_id:
        text = source.path(upgrade.name).read_text(encoding="utf-8")
    else:
        ruamel = _yaml()
        shipped_data = ruamel.load(source.path(upgrade.name).read_text(encoding="utf-8"))
        node = next(i for i in shipped_data[upgrade.list_key] if str(i.get("id")) == upgrade.item_id)
        data = load(target, target.read_text(encoding="utf-8")) if target.exists() else None
        if not isinstance(data, CommentedMap):
            data = CommentedMap()
        found = None
        for list_key in (upgrade.list_key, *content.ITEM_LISTS):
            seq = data.get(list_key)
            if isinstance(seq, list):
                ids = [str(i.get("id")) if isinstance(i, dict) else None for i in seq]
                at = ids.index(upgrade.item_id) if upgrade.item_id in ids else None
                if at is not None:
                    found = (seq, at)
                    break
        if found:
            seq, at = found
            _move_tail(seq[at], node)
            seq[at] = node
        else:
            seq = data.get(upgrade.list_key)
            if not isinstance(seq, list):
                seq = data[upgrade.list_key] = CommentedSeq()
            _move_tail(CommentedMap(), node)
            if seq:
                _blank_line_after(seq[-1])
            seq.append(node)
        text = dump(data)
    backup = write_checked(target, text, staff)
    _remember(staff, upgrade)
    log.info("shipped %s taken in by staff: %s", upgrade.kind, upgrade.key)
    return backup


def leave(staff: KnowledgeDir, key: str, source: KnowledgeDir | None = None) -> None:
    """Keep the staff's version: this shipped version is not offered again."""
    upgrade = next((u for u in pending(staff, source) if u.key == key), None)
    if upgrade is None:
        raise EditRefused(["Mục này không còn chờ cập nhật."])
    _remember(staff, upgrade)
    log.info("shipped %s left by staff: %s", upgrade.kind, upgrade.key)


def _remember(staff: KnowledgeDir, upgrade: Upgrade) -> None:
    write_manifest(staff, {**read_manifest(staff), upgrade.key: upgrade.fingerprint})


# -- at start -----------------------------------------------------------------------------------


def open_knowledge(staff: KnowledgeDir, source: KnowledgeDir | None = None) -> tuple[KnowledgeDir, str]:
    """Fill an empty KNOWLEDGE_DIR, check it can be written, report shipped upgrades in the log.

    Returns the files to serve and why staff edits are off ("" when they are on). A directory that
    cannot be created or has no content yet serves the shipped content, read-only."""
    source = source or content.shipped()
    if staff.same_files_as(source):
        log.debug("knowledge files: the checkout's own (%s, %s); KNOWLEDGE_DIR unset", staff.faq, staff.root)
    else:
        log.info("knowledge files: KNOWLEDGE_DIR %s%s", staff.root, f" (FAQ: {staff.faq})" if staff.faq_file else "")
        try:
            copied = seed(staff, source)
            if copied:
                log.info("KNOWLEDGE_DIR %s: copied the shipped %s", staff.root, ", ".join(copied))
        except OSError as exc:
            log.error("KNOWLEDGE_DIR %s: could not copy the shipped content there: %s", staff.root, exc)
    reason = content.not_writable(staff) or ""
    if reason:
        log.error(
            "KNOWLEDGE_DIR %s is not writable (%s): the assistant serves what it can read, but staff edits "
            "(accepting phrasings, upgrades) are off until the directory is writable by this user",
            staff.root,
            reason,
        )
    if not staff.is_seeded():
        log.error("KNOWLEDGE_DIR %s has no knowledge files: serving the shipped content, read-only", staff.root)
        return source.with_faq(staff.faq_file if staff.faq_file and staff.faq_file.exists() else None), (
            reason or "no content"
        )
    report(staff, source)
    return staff, reason


def report(staff: KnowledgeDir, source: KnowledgeDir | None = None) -> list[Upgrade]:
    ups = pending(staff, source)
    if ups:
        log.warning(
            "the new version ships %d new or changed item(s) that differ from the staff's copy; staff's files "
            "are unchanged. Take each in or leave it at /admin/upgrades",
            len(ups),
        )
        for up in ups[:50]:
            log.warning("shipped %s: %s (%s)", up.kind, up.key, up.title)
    return ups
