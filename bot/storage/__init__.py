from bot.storage.database import Database
from bot.storage.records import (
    DeliveryRecord,
    DeliveryState,
    LedgerEntry,
    TaskRecord,
    TaskState,
    UserRecord,
)
from bot.storage.repositories import LedgerOutcome, Repositories

__all__ = [
    "Database",
    "DeliveryRecord",
    "DeliveryState",
    "LedgerEntry",
    "LedgerOutcome",
    "Repositories",
    "TaskRecord",
    "TaskState",
    "UserRecord",
]
