"""Thin channel adapters around the conversation core: Telegram, the web chat, Zalo."""
