"""Delivery: Telegram, web, CLI and storage, all over the `knowledge` core."""
