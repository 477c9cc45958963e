"""What the services need from the chat side, as small interfaces the Telegram layer implements.

Services speak in events and typed outcomes (a task is queued, a file must go out, a notice
is due); the wording, the language, keyboards and every Bot API call live in ``bot/telegram``.
So a service's unit test needs no Bot, and a second front end would need no service change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.domain import DeliveryMethod

if TYPE_CHECKING:
    from bot.storage import DeliveryRecord, NoticeRecord, TaskRecord


# -- progress of a request (best effort) ---------------------------------------------------


class ProgressStage(StrEnum):
    QUEUED = "queued"  # charged; about to go to Kie
    WAITING = "waiting"  # held in our queue (Kie's pace)
    RUNNING = "running"  # Kie has it


class TaskProgress(Protocol):
    async def show(
        self, task: TaskRecord, stage: ProgressStage, *, model_name: str, balance: int | None = None
    ) -> int | None:
        """Put ``stage`` in the task's progress message, or send one if it has none. Returns
        the id of a message sent anew (to be recorded), else None. Never raises: progress
        is a courtesy; outcomes go through the outbox."""
        ...


# -- outcome notices (the outbox) ----------------------------------------------------------


class NoticeKind(StrEnum):
    """What a notice tells; its payload carries the values (see ``Notifier.record``)."""

    TASK_DONE = "task_done"  # kind, price
    TASK_FAILED = "task_failed"  # kind, price, balance, reason, detail
    OPERATOR_REFUND = "operator_refund"  # kind, price, balance
    TASK_CANCELLED = "task_cancelled"  # kind, price, balance (the user's cancel)
    KIE_BALANCE_LOW = "kie_balance_low"  # balance, threshold (for admins)


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a passing failure: try again later
    EDIT_IMPOSSIBLE = "edit_impossible"  # the message to edit is gone or frozen: send a new one
    UNDELIVERABLE = "undeliverable"  # the chat refuses us (403) or does not exist: stop


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    detail: str = ""


class NoticeSender(Protocol):
    async def deliver(self, notice: NoticeRecord) -> SendResult:
        """Word the notice in its language and try once; never raises."""
        ...


# -- result files --------------------------------------------------------------------------


class ChatRefusedError(Exception):
    """The chat refuses the bot (403): nothing more can be delivered there."""


class PassingSendError(Exception):
    """Telegram had a bad moment (5xx, network, flood control): try again later."""


class MethodRefusedError(Exception):
    """This way of sending is refused (too large, wrong type): try the next rung."""


@dataclass(frozen=True, slots=True)
class SentFile:
    message_id: int
    file_id: str | None  # Telegram's id of the uploaded file, for a free resend


@dataclass(frozen=True, slots=True)
class LocalFile:
    path: Path
    name: str


class FileSender(Protocol):
    async def send_file(
        self, task: TaskRecord, delivery: DeliveryRecord, file: LocalFile, method: DeliveryMethod
    ) -> SentFile:
        """Send a downloaded result as ``method``; raises one of the errors above."""
        ...

    async def send_link(self, task: TaskRecord, delivery: DeliveryRecord, url: str) -> SentFile:
        """Send a download link instead of the file; raises one of the errors above."""
        ...


class ResultResender(Protocol):
    async def resend(
        self, task: TaskRecord, delivery: DeliveryRecord, *, chat_id: int, thread_id: int | None, language: str
    ) -> bool:
        """Send a delivered file again by its Telegram ``file_id`` (no upload, no Kie);
        False when Telegram refuses it. Never raises."""
        ...


# -- pictures a request starts from ---------------------------------------------------------


class PictureUnavailableError(Exception):
    """The picture cannot be had any more (deleted, too large for the Bot API to hand out)."""


class PictureSource(Protocol):
    async def fetch(self, file_id: str, directory: Path) -> LocalFile:
        """Download a chat's file (by its Telegram id) into ``directory``; raises
        PictureUnavailableError, or another error for a passing failure."""
        ...


# -- broadcasts ----------------------------------------------------------------------------


class CopyOutcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot
    FAILED = "failed"


class BroadcastStage(StrEnum):
    RUNNING = "running"
    DONE = "done"
    STOPPED = "stopped"


@dataclass(slots=True)
class BroadcastProgress:
    total: int
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.sent + self.blocked + self.failed


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    """Where the operator watches a broadcast: their chat, language and command."""

    chat_id: int
    language: str
    reply_to: int | None = None
    message_id: int | None = None  # the progress message, once sent


class BroadcastChannel(Protocol):
    async def send(self, user_id: int, text: str) -> CopyOutcome:
        """Send the broadcast's text (HTML) to one user; never raises."""
        ...

    async def report(self, report: BroadcastReport, stage: BroadcastStage, progress: BroadcastProgress) -> int | None:
        """Show the counts: a new message when ``report.message_id`` is None (its id is
        returned), else an edit. Never raises."""
        ...


# -- Telegram Stars refunds ----------------------------------------------------------------


class ChargeAlreadyRefundedError(Exception):
    """The payment platform says this charge was refunded already."""


class StarsRefunder(Protocol):
    async def refund_stars(self, user_id: int, charge_id: str) -> None:
        """Give the Stars of one charge back. Raises ChargeAlreadyRefundedError when it was
        refunded before, ``bot.errors.RefundRefusedError`` for any other refusal."""
        ...
