"""Remove personal data from text before it is stored or logged."""

from __future__ import annotations

import hashlib
import re

_SEP = r"[\s.\-]?"
# A digit run ends where no further digit follows, even after a space or dot ("1903 5555 6666 01" is one run).
_END = r"(?![\s.\-]?\d)"
_START = r"(?<!\d)(?<!\d[\s.\-])"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # Licence plates: 82A-123.45, 29A1 234.56, 51F 12345, 82-B1 123.45
    (re.compile(r"(?<![\w])\d{2}\s?-?\s?[A-Za-z]{1,2}\d?\s?-?\s?\d{3}\.?\d{2}(?![\w])"), "[biển số]"),
    (re.compile(r"\(0\d{2,3}\)\s?\d(?:" + _SEP + r"\d){5,7}" + _END), "[số điện thoại]"),  # (0260) 3 123 456
    # Phones: 0912 345 678, 0912.345.678, +84 912 345 678, 84912345678, (0260) 3 123 456
    (re.compile(r"(?<![\w+])(?:\+?84|\(?0)\)?(?:" + _SEP + r"\d){8,10}" + _END), "[số điện thoại]"),
    (re.compile(_START + r"\d(?:" + _SEP + r"\d){11}" + _END), "[số căn cước]"),  # 12 digits
    (re.compile(_START + r"\d(?:" + _SEP + r"\d){8}" + _END), "[số CMND]"),  # 9 digits
    (re.compile(_START + r"\d(?:" + _SEP + r"\d){7,}" + _END), "[dãy số]"),  # account-like runs
]


def redact(text: str) -> str:
    for pattern, label in _PATTERNS:
        text = pattern.sub(label, text)
    return text


def holds_identifiers(text: str) -> bool:
    """Whether the text carries an ID card, phone, account number or e-mail address (not a licence plate,
    which a question about fines may well name)."""
    return any(pattern.search(text) for pattern, label in _PATTERNS if label != "[biển số]")


def user_hash(user_id: int | str, salt: str) -> str:
    """A stable pseudonym for a user: the raw id is never stored."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:16]
