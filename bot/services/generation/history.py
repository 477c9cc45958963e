"""A user's own generations: /history (newest first, a page at a time, each with its prompt,
model, price, outcome and date) and the files to share inline. A delivered file is sent
again by its Telegram ``file_id``: no Kie call, no charge.

Whose and where: a user sees only their own requests. In a private chat that is all of them,
wherever they were made (it is their money); in a group only those made in that group, so a
prompt from a private chat is never shown to the group. Inline sharing offers all of the
user's files, to the user alone (Telegram's ``is_personal``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.catalog import Catalog
from bot.services.generation.reasons import FailureReason
from bot.services.ports import ResultResender
from bot.storage import Database, DeliveryRecord, DeliveryState, TaskRecord, TaskState

PAGE_SIZE = 5
INLINE_PAGE = 50  # Telegram's most results per answer
SHARE_SCAN = 1000  # the newest files looked at for an inline query (filtered by prompt here)


class Outcome(StrEnum):
    DELIVERED = "done"
    REFUNDED = "failed"  # failed, credits returned
    CANCELLED = "cancelled"  # the user's cancel, credits returned
    RUNNING = "running"


def outcome_of(task: TaskRecord) -> Outcome:
    if task.state is TaskState.DONE:
        return Outcome.DELIVERED
    if task.state is TaskState.FAILED:
        code = (task.error or "").split(":", 1)[0]
        return Outcome.CANCELLED if code == FailureReason.CANCELLED else Outcome.REFUNDED
    return Outcome.RUNNING


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    number: int  # on the whole list, 1 = the newest
    task: TaskRecord
    model_name: str
    outcome: Outcome
    files: tuple[DeliveryRecord, ...]  # those that can be sent again


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    page: int  # 1-based
    pages: int
    total: int


class ResendOutcome(StrEnum):
    SENT = "sent"
    NOT_YOURS = "not_yours"
    UNAVAILABLE = "unavailable"  # unknown, not delivered, no file_id, or not of this chat
    REFUSED = "refused"  # Telegram would not send it again


@dataclass(frozen=True, slots=True)
class SharedFile:
    delivery: DeliveryRecord
    task: TaskRecord
    model_name: str


@dataclass(frozen=True, slots=True)
class SharePage:
    files: tuple[SharedFile, ...]
    next_offset: int | None  # where the next page starts, None: no more
    has_any: bool  # the user has any file to share at all (whatever the query)


class HistoryService:
    def __init__(self, db: Database, catalog: Catalog, resender: ResultResender) -> None:
        self._db = db
        self._catalog = catalog
        self._resender = resender

    def _model_name(self, task: TaskRecord) -> str:
        model = self._catalog.models.get(task.model_key)
        return model.name if model is not None else task.model_key

    async def page(self, user_id: int, *, chat_id: int | None, page: int) -> HistoryPage:
        """``chat_id``: only requests made there (a group); None: all of the user's."""
        async with self._db.read() as repo:
            total = await repo.history.count(user_id, chat_id=chat_id)
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(page, 1), pages)
            offset = (page - 1) * PAGE_SIZE
            tasks = await repo.history.tasks(user_id, chat_id=chat_id, limit=PAGE_SIZE, offset=offset)
            files = await repo.history.resendable([t.id for t in tasks])
        entries = tuple(
            HistoryEntry(
                number=offset + index + 1,
                task=task,
                model_name=self._model_name(task),
                outcome=outcome_of(task),
                files=tuple(f for f in files if f.task_id == task.id),
            )
            for index, task in enumerate(tasks)
        )
        return HistoryPage(entries=entries, page=page, pages=pages, total=total)

    async def resend(
        self,
        *,
        user_id: int,
        language: str,
        delivery_id: int,
        chat_id: int,
        thread_id: int | None,
        in_group: bool,
    ) -> ResendOutcome:
        """Send one of the user's delivered files again, to ``chat_id``. In a group only a
        file of a request made in that group (as the group's /history lists)."""
        async with self._db.read() as repo:
            delivery = await repo.history.delivery(delivery_id)
            task = await repo.tasks.get(delivery.task_id) if delivery is not None else None
        if delivery is None or task is None:
            return ResendOutcome.UNAVAILABLE
        if task.user_id != user_id:
            return ResendOutcome.NOT_YOURS
        if delivery.state is not DeliveryState.SENT or delivery.file_id is None:
            return ResendOutcome.UNAVAILABLE
        if in_group and task.chat_id != chat_id:
            return ResendOutcome.UNAVAILABLE
        sent = await self._resender.resend(task, delivery, chat_id=chat_id, thread_id=thread_id, language=language)
        return ResendOutcome.SENT if sent else ResendOutcome.REFUSED

    async def shareable(self, user_id: int, query: str, *, offset: int) -> SharePage:
        """The user's files whose prompt contains ``query`` (any case), newest first, from
        ``offset``; at most ``INLINE_PAGE``."""
        async with self._db.read() as repo:
            found = await repo.history.shareable(user_id, limit=SHARE_SCAN)
        needle = query.strip().casefold()
        matching = [
            SharedFile(delivery, task, self._model_name(task))
            for delivery, task in found
            if needle in task.prompt.casefold()
        ]
        offset = max(offset, 0)
        chunk = matching[offset : offset + INLINE_PAGE]
        more = offset + INLINE_PAGE < len(matching)
        return SharePage(files=tuple(chunk), next_offset=offset + INLINE_PAGE if more else None, has_any=bool(found))
