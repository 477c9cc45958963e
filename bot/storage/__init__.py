from bot.storage.database import Database
from bot.storage.records import (
    DeliveryRecord,
    DeliveryState,
    InboxEntry,
    LedgerEntry,
    NoticeRecord,
    NoticeState,
    PaymentRecord,
    PaymentState,
    PromoRecord,
    TaskRecord,
    TaskState,
    UserRecord,
)
from bot.storage.repositories import LedgerOutcome, Repositories, ledger_key

__all__ = [
    "Database",
    "DeliveryRecord",
    "DeliveryState",
    "InboxEntry",
    "LedgerEntry",
    "LedgerOutcome",
    "NoticeRecord",
    "NoticeState",
    "PaymentRecord",
    "PaymentState",
    "PromoRecord",
    "Repositories",
    "TaskRecord",
    "TaskState",
    "UserRecord",
    "ledger_key",
]
