"""A fake Telegram Bot API server on 127.0.0.1 for driving the real python-telegram-bot Application.

It implements what the bot calls, queues updates for getUpdates, records every call, and can be told
to fail: 429 with retry_after, 500, slow responses, dropped connections, 403 for a blocked chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT = {
    "id": 7000001,
    "is_bot": True,
    "first_name": "Trợ lý số",
    "username": "trolyso_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None


@dataclass
class Failure:
    kind: str  # "429" | "500" | "slow" | "drop" | "403" | "json"
    times: int = 1
    chat_id: int | None = None
    retry_after: int = 1
    delay: float = 0.0


def _value(raw: str) -> Any:
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


class FakeTelegram:
    def __init__(self, keep_calls: bool = True) -> None:
        # keep_calls=False: counters only, so that a soak run measures the bot's memory, not ours.
        self.keep_calls = keep_calls
        self.counts: Counter[str] = Counter()
        self.on_send: Callable[[int, float], None] | None = None  # (chat_id, monotonic time) per sendMessage
        self.calls: list[Call] = []
        self.updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()
        self.failures: dict[str, list[Failure]] = {}
        self.handed_out: set[int] = set()  # update ids returned by getUpdates at least once
        self.port = 0
        self._runner: web.AppRunner | None = None
        self.closing = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self.closing = True
        self._new_update.set()
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- test controls -----------------------------------------------------------------------

    def fail(self, method: str, kind: str, **kwargs: Any) -> None:
        self.failures.setdefault(method, []).append(Failure(kind, **kwargs))

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        self._new_update.set()
        return update_id

    def text(self, text: str, user_id: int = 111, chat_id: int | None = None, **extra: Any) -> int:
        return self.push({"message": self.message(text, user_id, chat_id, **extra)})

    def message(
        self,
        text: str | None,
        user_id: int = 111,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Lan",
        **extra: Any,
    ) -> dict[str, Any]:
        chat_id = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": chat_type, **({"title": "Nhóm thôn"} if chat_type != "private" else {})},
            "from": {"id": user_id, "is_bot": False, "first_name": first_name},
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        message.update(extra)
        return message

    def tap(self, data: str, user_id: int = 111, message: dict[str, Any] | None = None) -> int:
        message = message or self.message("…", user_id, **{"from": BOT})
        return self.push(
            {
                "callback_query": {
                    "id": str(next(self._message_ids)),
                    "from": {"id": user_id, "is_bot": False, "first_name": "Lan"},
                    "chat_instance": "ci",
                    "data": data,
                    "message": message,
                }
            }
        )

    def inline(self, query: str, user_id: int = 111) -> int:
        return self.push(
            {
                "inline_query": {
                    "id": str(next(self._message_ids)),
                    "from": {"id": user_id, "is_bot": False, "first_name": "Lan"},
                    "query": query,
                    "offset": "",
                }
            }
        )

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    async def wait_for(
        self, method: str, count: int = 1, chat_id: int | None = None, timeout: float = 10
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            if not self.keep_calls and chat_id is None:
                if self.counts[method] >= count:
                    return []
                found: list[Call] = []
            else:
                found = self.sent(method, chat_id)
                if len(found) >= count:
                    return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = len(found) if self.keep_calls else self.counts[method]
                raise AssertionError(f"expected {count} {method} call(s), got {got}: {self.calls[-5:]}")
            self._new_call.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_call.wait(), remaining)

    # -- the API -----------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        form = await request.post()
        return {k: _value(v) if isinstance(v, str) else v for k, v in form.items()}

    def _failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures.get(method, []):
            if failure.times > 0 and (failure.chat_id is None or str(failure.chat_id) == str(params.get("chat_id"))):
                failure.times -= 1
                return failure
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        failure = self._failure(method, params)
        if failure:
            if failure.kind == "slow":
                await asyncio.sleep(failure.delay)
            elif failure.kind == "drop":
                request.transport.abort()  # type: ignore[union-attr]
                raise ConnectionResetError("dropped by the fake server")
            elif failure.kind == "json":
                return web.Response(text="{not json", content_type="application/json")
            else:
                return self._error(failure)
        if method != "getUpdates":
            self.counts[method] += 1
            if self.keep_calls:
                self.calls.append(Call(method, params))
            if method == "sendMessage" and self.on_send:
                self.on_send(int(params.get("chat_id", 0)), time.monotonic())
            self._new_call.set()
        handler = getattr(self, f"api_{method}", None)
        result = await handler(params) if handler else True
        if method != "getUpdates" and self.keep_calls:
            self.calls[-1].result = result
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(failure: Failure) -> web.Response:
        if failure.kind == "429":
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {failure.retry_after}",
                "parameters": {"retry_after": failure.retry_after},
            }
            return web.json_response(body, status=429)
        if failure.kind == "403":
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
            return web.json_response(body, status=403)
        return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500)

    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()  # confirmed by the bot's offset
        if not self.updates and not self.closing:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), float(params.get("timeout") or 0))
        limit = int(params.get("limit") or 100)
        batch = list(itertools.islice(self.updates, limit))
        if self.keep_calls:
            self.handed_out.update(u["update_id"] for u in batch)
        return batch

    def _message_result(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT,
            "text": params.get("text", ""),
        }

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message_result(params)

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message_result(params)
