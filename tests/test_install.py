"""The deployment as an operator meets it: a non-editable install, run from another directory, with the
staff's content in KNOWLEDGE_DIR. Accepting a phrasing writes there (never into the package), a restart
keeps it, and a new version's shipped entry is reported and taken in through the console.

The install reuses this environment's packages (a .pth line) and builds without isolation: no network.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import aiohttp
import pytest

from bot.store import Store
from tests.test_knowledge_dir import NEW_ID, NEW_QUESTION, add_shipped_procedure

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "faq.yaml", "bot", "knowledge")
PHRASING = "muốn ra ở riêng thì tách sổ hộ khẩu kiểu gì"  # a citizen's words for thu-tuc-tach-ho
ENTRY = "thu-tuc-tach-ho"
PIP_OFFLINE_EXTRA = ("--no-index", "--ignore-installed", "--disable-pip-version-check")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(python of a fresh venv with the project installed non-editable, its site-packages)."""
    base = tmp_path_factory.mktemp("install")
    src = base / "src"  # a copy: building in the worktree would leave build/ and *.egg-info behind
    for name in SHIPPED_FILES:  # the files the Dockerfile copies
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy(source, src / name)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # this environment's packages (dependencies, pip, setuptools) after the venv's own: a line in a .pth
    # adds the directory without running its .pth files, so the editable checkout stays out of sight
    (site / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", *PIP_OFFLINE_EXTRA, str(src)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return python, site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Assistant:
    """`python -m bot run` of the installed package, started in a directory that is not the checkout."""

    def __init__(self, python: Path, cwd: Path, env: dict[str, str], log: Path) -> None:
        self.python, self.cwd, self.env, self.log = python, cwd, env, log

    def __enter__(self) -> Assistant:
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [self.python, "-m", "bot", "run"],
            cwd=self.cwd,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log_file.close()

    def output(self) -> str:
        return self.log.read_text()


def run_env(base: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "FAQ_PATH")}
    env.update(
        KNOWLEDGE_DIR=str(base / "knowledge"),
        DATABASE_PATH=str(base / "records.sqlite"),
        HOST="127.0.0.1",
        PORT=str(port),
        ADMIN_TOKEN="t",
        TELEGRAM_BOT_TOKEN="",
        LOG_FORMAT="text",
    )
    return env


async def _session(port: int, actions) -> object:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", cookie_jar=jar) as http:
        for _ in range(300):  # the catalogue loads first: wait until the server listens
            try:
                async with http.get("/healthz") as r:
                    health = await r.json()
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("the assistant did not start")
        await http.post("/admin/login", data={"token": "t"})
        async with http.get("/admin/learning") as r:
            csrf = re.search(r'name="csrf" value="([^"]+)"', await r.text()).group(1)
        return await actions(http, csrf, health)


def drive(port: int, actions) -> object:
    return asyncio.run(_session(port, actions))


async def ask(http: aiohttp.ClientSession, question: str) -> str:
    async with http.post("/api/ask", json={"q": question}) as r:
        data = await r.json()
    return data["status"] + " " + data["html"]


def test_a_non_editable_install_keeps_staff_content_in_knowledge_dir(installed, tmp_path):
    python, site = installed
    package = site / "knowledge"
    assert (package / "faq.yaml").is_file() and (package / "procedures" / "cu-tru.yaml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    port = free_port()
    env = run_env(tmp_path, port)
    kd = tmp_path / "knowledge"
    store = Store(tmp_path / "records.sqlite")
    store.candidate(question=PHRASING, entry_id=ENTRY, source="tap")
    store.flush()
    store.close()
    packaged = {p: p.read_bytes() for p in package.rglob("*.yaml")}

    async def accept(http, csrf, health):
        assert health["status"] == "ok" and health["knowledge"] == "writable"
        assert PHRASING in await (await http.get("/admin/learning")).text()
        r = await http.post(
            "/admin/candidates", data={"csrf": csrf, "entry": ENTRY, "question": PHRASING, "action": "accept"}
        )
        assert "Đã nạp lại" in await r.text()
        assert (await ask(http, PHRASING)).startswith("answered")

    with Assistant(python, elsewhere, env, tmp_path / "run1.log") as first:
        drive(port, accept)
    assert "copied the shipped" in first.output()
    assert (
        str(site)
        in subprocess.run(
            [python, "-c", "import bot; print(bot.__file__)"], cwd=elsewhere, capture_output=True, text=True, env=env
        ).stdout
    )  # the installed package ran, not the checkout
    cu_tru = kd / "procedures" / "cu-tru.yaml"
    assert f"      - {PHRASING}" in cu_tru.read_text(encoding="utf-8")
    assert list(cu_tru.parent.glob("cu-tru.yaml.bak-*"))
    assert {p: p.read_bytes() for p in package.rglob("*.yaml")} == packaged  # nothing written in the package
    assert not [p for p in package.rglob("*") if ".bak-" in p.name]

    # the CLI readers use KNOWLEDGE_DIR too
    answer = subprocess.run(
        [python, "-m", "bot", "ask", "--json", PHRASING], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert json.loads(answer.stdout)["id"] == ENTRY and json.loads(answer.stdout)["status"] == "answered"

    # a new version ships one more procedure: written into the package, as an upgrade would
    add_shipped_procedure(package / "procedures" / "cu-tru.yaml")
    key = f"procedures/cu-tru.yaml#{NEW_ID}"

    async def upgrade(http, csrf, health):
        assert (await ask(http, PHRASING)).startswith("answered")  # the restart kept the accepted phrasing
        assert (await ask(http, NEW_QUESTION)).startswith("unanswered")  # staff's files were not overwritten
        page = await (await http.get("/admin/upgrades")).text()
        assert f'data-upgrade="{key}"' in page
        r = await http.post("/admin/upgrades", data={"csrf": csrf, "key": key, "action": "take"})
        assert "Đã nhận vào" in await r.text()
        assert (await ask(http, NEW_QUESTION)).startswith("answered")

    started = time.monotonic()
    with Assistant(python, elsewhere, env, tmp_path / "run2.log") as second:
        drive(port, upgrade)
    assert f"shipped new: {key}" in second.output() and "/admin/upgrades" in second.output()
    assert "copied" not in second.output()
    text = cu_tru.read_text(encoding="utf-8")
    assert NEW_QUESTION in text and PHRASING in text
    assert PHRASING not in (package / "procedures" / "cu-tru.yaml").read_text(encoding="utf-8")
    assert time.monotonic() - started < 60
