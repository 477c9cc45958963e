"""Turning a request into a Kie task, in one call (``request``): parse, price once, debit
atomically, show the progress message, submit.

The debit and the task row are written in one transaction before anything is sent to
Kie, so a crash at any point leaves either nothing or a task the monitor will settle.
A request that cannot start raises a typed ``BotError`` and costs nothing.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot.catalog import Catalog, CatalogError, CatalogModel, OptionError
from bot.domain import LedgerKind
from bot.errors import (
    GroupCapReachedError,
    OptionProblemError,
    PromptMissingError,
    PromptTooLongError,
    UnknownModelError,
)
from bot.services.generation.monitor import TaskMonitor
from bot.services.generation.reasons import UNAVAILABLE, for_kie_error
from bot.services.generation.request_text import RequestText, parse_request
from bot.services.generation.settlement import Settlement
from bot.services.generation.submitter import KieSubmitter
from bot.services.messaging.notifier import Notifier
from bot.services.ports import ProgressStage
from bot.storage import Database, TaskRecord, ledger_key
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
    price: int
    balance: int


def _option_problem(model: CatalogModel, exc: OptionError) -> OptionProblemError:
    option = model.option_named(exc.option)
    known = ", ".join(f"--{o.flag or o.key}" for o in model.options.values()) or "—"
    if option is None:
        return OptionProblemError(model.name, exc.option, key=None, label=None, choices=(), known=known)
    return OptionProblemError(
        model.name,
        option.flag or option.key,
        key=option.key,
        label=option.label,
        choices=tuple(option.choices),
        known=known,
    )


def utc_day_start(now: float) -> float:
    """Midnight UTC of the day ``now`` falls in (daily caps reset then)."""
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def build_request(model: CatalogModel, prompt: str, callback_url: str, params: dict[str, Any]) -> TaskRequest:
    """Kie's request for ``model`` with ``params`` (fixed params and typed option choices)."""
    params = dict(params)
    if model.family is Family.MARKET:
        return MarketTaskRequest(model=model.kie_model, input={"prompt": prompt, **params}, callback_url=callback_url)
    if model.family is Family.VEO:
        return VeoTaskRequest(prompt=prompt, model=model.kie_model, callback_url=callback_url, **params)
    return SunoTaskRequest(prompt=prompt, model=model.kie_model, callback_url=callback_url, **params)


def check_catalog(catalog: Catalog) -> None:
    """Fail at start, not on a user's request, when a model's params or any option choice
    does not fit its family."""
    for model in catalog.models.values():
        try:
            build_request(model, "check", "https://example.invalid/callback", model.inputs(model.resolve()))
            for option in model.options.values():
                for choice in option.choices:
                    chosen = model.resolve({option.key: choice})
                    build_request(model, "check", "https://example.invalid/callback", model.inputs(chosen))
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
        group_daily_credits: int | None = None,
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
        self._group_cap = group_daily_credits
        self._clock = clock

    def callback_url(self, task: TaskRecord) -> str:
        return f"{self._callback_base}/kie/callback/{task.callback_token}"

    async def request(
        self, *, user_id: int, language: str, command: str, args: str | None, chat: ChatRef, in_group: bool
    ) -> Started:
        """The whole request: a model command with its text. Raises a ``BotError`` (nothing
        charged) when it cannot start; ``DuplicateRequestError`` for an update seen before."""
        model = self._catalog.by_command(command)
        if model is None:
            raise UnknownModelError(command)
        try:
            request = parse_request(args, self._catalog.option_names)
            choices = model.resolve(request.options)
        except OptionError as exc:
            raise _option_problem(model, exc) from None
        price = model.price_for(choices)
        if not request.prompt:
            raise PromptMissingError(command=command.lower(), kind=model.kind.value, price=price)
        started = await self.start(
            user_id=user_id, language=language, model=model, request=request, chat=chat, in_group=in_group
        )
        try:
            await self._notifier.progress(
                started.task, ProgressStage.QUEUED, model_name=model.name, balance=started.balance
            )
        except Exception:  # charged already: the request must go on whatever the progress line does
            log.exception("task %d: progress message failed", started.task.id)
        await self.submit(started.task)  # what _submit reads of it (model, prompt, options, token) never changes
        return started

    async def start(
        self,
        *,
        user_id: int,
        language: str,
        model: CatalogModel,
        request: RequestText,
        chat: ChatRef,
        in_group: bool = False,
    ) -> Started:
        """Validate and charge. Raises a BotError or OptionError (nothing charged) when it cannot start."""
        prompt = request.prompt
        if len(prompt) > model.max_prompt_length:
            raise PromptTooLongError(limit=model.max_prompt_length, length=len(prompt), model=model.name)
        choices = model.resolve(request.options)
        price = model.price_for(choices)
        now = self._clock()
        async with self._db.transaction() as repo:
            if in_group and self._group_cap is not None:
                # In the same transaction as the debit, so two requests cannot both squeeze in.
                spent = await repo.tasks.spent_in_chat(chat.chat_id, since=utc_day_start(now))
                if spent + price > self._group_cap:
                    raise GroupCapReachedError(cap=self._group_cap, spent=spent, price=price)
            task = await repo.tasks.create(
                user_id=user_id,
                chat_id=chat.chat_id,
                thread_id=chat.thread_id,
                request_message_id=chat.message_id,
                kind=model.kind,
                model_key=model.key,
                family=model.family.value,
                prompt=prompt,
                # What Kie will get, priced now: a catalog edited before the submit
                # (a restart) cannot change what this user paid for.
                options=model.inputs(choices),
                price=price,
                callback_token=secrets.token_urlsafe(24),
                language=language,
                now=now,
            )
            # Raises InsufficientCreditsError, which rolls the task row back with it.
            outcome = await repo.ledger.apply(
                user_id=user_id,
                delta=-price,
                kind=LedgerKind.DEBIT,
                op_key=ledger_key(LedgerKind.DEBIT, task.id),
                task_id=task.id,
                now=now,
            )
        log.info("task %d: %s for user %d, %d credits", task.id, model.key, user_id, price)
        return Started(task=task, model=model, price=price, balance=outcome.balance)

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
        model = self._catalog.models[task.model_key]
        request = build_request(model, task.prompt, self.callback_url(task), task.options)

        async def queued() -> None:
            # Refunded by an operator while queued? Then its outcome stays (the notifier checks).
            await self._notifier.progress(task, ProgressStage.WAITING, model_name=model.name)

        try:
            kie_task_id = await self._submitter.create_task(request, on_wait=queued)
        except KieError as exc:
            log.warning("task %d: Kie refused it: %s", task.id, exc)
            await self._settlement.fail(task, for_kie_error(exc))
            return
        async with self._db.transaction() as repo:
            recorded = await repo.tasks.set_kie_task_id(task.id, kie_task_id, now=self._clock())
        if not recorded:
            # Settled while Kie was being asked (an operator's /refund): the user was told
            # then and got the credits back; Kie's run of it is the operator's cost.
            log.warning("task %d: settled before Kie accepted it as %s; not followed", task.id, kie_task_id)
            return
        # Say "working" before the task becomes visible to the monitor, so this line can
        # never overwrite the final "done" or "failed" that the monitor writes.
        await self._notifier.progress(task, ProgressStage.RUNNING, model_name=model.name)  # it reads the task afresh
        now = self._clock()
        async with self._db.transaction() as repo:
            await repo.tasks.mark_running(task.id, check_at=now + self._poll_interval, now=now)
        self._monitor.wake()

    async def _reload(self, task: TaskRecord) -> TaskRecord:
        async with self._db.read() as repo:
            return await repo.tasks.get(task.id) or task
