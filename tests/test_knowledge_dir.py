"""KNOWLEDGE_DIR: where staff content lives, first start, permissions, and shipped upgrades taken in or left."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Settings
from bot.console.upgrades import SHIPPED
from bot.engine import Engine
from bot.faq_editor import EditRefused, add_phrasing
from bot.store import Store
from bot.upgrades import leave, open_knowledge, pending, take
from bot.web import build_web_app
from knowledge import content, load_catalogue
from knowledge.content import KnowledgeDir, from_env, knowledge_path, seed

ROOT = Path(__file__).resolve().parent.parent
NEW_ID = "thu-tuc-thu-nghiem-ban-moi"
NEW_QUESTION = "thủ tục thử nghiệm của bản phát hành mới"


def add_shipped_procedure(path: Path, entry_id: str = NEW_ID, question: str = NEW_QUESTION, sector: str = "") -> None:
    """Append a procedure to a shipped procedures file, as a new version of the assistant would."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = dict(data["procedures"][-1])
    entry.update(
        id=entry_id,
        title=f"Thủ tục {entry_id.replace('-', ' ')}",
        questions=[question, f"{question} hỏi thế nào", f"hướng dẫn {question}"],
        sector=sector or entry["sector"],
    )
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=4096)
    indented = "".join(f"  {line}\n" for line in block.splitlines())
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + indented)


def copy_shipped(target: Path) -> KnowledgeDir:
    """The shipped content as a flat folder (what a wheel carries), for tests to play a new version."""
    source = content.shipped()
    for name in source.names():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.path(name), target / name)
    return KnowledgeDir(target)


@pytest.fixture
def dirs(tmp_path) -> tuple[KnowledgeDir, KnowledgeDir]:
    return KnowledgeDir(tmp_path / "staff"), copy_shipped(tmp_path / "shipped")


# -- where content lives ----------------------------------------------------------------------------


def test_a_checkout_without_the_setting_serves_the_repository_files():
    kd = from_env({})
    assert kd.faq == ROOT / "faq.yaml"
    assert kd.lexicon == ROOT / "knowledge" / "lexicon.yaml"
    assert kd.procedures() == sorted((ROOT / "knowledge" / "procedures").glob("*.yaml"))


def test_the_setting_names_one_directory_and_faq_path_overrides_the_faq_alone(tmp_path):
    kd = from_env({"KNOWLEDGE_DIR": str(tmp_path)})
    assert (kd.faq, kd.sectors, kd.path("communes.yaml")) == (
        tmp_path / "faq.yaml",
        tmp_path / "sectors.yaml",
        tmp_path / "communes.yaml",
    )
    kd = from_env({"KNOWLEDGE_DIR": str(tmp_path), "FAQ_PATH": "/elsewhere/hoi-dap.yaml"})
    assert kd.faq == Path("/elsewhere/hoi-dap.yaml") and kd.lexicon == tmp_path / "lexicon.yaml"
    assert Settings.from_env({"KNOWLEDGE_DIR": str(tmp_path)}).knowledge().root == tmp_path


def test_readers_use_the_directory_once_it_has_content(tmp_path, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    assert knowledge_path("lexicon.yaml") == content.shipped().lexicon  # empty: what the first start copies
    seed(KnowledgeDir(tmp_path))
    faq = tmp_path / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("title: Chuyển đổi số là gì?", "title: CĐS là gì?"))
    assert knowledge_path("lexicon.yaml") == tmp_path / "lexicon.yaml"
    catalogue, _ = load_catalogue()
    assert catalogue.entries["chuyen-doi-so-la-gi"].title == "CĐS là gì?"
    assert all(str(tmp_path) in f for f in catalogue.files)


# -- first start, restart ---------------------------------------------------------------------------


def test_first_start_copies_the_shipped_content_and_a_restart_keeps_staff_edits(dirs, caplog):
    staff, shipped = dirs
    caplog.set_level(logging.INFO)
    served, read_only = open_knowledge(staff, shipped)
    assert served == staff and read_only == ""
    assert sorted(staff.names()) == sorted(shipped.names())
    assert (staff.root / ".shipped.json").is_file()
    assert "copied the shipped" in caplog.text
    cu_tru = staff.path("procedures/cu-tru.yaml")
    add_phrasing(cu_tru, "thu-tuc-tach-ho", "muốn ra riêng sổ hộ khẩu", knowledge=staff)
    caplog.clear()
    open_knowledge(staff, shipped)  # a restart
    assert "muốn ra riêng sổ hộ khẩu" in cu_tru.read_text(encoding="utf-8")
    assert "copied" not in caplog.text
    assert pending(staff, shipped) == []  # staff's own edit is not "an upgrade"
    assert "muốn ra riêng" not in shipped.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")


def test_a_staff_file_new_in_this_version_is_copied_but_a_removed_one_is_not_brought_back(dirs, monkeypatch):
    staff, shipped = dirs
    seed(staff, shipped)
    staff.path("lexicon.yaml").unlink()  # staff removed it (the catalogue then refuses: their choice)
    monkeypatch.setattr(content, "STAFF_FILES", (*content.STAFF_FILES, "future-file.yaml"))
    shipped.path("future-file.yaml").write_text("items: []\n", encoding="utf-8")
    assert seed(staff, shipped) == ["future-file.yaml"]
    assert not staff.path("lexicon.yaml").exists()


# -- upgrades ---------------------------------------------------------------------------------------


def test_new_and_changed_shipped_entries_are_reported_taken_in_or_left(dirs, caplog):
    staff, shipped = dirs
    open_knowledge(staff, shipped)
    add_shipped_procedure(shipped.path("procedures/cu-tru.yaml"))
    faq = shipped.path("faq.yaml")
    faq.write_text(faq.read_text(encoding="utf-8").replace("title: Chuyển đổi số là gì?", "title: CĐS là gì?"))
    staff_faq_before = staff.faq.read_text(encoding="utf-8")
    caplog.set_level(logging.INFO)
    open_knowledge(staff, shipped)  # the new version starts
    assert f"shipped new: procedures/cu-tru.yaml#{NEW_ID}" in caplog.text
    assert "shipped changed: faq.yaml#chuyen-doi-so-la-gi" in caplog.text
    ups = {u.key: u for u in pending(staff, shipped)}
    assert set(ups) == {f"procedures/cu-tru.yaml#{NEW_ID}", "faq.yaml#chuyen-doi-so-la-gi"}
    assert "+title: CĐS là gì?" in ups["faq.yaml#chuyen-doi-so-la-gi"].diff()

    cu_tru_before = staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")
    backup = take(staff, f"procedures/cu-tru.yaml#{NEW_ID}", shipped)
    cu_tru = staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")
    assert NEW_QUESTION in cu_tru and "# Thủ tục cư trú" in cu_tru  # comments kept
    assert cu_tru.startswith(cu_tru_before) and f"\n\n  - id: {NEW_ID}\n" in cu_tru  # appended, blank line first
    assert backup is not None and NEW_QUESTION not in backup.read_text(encoding="utf-8")
    catalogue, _ = load_catalogue(staff.sources(), lexicon_path=staff.lexicon, sectors_path=staff.sectors)
    assert NEW_ID in catalogue.entries

    leave(staff, "faq.yaml#chuyen-doi-so-la-gi", shipped)
    assert staff.faq.read_text(encoding="utf-8") == staff_faq_before
    assert pending(staff, shipped) == []  # both decisions remembered
    with pytest.raises(EditRefused):
        take(staff, "faq.yaml#chuyen-doi-so-la-gi", shipped)


def test_taking_a_changed_entry_replaces_it_where_staff_keep_it(dirs):
    staff, shipped = dirs
    seed(staff, shipped)
    faq = shipped.path("faq.yaml")
    faq.write_text(faq.read_text(encoding="utf-8").replace("title: Chuyển đổi số là gì?", "title: CĐS là gì?"))
    before = staff.faq.read_text(encoding="utf-8")
    take(staff, "faq.yaml#chuyen-doi-so-la-gi", shipped)
    after = staff.faq.read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ["    title: CĐS là gì?"]
    assert after.count("id: chuyen-doi-so-la-gi") == 1 and len(after.splitlines()) == len(before.splitlines())


def test_an_upgrade_that_would_break_the_catalogue_is_refused_and_stays_offered(dirs):
    staff, shipped = dirs
    seed(staff, shipped)
    add_shipped_procedure(shipped.path("procedures/cu-tru.yaml"), sector="linh-vuc-chua-co")
    before = staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")
    with pytest.raises(EditRefused) as refused:
        take(staff, f"procedures/cu-tru.yaml#{NEW_ID}", shipped)
    assert "linh-vuc-chua-co" in str(refused.value) and ".tmp" not in str(refused.value)
    assert staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8") == before
    assert [u.item_id for u in pending(staff, shipped)] == [NEW_ID]
    assert not [p for p in (staff.root / "procedures").iterdir() if p.name.startswith(".")]


def test_a_new_shipped_procedure_file_is_offered_entry_by_entry(dirs):
    staff, shipped = dirs
    seed(staff, shipped)
    new_file = shipped.path("procedures/moi.yaml")
    new_file.write_text("# Thủ tục mới\nprocedures:\n", encoding="utf-8")
    add_shipped_procedure(new_file.parent / "cu-tru.yaml", entry_id="tam")  # a valid entry to copy from
    text = shipped.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")
    new_file.write_text("procedures:\n" + text[text.index("  - id: tam") :].replace("id: tam", f"id: {NEW_ID}"))
    shipped.path("procedures/cu-tru.yaml").write_text(text[: text.index("\n  - id: tam")] + "\n")
    assert not staff.path("procedures/moi.yaml").exists() and seed(staff, shipped) == []
    assert [u.key for u in pending(staff, shipped)] == [f"procedures/moi.yaml#{NEW_ID}"]
    assert take(staff, f"procedures/moi.yaml#{NEW_ID}", shipped) is None  # a new file: nothing to back up
    assert NEW_QUESTION in staff.path("procedures/moi.yaml").read_text(encoding="utf-8")


# -- permissions ------------------------------------------------------------------------------------


def test_a_directory_that_cannot_be_created_serves_the_shipped_content_read_only(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    staff = KnowledgeDir(blocker / "knowledge")
    served, read_only = open_knowledge(staff, copy_shipped(tmp_path / "shipped"))
    assert read_only and served.root == tmp_path / "shipped"
    assert "is not writable" in caplog.text and "serving the shipped content, read-only" in caplog.text


@pytest.fixture
def read_only_mount(tmp_path):
    """A knowledge directory filled, then remounted read-only (root and mount needed, else skipped)."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount)]).returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        seed(KnowledgeDir(mount), copy_shipped(tmp_path / "shipped"))
        if subprocess.run(["mount", "-o", "remount,ro", str(mount)]).returncode:
            pytest.skip("remounting read-only is not permitted here")
        yield KnowledgeDir(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)])


def test_a_read_only_directory_is_a_clear_error_the_assistant_serves_and_the_console_says_edits_are_off(
    read_only_mount, tmp_path, caplog
):
    staff = read_only_mount
    served, read_only = open_knowledge(staff, copy_shipped(tmp_path / "shipped2"))
    assert served == staff and "Read-only" in read_only
    assert f"KNOWLEDGE_DIR {staff.root} is not writable" in caplog.text
    engine = Engine.load(knowledge=served)
    engine.read_only = read_only
    before = staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")

    async def scenario(client, csrf):
        health = await (await client.get("/healthz")).json()
        assert health["status"] == "ok" and health["knowledge"] == "read-only" and health["entries"] > 100
        assert "không ghi được" in await (await client.get("/admin/learning")).text()  # said before trying
        r = await client.post(
            "/admin/candidates",
            data={"csrf": csrf, "entry": "thu-tuc-tach-ho", "question": "ra riêng hộ khẩu", "action": "accept"},
            allow_redirects=False,
        )
        page = await (await client.get(r.headers["Location"])).text()
        assert "không ghi được" in page and "Trợ lý vẫn trả lời" in page
        assert "không ghi được" in await (await client.get("/admin/upgrades")).text()

    console(tmp_path, engine, scenario, candidates=[("ra riêng hộ khẩu", "thu-tuc-tach-ho")])
    assert staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8") == before
    # a directory that turns read-only while running: the writer refuses politely, nothing changes
    with pytest.raises(EditRefused) as refused:
        add_phrasing(staff.path("procedures/cu-tru.yaml"), "thu-tuc-tach-ho", "ra riêng hộ khẩu", knowledge=staff)
    assert "Không ghi được cu-tru.yaml" in str(refused.value)


# -- the console page -------------------------------------------------------------------------------


def console(tmp_path, engine, scenario, shipped: KnowledgeDir | None = None, candidates=()) -> None:
    async def go():
        store = Store(tmp_path / "r.sqlite")
        for question, entry_id in candidates:
            store.candidate(question=question, entry_id=entry_id, source="tap")
        store.flush()
        app = build_web_app(dataclasses.replace(Settings(), admin_token="t"), engine, store, store)
        if shipped is not None:
            app[SHIPPED] = shipped
        async with TestClient(TestServer(app)) as client:
            await client.post("/admin/login", data={"token": "t"})
            page = await (await client.get("/admin/learning")).text()
            await scenario(client, re.search(r'name="csrf" value="([^"]+)"', page).group(1))
        store.close()

    asyncio.run(go())


def test_the_console_lists_upgrades_and_takes_one_in_with_csrf(dirs, tmp_path):
    staff, shipped = dirs
    served, _ = open_knowledge(staff, shipped)
    engine = Engine.load(knowledge=served)
    add_shipped_procedure(shipped.path("procedures/cu-tru.yaml"))
    key = f"procedures/cu-tru.yaml#{NEW_ID}"

    async def scenario(client, csrf):
        assert 'href="/admin/upgrades"' in await (await client.get("/admin")).text()  # in the console's menu
        page = await (await client.get("/admin/upgrades")).text()
        assert f'data-upgrade="{key}"' in page and NEW_QUESTION in page and "mới" in page
        assert (await client.post("/admin/upgrades", data={"key": key, "action": "take"})).status == 403
        assert engine.index.search(NEW_QUESTION).status.value == "unanswered"
        r = await client.post("/admin/upgrades", data={"csrf": csrf, "key": key, "action": "take"})
        assert "Đã nhận vào" in await r.text() and f'data-upgrade="{key}"' not in await r.text()
        result = engine.index.search(NEW_QUESTION)  # reloaded
        assert result.status.value == "answered" and result.best.entry.id == NEW_ID
        r = await client.post("/admin/upgrades", data={"csrf": csrf, "key": key, "action": "leave"})
        assert "không còn chờ" in await r.text()

    console(tmp_path, engine, scenario, shipped=shipped)
    assert NEW_QUESTION in staff.path("procedures/cu-tru.yaml").read_text(encoding="utf-8")


def test_a_checkout_serving_its_own_files_has_nothing_to_offer(tmp_path, index):
    async def scenario(client, csrf):
        page = await (await client.get("/admin/upgrades")).text()
        assert "không có gì để cập nhật" in page
        assert (await (await client.get("/healthz")).json())["knowledge"] == "writable"

    console(tmp_path, Engine(index), scenario)


def test_the_watcher_and_loader_ignore_temporary_dot_files(dirs):
    staff, shipped = dirs
    seed(staff, shipped)
    (staff.root / "procedures" / ".cu-tru.yaml.abc.tmp").write_text("x")
    (staff.root / "procedures" / ".#cu-tru.yaml").write_text("x")
    assert all(not p.name.startswith(".") for p in Engine.load(knowledge=staff).watched())


# -- the Docker entrypoint --------------------------------------------------------------------------


def entrypoint(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    import os
    import sys

    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"  # `python` is this environment's
    workdir = tmp_path / "app"  # like the image's /app; beside the volume, a knowledge/ folder in the
    workdir.mkdir(exist_ok=True)  # working directory would hide an editable install's package
    return subprocess.run(
        ["sh", str(ROOT / "scripts" / "docker-entrypoint.sh"), "echo", "started"],
        env={**os.environ, "PATH": path, **env},
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_docker_entrypoint_fills_an_empty_volume_once_and_always_starts(tmp_path):
    volume = tmp_path / "knowledge"
    first = entrypoint({"KNOWLEDGE_DIR": str(volume)}, tmp_path)
    assert first.returncode == 0 and first.stdout.rstrip().endswith("started")
    assert (volume / "faq.yaml").is_file() and (volume / "procedures" / "cu-tru.yaml").is_file()
    (volume / "faq.yaml").write_text("staff's own\n")
    again = entrypoint({"KNOWLEDGE_DIR": str(volume)}, tmp_path)
    assert again.stdout.strip() == "started" and again.stderr == ""
    assert (volume / "faq.yaml").read_text() == "staff's own\n"
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    broken = entrypoint({"KNOWLEDGE_DIR": str(blocker / "knowledge")}, tmp_path)
    assert broken.returncode == 0 and broken.stdout.rstrip().endswith("started")
    assert "Không chép được" in broken.stderr and "Traceback" not in broken.stderr


def test_a_new_sector_is_offered_first_and_the_lexicon_as_a_whole_file(dirs):
    staff, shipped = dirs
    seed(staff, shipped)
    sectors = shipped.path("sectors.yaml")
    new_sector = '  - id: linh-vuc-moi\n    title: Lĩnh vực mới\n    icon: "🆕"\n'
    sectors.write_text(sectors.read_text(encoding="utf-8") + new_sector)
    add_shipped_procedure(shipped.path("procedures/cu-tru.yaml"), sector="linh-vuc-moi")
    lexicon = shipped.path("lexicon.yaml")
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace("  ko: không\n", "  ko: không\n  kg: không\n"))
    keys = [u.key for u in pending(staff, shipped)]
    assert keys[0] == "sectors.yaml#linh-vuc-moi"
    assert set(keys[1:]) == {"lexicon.yaml", f"procedures/cu-tru.yaml#{NEW_ID}"}
    with pytest.raises(EditRefused):
        take(staff, f"procedures/cu-tru.yaml#{NEW_ID}", shipped)  # its sector is not there yet
    take(staff, "sectors.yaml#linh-vuc-moi", shipped)
    take(staff, f"procedures/cu-tru.yaml#{NEW_ID}", shipped)
    take(staff, "lexicon.yaml", shipped)
    assert staff.lexicon.read_text(encoding="utf-8") == lexicon.read_text(encoding="utf-8")
    catalogue, _ = load_catalogue(staff.sources(), lexicon_path=staff.lexicon, sectors_path=staff.sectors)
    assert catalogue.entries[NEW_ID].sector == "linh-vuc-moi" and pending(staff, shipped) == []


def test_a_staff_file_left_broken_is_a_polite_refusal(dirs):
    staff, shipped = dirs
    seed(staff, shipped)
    add_shipped_procedure(shipped.path("procedures/cu-tru.yaml"))
    broken = staff.path("procedures/cu-tru.yaml")
    broken.write_text(broken.read_text(encoding="utf-8") + "  - id: [\n", encoding="utf-8")
    for attempt in (
        lambda: take(staff, f"procedures/cu-tru.yaml#{NEW_ID}", shipped),
        lambda: add_phrasing(broken, "thu-tuc-tach-ho", "ra riêng hộ khẩu", knowledge=staff),
    ):
        with pytest.raises(EditRefused) as refused:
            attempt()
        assert "cu-tru.yaml" in str(refused.value)
