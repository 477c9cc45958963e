"""Turning a request into a Kie task, in one call (``request``): parse, price once, debit
atomically, show the progress message, submit.

The debit and the task row are written in one transaction before anything is sent to
Kie, so a crash at any point leaves either nothing or a task the monitor will settle.
A request that cannot start raises a typed ``BotError`` and costs nothing.

The model and option choices come from the user's /settings (``Preferences``), then the
options typed after the prompt. A request priced above ``confirm_above`` is not charged: it
is kept as a pending confirmation and ``ConfirmationNeededError`` says so; ``confirm``
charges and starts it later, once, at the price shown (``CONFIRMATION_TTL`` to decide).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot.catalog import Catalog, CatalogError, CatalogModel, OptionError
from bot.domain import LedgerKind
from bot.errors import (
    ConfirmationClosedError,
    ConfirmationExpiredError,
    ConfirmationNeededError,
    GroupCapReachedError,
    InsufficientCreditsError,
    NotYourConfirmationError,
    OptionProblemError,
    PictureNeededError,
    PictureNotTakenError,
    PictureTooLargeError,
    PromptMissingError,
    PromptTooLongError,
    UnknownModelError,
)
from bot.services.generation.monitor import TaskMonitor
from bot.services.generation.pictures import Pictures
from bot.services.generation.preferences import Preferences
from bot.services.generation.reasons import NO_PICTURE, UNAVAILABLE, for_kie_error, for_upload_error
from bot.services.generation.request_text import RequestText, parse_request
from bot.services.generation.settlement import Settlement
from bot.services.generation.submitter import Claim, KieSubmitter, WithdrawnError
from bot.services.messaging.notifier import Notifier
from bot.services.ports import PictureUnavailableError, ProgressStage
from bot.storage import Database, Repositories, TaskRecord, ledger_key
from bot.storage.confirmations import ConfirmationState
from kie import Family, KieError, MarketTaskRequest, SunoTaskRequest, TaskRequest, VeoTaskRequest

log = logging.getLogger(__name__)

# How long a request above CONFIRM_ABOVE waits for its "Confirm" tap; later it must be sent
# again (prices or the balance may have moved). Rows are dropped a day after they expire.
CONFIRMATION_TTL = 600.0
_FORGET_AFTER = 86_400.0


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a request came from and where its results go."""

    chat_id: int
    thread_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture a request starts from: a chat's file (``file_id``, uploaded to Kie when the
    request is sent) or a URL Kie can read (its own result); ``size`` in bytes if known."""

    file_id: str | None = None
    url: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """One request, priced and ready to charge: who pays, what Kie will get (fixed here, so a
    catalog edited before the submit cannot change what was paid for), where results go.
    ``request_key`` makes a button's request once-only (see ``ResultActions``)."""

    user_id: int
    language: str
    model: CatalogModel
    prompt: str
    inputs: dict[str, Any]
    price: int
    chat: ChatRef
    in_group: bool = False
    picture: Picture | None = None
    request_key: str | None = None


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


def build_request(model: CatalogModel, prompt: str, callback_url: str, params: Mapping[str, Any]) -> TaskRequest:
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
            if model.image is not None:
                inputs = model.with_image(model.inputs(model.resolve()), ("https://example.invalid/picture.png",))
                build_request(model, "check", "https://example.invalid/callback", inputs)
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
        pictures: Pictures | None = None,
        picture_limit: int = 10 * 1024 * 1024,
        group_daily_credits: int | None = None,
        preferences: Preferences | None = None,
        confirm_above: int = 0,
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
        self._pictures = pictures
        self._picture_limit = picture_limit
        self._group_cap = group_daily_credits
        self._preferences = preferences
        self._confirm_above = confirm_above  # 0: never ask
        self._clock = clock

    def callback_url(self, task: TaskRecord) -> str:
        return f"{self._callback_base}/kie/callback/{task.callback_token}"

    async def request(
        self,
        *,
        user_id: int,
        language: str,
        command: str,
        args: str | None,
        chat: ChatRef,
        in_group: bool,
        picture: Picture | None = None,
    ) -> Started:
        """The whole request: a model command with its text (and maybe a picture). Raises a
        ``BotError`` (nothing charged) when it cannot start; ``DuplicateRequestError`` for an
        update seen before; ``ConfirmationNeededError`` when it waits for a tap on Confirm."""
        base, saved = await self._saved(user_id, command)
        model = self._switch(base, command, picture)
        if model is not base:
            saved = model.carry(saved)  # the photo model keeps what it shares (an aspect ratio)
        try:
            request = parse_request(args, self._catalog.option_names)
            # Saved choices first, typed ones over them (a typed flag replaces the saved key).
            choices = model.resolve({**saved, **request.options})
        except OptionError as exc:
            raise _option_problem(model, exc) from None
        price = model.price_for(choices)
        if not request.prompt:
            raise PromptMissingError(command=command.lower(), kind=model.kind.value, price=price)
        resolved = RequestText(prompt=request.prompt, options=choices)
        if self._confirm_above and price > self._confirm_above:
            await self._ask(user_id, language, model, resolved, price, chat, in_group, picture)
        started = await self.start(
            user_id=user_id,
            language=language,
            model=model,
            request=resolved,
            chat=chat,
            in_group=in_group,
            picture=picture,
        )
        await self.launch(started)
        return started

    async def launch(self, started: Started) -> None:
        """After the charge: the progress line ("queued"), then the submit. Never raises."""
        try:
            await self._notifier.progress(
                started.task, ProgressStage.QUEUED, model_name=started.model.name, balance=started.balance
            )
        except Exception:  # charged already: the request must go on whatever the progress line does
            log.exception("task %d: progress message failed", started.task.id)
        await self.submit(await self._reload(started.task))

    async def _saved(self, user_id: int, command: str) -> tuple[CatalogModel, dict[str, str]]:
        """The model a command runs and the choices it starts from: a kind's command runs
        the user's saved model of that kind; a model's own command runs that model, with the
        saved choices only if it is the saved model (see ``Preferences``)."""
        model = self._catalog.by_command(command)
        if model is None:
            raise UnknownModelError(command)
        if self._preferences is None:
            return model, model.resolve()
        if command.casefold() == model.kind.value:
            setting = await self._preferences.current(user_id, model.kind)
            return setting.model, setting.choices
        return model, await self._preferences.choices_for(user_id, model)

    def model_for(self, command: str, picture: Picture | None) -> CatalogModel:
        """The model a command runs: with a picture, the one of its kind that takes it
        (``with_photo``). Raises a ``BotError`` for a command or picture that cannot be."""
        model = self._catalog.by_command(command)
        if model is None:
            raise UnknownModelError(command)
        return self._switch(model, command, picture)

    def _switch(self, model: CatalogModel, command: str, picture: Picture | None) -> CatalogModel:
        if picture is None:
            if model.image is not None and model.image.required:
                raise PictureNeededError(command=command.lower(), model=model.name)
            return model
        taking = self._catalog.for_photo(model)
        if taking is None:
            raise PictureNotTakenError(command=command.lower(), model=model.name)
        if picture.size is not None and picture.size > self._picture_limit:
            raise PictureTooLargeError(limit=self._picture_limit, size=picture.size)
        return taking

    async def start(
        self,
        *,
        user_id: int,
        language: str,
        model: CatalogModel,
        request: RequestText,
        chat: ChatRef,
        in_group: bool = False,
        picture: Picture | None = None,
    ) -> Started:
        """Validate and charge. Raises a BotError or OptionError (nothing charged) when it cannot start."""
        prompt = request.prompt
        if len(prompt) > model.max_prompt_length:
            raise PromptTooLongError(limit=model.max_prompt_length, length=len(prompt), model=model.name)
        choices = model.resolve(request.options)
        return await self.charge(
            Order(
                user_id=user_id,
                language=language,
                model=model,
                prompt=prompt,
                inputs=model.inputs(choices),
                price=model.price_for(choices),
                chat=chat,
                in_group=in_group,
                picture=picture,
            )
        )

    async def charge(self, order: Order) -> Started:
        """The task row and its debit, in one transaction. Raises a BotError (nothing
        charged), or ``DuplicateRequestError`` when the command message or ``request_key``
        (a button under a result) has made a task before."""
        async with self._db.transaction() as repo:
            task, balance = await self._charge(repo, order, now=self._clock())
        log.info("task %d: %s for user %d, %d credits", task.id, order.model.key, order.user_id, order.price)
        return Started(task=task, model=order.model, price=order.price, balance=balance)

    async def _charge(self, repo: Repositories, order: Order, *, now: float) -> tuple[TaskRecord, int]:
        """The task row and its debit, in the caller's transaction. Raises GroupCapReachedError
        or InsufficientCreditsError (the caller's transaction then rolls everything back)."""
        chat, model, picture = order.chat, order.model, order.picture
        if order.in_group and self._group_cap is not None:
            # In the same transaction as the debit, so two requests cannot both squeeze in.
            spent = await repo.tasks.spent_in_chat(chat.chat_id, since=utc_day_start(now))
            if spent + order.price > self._group_cap:
                raise GroupCapReachedError(cap=self._group_cap, spent=spent, price=order.price)
        task = await repo.tasks.create(
            user_id=order.user_id,
            chat_id=chat.chat_id,
            thread_id=chat.thread_id,
            request_message_id=chat.message_id,
            kind=model.kind,
            model_key=model.key,
            family=model.family.value,
            prompt=order.prompt,
            options=order.inputs,
            price=order.price,
            callback_token=secrets.token_urlsafe(24),
            language=order.language,
            now=now,
            input_file_id=picture.file_id if picture else None,
            input_url=picture.url if picture else None,
            request_key=order.request_key,
        )
        # Raises InsufficientCreditsError, which rolls the task row back with it.
        outcome = await repo.ledger.apply(
            user_id=order.user_id,
            delta=-order.price,
            kind=LedgerKind.DEBIT,
            op_key=ledger_key(LedgerKind.DEBIT, task.id),
            task_id=task.id,
            now=now,
        )
        return task, outcome.balance

    # -- confirmation above CONFIRM_ABOVE ----------------------------------------------------

    async def _ask(
        self,
        user_id: int,
        language: str,
        model: CatalogModel,
        request: RequestText,
        price: int,
        chat: ChatRef,
        in_group: bool,
        picture: Picture | None,
    ) -> None:
        """Keep the request uncharged and raise ConfirmationNeededError. What can be refused
        now is refused now (a prompt too long, too few credits), not after the tap."""
        if len(request.prompt) > model.max_prompt_length:
            raise PromptTooLongError(limit=model.max_prompt_length, length=len(request.prompt), model=model.name)
        now = self._clock()
        async with self._db.transaction() as repo:
            balance = await repo.ledger.balance(user_id)
            if balance < price:
                raise InsufficientCreditsError(needed=price, balance=balance)
            await repo.confirmations.forget_before(now - _FORGET_AFTER)
            pending = await repo.confirmations.create(
                user_id=user_id,
                chat_id=chat.chat_id,
                thread_id=chat.thread_id,
                request_message_id=chat.message_id,
                in_group=in_group,
                model_key=model.key,
                prompt=request.prompt,
                choices=dict(request.options),
                price=price,
                input_file_id=picture.file_id if picture else None,
                input_url=picture.url if picture else None,
                language=language,
                now=now,
                expires_at=now + CONFIRMATION_TTL,
            )
        log.info("confirmation %d: %s for user %d, %d credits, asked", pending.id, model.key, user_id, price)
        raise ConfirmationNeededError(
            pending.id,
            price=price,
            model=model.name,
            kind=model.kind.value,
            balance=balance,
            minutes=round(CONFIRMATION_TTL / 60),
        )

    async def confirm(self, confirmation_id: int, *, user_id: int, status_message_id: int | None = None) -> Started:
        """Charge a pending confirmation at the price it showed and make its task, taking the
        confirmation in the same transaction: a second tap, a racing one or a redelivered
        update finds it taken and starts nothing. ``status_message_id`` (the message with the
        buttons) becomes the progress message. Then ``launch`` it. Raises NotYourConfirmationError,
        ConfirmationClosedError, ConfirmationExpiredError, InsufficientCreditsError,
        GroupCapReachedError; nothing is charged then (and a confirmation refused for
        credits stays open: the user may top up and tap again)."""
        now = self._clock()
        async with self._db.transaction() as repo:
            pending = await repo.confirmations.get(confirmation_id)
            if pending is None:
                raise ConfirmationClosedError(confirmation_id, None)
            if pending.user_id != user_id:
                raise NotYourConfirmationError(confirmation_id)
            if pending.state is not ConfirmationState.PENDING:
                raise ConfirmationClosedError(confirmation_id, pending.state.value)
            model = self._catalog.models.get(pending.model_key)
            # A catalog changed since (a restart) could make Kie get other inputs than those
            # shown: such a request is asked again, like an expired one.
            if pending.expires_at <= now or model is None or model.carry(pending.choices) != pending.choices:
                raise ConfirmationExpiredError(confirmation_id)
            if not await repo.confirmations.close(confirmation_id, ConfirmationState.CONFIRMED, unexpired_at=now):
                raise ConfirmationClosedError(confirmation_id, None)
            picture = (
                Picture(file_id=pending.input_file_id, url=pending.input_url)
                if pending.input_file_id or pending.input_url
                else None
            )
            order = Order(
                user_id=user_id,
                language=pending.language,
                model=model,
                prompt=pending.prompt,
                # What Kie will get, priced when asked: the choices shown are the choices sent.
                inputs=model.inputs(pending.choices),
                price=pending.price,
                chat=ChatRef(pending.chat_id, pending.thread_id, pending.request_message_id),
                in_group=pending.in_group,
                picture=picture,
            )
            task, balance = await self._charge(repo, order, now=now)
            await repo.confirmations.set_task(confirmation_id, task.id)
            if status_message_id is not None:
                await repo.tasks.set_status_message(task.id, status_message_id)
        log.info("task %d: confirmation %d confirmed, %d credits", task.id, confirmation_id, pending.price)
        return Started(task=task, model=model, price=pending.price, balance=balance)

    async def cancel_confirmation(self, confirmation_id: int, *, user_id: int) -> None:
        """The requester says no: nothing was charged and nothing will be. Raises
        NotYourConfirmationError or ConfirmationClosedError (confirmed or cancelled before)."""
        async with self._db.transaction() as repo:
            pending = await repo.confirmations.get(confirmation_id)
            if pending is None:
                raise ConfirmationClosedError(confirmation_id, None)
            if pending.user_id != user_id:
                raise NotYourConfirmationError(confirmation_id)
            if not await repo.confirmations.close(confirmation_id, ConfirmationState.CANCELLED):
                raise ConfirmationClosedError(confirmation_id, pending.state.value)

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
        if task.state.is_final:
            return  # cancelled (or refunded by an operator) before it was sent
        model = self._catalog.models[task.model_key]
        inputs = task.options
        if task.has_picture:
            try:
                inputs = model.with_image(inputs, (await self._picture_url(task),))
            except PictureUnavailableError as exc:
                log.warning("task %d: its picture cannot be fetched: %s", task.id, exc)
                await self._settlement.fail(task, NO_PICTURE)
                return
            except KieError as exc:
                # Kie's file host, not the model: its words would only puzzle the user.
                log.warning("task %d: the picture's upload to Kie failed: %s", task.id, exc)
                await self._settlement.fail(task, for_upload_error(exc))
                return
        request = build_request(model, task.prompt, self.callback_url(task), inputs)

        async def queued() -> None:
            # Refunded by an operator while queued? Then its outcome stays (the notifier checks).
            await self._notifier.progress(task, ProgressStage.WAITING, model_name=model.name)

        try:
            kie_task_id = await self._submitter.create_task(request, on_wait=queued, claim=self._claim(task))
        except WithdrawnError:
            log.info("task %d: cancelled while it waited; not sent to Kie", task.id)
            return
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

    def _claim(self, task: TaskRecord) -> Claim:
        """The database side of sending ``task`` (see ``QueueRepo`` and the submitter)."""

        async def take() -> bool:
            async with self._db.transaction() as repo:
                return await repo.queue.claim(task.id, now=self._clock())

        async def give_back() -> None:
            async with self._db.transaction() as repo:
                await repo.queue.give_back(task.id, now=self._clock())

        return Claim(task.id, take, give_back)

    async def _picture_url(self, task: TaskRecord) -> str:
        if self._pictures is None:
            raise PictureUnavailableError("this bot has no picture source")
        return await self._pictures.url_for(task)

    async def _reload(self, task: TaskRecord) -> TaskRecord:
        async with self._db.read() as repo:
            return await repo.tasks.get(task.id) or task
