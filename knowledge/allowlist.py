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


def _official(host: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in OFFICIAL_DOMAINS)


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
    if not _official(host):
        return f"tên miền {host} không nằm trong danh sách trang chính thức ({', '.join(OFFICIAL_DOMAINS)})"
    return None


def urls_in(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;:") for m in URL_IN_TEXT.finditer(text)]


# A web address typed in a message: with a scheme, "www.", or a bare name under a common top-level domain
# ("vneid-capnhat.xyz", "dichvucong-gov.vn.top"); not the domain of an e-mail address ("@gmail.com").
_TYPED_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|xyz|top|vip|online|site|app|click|link"
    r"|shop|store|live|club|cc|io|me|tk|asia|vn)(?![\w-])(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)


_MAYBE_LINK = re.compile(r"://|www\.|\.[a-zA-Z]{2}")  # cheap: most questions hold no address at all


def unofficial_host(text: str) -> str | None:
    """The first web address in ``text`` that is not on an official domain (its host), or None. A citizen
    pasting such a link is most often asking whether it is real."""
    if not _MAYBE_LINK.search(text):
        return None  # every question is checked: the full pattern costs ~5 µs on a long one, this ~0.3
    for match in _TYPED_LINK.finditer(text):
        found = match.group(0).rstrip(".,;:!?")
        host = (urlsplit(found if "://" in found else "http://" + found).hostname or "").rstrip(".")
        if host and not _official(host):
            return host
    return None
