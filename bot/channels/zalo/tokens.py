"""The OA token pair: the env values to start, then the newest pair Zalo gave us, kept in the records DB.

Zalo's refresh token works once: after a refresh only the new pair is valid, so losing it on a restart
would lock the channel out until someone re-authorises the OA by hand. Rule at start: the stored pair wins
unless the operator has put a different ZALO_REFRESH_TOKEN in the environment since it was stored (then
the env pair is the newer one, e.g. after re-authorising the app).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass

from bot.store import Store, iso, now

log = logging.getLogger("tro_ly_so.zalo")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str


def _env_hash(refresh_token: str) -> str:
    # Remember which env token a row grew from without keeping that (soon dead) secret in the DB.
    return hashlib.sha256(refresh_token.encode()).hexdigest()[:16] if refresh_token else ""


class TokenStore:
    """The current pair for one app. Without a database the pair lives in memory (and a restart loses it)."""

    def __init__(self, app_id: str, env: TokenPair, store: Store | None) -> None:
        self.app_id = app_id
        self.store = store
        self._env_hash = _env_hash(env.refresh_token)
        self._pair = env
        if store is None:
            log.warning("no records database: a refreshed Zalo token pair will be lost on restart")
            return
        try:
            row = next(store.db.query("SELECT * FROM zalo_tokens WHERE app_id = ?", [app_id]), None)
        except sqlite3.Error as exc:
            log.error("could not read the stored Zalo tokens: %s", exc)
            return
        if row and (not env.refresh_token or row["env_hash"] == self._env_hash):
            self._pair = TokenPair(row["access_token"], row["refresh_token"])
            log.info("Zalo tokens: using the pair stored at %s", row["updated"])
        elif env.refresh_token:
            self.save(env)  # first start, or the operator replaced the env pair: that one is newer

    @property
    def pair(self) -> TokenPair:
        return self._pair

    def save(self, pair: TokenPair) -> None:
        """Use ``pair`` from now on and keep it; a failed write is logged (the pair still works until restart)."""
        self._pair = pair
        if self.store is None:
            return
        row = {
            "app_id": self.app_id,
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "updated": iso(now()),
            "env_hash": self._env_hash,
        }
        try:
            with self.store.db.conn:
                self.store.db["zalo_tokens"].upsert(row, pk="app_id")
        except sqlite3.Error as exc:
            log.error("could not store the new Zalo token pair (it is used until restart): %s", exc)
