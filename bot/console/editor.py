"""Editing entries in the browser (filled in below)."""

from aiohttp import web


def register(app: web.Application) -> None:
    pass
