"""The services on their own: no Bot, no Telegram fake. They talk to the chat side only
through the ports in ``bot.services.ports``, so plain recording fakes stand in for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from bot.domain import DeliveryMethod, Kind, LedgerKind, MediaKind
from bot.services.billing.credits import CreditService
from bot.services.generation.delivery import DeliveryService, Outcome
from bot.services.generation.reasons import FailureReason, Reason
from bot.services.generation.settlement import Settlement
from bot.services.messaging.notifier import Notifier
from bot.services.messaging.outbox import Outbox
from bot.services.ports import (
    LocalFile,
    MethodRefusedError,
    NoticeKind,
    ProgressStage,
    SendOutcome,
    SendResult,
    SentFile,
)
from bot.storage import Database, DeliveryRecord, NoticeRecord, TaskRecord, ledger_key
from kie import KieClient

NOW = 1_700_000_000.0
USER = 5


class RecordingNotices:
    def __init__(self) -> None:
        self.notices: list[NoticeRecord] = []

    async def deliver(self, notice: NoticeRecord) -> SendResult:
        self.notices.append(notice)
        return SendResult(SendOutcome.SENT)


class RecordingProgress:
    def __init__(self) -> None:
        self.shown: list[tuple[int, ProgressStage]] = []

    async def show(
        self, task: TaskRecord, stage: ProgressStage, *, model_name: str, balance: int | None = None
    ) -> int | None:
        self.shown.append((task.id, stage))
        return 77 if task.status_message_id is None else None  # "sent" a new progress message


class DocumentsOnly:
    """Refuses photos (as Telegram does for odd images), takes documents."""

    def __init__(self) -> None:
        self.tried: list[DeliveryMethod] = []

    async def send_file(
        self, task: TaskRecord, delivery: DeliveryRecord, file: LocalFile, method: DeliveryMethod
    ) -> SentFile:
        self.tried.append(method)
        if method is DeliveryMethod.PHOTO:
            raise MethodRefusedError("PHOTO_INVALID_DIMENSIONS")
        assert file.path.read_bytes() == b"png-bytes"
        return SentFile(message_id=90, file_id="doc-1")

    async def send_link(self, task: TaskRecord, delivery: DeliveryRecord, url: str) -> SentFile:
        raise AssertionError("a small file is never sent as a link")


async def open_db(tmp_path: Path) -> Database:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    return db


async def charged_task(db: Database, credits: CreditService) -> TaskRecord:
    await credits.register(USER, username=None, first_name="Иван", language="ru")
    async with db.transaction() as repo:
        task = await repo.tasks.create(
            user_id=USER, chat_id=USER, thread_id=None, request_message_id=3, kind=Kind.IMAGE, model_key="m",
            family="market", prompt="лиса", options={}, price=2, callback_token="t", language="ru", now=NOW,
        )  # fmt: skip
        await repo.ledger.apply(
            user_id=USER, delta=-2, kind=LedgerKind.DEBIT, op_key=ledger_key(LedgerKind.DEBIT, task.id),
            task_id=task.id, now=NOW,
        )  # fmt: skip
    return task


async def test_a_failure_is_refunded_once_and_noticed_as_a_typed_event(tmp_path):
    db = await open_db(tmp_path)
    notices, progress = RecordingNotices(), RecordingProgress()
    notifier = Notifier(db, progress, Outbox(db, notices, clock=lambda: NOW), lambda: NOW)
    credits = CreditService(db, starting_credits=10, clock=lambda: NOW)
    settlement = Settlement(db, notifier, lambda: NOW)
    try:
        task = await charged_task(db, credits)
        await notifier.progress(task, ProgressStage.QUEUED, model_name="M", balance=8)
        reason = Reason.of(FailureReason.REJECTED, "nope")
        assert await settlement.fail(task, reason)
        assert not await settlement.fail(task, reason)  # settled once

        [notice] = notices.notices
        assert (notice.event, notice.language, notice.edit_message_id) == (NoticeKind.TASK_FAILED, "ru", 77)
        assert notice.payload == {"kind": "image", "price": 2, "reason": "rejected", "detail": "nope", "balance": 10}
        assert progress.shown == [(task.id, ProgressStage.QUEUED)]
        assert await credits.balance(USER) == 10
    finally:
        await db.close()


async def test_delivery_falls_back_down_the_ladder_and_records_the_method(tmp_path):
    db = await open_db(tmp_path)
    files = DocumentsOnly()

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"png-bytes", headers={"content-type": "image/png"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(serve))
    kie = KieClient("key", base_url="http://127.0.0.1:9")  # never asked: no link is needed
    delivery = DeliveryService(db, files, kie, http, work_dir=tmp_path, clock=lambda: NOW)
    try:
        task = await charged_task(db, CreditService(db, starting_credits=10, clock=lambda: NOW))
        async with db.transaction() as repo:
            await repo.deliveries.add(
                task.id, file_key="0", url="https://files.example/r.png", media=MediaKind.IMAGE, title=None,
                duration=None, now=NOW,
            )  # fmt: skip
            [record] = await repo.deliveries.for_task(task.id)
        assert await delivery.deliver(task, record) is Outcome.SENT
        assert files.tried == [DeliveryMethod.PHOTO, DeliveryMethod.DOCUMENT]
        async with db.read() as repo:
            [sent] = await repo.deliveries.for_task(task.id)
        assert (sent.sent_as, sent.file_id) == (DeliveryMethod.DOCUMENT, "doc-1")
    finally:
        await http.aclose()
        await kie.aclose()
        await db.close()


def test_no_service_imports_aiogram_or_the_translator():
    import ast as python_ast
    from importlib import resources

    services = resources.files("bot") / "services"
    offenders: list[Any] = []
    for path in Path(str(services)).rglob("*.py"):
        tree = python_ast.parse(path.read_text("utf-8"))
        for node in python_ast.walk(tree):
            names = []
            if isinstance(node, python_ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, python_ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [(path.name, n) for n in names if n.startswith(("aiogram", "bot.telegram"))]
    assert offenders == []
