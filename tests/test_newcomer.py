"""What a newcomer meets first: the CLI's help, an empty question, a busy port, a clean tree."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bot(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_no_command_prints_vietnamese_usage_starting_with_run():
    done = run_bot()
    assert done.returncode == 2
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert "python -m bot run" in lines[1]
    assert "ask" in done.stdout and "validate" in done.stdout
    assert "the following arguments are required" not in done.stdout + done.stderr


def test_help_exits_zero():
    done = run_bot("--help")
    assert done.returncode == 0 and "python -m bot run" in done.stdout


def test_empty_question_says_what_to_type():
    for question in ("", "   "):
        done = run_bot("ask", question)
        assert done.returncode != 0
        assert 'python -m bot ask "' in done.stderr
        assert done.stdout == ""


def test_busy_port_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_bot(
            "run",
            env={
                "PORT": str(port),
                "HOST": "127.0.0.1",
                "TELEGRAM_BOT_TOKEN": "",
                "DATABASE_PATH": str(tmp_path / "r.sqlite"),
            },
        )
    assert done.returncode != 0
    assert f"Cổng {port}" in done.stderr and f"PORT={port + 1} make run" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_build_directory_is_tracked():
    tracked = subprocess.run(["git", "ls-files", "build", "dist"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:  # not a git checkout (an sdist): nothing to check
        return
    assert tracked.stdout == ""
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "build/" in ignored and "dist/" in ignored


def test_each_dependency_reason_sits_on_its_own_line():
    text = (ROOT / "pyproject.toml").read_text()
    for line in text.splitlines():
        assert line.count("#") <= 1, line
    sniffio = next(line for line in text.splitlines() if '"sniffio' in line)
    assert "httpcore" in sniffio
