from bot.telegram.middlewares.retry_after import RetryAfterMiddleware
from bot.telegram.middlewares.user import UserMiddleware

__all__ = ["RetryAfterMiddleware", "UserMiddleware"]
