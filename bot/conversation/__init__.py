"""The channel-neutral conversation: Telegram, the web chat, Zalo and the CLI are thin adapters around it."""

from bot.conversation.core import Conversation
from bot.conversation.memory import Memory
from bot.conversation.replies import Answer, AskBack, Choices, NoAnswer, Notice, Place, Reply, wants_a_person

__all__ = [
    "Answer",
    "AskBack",
    "Choices",
    "Conversation",
    "Memory",
    "NoAnswer",
    "Notice",
    "Place",
    "Reply",
    "wants_a_person",
]
