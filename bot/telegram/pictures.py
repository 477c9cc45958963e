"""Pictures a request starts from, fetched through the Bot API (``getFile`` + download).

Telegram hands bots files up to 20 MB and keeps a ``file_id`` valid for a long while; a
file it no longer has (or one past its limit) is the user's picture gone, told as such."""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.services.ports import LocalFile, PictureUnavailableError

log = logging.getLogger(__name__)


class TelegramPictureSource:
    def __init__(self, bot: Bot, *, limit: int) -> None:
        self._bot = bot
        self._limit = limit

    async def fetch(self, file_id: str, directory: Path) -> LocalFile:
        try:
            file = await self._bot.get_file(file_id)
        except TelegramBadRequest as exc:  # "file is too big", "invalid file_id"
            raise PictureUnavailableError(exc.message) from exc
        if file.file_path is None:
            raise PictureUnavailableError("Telegram gave no file path")
        if file.file_size is not None and file.file_size > self._limit:
            raise PictureUnavailableError(f"{file.file_size} bytes is over the limit")
        # Telegram's own path names the file (photos/file_1.jpg); never a path of ours.
        name = posixpath.basename(file.file_path) or "picture.jpg"
        target = directory / name
        await self._bot.download_file(file.file_path, destination=target)
        if target.stat().st_size > self._limit:
            raise PictureUnavailableError("the downloaded file is over the limit")
        return LocalFile(path=target, name=name)
