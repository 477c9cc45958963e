"""Model commands (/image, /video, /song and each model's own): one call to the generation
service, which charges, shows the progress message and submits. A request that cannot
start raises a typed error, answered by the refusals handler; nothing is charged then.
In groups the requester pays and the result replies to them.

A photo (or an image sent as a file) with the command as its caption, or the command sent
as a reply to one, is the picture the request starts from: an edit, an image-to-video."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.catalog import Catalog
from bot.errors import DuplicateRequestError
from bot.services.generation.requests import ChatRef, GenerationService, Picture
from bot.storage import UserRecord
from bot.telegram.routing import FeatureRouter


def picture_of(message: Message) -> Picture | None:
    """The photo or image file of the message itself, else of the message it replies to."""
    for source in (message, message.reply_to_message):
        if source is None:
            continue
        if source.photo:
            largest = source.photo[-1]  # Telegram lists the sizes smallest first
            return Picture(file_id=largest.file_id, size=largest.file_size)
        document = source.document
        if document is not None and (document.mime_type or "").startswith("image/"):
            return Picture(file_id=document.file_id, size=document.file_size)
    return None


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
            picture=picture_of(message),
        )
    except DuplicateRequestError:
        return  # a redelivered update: the first copy is charged, submitted and reported


def setup(catalog: Catalog) -> Router:
    router = FeatureRouter(name=__name__)
    # aiogram's Command also ignores commands addressed to another bot (/image@other_bot).
    router.message.register(generate, Command(*catalog.commands, ignore_case=True))
    return router
