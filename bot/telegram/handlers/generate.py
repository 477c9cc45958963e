"""Model commands (/image, /video, /song and each model's own): charge, submit, and keep
one progress message. In groups the requester pays and the result replies to them."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.catalog import Catalog, CatalogModel, Kind, OptionError
from bot.errors import DuplicateRequestError, GroupCapReachedError, InsufficientCreditsError, PromptTooLongError
from bot.i18n import Markup, Translator
from bot.services.generation import ChatRef, GenerationService
from bot.services.request_text import parse_request
from bot.storage import UserRecord

_EXAMPLES = {
    Kind.IMAGE: "a red fox in the snow",
    Kind.VIDEO: "waves at sunset, drone shot",
    Kind.SONG: "a cheerful song about coffee",
}


def _option_problem(texts: Translator, lang: str, model: CatalogModel, exc: OptionError) -> Markup:
    option = model.option_named(exc.option)
    if option is None:
        names = ", ".join(f"--{o.flag or o.key}" for o in model.options.values()) or "—"
        return texts("option_unknown", lang, model=model.name, option=exc.option, options=names)
    return texts(
        "option_choices",
        lang,
        model=model.name,
        option=option.flag or option.key,
        label=option.label,
        choices=", ".join(option.choices),
    )


async def generate(
    message: Message,
    command: CommandObject,
    user: UserRecord,
    generation: GenerationService,
    catalog: Catalog,
    texts: Translator,
) -> None:
    model = catalog.by_command(command.command)
    if model is None:  # unreachable through the Command filter; never crash on odd input
        return
    lang = user.language
    try:
        request = parse_request(command.args, catalog.option_names)
        price = model.price_for(model.resolve(request.options))
    except OptionError as exc:
        await message.reply(_option_problem(texts, lang, model, exc))
        return
    if not request.prompt:
        await message.reply(
            texts("prompt_missing", lang, command=command.command.lower(), example=_EXAMPLES[model.kind], price=price)
        )
        return
    chat = ChatRef(message.chat.id, message.message_thread_id if message.is_topic_message else None, message.message_id)
    try:
        started = await generation.start(
            user_id=user.user_id,
            model=model,
            request=request,
            chat=chat,
            in_group=message.chat.type != ChatType.PRIVATE,
        )
    except PromptTooLongError as exc:
        await message.reply(texts("prompt_too_long", lang, length=exc.length, model=model.name, limit=exc.limit))
        return
    except InsufficientCreditsError as exc:
        await message.reply(texts("insufficient", lang, price=price, balance=exc.balance))
        return
    except GroupCapReachedError as exc:
        await message.reply(texts("group_cap_reached", lang, cap=exc.cap, price=price))
        return
    except DuplicateRequestError:
        return  # a redelivered update: the first copy is charged, submitted and reported
    task = started.task
    try:
        status = await message.reply(
            texts(
                "status_queued",
                lang,
                kind=texts(f"kind_{model.kind.value}", lang),
                model=model.name,
                price=started.price,
                balance=started.balance,
            )
        )
        task = await generation.attach_status_message(task, status.message_id)
    except TelegramAPIError:
        pass  # the request still goes ahead; results and notices are sent as new messages
    await generation.submit(task)


def setup(catalog: Catalog) -> Router:
    router = Router(name=__name__)
    # aiogram's Command also ignores commands addressed to another bot (/image@other_bot).
    router.message.register(generate, Command(*catalog.commands, ignore_case=True))
    return router
