"""Turning a request into a Kie task: validate, debit atomically, submit.

The debit and the task row are written in one transaction before anything is sent to
Kie, so a crash at any point leaves either nothing or a task the monitor will settle.
"""

from __future__ import annotations

import logging
import secrets
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from bot.catalog import Catalog, CatalogError, CatalogModel, Kind
from bot.errors import PromptTooLongError
from bot.services.monitor import TaskMonitor
from bot.services.notifier import Notifier
from bot.services.reasons import UNAVAILABLE, for_kie_error
from bot.services.settlement import Settlement
from bot.services.submitter import KieSubmitter
from bot.storage import Database, TaskRecord
from kie import Family, KieError, MarketTaskRequest, SunoTaskRequest, TaskRequest, VeoTaskRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a request came from and where its results go."""

    chat_id: int
    thread_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Started:
    task: TaskRecord
    model: CatalogModel
    balance: int


def normalize_prompt(text: str | None) -> str:
    # Control characters other than newlines/tabs only make trouble downstream; format
    # characters (emoji joiners) and non-breaking spaces are part of the text.
    cleaned = "".join(ch for ch in (text or "") if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return cleaned.strip()


def build_request(model: CatalogModel, prompt: str, callback_url: str) -> TaskRequest:
    params = dict(model.params)
    if model.family is Family.MARKET:
        return MarketTaskRequest(model=model.kie_model, input={"prompt": prompt, **params}, callback_url=callback_url)
    if model.family is Family.VEO:
        return VeoTaskRequest(prompt=prompt, model=model.kie_model, callback_url=callback_url, **params)
    return SunoTaskRequest(prompt=prompt, model=model.kie_model, callback_url=callback_url, **params)


def check_catalog(catalog: Catalog) -> None:
    """Fail at start, not on a user's request, when a model's params do not fit its family."""
    for model in catalog.models.values():
        try:
            build_request(model, "check", "https://example.invalid/callback")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise CatalogError(f"models.{model.key}.params: {where}: {first['msg']} ({model.family} family)") from exc
        except TypeError as exc:
            raise CatalogError(f"models.{model.key}.params: {exc}") from exc


class GenerationService:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        submitter: KieSubmitter,
        monitor: TaskMonitor,
        settlement: Settlement,
        notifier: Notifier,
        *,
        callback_base: str,
        poll_interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._submitter = submitter
        self._monitor = monitor
        self._settlement = settlement
        self._notifier = notifier
        self._callback_base = callback_base
        self._poll_interval = poll_interval
        self._clock = clock

    def model_for(self, kind: Kind) -> CatalogModel:
        return self._catalog.default_for(kind)

    def callback_url(self, task: TaskRecord) -> str:
        return f"{self._callback_base}/kie/callback/{task.callback_token}"

    async def start(self, *, user_id: int, kind: Kind, prompt: str, chat: ChatRef) -> Started:
        """Validate and charge. Raises a BotError (nothing charged) when it cannot start."""
        model = self.model_for(kind)
        if len(prompt) > model.max_prompt_length:
            raise PromptTooLongError(limit=model.max_prompt_length, length=len(prompt))
        now = self._clock()
        async with self._db.transaction() as repo:
            task = await repo.tasks.create(
                user_id=user_id,
                chat_id=chat.chat_id,
                thread_id=chat.thread_id,
                request_message_id=chat.message_id,
                kind=kind.value,
                model_key=model.key,
                family=model.family.value,
                prompt=prompt,
                options=dict(model.params),
                price=model.price,
                callback_token=secrets.token_urlsafe(24),
                now=now,
            )
            # Raises InsufficientCreditsError, which rolls the task row back with it.
            outcome = await repo.ledger.apply(
                user_id=user_id,
                delta=-model.price,
                kind="debit",
                op_key=f"debit:task:{task.id}",
                task_id=task.id,
                now=now,
            )
        log.info("task %d: %s for user %d, %d credits", task.id, model.key, user_id, model.price)
        return Started(task=task, model=model, balance=outcome.balance)

    async def attach_status_message(self, task: TaskRecord, message_id: int) -> TaskRecord:
        async with self._db.transaction() as repo:
            await repo.tasks.set_status_message(task.id, message_id)
            fresh = await repo.tasks.get(task.id)
        assert fresh is not None
        return fresh

    async def submit(self, task: TaskRecord) -> None:
        """Send the task to Kie; on refusal refund and tell the user. Never raises."""
        try:
            await self._submit(task)
        except Exception:
            # Whatever broke, credits must not stay taken for nothing: a task Kie accepted
            # goes to the monitor, one it never got is refunded.
            log.exception("task %d: submission failed unexpectedly", task.id)
            fresh = await self._reload(task)
            if fresh.kie_task_id is None:
                await self._settlement.fail(fresh, UNAVAILABLE)
            else:
                now = self._clock()
                async with self._db.transaction() as repo:
                    await repo.tasks.mark_running(task.id, check_at=now, now=now)
                self._monitor.wake()

    async def _submit(self, task: TaskRecord) -> None:
        model = self._catalog.models.get(task.model_key) or self.model_for(Kind(task.kind))
        request = build_request(model, task.prompt, self.callback_url(task))

        async def queued() -> None:
            await self._notifier.tell(task, "status_waiting", model=model.name, kind=("kind", task.kind))

        try:
            kie_task_id = await self._submitter.create_task(request, on_wait=queued)
        except KieError as exc:
            log.warning("task %d: Kie refused it: %s", task.id, exc)
            await self._settlement.fail(task, for_kie_error(exc))
            return
        async with self._db.transaction() as repo:
            await repo.tasks.set_kie_task_id(task.id, kie_task_id, now=self._clock())
        # Say "working" before the task becomes visible to the monitor, so this line can
        # never overwrite the final "done" or "failed" that the monitor writes.
        await self._notifier.tell(
            await self._reload(task),
            "status_running",
            model=model.name,
            kind=("kind", task.kind),
            eta=("eta", task.kind),
        )
        now = self._clock()
        async with self._db.transaction() as repo:
            await repo.tasks.mark_running(task.id, check_at=now + self._poll_interval, now=now)
        self._monitor.wake()

    async def _reload(self, task: TaskRecord) -> TaskRecord:
        async with self._db.read() as repo:
            return await repo.tasks.get(task.id) or task
