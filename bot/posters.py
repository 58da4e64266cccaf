"""Printable QR posters for the one-stop desk: an A4 PDF to print and a PNG for social media.

Given a target (the whole assistant, a sector or one entry), the bot's username, the web chat address,
an optional Zalo OA link and the office's name, ``poster_content`` gathers the words and links, ``layout``
places them on an A4 page (millimetres), and two small renderers draw that same layout: fpdf2 for the PDF
(the QR code as vector SVG from segno, the DejaVu Sans font embedded so every Vietnamese diacritic prints)
and Pillow for the PNG. No network, no database: the console page and the CLI pass everything in.
"""

from __future__ import annotations

import io
import ipaddress
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from bot.deeplinks import Target, telegram_link
from knowledge import Catalogue

FONTS = Path(__file__).resolve().parent / "fonts"  # DejaVu Sans: free licence in fonts/LICENSE
FONT_REGULAR = FONTS / "DejaVuSans.ttf"
FONT_BOLD = FONTS / "DejaVuSans-Bold.ttf"

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, millimetres
MARGIN = 15.0
PT = 25.4 / 72  # one typographic point in millimetres
PNG_WIDTH = 1240  # pixels: A4 at 150 dpi, sharp on a phone and fine for a quick print
BLUE = (11, 83, 148)  # the console's header colour
INK = (27, 31, 36)
GREY = (90, 98, 110)
WHITE = (255, 255, 255)

# -- the words on the poster (Vietnamese, for people waiting at the desk) ------------------------------

ASSISTANT = "TRỢ LÝ SỐ"
TAGLINE = "Hỏi đáp thủ tục hành chính, dịch vụ công trực tuyến"
WHOLE_TITLE = "Hỏi gì về giấy tờ, thủ tục cũng được"
KICKER = {"all": "Bạn cần làm thủ tục?", "sector": "Hỏi đáp về lĩnh vực", "entry": "Hướng dẫn"}
SCAN = "Quét mã QR để hỏi ngay trên Telegram"
STEPS = (
    "1. Mở camera điện thoại, hướng vào mã QR và bấm vào đường dẫn.",
    "2. Telegram mở cuộc trò chuyện với Trợ lý số: bấm “Bắt đầu” (Start).",
    "3. Gõ câu hỏi bằng tiếng Việt, có dấu hay không dấu đều được.",
)
WEB_LABEL = "Hỏi trên trang web:"
ZALO_LABEL = "Hỏi qua Zalo:"
FOOTER = "Trợ lý trả lời tự động, không cần số căn cước hay số điện thoại. Cần giúp thêm, xin hỏi cán bộ tại quầy."

_LOCAL_HOSTS = {"localhost", "0.0.0.0", "::", "::1"}


class PosterError(ValueError):
    """The poster cannot be made as asked (unknown entry or sector, bad bot name): the message says why,
    in Vietnamese, for the console page and the command line."""


@dataclass(frozen=True)
class PosterContent:
    """Everything printed on one poster."""

    kind: Literal["all", "sector", "entry"]
    title: str
    telegram_link: str
    office_name: str = ""
    web_chat_url: str = ""  # empty: no web line
    zalo_link: str = ""  # empty: no Zalo line

    @property
    def kicker(self) -> str:
        return KICKER[self.kind]


def public_address(url: str) -> bool:
    """Can a citizen's phone open this address? Not when it is this machine (127.0.0.1, localhost,
    0.0.0.0): WEB_CHAT_URL's default is only right for the office's own network or a test."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    if host in _LOCAL_HOSTS:
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a name, such as tro-ly-so.xa-abc.gov.vn


def poster_content(
    target: Target,
    catalogue: Catalogue,
    *,
    bot_username: str,
    office_name: str = "",
    web_chat_url: str = "",
    zalo_link: str = "",
) -> PosterContent:
    """The poster for ``target``. Raises PosterError when the entry or sector does not exist or the bot's
    name cannot make a link. Addresses a phone could not open (this machine, not http/https) are left off."""
    if target.kind == "entry":
        entry = catalogue.entries.get(target.id)
        if entry is None:
            raise PosterError(f"Không có mục “{target.id}” trong danh mục.")
        title = entry.title
    elif target.kind == "sector":
        sector = catalogue.sectors.get(target.id)
        if sector is None:
            raise PosterError(f"Không có lĩnh vực “{target.id}”.")
        title = sector.title
    else:
        title = WHOLE_TITLE
    try:
        link = telegram_link(bot_username, target)
    except ValueError as exc:
        raise PosterError(f"Không tạo được đường dẫn Telegram: {exc}.") from exc
    return PosterContent(
        kind=target.kind,
        title=_nfc(title),
        telegram_link=link,
        office_name=_nfc(office_name.strip()),
        web_chat_url=web_chat_url if public_address(web_chat_url) else "",
        zalo_link=zalo_link if zalo_link.startswith("https://") else "",
    )


def _nfc(text: str) -> str:
    """Precomposed letters (ấ, not a + ̂ + ́): one glyph each, so diacritics never drift or split."""
    return unicodedata.normalize("NFC", text)


# -- layout: one description in millimetres, drawn by both renderers ----------------------------------


@dataclass(frozen=True)
class Text:
    x: float  # left edge, or the centre when ``center``
    y: float  # baseline
    text: str
    size: float  # points
    bold: bool = False
    color: tuple[int, int, int] = INK
    center: bool = True


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    color: tuple[int, int, int]


@dataclass(frozen=True)
class Code:
    x: float
    y: float
    size: float  # the square, quiet zone included
    data: str


Item = Text | Box | Code


@cache
def _measure_font(bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size=1000)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in millimetres of ``text`` at ``size`` points (the font's advance widths)."""
    return _measure_font(bold).getlength(text) / 1000 * size * PT


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width`` millimetres; a single word longer than the line stays whole."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def qr_code(data: str) -> segno.QRCode:
    # Error level Q (25% may be damaged): posters get folded, taped over and scratched at the desk.
    return segno.make(data, error="q", boost_error=False, micro=False)


def layout(content: PosterContent) -> list[Item]:
    """Place the poster on an A4 page: header, title, the big QR code, how to use it, other channels."""
    items: list[Item] = []
    mid = PAGE_W / 2
    width = PAGE_W - 2 * MARGIN
    office_size, office = 13.0, []
    if content.office_name:  # a long name gets smaller type first, then a second line; never cut
        while text_width(content.office_name, office_size, bold=True) > width and office_size > 10:
            office_size -= 0.5
        office = wrap(content.office_name, width, office_size, bold=True)
    header = 30.0 + 5.5 * len(office) + (4.5 if office else 0)
    items.append(Box(0, 0, PAGE_W, header, BLUE))
    items.append(Text(mid, 17, ASSISTANT, 30, bold=True, color=WHITE))
    items.append(Text(mid, 26, TAGLINE, 12, color=WHITE))
    for i, line in enumerate(office):
        items.append(Text(mid, 35 + i * 5.5, line, office_size, bold=True, color=WHITE))

    y = header + 14
    items.append(Text(mid, y, content.kicker, 16, color=GREY))
    size = 30.0
    lines = wrap(content.title, width, size, bold=True)
    while len(lines) > 2 and size > 18:  # long entry titles: smaller type rather than a fourth line
        size -= 2
        lines = wrap(content.title, width, size, bold=True)
    for line in lines[:3]:
        y += size * PT * 1.25
        items.append(Text(mid, y, line, size, bold=True))

    channels = [(WEB_LABEL, content.web_chat_url), (ZALO_LABEL, content.zalo_link)]
    channels = [(label, url) for label, url in channels if url]
    bottom = PAGE_H - 14  # the footer's baseline
    if channels:
        bottom -= 44
    steps = [line for step in STEPS for line in wrap(step, width - 10, 13)]
    steps_height = 11.5 + (len(steps) - 1) * 6.6
    qr_top = y + 6
    qr_size = min(115.0 if channels else 135.0, bottom - qr_top - 16 - steps_height)
    items.append(Code(mid - qr_size / 2, qr_top, qr_size, content.telegram_link))
    y = qr_top + qr_size + 4
    items.append(Text(mid, y, SCAN, 16, bold=True, color=BLUE))
    y += 6
    items.append(Text(mid, y, content.telegram_link.removeprefix("https://"), 11, color=GREY))
    y += 4
    items.append(Box(MARGIN, y, width, steps_height, (234, 241, 250)))
    y += 0.4
    for line in steps:
        y += 6.6
        items.append(Text(MARGIN + 5, y, line, 13, center=False))

    if channels:
        top = PAGE_H - 14 - 40
        column = width / len(channels)
        for i, (label, url) in enumerate(channels):
            left = MARGIN + i * column
            code = 32.0
            items.append(Code(left, top, code, url))
            text_left, text_width_mm = left + code + 3, column - code - 6
            line_y = top + 12
            for line in wrap(label, text_width_mm, 12, bold=True):
                items.append(Text(text_left, line_y, line, 12, bold=True, center=False))
                line_y += 5.5
            for line in _wrap_url(url.removeprefix("https://"), text_width_mm, 11):
                items.append(Text(text_left, line_y, line, 11, color=BLUE, center=False))
                line_y += 5

    for i, line in enumerate(wrap(FOOTER, width, 9)):
        items.append(Text(mid, PAGE_H - 14 + i * 4.2, line, 9, color=GREY))
    return items


def _wrap_url(url: str, width: float, size: float) -> list[str]:
    """An address has no spaces: cut it where the line is full, so it never runs off the page."""
    lines, current = [], ""
    for char in url:
        if current and text_width(current + char, size) > width:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current else lines


# -- renderers ----------------------------------------------------------------------------------------


def render_pdf(content: PosterContent) -> bytes:
    """The poster as a one-page A4 PDF with the font embedded (subset) and vector QR codes."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(f"{ASSISTANT.title()} – {content.title}")
    pdf.set_creator("Trợ lý số")
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.add_page()
    for item in layout(content):
        if isinstance(item, Box):
            pdf.set_fill_color(*item.color)
            pdf.rect(item.x, item.y, item.w, item.h, style="F")
        elif isinstance(item, Code):
            svg = io.BytesIO()
            qr_code(item.data).save(svg, kind="svg", scale=1, border=4, xmldecl=False, nl=False, omitsize=True)
            svg.seek(0)
            pdf.image(svg, x=item.x, y=item.y, w=item.size, h=item.size)
        else:
            pdf.set_font("DejaVu", "B" if item.bold else "", item.size)
            pdf.set_text_color(*item.color)
            x = item.x - pdf.get_string_width(item.text) / 2 if item.center else item.x
            pdf.text(x, item.y, item.text)
    return bytes(pdf.output())


def render_png(content: PosterContent, width: int = PNG_WIDTH) -> bytes:
    """The same poster as a PNG, ``width`` pixels wide, A4 proportions."""
    scale = width / PAGE_W  # pixels per millimetre
    image = Image.new("RGB", (width, round(PAGE_H * scale)), WHITE)
    draw = ImageDraw.Draw(image)
    for item in layout(content):
        if isinstance(item, Box):
            box = (item.x * scale, item.y * scale, (item.x + item.w) * scale, (item.y + item.h) * scale)
            draw.rectangle(box, fill=item.color)
        elif isinstance(item, Code):
            qr = qr_code(item.data)
            side = round(item.size * scale)
            modules = qr.symbol_size(scale=1, border=4)[0]
            png = io.BytesIO()
            # whole pixels per module, so the code stays sharp (no resampling)
            qr.save(png, kind="png", scale=max(1, side // modules), border=4)
            png.seek(0)
            code = Image.open(png).convert("RGB")
            offset = (side - code.width) // 2
            image.paste(code, (round(item.x * scale) + offset, round(item.y * scale) + offset))
        else:
            font = _draw_font(item.bold, round(item.size * PT * scale))
            anchor = "ms" if item.center else "ls"  # middle or left, on the baseline
            draw.text((item.x * scale, item.y * scale), item.text, font=font, fill=item.color, anchor=anchor)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@cache
def _draw_font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size=max(1, pixels))


def render(content: PosterContent, fmt: str) -> bytes:
    """``fmt``: "pdf" or "png"."""
    if fmt == "pdf":
        return render_pdf(content)
    if fmt == "png":
        return render_png(content)
    raise PosterError(f"Chỉ có áp phích dạng PDF hoặc PNG, không có “{fmt}”.")


def file_name(target: Target, fmt: str) -> str:
    """A download name staff recognise: ap-phich-qr-<target>.pdf."""
    return f"ap-phich-qr-{target.id or 'tro-ly-so'}.{fmt}"
