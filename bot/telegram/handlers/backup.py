"""/backup, for ADMIN_IDS only and only in a private chat: the database arrives as a document.

The file holds every user's record, so it never goes to a group: there the command falls
through like an unknown one (silence), as it does for anyone who is not an admin.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message, ReplyParameters

from bot.services.operators.backup import BackupService
from bot.storage import UserRecord
from bot.telegram.filters import IsAdmin
from bot.telegram.i18n import Translator
from bot.telegram.routing import FeatureRouter
from bot.telegram.wording import file_size

UPLOAD_TIMEOUT = 300  # seconds; up to 50 MB on a slow link takes a while


async def backup(message: Message, bot: Bot, user: UserRecord, backups: BackupService, texts: Translator) -> None:
    """Too large a database raises ``BackupTooLarge``, answered by the refusals middleware."""
    async with backups.snapshot() as snapshot:
        caption = texts(
            "admin_backup_caption",
            user.language,
            size=file_size(texts, user.language, snapshot.size),
            time=f"{snapshot.taken_at:%Y-%m-%d %H:%M:%S}",
        )
        # Through the bot, not message.reply_document: only a Bot call takes a request timeout.
        await bot.send_document(
            message.chat.id,
            FSInputFile(snapshot.path, filename=snapshot.filename),
            caption=caption,
            reply_parameters=ReplyParameters(message_id=message.message_id),
            request_timeout=UPLOAD_TIMEOUT,
        )


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.filter(IsAdmin(), F.chat.type == ChatType.PRIVATE)
    router.message.register(backup, Command("backup", ignore_case=True))
    return router
