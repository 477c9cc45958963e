from bot.telegram.middlewares.blocked_chats import BlockedChatsMiddleware
from bot.telegram.middlewares.group_access import GroupAccessMiddleware
from bot.telegram.middlewares.in_flight import InFlightUpdates
from bot.telegram.middlewares.pacing import PacingMiddleware
from bot.telegram.middlewares.refusals import RefusalsMiddleware
from bot.telegram.middlewares.retry_after import RetryAfterMiddleware
from bot.telegram.middlewares.send_units import SendUnitsMiddleware
from bot.telegram.middlewares.services import ServicesMiddleware
from bot.telegram.middlewares.user import UserMiddleware

__all__ = [
    "BlockedChatsMiddleware",
    "GroupAccessMiddleware",
    "InFlightUpdates",
    "PacingMiddleware",
    "RefusalsMiddleware",
    "RetryAfterMiddleware",
    "SendUnitsMiddleware",
    "ServicesMiddleware",
    "UserMiddleware",
]
