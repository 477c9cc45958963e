"""/backup, for ADMIN_IDS only and only in a private chat: the database arrives as a document.

The file holds every user's record, so it never goes to a group: there the command falls
through like an unknown one (silence), as it does for anyone who is not an admin.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message, ReplyParameters

from bot.i18n import Translator
from bot.services.backup import BackupService, BackupTooLarge
from bot.storage import UserRecord
from bot.telegram.filters import IsAdmin

UPLOAD_TIMEOUT = 300  # seconds; up to 50 MB on a slow link takes a while


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


async def backup(message: Message, bot: Bot, user: UserRecord, backups: BackupService, texts: Translator) -> None:
    try:
        async with backups.snapshot() as snapshot:
            caption = texts(
                "admin_backup_caption",
                user.language,
                size=_size(snapshot.size),
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
    except BackupTooLarge as exc:
        await message.reply(
            texts(
                "admin_backup_too_large",
                user.language,
                size=_size(exc.size),
                limit=_size(exc.limit),
                command=exc.command,
            )
        )


def setup() -> Router:
    router = Router(name=__name__)
    router.message.filter(IsAdmin(), F.chat.type == ChatType.PRIVATE)
    router.message.register(backup, Command("backup", ignore_case=True))
    return router
