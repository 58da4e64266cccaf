"""Running the bot: webhook on our aiohttp server, and the real process with SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from bot.config import Settings
from bot.engine import Engine
from bot.runner import SECRET_HEADER, serve
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import TOKEN

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_checks_the_secret_and_drains_accepted_updates_on_stop(index):
    async def scenario():
        fake = FakeTelegram()
        await fake.start()
        port = free_port()
        settings = dataclasses.replace(
            Settings(),
            telegram_token=TOKEN,
            telegram_api_url=fake.base_url,
            webhook_url="https://bot.example.gov.vn/telegram/hook",
            webhook_secret="s3cret",
            port=port,
            send_rate=0,
        )
        stop = asyncio.Event()
        server = asyncio.create_task(serve(settings, Engine(index), store=None, stop=stop))
        url = f"http://127.0.0.1:{port}/telegram/hook"
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # wait for the server to listen
                try:
                    async with http.post(url, json={}) as response:
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            assert response.status == 403  # no secret
            async with http.post(url, json={}, headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 403
            async with http.post(url, data=b"{nope", headers={SECRET_HEADER: "s3cret"}) as response:
                assert response.status == 400
            for i in range(30):
                update = {"update_id": i + 1, "message": fake.message("VNeID là gì", user_id=500 + i)}
                async with http.post(url, json=update, headers={SECRET_HEADER: "s3cret"}) as response:
                    assert response.status == 200
        stop.set()  # as SIGTERM does, right after the updates were accepted
        await asyncio.wait_for(server, 30)
        answered = {int(c.params["chat_id"]) for c in fake.sent("sendMessage")}
        assert answered == {500 + i for i in range(30)}
        [registered] = fake.sent("setWebhook")
        assert registered.params["secret_token"] == "s3cret"
        await fake.stop()

    asyncio.run(scenario())


def test_the_real_process_polls_answers_and_stops_on_sigterm(tmp_path):
    async def scenario():
        fake = FakeTelegram()
        await fake.start()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": fake.base_url,
            "PYTHONPATH": str(PROJECT),
            "PORT": str(free_port()),
            "DATABASE_PATH": str(tmp_path / "records.sqlite"),
        }
        env.pop("WEBHOOK_URL", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=PROJECT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            fake.text("mất căn cước phải làm sao", user_id=71)
            await fake.wait_for("sendMessage", chat_id=71, timeout=30)
            # Answers now take a while, so they are still in flight when SIGTERM arrives.
            fake.fail("sendMessage", "slow", delay=0.7, times=10)
            ids = {fake.text("VNeID là gì", user_id=80 + i) for i in range(10)}
            while not ids <= fake.handed_out:
                await asyncio.sleep(0.01)
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
        assert process.returncode == 0, output.decode()[-2000:]
        assert {int(c.params["chat_id"]) for c in fake.sent("sendMessage")} == {71, *range(80, 90)}
        await fake.stop()
        # every answered question was recorded before the process exited
        import sqlite3

        with sqlite3.connect(tmp_path / "records.sqlite") as db:
            assert db.execute("SELECT count(*) FROM questions").fetchone()[0] == 11

    asyncio.run(scenario())


def test_without_a_token_make_run_serves_the_web_chat_and_says_how_to_log_in(tmp_path):
    async def scenario():
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "PORT": str(port),
            "ADMIN_TOKEN": "tok",
            "DATABASE_PATH": str(tmp_path / "r.sqlite"),
        }
        env.pop("TELEGRAM_BOT_TOKEN", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=PROJECT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            banner = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            assert f"http://127.0.0.1:{port}" in banner
            async with aiohttp.ClientSession() as http:
                for _ in range(100):
                    try:
                        async with http.post(f"http://127.0.0.1:{port}/api/ask", json={"q": "VNeID là gì"}) as r:
                            payload = await r.json()
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
            assert payload["status"] == "answered"
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
        finally:
            if process.returncode is None:
                process.kill()
        assert process.returncode == 0
        text = banner + output.decode()
        assert "/admin" in text and "tok" in text and "TELEGRAM_BOT_TOKEN" in text

    asyncio.run(scenario())


def test_a_failing_maintenance_job_is_logged_and_retried(caplog):
    import logging

    from bot.runner import _every

    calls = []

    def job():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return 3

    async def scenario():
        task = asyncio.create_task(_every(0.01, job, "removed %d"))
        while len(calls) < 2:
            await asyncio.sleep(0.01)
        task.cancel()

    with caplog.at_level(logging.INFO, logger="tro_ly_so.runner"):
        asyncio.run(scenario())
    messages = [r.getMessage() for r in caplog.records]
    assert any("maintenance job failed" in m for m in messages) and "removed 3" in messages
