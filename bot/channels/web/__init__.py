"""The citizens' web chat page and the embeddable widget (served by bot/web.py)."""
