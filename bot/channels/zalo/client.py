"""An async client of the Zalo OA API: send text (paged within Zalo's limit), refresh the token pair.

Reusable beyond the webhook (hand-off replies from staff): ``await client.send_text(user_id, text)``.
Never raises for Zalo or network trouble: it logs (hashed user, no text) and returns False.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from bot.channels.zalo.tokens import TokenPair, TokenStore
from bot.config import Settings
from bot.metrics import METRICS
from bot.redact import user_hash

log = logging.getLogger("tro_ly_so.zalo")

TEXT_LIMIT = 2000  # characters per text message (eSMS docs for OA texts; see bot/channels/zalo/__init__.py)
TOKEN_ERRORS = frozenset({-216, -124, -220})  # invalid / expired access token: refresh the pair and retry once
BACKOFF = (0.2, 0.5, 1.0)  # seconds before each retry of a network error or 5xx
TIMEOUT = aiohttp.ClientTimeout(total=10)


class SendFailed(Exception):
    """One message could not be delivered; ``reason`` is safe to log (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pages of at most ``limit`` characters, cut at a blank line, a line end or a space when possible,
    each but the last marked "(1/3)" so a citizen knows more is coming."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    room = limit - 12  # for "\n\n(12/34)"
    pages: list[str] = []
    rest = text
    while len(rest) > room:
        cut = -1
        for sep in ("\n\n", "\n", " "):  # the widest break that still fills at least half a page
            if cut < room // 2:
                cut = rest.rfind(sep, 0, room)
        if cut < room // 2:
            cut = room  # one very long word: cut it
        pages.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pages.append(rest)
    return [f"{page}\n\n({i}/{len(pages)})" for i, page in enumerate(pages, 1)]


class ZaloClient:
    def __init__(self, settings: Settings, tokens: TokenStore, backoff: tuple[float, ...] = BACKOFF) -> None:
        self.api_url = settings.zalo_api_url.rstrip("/")
        self.oauth_url = settings.zalo_oauth_url.rstrip("/")
        self.app_id = settings.zalo_app_id
        self.app_secret = settings.zalo_app_secret
        self.salt = settings.user_hash_salt
        self.tokens = tokens
        self.backoff = backoff
        self._session: aiohttp.ClientSession | None = None
        self._refreshing = asyncio.Lock()

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send_text(self, user_id: str, text: str) -> bool:
        """Send ``text`` to a citizen, in pages when long. True when every page was delivered."""
        for page in split_text(text):
            try:
                await self._send_page(user_id, page)
            except SendFailed as failed:
                METRICS.error("zalo")
                who = user_hash(user_id, self.salt)
                log.error("zalo send failed: %s user=%s chars=%d", failed.reason, who, len(page))
                return False
        return True

    async def _send_page(self, user_id: str, text: str) -> None:
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        refreshed = False
        while True:
            used = self.tokens.pair.access_token
            answer = await self._post_json(f"{self.api_url}/v3.0/oa/message/cs", body, {"access_token": used})
            code = _error_code(answer)
            if code == 0:
                return
            if code in TOKEN_ERRORS and not refreshed:
                refreshed = True
                if await self.refresh(used):
                    continue
                raise SendFailed(f"access token rejected ({code}) and the refresh failed")
            raise SendFailed(f"zalo error {code}: {str(answer.get('message', ''))[:100]}")

    async def _post_json(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """POST with retries for network errors and 5xx; Zalo's own errors come back as JSON with HTTP 200."""
        last = ""
        for attempt in range(len(self.backoff) + 1):
            if attempt:
                await asyncio.sleep(self.backoff[attempt - 1])
            try:
                async with self.session().post(url, json=body, headers=headers) as response:
                    if response.status >= 500:
                        last = f"HTTP {response.status}"
                        continue
                    if response.status != 200:
                        raise SendFailed(f"HTTP {response.status}")
                    answer = await response.json(content_type=None)
                    if not isinstance(answer, dict):
                        raise SendFailed("answer is not a JSON object")
                    return answer
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = type(exc).__name__
            except ValueError as exc:  # not JSON
                raise SendFailed("answer is not JSON") from exc
        raise SendFailed(f"gave up after {len(self.backoff) + 1} attempts ({last})")

    async def refresh(self, rejected: str = "") -> bool:
        """Get a new pair with the refresh token and store it. ``rejected``: the access token Zalo refused;
        when another send already replaced it, the new one is used without a second refresh."""
        async with self._refreshing:
            if rejected and self.tokens.pair.access_token != rejected:
                return True
            form = {
                "refresh_token": self.tokens.pair.refresh_token,
                "app_id": self.app_id,
                "grant_type": "refresh_token",
            }
            url = f"{self.oauth_url}/v4/oa/access_token"
            for attempt in range(len(self.backoff) + 1):
                if attempt:
                    await asyncio.sleep(self.backoff[attempt - 1])
                try:
                    async with self.session().post(url, data=form, headers={"secret_key": self.app_secret}) as response:
                        if response.status >= 500:
                            continue
                        answer = await response.json(content_type=None)
                except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                    log.warning("zalo token refresh attempt failed: %s", type(exc).__name__)
                    continue
                if isinstance(answer, dict) and answer.get("access_token") and answer.get("refresh_token"):
                    self.tokens.save(TokenPair(str(answer["access_token"]), str(answer["refresh_token"])))
                    log.info("zalo access token refreshed; the new pair is stored")
                    return True
                METRICS.error("zalo")
                code = answer.get("error") if isinstance(answer, dict) else None
                name = answer.get("error_name", "") if isinstance(answer, dict) else ""
                log.error("zalo token refresh refused (error %s %s): re-authorise the OA, set ZALO_*_TOKEN", code, name)
                return False
            METRICS.error("zalo")
            log.error("zalo token refresh failed: OAuth server unreachable")
            return False


def _error_code(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("error", -1))
    except (TypeError, ValueError):
        return -1
