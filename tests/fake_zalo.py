"""A fake Zalo API of ours on 127.0.0.1: the OA message endpoint and the OAuth token refresh.

It behaves as the public descriptions in bot/zalo/__init__.py say: Zalo's errors come back as JSON with
HTTP 200 (``{"error": -216, "message": ...}``); a refresh token works once; a text over 2000 characters is
refused. Tests script trouble: ``expire()`` (the next send meets -216), ``fail_next(n, status)`` (5xx),
``error_next(code)``. Every call is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.zalo import signature
from bot.config import Settings

APP_ID = "1234567890123456789"
APP_SECRET = "app-secret"
OA_SECRET_KEY = "oa-secret-key"
TEXT_LIMIT = 2000


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Sent:
    user_id: str
    text: str


@dataclass
class FakeZalo:
    access_token: str = "at-1"
    refresh_token: str = "rt-1"
    app_id: str = APP_ID
    app_secret: str = APP_SECRET
    keep_calls: bool = True  # the bench turns this off
    delay: float = 0.0  # seconds before answering a send (a slow Zalo)
    calls: list[Call] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    sent_count: int = 0
    refreshes: int = 0
    _statuses: list[int] = field(default_factory=list)
    _errors: list[int] = field(default_factory=list)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(2))
    _changed: asyncio.Event | None = None
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        self._changed = asyncio.Event()
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- test controls -----------------------------------------------------------------------

    def expire(self) -> None:
        """The access token runs out: the next send gets -216 until the pair is refreshed."""
        self.access_token = "expired-" + self.access_token

    def fail_next(self, count: int, status: int = 502) -> None:
        self._statuses += [status] * count

    def error_next(self, code: int) -> None:
        self._errors.append(code)

    async def wait_sent(self, count: int, timeout: float = 10) -> list[Sent]:
        deadline = time.monotonic() + timeout
        while self.sent_count < count:
            assert self._changed is not None
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.sent_count} of {count} messages sent: {[s.text[:40] for s in self.sent]}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self.sent

    def paths(self) -> list[str]:
        return [c.path for c in self.calls]

    # -- the API -----------------------------------------------------------------------------

    async def _message(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.keep_calls:
            self.calls.append(Call(request.path, dict(request.headers), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._statuses:
            return web.Response(status=self._statuses.pop(0), text="upstream trouble")
        if request.headers.get("access_token") != self.access_token:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self._errors:
            code = self._errors.pop(0)
            return web.json_response({"error": code, "message": "scripted error"})
        user_id = str(body.get("recipient", {}).get("user_id", ""))
        text = body.get("message", {}).get("text")
        if not user_id or not isinstance(text, str) or not text:
            return web.json_response({"error": -201, "message": "Parameters are invalid"})
        if len(text) > TEXT_LIMIT:
            return web.json_response({"error": -210, "message": "Parameter exceeds allowable limit"})
        if self.keep_calls:
            self.sent.append(Sent(user_id, text))
        self.sent_count += 1
        assert self._changed is not None
        self._changed.set()
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": f"m{self.sent_count}", "user_id": user_id}}
        )

    async def _access_token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.calls.append(Call(request.path, dict(request.headers), form))
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14001, "error_name": "Invalid app", "error_reason": "secret"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        n = next(self._counter)
        self.access_token, self.refresh_token = f"at-{n}", f"rt-{n}"  # the old refresh token is now dead
        self.refreshes += 1
        return web.json_response(
            {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": "90000"}
        )


def webhook(
    event_name: str,
    user_id: str = "8210000000000000001",
    *,
    text: str | None = None,
    msg_id: str | None = None,
    app_id: str = APP_ID,
    key: str = OA_SECRET_KEY,
    timestamp: str | None = None,
    attachment: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A webhook body as Zalo sends it, and its headers signed with ``key``."""
    timestamp = timestamp or str(int(time.time() * 1000))
    data: dict[str, Any] = {"app_id": app_id, "user_id_by_app": "5550001", "event_name": event_name}
    if event_name in ("follow", "unfollow"):
        data |= {"oa_id": "3660000000000000001", "source": "oa_profile", "follower": {"id": user_id}}
    else:
        message: dict[str, Any] = {"msg_id": msg_id or f"mid-{time.monotonic_ns()}"}
        if text is not None:
            message["text"] = text
        if attachment:
            message["attachments"] = [{"type": attachment, "payload": {"url": "https://example.invalid/x"}}]
        data |= {"sender": {"id": user_id}, "recipient": {"id": "3660000000000000001"}, "message": message}
    data["timestamp"] = timestamp
    raw = json.dumps(data, ensure_ascii=False).encode()
    mac = signature.header_value(app_id, raw, timestamp, key)
    headers = {"Content-Type": "application/json", signature.HEADER: mac}
    return raw, headers


def zalo_settings(fake: FakeZalo, **changes: Any) -> Settings:
    """Settings of an OA connected to this fake (tests and bench/bench_zalo.py)."""
    return dataclasses.replace(
        Settings(),
        zalo_app_id=APP_ID,
        zalo_app_secret=APP_SECRET,
        zalo_oa_secret_key=OA_SECRET_KEY,
        zalo_access_token="at-1",
        zalo_refresh_token="rt-1",
        zalo_api_url=fake.url,
        zalo_oauth_url=fake.url,
        **changes,
    )
