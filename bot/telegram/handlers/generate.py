"""/image, /video, /song <prompt>: charge, submit, and keep one progress message."""

from __future__ import annotations

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.catalog import Kind
from bot.errors import InsufficientCreditsError, PromptTooLongError
from bot.i18n import Translator
from bot.services.generation import ChatRef, GenerationService, normalize_prompt
from bot.storage import UserRecord

_EXAMPLES = {
    Kind.IMAGE: "a red fox in the snow",
    Kind.VIDEO: "waves at sunset, drone shot",
    Kind.SONG: "a cheerful song about coffee",
}


async def generate(
    message: Message,
    command: CommandObject,
    user: UserRecord,
    generation: GenerationService,
    texts: Translator,
) -> None:
    kind = Kind(command.command.lower())
    lang = user.language
    prompt = normalize_prompt(command.args)
    model = generation.model_for(kind)
    if not prompt:
        await message.reply(
            texts("prompt_missing", lang, command=kind.value, example=_EXAMPLES[kind], price=model.price)
        )
        return
    chat = ChatRef(message.chat.id, message.message_thread_id if message.is_topic_message else None, message.message_id)
    try:
        started = await generation.start(user_id=user.user_id, kind=kind, prompt=prompt, chat=chat)
    except PromptTooLongError as exc:
        await message.reply(texts("prompt_too_long", lang, length=exc.length, model=model.name, limit=exc.limit))
        return
    except InsufficientCreditsError as exc:
        await message.reply(texts("insufficient", lang, price=model.price, balance=exc.balance))
        return
    task = started.task
    try:
        status = await message.reply(
            texts(
                "status_queued",
                lang,
                kind=texts(f"kind_{kind.value}", lang),
                model=model.name,
                price=model.price,
                balance=started.balance,
            )
        )
        task = await generation.attach_status_message(task, status.message_id)
    except TelegramAPIError:
        pass  # the request still goes ahead; results and notices are sent as new messages
    await generation.submit(task)


def setup() -> Router:
    router = Router(name=__name__)
    router.message.register(generate, Command(*(kind.value for kind in Kind), ignore_case=True))
    return router
