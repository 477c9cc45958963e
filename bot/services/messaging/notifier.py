"""Tells the requester about a task, in two ways.

Progress ("queued", "waiting", "working") is best effort, through ``TaskProgress``. A task's
outcome is a notice in the outbox instead (``record``, inside the settling transaction, then
``send``): it is retried until Telegram takes it, across restarts, so the user always learns
how a request ended. Either way the Telegram layer does the wording, in the task's language.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.services.messaging.outbox import Outbox
from bot.services.ports import NoticeKind, ProgressStage, TaskProgress
from bot.storage import Database, Repositories, TaskRecord

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, db: Database, progress: TaskProgress, outbox: Outbox, clock: Any) -> None:
        self._db = db
        self._progress = progress
        self._outbox = outbox
        self._clock = clock

    async def progress(
        self, task: TaskRecord, stage: ProgressStage, *, model_name: str, balance: int | None = None
    ) -> None:
        """Best effort: show ``stage``; a progress message sent anew is remembered, so the
        outcome later replaces it. A task settled meanwhile (an operator's /refund while it
        was queued) keeps its outcome: progress never overwrites it."""
        async with self._db.read() as repo:
            fresh = await repo.tasks.get(task.id) or task
        if fresh.state.is_final:
            return
        message_id = await self._progress.show(fresh, stage, model_name=model_name, balance=balance)
        if message_id is not None:
            async with self._db.transaction() as repo:
                await repo.tasks.set_status_message(task.id, message_id)

    async def record(
        self, repo: Repositories, task: TaskRecord, kind: NoticeKind, *, new_message: bool = False, **payload: Any
    ) -> int:
        """Put a notice about ``task`` in the outbox, inside the caller's transaction (so it
        exists exactly when the outcome does). It replaces the progress message unless
        ``new_message``. Returns its id for ``send``."""
        fresh = await repo.tasks.get(task.id) or task  # the progress message may be newer than ``task``
        return await repo.outbox.add(
            task_id=task.id,
            chat_id=fresh.chat_id,
            thread_id=fresh.thread_id,
            reply_to=fresh.request_message_id,
            edit_message_id=None if new_message else fresh.status_message_id,
            event=kind,
            payload={"kind": task.kind.value, "price": task.price, **payload},
            language=task.language,
            now=self._clock(),
        )

    async def record_direct(
        self, repo: Repositories, chat_id: int, language: str, kind: NoticeKind, **payload: Any
    ) -> int:
        """A notice to a person, not about a task (e.g. an operator alert)."""
        return await repo.outbox.add(
            task_id=None,
            chat_id=chat_id,
            thread_id=None,
            reply_to=None,
            edit_message_id=None,
            event=kind,
            payload=payload,
            language=language,
            now=self._clock(),
        )

    async def send(self, notice_id: int) -> None:
        """Send a recorded notice now; if Telegram cannot take it, the outbox keeps trying."""
        await self._outbox.send_now(notice_id)
