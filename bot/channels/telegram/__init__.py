"""Telegram: python-telegram-bot handlers, rendering, hand-off to the staff group, the weekly report."""
