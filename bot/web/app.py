"""The bot's own web server: health check, Kie callbacks, and the Telegram webhook.

A callback is never trusted for its content. Its URL carries a per-task secret token;
a valid one only makes the task due for a check against Kie's status endpoint. The
reply is immediate (Kie waits 15 s at most) and all work happens in the monitor.
"""

from __future__ import annotations

import json
import logging
import time

from aiohttp import web

from bot.services.generation.monitor import TaskMonitor
from bot.storage import Database
from kie import KieCallbackError, parse_callback, verify_callback_signature

log = logging.getLogger(__name__)

CALLBACK_PATH = "/kie/callback/{token}"
MAX_CALLBACK_BYTES = 256 * 1024


class Readiness:
    """Mutable flag: aiohttp forbids changing app state once the server runs."""

    def __init__(self) -> None:
        self.ready = False


READINESS = web.AppKey("readiness", Readiness)


def _reject(status: int, reason: str) -> web.Response:
    return web.json_response({"code": status, "msg": reason}, status=status)


class CallbackView:
    def __init__(self, db: Database, monitor: TaskMonitor, *, hmac_key: str | None) -> None:
        self._db = db
        self._monitor = monitor
        self._hmac_key = hmac_key

    async def handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if len(token) > 64:
            return _reject(403, "forbidden")
        async with self._db.read() as repo:
            task = await repo.tasks.by_callback_token(token)
        if task is None:
            return _reject(403, "forbidden")
        try:
            body = await request.read()  # whole body; client_max_size caps it (413)
            event = parse_callback(json.loads(body))
        except web.HTTPRequestEntityTooLarge:
            return _reject(413, "too large")
        except (ValueError, RecursionError, KieCallbackError):
            return _reject(400, "malformed callback")
        if task.kie_task_id is not None and event.task_id != task.kie_task_id:
            log.warning("callback for task %d names another Kie task", task.id)
            return _reject(403, "forbidden")
        if self._hmac_key is not None and not verify_callback_signature(
            self._hmac_key,
            event.task_id,
            request.headers.get("X-Webhook-Timestamp"),
            request.headers.get("X-Webhook-Signature"),
            now=time.time(),
        ):
            return _reject(401, "bad signature")
        log.info("callback for task %d (%s, %s)", task.id, event.family, event.stage)
        if not task.state.is_final:
            await self._monitor.nudge(task.id)
        return web.json_response({"code": 200, "msg": "success"})


async def healthz(request: web.Request) -> web.Response:
    if request.app[READINESS].ready:
        return web.json_response({"status": "ready"})
    return web.json_response({"status": "starting"}, status=503)


def create_web_app(callbacks: CallbackView) -> web.Application:
    app = web.Application(client_max_size=MAX_CALLBACK_BYTES)
    app[READINESS] = Readiness()
    app.router.add_get("/healthz", healthz)
    app.router.add_post(CALLBACK_PATH, callbacks.handle)
    return app
