"""The picture a request starts from, made into a URL Kie can read: a URL Kie gave us (a
result to animate) is used as it is; a chat's photo is fetched from Telegram and uploaded
to Kie's file host (free, kept 3 days), at submit time, so a queued request holds nothing."""

from __future__ import annotations

import logging
import secrets
import tempfile
from pathlib import Path

from bot.services.ports import PictureSource
from bot.storage import TaskRecord
from kie import KieClient

log = logging.getLogger(__name__)


class Pictures:
    def __init__(self, source: PictureSource, kie: KieClient, *, directory: Path | None = None) -> None:
        self._source = source
        self._kie = kie
        self._directory = directory

    async def url_for(self, task: TaskRecord) -> str:
        """Raises PictureUnavailableError (the user's picture is gone) or KieError."""
        if task.input_url is not None:
            return task.input_url
        if task.input_file_id is None:
            raise ValueError(f"task {task.id} has no picture")
        with tempfile.TemporaryDirectory(prefix="picture-", dir=self._directory) as folder:
            file = await self._source.fetch(task.input_file_id, Path(folder))
            # Kie's file host serves uploads by name to anyone: a name nobody can guess (not
            # Telegram's numbered file_12.jpg), and one no other upload overwrites.
            name = f"{secrets.token_urlsafe(18)}{Path(file.name).suffix.lower()[:8] or '.jpg'}"
            url = await self._kie.upload_file(file.path, file_name=name, upload_path="telegram")
        log.info("task %d: picture uploaded to Kie", task.id)
        return url
