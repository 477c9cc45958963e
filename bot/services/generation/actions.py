"""The buttons under a result: "Again" (the same model, prompt, inputs and picture, charged
again at the task's price) and "Animate" (a picture result made into a video by the video
default's image-to-video model, from Kie's own URL of the result while Kie keeps it, else
from the delivered file, uploaded again at submit).

A press is charged to whoever pressed it. Each button starts at most one request: the
request is keyed by the result message and the action (``request_key``, unique, written
with the task row in the debit's transaction), so a second press, another member's press or
a redelivered callback update gets ``DuplicateRequestError`` and nothing is charged.
Buttons are not confirmation-gated: the price is on the button itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from bot.catalog import Catalog, CatalogModel, Kind
from bot.domain import MediaKind
from bot.errors import ResultButtonStaleError, ResultExpiredError, ResultModelGoneError, ResultPriceChangedError
from bot.services.generation.requests import ChatRef, GenerationService, Order, Picture, Started
from bot.storage import Database, DeliveryRecord, DeliveryState, TaskRecord

# Kie keeps a result 14 days; a day's margin, so a URL handed to Kie still works when Kie reads it.
RESULT_URL_FRESH_FOR = 13 * 24 * 3600


class ResultAction(StrEnum):
    AGAIN = "again"
    ANIMATE = "animate"


def request_key(action: ResultAction, chat_id: int, message_id: int) -> str:
    """One request per button: the result message it is under, and what it does."""
    return f"{action}:{chat_id}:{message_id}"


def animate_model(catalog: Catalog) -> CatalogModel | None:
    """The model "Animate" runs: the video default's picture model (None: no such model)."""
    return catalog.for_photo(catalog.default_for(Kind.VIDEO))


def animate_price(catalog: Catalog) -> int | None:
    model = animate_model(catalog)
    return model.price_for(model.resolve()) if model is not None else None


def again_price(catalog: Catalog, task: TaskRecord) -> int | None:
    """What "Again" charges: the task's own price (its inputs are repeated as they were);
    None when its model has left the catalog."""
    return task.price if task.model_key in catalog.models else None


class ResultActions:
    def __init__(
        self, db: Database, catalog: Catalog, generation: GenerationService, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._generation = generation
        self._clock = clock

    async def again(self, *, task_id: int, user_id: int, language: str, chat: ChatRef, in_group: bool) -> Started:
        """Charge ``user_id`` for the task's request once more; raises a BotError (nothing
        charged) or ``DuplicateRequestError`` (this button started one before)."""
        task, _ = await self._pressed(task_id, None, chat)
        model = self._catalog.models.get(task.model_key)
        if model is None:
            raise ResultModelGoneError(task.model_key)
        # The picture as the task had it. A Telegram file is uploaded anew at submit (Kie
        # keeps uploads 3 days); a Kie URL only when there is no file of it.
        picture = None
        if task.input_file_id is not None:
            picture = Picture(file_id=task.input_file_id)
        elif task.input_url is not None:
            picture = Picture(url=task.input_url)
        if (picture is not None and model.image is None) or (
            picture is None and model.image is not None and model.image.required
        ):
            raise ResultModelGoneError(task.model_key)  # the catalog changed what the model takes
        return await self._generation.charge(
            Order(
                user_id=user_id,
                language=language,
                model=model,
                prompt=task.prompt,
                inputs=task.options,
                price=task.price,
                chat=chat,
                in_group=in_group,
                picture=picture,
                request_key=request_key(ResultAction.AGAIN, chat.chat_id, _message(chat)),
            )
        )

    async def animate(
        self, *, delivery_id: int, price: int, user_id: int, language: str, chat: ChatRef, in_group: bool
    ) -> Started:
        """Charge ``user_id`` for a video made from the delivered picture; ``price`` is the one
        on the button (a different price now is refused, nothing charged)."""
        async with self._db.read() as repo:
            delivery = await repo.deliveries.get(delivery_id)
        if delivery is None or delivery.media is not MediaKind.IMAGE:
            raise ResultButtonStaleError(f"delivery {delivery_id}")
        task, delivery = await self._pressed(delivery.task_id, delivery_id, chat)
        assert delivery is not None
        model = animate_model(self._catalog)
        if model is None:
            raise ResultModelGoneError("animate")
        choices = model.resolve()
        now_price = model.price_for(choices)
        if now_price != price:
            raise ResultPriceChangedError(now_price)
        fresh = self._clock() - delivery.created_at < RESULT_URL_FRESH_FOR
        url = delivery.url if fresh else None
        if url is None and delivery.file_id is None:
            raise ResultExpiredError(f"delivery {delivery_id}")
        # The picture's own prompt describes what is in it: a fair start for its video.
        prompt = task.prompt[: model.max_prompt_length]
        return await self._generation.charge(
            Order(
                user_id=user_id,
                language=language,
                model=model,
                prompt=prompt,
                inputs=model.inputs(choices),
                price=now_price,
                chat=chat,
                in_group=in_group,
                picture=Picture(file_id=delivery.file_id, url=url),
                request_key=request_key(ResultAction.ANIMATE, chat.chat_id, _message(chat)),
            )
        )

    async def _pressed(
        self, task_id: int, delivery_id: int | None, chat: ChatRef
    ) -> tuple[TaskRecord, DeliveryRecord | None]:
        """The task (and file) a button is about, checked against where the button is: the
        task's chat, and a delivered file of it in the very message pressed."""
        async with self._db.read() as repo:
            task = await repo.tasks.get(task_id)
            deliveries = await repo.deliveries.for_task(task_id) if task is not None else []
        if task is None or task.chat_id != chat.chat_id:
            raise ResultButtonStaleError(f"task {task_id}")
        under = [
            d
            for d in deliveries
            if d.state is DeliveryState.SENT
            and d.message_id == chat.message_id
            and (delivery_id is None or d.id == delivery_id)
        ]
        if not under:
            raise ResultButtonStaleError(f"task {task_id}: no delivered file in message {chat.message_id}")
        return task, under[0] if delivery_id is not None else None


def _message(chat: ChatRef) -> int:
    if chat.message_id is None:
        raise ResultButtonStaleError("a button without its message")
    return chat.message_id
