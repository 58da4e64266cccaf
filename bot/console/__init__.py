"""The staff's workplace in the browser: accounts, the entry editor, history and the review queue.

``register_console(app)`` adds every page; ``bot.web.build_web_app`` calls it once."""

from __future__ import annotations

from aiohttp import web


def register_console(app: web.Application) -> None:
    from bot.console import editor, history, people

    people.register(app)
    history.register(app)
    editor.register(app)
