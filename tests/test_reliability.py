"""Reliability: hostile text, a misbehaving Bot API, a failing disk, a killed process."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store import Store
from tests.telegram_harness import MemoryRecorder, play

PROJECT = Path(__file__).resolve().parent.parent
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()))
VIETNAMESE = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ "
    "ADĐ0123456789?!.,ạ\u0300\u0301\u0309\u0303\u0323\u200b😀"
)


# -- normalization and matching never fail ----------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_normalization_never_raises_on_any_unicode(normalizer, text):
    normalizer.normalize(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, VIETNAMESE))
def test_normalization_is_idempotent(normalizer, text):
    once = normalizer.normalize(text).text
    assert normalizer.normalize(once).text == once


@settings(max_examples=150, deadline=None)
@given(st.one_of(ANY_TEXT, VIETNAMESE))
def test_matching_is_deterministic(index, text):
    first = index.search(text)
    assert index.search(text) == first


@pytest.mark.parametrize(
    "text",
    [
        "căn cước " * 20_000,  # 180,000 characters
        "\u0301" * 100_000,  # combining marks only
        "\u202e\u05d0\u05d1 قصيرة " * 10_000,  # right-to-left text
        "\ud800\udfff" * 50_000,  # lone surrogates
        "😀" * 100_000,
    ],
)
def test_huge_or_strange_input_is_handled_in_bounded_time(index, text):
    start = time.perf_counter()
    index.search(text)
    assert time.perf_counter() - start < 2.0


# -- a misbehaving Bot API --------------------------------------------------------------------


def test_429_storm_5xx_and_dropped_connections_every_question_answered_and_recorded(index):
    recorder = MemoryRecorder()

    async def scenario(fake, app, rec):
        fake.fail("sendMessage", "429", retry_after=1, times=6)
        fake.fail("sendMessage", "500", times=3)
        fake.fail("sendMessage", "drop", times=3)
        for user in range(30):
            fake.text("VNeID là gì", user_id=3000 + user)
        await fake.wait_for("sendMessage", 30, timeout=60)
        assert {int(c.params["chat_id"]) for c in fake.sent("sendMessage")} == set(range(3000, 3030))

    play(index, scenario, recorder=recorder, timeout=90)
    assert len(recorder.questions) == 30


def test_malformed_responses_and_timeouts_on_getupdates_do_not_stop_the_bot(index):
    async def scenario(fake, app, rec):
        fake.fail("getUpdates", "json", times=2)
        fake.fail("getUpdates", "500", times=2)
        fake.fail("getUpdates", "drop", times=1)
        fake.text("VNeID là gì", user_id=41)
        await fake.wait_for("sendMessage", chat_id=41, timeout=60)

    play(index, scenario, timeout=90)


def test_updates_with_missing_or_unknown_fields_do_not_break_anything(index, caplog):
    async def scenario(fake, app, rec):
        fake.push({"message": {"message_id": 1, "date": 0, "chat": {"id": 51, "type": "private"}}})  # no from, no text
        fake.push(
            {
                "callback_query": {
                    "id": "1",
                    "from": {"id": 52, "is_bot": False, "first_name": "A"},
                    "chat_instance": "x",
                }
            }
        )  # no data, no message
        fake.push(
            {
                "inline_query": {
                    "id": "2",
                    "from": {"id": 53, "is_bot": False, "first_name": "A"},
                    "query": "",
                    "offset": "",
                }
            }
        )
        fake.push({"some_future_update": {"x": 1}})
        fake.push(
            {
                "message": {
                    "message_id": 2,
                    "date": 0,
                    "chat": {"id": 54, "type": "private"},
                    "from": {"id": 54, "is_bot": False, "first_name": "A"},
                    "text": "",
                }
            }
        )
        fake.text("VNeID là gì", user_id=55)
        await fake.wait_for("sendMessage", chat_id=55, timeout=20)
        await fake.wait_for("answerCallbackQuery", timeout=10)

    with caplog.at_level(logging.ERROR):
        play(index, scenario)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


# -- a failing disk ---------------------------------------------------------------------------


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def tmpfs(tmp_path):
    if not _can_mount():
        pytest.skip("needs root to mount a small tmpfs")
    mount = tmp_path / "mnt"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)]).returncode:
        pytest.skip("mount is not permitted here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)])


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_disk_full_is_logged_nothing_half_written(tmpfs, index, caplog):
    store = Store(tmpfs / "r.sqlite")
    result = index.search("VNeID là gì")
    store.question(channel="web", user_id=1, text="trước khi đầy", result=result)
    store.flush()
    filler = tmpfs / "filler"
    with open(filler, "wb") as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 16384)
            f.flush()
    with caplog.at_level(logging.ERROR, logger="tro_ly_so.records"):
        for i in range(200):
            store.question(channel="web", user_id=1, text="câu hỏi dài " * 50 + str(i), result=result)
        store.flush()
    assert store.failures > 0 and any("could not write" in r.message for r in caplog.records)
    filler.unlink()
    store.close()
    assert integrity(tmpfs / "r.sqlite") == "ok"
    with sqlite3.connect(tmpfs / "r.sqlite") as db:
        count = db.execute("SELECT count(*) FROM questions").fetchone()[0]
    assert count >= 1  # the record from before the disk filled up is still there


def test_read_only_database_is_logged_and_replies_are_unaffected(tmp_path, index, caplog):
    """A read-only database, as SQLite reports it ("attempt to write a readonly database"). The kernel
    refuses to remount a filesystem read-only while the database is open for writing, so the same
    error is produced with SQLite's own query_only on the writer connection."""

    class ReadOnlyStore(Store):
        def _writer_connection(self):
            db = super()._writer_connection()
            db.execute("PRAGMA query_only = ON")
            return db

    store = ReadOnlyStore(tmp_path / "r.sqlite")
    with caplog.at_level(logging.ERROR, logger="tro_ly_so.records"):
        store.question(channel="web", user_id=1, text="x", result=index.search("x"))
        store.flush()
    assert store.failures == 1 and any("readonly" in r.message for r in caplog.records)
    store.close()


WRITER = """
import sys, time
from knowledge import build_index
from bot.store import Store
index = build_index()
result = index.search("VNeID là gì")
store = Store(sys.argv[1])
print("ready", flush=True)
while True:
    for _ in range(50):
        store.question(channel="web", user_id=1, text="câu hỏi " * 20, result=result)
    time.sleep(0.001)
"""


def test_sigkill_in_the_middle_of_writing_leaves_a_sound_database(tmp_path):
    path = tmp_path / "r.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert process.stdout.readline().strip() == b"ready"
    time.sleep(1.5)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert integrity(path) == "ok"
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM questions").fetchone()[0] > 0
