"""Where the bot may send citizens: official domains only.

Every link in the catalogue, in a link list or inside an answer, must be https and on one of
these domains (or a subdomain). Adding a domain here is a decision, not a data edit.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

OFFICIAL_DOMAINS: tuple[str, ...] = (
    "gov.vn",  # every Vietnamese government site
    "play.google.com",  # official app store pages (apps published by state agencies)
    "apps.apple.com",
)

URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be shown to citizens, or None when it may."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https":
        return "liên kết phải bắt đầu bằng https://"
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return "liên kết không có tên miền"
    if parts.username or parts.password or parts.port not in (None, 443):
        return "liên kết không được chứa tên đăng nhập, mật khẩu hay cổng riêng"
    if not any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS):
        return f"tên miền {host} không nằm trong danh sách trang chính thức ({', '.join(OFFICIAL_DOMAINS)})"
    return None


def urls_in(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;:") for m in URL_IN_TEXT.finditer(text)]
