"""Staff accounts, their sessions, login throttling and the audit log. No web framework here.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``, RFC 9106 parameters): salted,
memory-hard, and the hash names its own parameters, so stronger settings later re-hash on next login.
Session tokens are stored only as their SHA-256: a copy of the database opens no session.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.store import iso, now

ROLES = ("admin", "editor", "viewer")
ROLE_LABELS = {"admin": "Quản trị", "editor": "Biên tập", "viewer": "Chỉ xem"}
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
MAX_SESSION_SECONDS = 12 * 3600  # even an active session ends after a working day
# On a database without accounts, ADMIN_TOKEN opens a setup session under this name (it cannot be a real
# user name): administrator rights until the first personal account exists, then it ends.
SETUP_USER = "(admin_token)"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))  # unknown names cost as much as known ones


class AccountError(ValueError):
    """A refused account change; the message says what to do, in Vietnamese."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Slow on purpose (argon2); run it off the event loop."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự. Hãy chọn một câu dễ nhớ, khó đoán.")
    if len(password) > 512:
        raise AccountError("Mật khẩu quá dài (tối đa 512 ký tự).")


def clean_username(raw: object) -> str:
    return str(raw or "").strip().lower()[:64]


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    active: bool = True

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "editor")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return self.display_name or self.username


def _user(row: dict[str, Any]) -> User:
    return User(row["username"], row["display_name"] or "", row["role"], bool(row["active"]))


class Accounts:
    """The ``users`` table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def count(self) -> int:
        """Personal accounts (the setup session's placeholder does not count)."""
        return self.db.execute("SELECT count(*) FROM users WHERE username != ?", [SETUP_USER]).fetchone()[0]

    def setup_user(self) -> str:
        """The placeholder an ADMIN_TOKEN setup session belongs to; it has no password."""
        if not self._row(SETUP_USER):
            with self.db.conn:
                self.db["users"].insert(
                    {
                        "username": SETUP_USER,
                        "display_name": "ADMIN_TOKEN (cài đặt ban đầu)",
                        "role": "admin",
                        "password_hash": None,
                        "active": 1,
                        "created": iso(now()),
                    }
                )
        return SETUP_USER

    def get(self, username: str) -> User | None:
        row = self._row(username)
        return _user(row) if row else None

    def _row(self, username: str) -> dict[str, Any] | None:
        name = username if username == SETUP_USER else clean_username(username)
        rows = list(self.db.query("SELECT * FROM users WHERE username = ?", [name]))
        return rows[0] if rows else None

    def password_hash(self, username: str) -> str | None:
        row = self._row(username)
        return row["password_hash"] if row and row["active"] else None

    def all(self) -> list[dict[str, Any]]:
        return [
            dict(r) for r in self.db.query("SELECT * FROM users WHERE username != ? ORDER BY username", [SETUP_USER])
        ]

    def add(self, username: str, password: str, role: str, display_name: str = "") -> User:
        username = clean_username(username)
        if not USERNAME.match(username):
            raise AccountError(
                "Tên đăng nhập gồm 3–32 chữ thường không dấu, số, dấu chấm, gạch ngang; ví dụ: nguyen.van.a."
            )
        if role not in ROLES:
            raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        if self._row(username):
            raise AccountError(f'Tên đăng nhập "{username}" đã có. Chọn tên khác.')
        check_password(password)
        with self.db.conn:
            self.db["users"].insert(
                {
                    "username": username,
                    "display_name": " ".join(display_name.split())[:80],
                    "role": role,
                    "password_hash": hash_password(password),
                    "active": 1,
                    "created": iso(now()),
                    "last_login": None,
                }
            )
        return User(username, display_name, role)

    def _update(self, username: str, **values: Any) -> None:
        if not self._row(username):
            raise AccountError(f'Không có tài khoản "{clean_username(username)}".')
        with self.db.conn:
            self.db["users"].update(clean_username(username), values)

    def set_active(self, username: str, active: bool) -> None:
        self._update(username, active=int(active))

    def set_role(self, username: str, role: str) -> None:
        if role not in ROLES:
            raise AccountError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
        self._update(username, role=role)

    def reset(self, username: str, password: str) -> None:
        check_password(password)
        self._update(username, password_hash=hash_password(password))

    def logged_in(self, username: str, password: str) -> None:
        """After a successful login: note the time, and re-hash if the parameters were strengthened."""
        row = self._row(username)
        values: dict[str, Any] = {"last_login": iso(now())}
        if row and _hasher.check_needs_rehash(row["password_hash"]):
            values["password_hash"] = hash_password(password)
        self._update(username, **values)


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Console sessions in SQLite: they survive restarts, end after ``idle_seconds`` without use, and
    an account can end all of its own at once."""

    def __init__(
        self, db: sqlite_utils.Database, idle_seconds: float = 1800, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.idle_seconds, self.clock = db, idle_seconds, clock

    def create(self, username: str) -> tuple[str, str]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        moment = self.clock()
        with self.db.conn:
            self.db["sessions"].insert(
                {
                    "token_hash": _digest(token),
                    "username": username,
                    "csrf": csrf,
                    "created": moment,
                    "last_seen": moment,
                }
            )
        return token, csrf

    def lookup(self, token: str | None) -> Session | None:
        if not token:
            return None
        key = _digest(token)
        rows = list(
            self.db.query(
                "SELECT s.*, u.display_name, u.role, u.active FROM sessions s JOIN users u USING (username) "
                "WHERE s.token_hash = ?",
                [key],
            )
        )
        if not rows:
            return None
        row, moment = rows[0], self.clock()
        if (
            not row["active"]
            or moment - row["last_seen"] > self.idle_seconds
            or moment - row["created"] > MAX_SESSION_SECONDS
            or (row["username"] == SETUP_USER and Accounts(self.db).count())
        ):
            self.drop_hash(key)
            return None
        if moment - row["last_seen"] > 30:  # one write a minute or so, not one per request
            with self.db.conn:
                self.db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", [moment, key])
        user = User(row["username"], row["display_name"] or "", row["role"], True)
        return Session(user, row["csrf"], key)

    def csrf(self, token: str | None) -> str | None:
        """The CSRF token of a live session (the name the first console used)."""
        session = self.lookup(token)
        return session.csrf if session else None

    def drop(self, token: str | None) -> None:
        if token:
            self.drop_hash(_digest(token))

    def drop_hash(self, key: str) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM sessions WHERE token_hash = ?", [key])

    def drop_user(self, username: str) -> int:
        with self.db.conn:
            return self.db.execute("DELETE FROM sessions WHERE username = ?", [username]).rowcount

    def count(self, username: str) -> int:
        return self.db.execute("SELECT count(*) FROM sessions WHERE username = ?", [username]).fetchone()[0]

    def purge(self) -> int:
        moment = self.clock()
        with self.db.conn:
            return self.db.execute(
                "DELETE FROM sessions WHERE last_seen < ? OR created < ?",
                [moment - self.idle_seconds, moment - MAX_SESSION_SECONDS],
            ).rowcount


@dataclass
class _Key:
    failures: int = 0
    last: float = 0.0
    busy: bool = False


@dataclass
class Throttle:
    """Login attempts per account and per client address.

    ``free`` failures cost nothing; after that each attempt must wait 2, 4, 8 … seconds (at most
    ``max_wait``) after the last failure. Only one attempt per key is evaluated at a time, and at most
    ``parallel`` in all: a burst of guesses sent at once gets 429 without costing a password check."""

    free: int = 3
    max_wait: float = 900.0
    forget_after: float = 3600.0
    parallel: int = 4
    clock: Callable[[], float] = time.monotonic
    keys: dict[str, _Key] = field(default_factory=dict)
    busy: int = 0

    def retry_after(self, keys: Iterable[str]) -> int:
        """Seconds to wait before an attempt is evaluated; 0: go ahead."""
        moment, wait = self.clock(), 0.0
        if self.busy >= self.parallel:
            wait = 1.0
        for name in keys:
            key = self.keys.get(name)
            if key is None:
                continue
            if moment - key.last > self.forget_after and not key.busy:
                del self.keys[name]
                continue
            if key.busy:
                wait = max(wait, 1.0)
            if key.failures >= self.free:
                delay = min(self.max_wait, 2.0 ** (key.failures - self.free + 1))
                wait = max(wait, key.last + delay - moment)
        return math.ceil(wait) if wait > 0 else 0

    def begin(self, keys: Iterable[str]) -> None:
        if len(self.keys) > 10_000:  # many addresses: forget the ones quiet for an hour
            moment = self.clock()
            self.keys = {k: v for k, v in self.keys.items() if v.busy or moment - v.last <= self.forget_after}
        self.busy += 1
        for name in keys:
            self.keys.setdefault(name, _Key()).busy = True

    def end(self, keys: Iterable[str], ok: bool) -> None:
        self.busy -= 1
        moment = self.clock()
        for name in keys:
            key = self.keys.setdefault(name, _Key())
            key.busy = False
            if ok:
                key.failures = 0
            else:
                key.failures += 1
                key.last = moment


class Audit:
    """Who did what in the console, kept as long as the other records (RETENTION_DAYS)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def add(self, username: str, action: str, target: str = "", detail: str = "", address: str = "") -> None:
        with self.db.conn:
            self.db["audit"].insert(
                {
                    "at": iso(now()),
                    "username": username[:64],
                    "action": action,
                    "target": str(target)[:200],
                    "detail": str(detail)[:1000],
                    "address": address[:64],
                }
            )

    def rows(self, limit: int = 500, action: str = "", username: str = "") -> list[dict[str, Any]]:
        where, params = ["1 = 1"], []
        if action:
            where.append("action = ?")
            params.append(action)
        if username:
            where.append("username = ?")
            params.append(username)
        sql = f"SELECT * FROM audit WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        return [dict(r) for r in self.db.query(sql, [*params, limit])]
