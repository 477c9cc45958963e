"""Domain errors: each one is something a user can be told in plain words."""

from __future__ import annotations


class BotError(Exception):
    """Base of errors the Telegram layer turns into a message (never a crash)."""


class InsufficientCreditsError(BotError):
    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(f"needs {needed} credits, has {balance}")
        self.needed = needed
        self.balance = balance


class UnknownUserError(BotError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"unknown user {user_id}")
        self.user_id = user_id


class PromptTooLongError(BotError):
    def __init__(self, limit: int, length: int) -> None:
        super().__init__(f"prompt has {length} characters, the model takes {limit}")
        self.limit = limit
        self.length = length


class GroupCapReachedError(BotError):
    """The group has spent its daily credit cap (``GROUP_DAILY_CREDITS``)."""

    def __init__(self, cap: int, spent: int) -> None:
        super().__init__(f"group spent {spent} of its {cap} credits today")
        self.cap = cap
        self.spent = spent


class DuplicateRequestError(BotError):
    """This message was already turned into a task (Telegram delivered the update again)."""

    def __init__(self, chat_id: int, message_id: int | None) -> None:
        super().__init__(f"message {message_id} in chat {chat_id} was already handled")
