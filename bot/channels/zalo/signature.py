"""Zalo's webhook signature: ``X-ZEvent-Signature: mac=<hex>``.

hex = sha256(app id + exact raw body + the body's ``timestamp`` + OA secret key), a plain digest of the
concatenation (not an HMAC). Sources are listed in bot/channels/zalo/__init__.py.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-ZEvent-Signature"


def mac(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex digest Zalo puts in the header for this body."""
    return hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def header_value(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The whole header as Zalo sends it (for our fake server, tests and the bench)."""
    return "mac=" + mac(app_id, raw_body, timestamp, oa_secret_key)


def verify(header: str, app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    """True when ``header`` carries the right mac. Constant-time; an empty key or timestamp never passes."""
    if not (header and oa_secret_key and timestamp):
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    expected = mac(app_id, raw_body, timestamp, oa_secret_key)
    return hmac.compare_digest(given.lower().encode(), expected.encode())
