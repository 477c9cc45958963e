"""Model commands (/image, /video, /song and each model's own): one call to the generation
service, which charges, shows the progress message and submits. A request that cannot
start raises a typed error, answered by the refusals handler; nothing is charged then.
In groups the requester pays and the result replies to them."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.catalog import Catalog
from bot.errors import DuplicateRequestError
from bot.services.generation.requests import ChatRef, GenerationService
from bot.storage import UserRecord


async def generate(message: Message, command: CommandObject, user: UserRecord, generation: GenerationService) -> None:
    topic = message.message_thread_id if message.is_topic_message else None
    try:
        await generation.request(
            user_id=user.user_id,
            language=user.language,
            command=command.command,
            args=command.args,
            chat=ChatRef(message.chat.id, topic, message.message_id),
            in_group=message.chat.type != ChatType.PRIVATE,
        )
    except DuplicateRequestError:
        return  # a redelivered update: the first copy is charged, submitted and reported


def setup(catalog: Catalog) -> Router:
    router = Router(name=__name__)
    # aiogram's Command also ignores commands addressed to another bot (/image@other_bot).
    router.message.register(generate, Command(*catalog.commands, ignore_case=True))
    return router
