"""Kie callbacks are untrusted input: signatures, malformed bodies, forgeries, duplicates,
and Kie's own throttling of new tasks. The real application runs against loopback fakes;
every "changes nothing" is checked on the fakes' recorded calls and on the database."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import tests.fakes.kie as fake_kie_module
from bot.app import Tuning
from bot.storage import DeliveryState, TaskRecord, TaskState
from tests.conftest import send
from tests.fakes.kie import tiny_png
from tests.fakes.telegram import make_png

KEY = "whk_test-secret-0123456789"
STATUS_PATH = "/api/v1/jobs/recordInfo"
CREATE_PATH = "/api/v1/jobs/createTask"


# -- helpers ------------------------------------------------------------------------------


def sign(key: str, task_id: str, timestamp: str) -> str:
    """Kie's scheme, written out here on purpose (not imported from kie.signing)."""
    digest = hmac.new(key.encode(), f"{task_id}.{timestamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(task_id: str, *, key: str = KEY, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Webhook-Timestamp": ts, "X-Webhook-Signature": sign(key, task_id, ts)}


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def http_client() -> httpx.AsyncClient:
    """A client for posting to the bot yourself; trust_env=False keeps any proxy off loopback.
    The CA bundle is loaded once, not the ~20 ms per client it would cost otherwise."""
    return httpx.AsyncClient(trust_env=False, verify=_tls())


def callback_url(app, token: str) -> str:
    return f"http://127.0.0.1:{app.web_port}/kie/callback/{token}"


def ok(fake_telegram, method: str) -> list[Any]:
    return fake_telegram.calls_of(method, ok=True)


def status_checks(fake_kie) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "GET" and r.path == STATUS_PATH]


def creates(fake_kie) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == CREATE_PATH]


async def start_image(
    app, fake_telegram, fake_kie, user_id: int = 1001, prompt: str = "a red fox"
) -> tuple[TaskRecord, str]:
    """/image from ``user_id``; returns the bot's task row and Kie's task id."""
    known = set(fake_kie.tasks)
    await send(app, fake_telegram, f"/image {prompt}", user_id=user_id, username=None, first_name=f"U{user_id}")
    [kie_id] = set(fake_kie.tasks) - known
    async with app.db.read() as repo:
        [task] = await repo.tasks.for_user(user_id)
    assert task.kie_task_id == kie_id and task.state is TaskState.RUNNING
    return task, kie_id


async def task_row(app, task_id: int) -> TaskRecord:
    async with app.db.read() as repo:
        task = await repo.tasks.get(task_id)
    assert task is not None
    return task


async def ledger_kinds(app, task_id: int) -> list[str]:
    async with app.db.read() as repo:
        return [e.kind for e in await repo.ledger.for_task(task_id)]


@dataclass(frozen=True)
class Snapshot:
    kie_requests: tuple[tuple[str, str], ...]
    telegram_calls: tuple[str, ...]
    tasks: tuple[TaskRecord, ...]
    ledger: tuple[Any, ...]
    deliveries: tuple[Any, ...]


async def snapshot(app, fake_kie, fake_telegram, task_ids: list[int], user_ids: list[int]) -> Snapshot:
    async with app.db.read() as repo:
        tasks = tuple([await repo.tasks.get(t) for t in task_ids])
        ledger = tuple([e for u in user_ids for e in await repo.ledger.entries(u)])
        deliveries = tuple([d for t in task_ids for d in await repo.deliveries.for_task(t)])
    return Snapshot(
        kie_requests=tuple((r.method, r.path) for r in fake_kie.requests),
        telegram_calls=tuple(c.method for c in fake_telegram.calls),
        tasks=tasks,
        ledger=ledger,
        deliveries=deliveries,
    )


async def wait_until(predicate: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


def photo_chats(fake_telegram) -> list[Any]:
    """The chat of every photo sent so far, in order."""
    return [call.chat_id for call in ok(fake_telegram, "sendPhoto")]


# Pacing is not under test here: production's pace for new Kie tasks (0.5 s each) and
# Telegram's (25 messages a second, all chats together) would only make the tests that open
# several tasks, above all those serving case after case in one application, wait for them.
QUICK_CREATES: dict[str, Any] = {"rate_limit": 20, "rate_period": 0.5}
QUICK_MESSAGES: dict[str, Any] = {
    "telegram_rate_limit": 1000.0,
    "tuning": Tuning(submit_backoff=0.01, shutdown_timeout=2.0),
}


async def check_each(app, names: Iterable[str], check: Callable[[str, int], Awaitable[None]]) -> None:
    """Run ``check(name, user_id)`` for every case, all inside the test's one application,
    each case as a new user (so with a task of its own). Every case runs even when an earlier
    one fails; the failures are reported together, each under its case's name."""
    failures: list[str] = []
    for user_id, name in enumerate(names, start=1001):
        try:
            await check(name, user_id)
        except Exception as exc:
            failures.append(f"[{name}] {type(exc).__name__}: {exc}")
        await app.monitor.idle()  # what a failed case left running does not spill into the next
    assert not failures, f"{len(failures)} case(s) failed:\n" + "\n".join(failures)


# -- 1. signatures ------------------------------------------------------------------------


async def test_correctly_signed_callback_is_accepted_and_delivers(make_app, fake_telegram, fake_kie):
    app = await make_app(webhook_hmac_key=KEY)
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    fake_kie.complete(kie_id)
    assert await fake_kie.send_callback(kie_id, hmac_key=KEY) == 200
    await app.monitor.idle()
    [photo] = ok(fake_telegram, "sendPhoto")
    assert next(iter(photo.files.values())).data == tiny_png()
    assert (await task_row(app, task.id)).state is TaskState.DONE
    assert await ledger_kinds(app, task.id) == ["debit"]


def _unsigned(kie_id: str) -> dict[str, str]:
    return {}


def _only_timestamp(kie_id: str) -> dict[str, str]:
    return {"X-Webhook-Timestamp": str(int(time.time()))}


def _only_signature(kie_id: str) -> dict[str, str]:
    return {"X-Webhook-Signature": signed_headers(kie_id)["X-Webhook-Signature"]}


def _wrong_key(kie_id: str) -> dict[str, str]:
    return signed_headers(kie_id, key=KEY + "x")


def _other_task_id(kie_id: str) -> dict[str, str]:
    return signed_headers("0" * len(kie_id))


def _stale(kie_id: str) -> dict[str, str]:
    return signed_headers(kie_id, timestamp=int(time.time()) - 301 - 5)


def _future(kie_id: str) -> dict[str, str]:
    return signed_headers(kie_id, timestamp=int(time.time()) + 301 + 5)


def _timestamp_swapped(kie_id: str) -> dict[str, str]:
    # A captured old signature replayed with a fresh timestamp header.
    old = signed_headers(kie_id, timestamp=int(time.time()) - 3600)
    return {**old, "X-Webhook-Timestamp": str(int(time.time()))}


def _milliseconds(kie_id: str) -> dict[str, str]:
    return signed_headers(kie_id, timestamp=int(time.time() * 1000))


def _garbage_signature(kie_id: str) -> dict[str, str]:
    return {**signed_headers(kie_id), "X-Webhook-Signature": "not-a-signature!!"}


def _empty_signature(kie_id: str) -> dict[str, str]:
    return {**signed_headers(kie_id), "X-Webhook-Signature": ""}


def _non_numeric_timestamp(kie_id: str) -> dict[str, str]:
    return {"X-Webhook-Timestamp": "now", "X-Webhook-Signature": sign(KEY, kie_id, "now")}


def _truncated_signature(kie_id: str) -> dict[str, str]:
    headers = signed_headers(kie_id)
    return {**headers, "X-Webhook-Signature": headers["X-Webhook-Signature"][:-4]}


BAD_SIGNATURES: dict[str, Callable[[str], dict[str, str]]] = {
    "unsigned": _unsigned,
    "only-timestamp": _only_timestamp,
    "only-signature": _only_signature,
    "wrong-key": _wrong_key,
    "other-task-id": _other_task_id,
    "stale": _stale,
    "future": _future,
    "timestamp-swapped": _timestamp_swapped,
    "milliseconds": _milliseconds,
    "garbage-signature": _garbage_signature,
    "empty-signature": _empty_signature,
    "non-numeric-timestamp": _non_numeric_timestamp,
    "truncated-signature": _truncated_signature,
}


async def test_badly_signed_callback_is_refused_and_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app(webhook_hmac_key=KEY, **QUICK_CREATES, **QUICK_MESSAGES)

    async def check(name: str, user_id: int) -> None:
        task, kie_id = await start_image(app, fake_telegram, fake_kie, user_id=user_id)
        # Kie really is done: any check the callback caused would deliver and show up.
        fake_kie.complete(kie_id)
        before = await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id])
        checks_before, photos_before = len(status_checks(fake_kie)), len(photo_chats(fake_telegram))
        status = await fake_kie.send_callback(kie_id, headers=BAD_SIGNATURES[name](kie_id))
        assert status in (401, 403)
        await app.monitor.idle()
        assert await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id]) == before
        assert status_checks(fake_kie)[checks_before:] == [] and photo_chats(fake_telegram)[photos_before:] == []

    await check_each(app, BAD_SIGNATURES, check)


async def test_signature_header_with_non_utf8_bytes_is_refused_not_a_server_error(make_app, fake_telegram, fake_kie):
    app = await make_app(webhook_hmac_key=KEY)
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    fake_kie.complete(kie_id)
    before = await snapshot(app, fake_kie, fake_telegram, [task.id], [1001])
    ts = str(int(time.time()))
    headers = [
        (b"Content-Type", b"application/json"),
        (b"X-Webhook-Timestamp", ts.encode()),
        (b"X-Webhook-Signature", b"\xff\xfe" + sign(KEY, kie_id, ts).encode()),
    ]
    async with http_client() as client:
        response = await client.post(
            callback_url(app, task.callback_token),
            content=json.dumps(fake_kie.callback_body(kie_id)),
            headers=headers,
        )
    await app.monitor.idle()
    assert await snapshot(app, fake_kie, fake_telegram, [task.id], [1001]) == before
    assert response.status_code in (400, 401, 403)


async def test_signed_callback_near_the_edge_of_the_window_is_accepted(make_app, fake_telegram, fake_kie):
    app = await make_app(webhook_hmac_key=KEY)
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    fake_kie.complete(kie_id)
    # Kie's clock a little behind ours: still within the replay window.
    headers = signed_headers(kie_id, timestamp=int(time.time()) - 240)
    assert await fake_kie.send_callback(kie_id, headers=headers) == 200
    await app.monitor.idle()
    assert len(ok(fake_telegram, "sendPhoto")) == 1
    assert (await task_row(app, task.id)).state is TaskState.DONE


KEYLESS_HEADERS: dict[str, dict[str, str]] = {
    "unsigned": {},
    "junk-signature": {"X-Webhook-Timestamp": "0", "X-Webhook-Signature": "junk"},
}


async def test_without_a_key_an_unsigned_callback_is_accepted(make_app, fake_telegram, fake_kie):
    app = await make_app(**QUICK_CREATES, **QUICK_MESSAGES)

    async def check(name: str, user_id: int) -> None:
        task, kie_id = await start_image(app, fake_telegram, fake_kie, user_id=user_id)
        fake_kie.complete(kie_id)
        photos_before = len(photo_chats(fake_telegram))
        assert await fake_kie.send_callback(kie_id, headers=KEYLESS_HEADERS[name]) == 200
        await app.monitor.idle()
        assert photo_chats(fake_telegram)[photos_before:] == [user_id]
        assert (await task_row(app, task.id)).state is TaskState.DONE

    await check_each(app, KEYLESS_HEADERS, check)


async def test_signed_callback_replayed_to_another_tasks_token_is_refused(make_app, fake_telegram, fake_kie):
    app = await make_app(webhook_hmac_key=KEY, **QUICK_CREATES)
    alice, alice_kie = await start_image(app, fake_telegram, fake_kie, user_id=1001)
    bob, bob_kie = await start_image(app, fake_telegram, fake_kie, user_id=1002)
    fake_kie.complete(alice_kie)
    fake_kie.complete(bob_kie)
    before = await snapshot(app, fake_kie, fake_telegram, [alice.id, bob.id], [1001, 1002])
    # Alice's genuine, correctly signed callback, posted to Bob's URL.
    status = await fake_kie.send_callback(alice_kie, hmac_key=KEY, url=callback_url(app, bob.callback_token))
    assert status == 403
    await app.monitor.idle()
    assert await snapshot(app, fake_kie, fake_telegram, [alice.id, bob.id], [1001, 1002]) == before


# -- 2. malformed callbacks and wrong tokens ---------------------------------------------


def _valid(kie_id: str) -> dict[str, Any]:
    return {"code": 200, "msg": "ok", "data": {"taskId": kie_id, "model": "google/nano-banana", "state": "success"}}


MALFORMED: dict[str, Callable[[str], bytes]] = {
    "empty": lambda _: b"",
    "not-json": lambda _: b"{not json",
    "truncated-json": lambda k: json.dumps(_valid(k)).encode()[:-3],
    "invalid-utf8": lambda _: b'{"data": {"taskId": "\xff\xfe"}}',
    "array": lambda k: json.dumps([_valid(k)]).encode(),
    "string": lambda _: b'"success"',
    "number": lambda _: b"42",
    "null": lambda _: b"null",
    "empty-object": lambda _: b"{}",
    "data-null": lambda _: b'{"code": 200, "data": null}',
    "data-list": lambda k: json.dumps({"code": 200, "data": [k]}).encode(),
    "data-string": lambda k: json.dumps({"code": 200, "data": k}).encode(),
    "data-empty": lambda _: b'{"code": 200, "data": {}}',
    "task-id-missing": lambda _: b'{"code": 200, "data": {"state": "success", "model": "m"}}',
    "task-id-number": lambda _: b'{"code": 200, "data": {"taskId": 12345, "state": "success"}}',
    "task-id-null": lambda _: b'{"code": 200, "data": {"taskId": null, "state": "success"}}',
    "task-id-object": lambda k: json.dumps({"code": 200, "data": {"taskId": {"id": k}, "state": "success"}}).encode(),
    "task-id-empty": lambda _: b'{"code": 200, "data": {"taskId": "", "state": "success"}}',
    "task-id-injection": lambda k: json.dumps({"data": {"taskId": k + "' OR 1=1 --", "state": "success"}}).encode(),
    "task-id-too-long": lambda _: json.dumps({"data": {"taskId": "a" * 500, "state": "success"}}).encode(),
    "code-not-number": lambda k: json.dumps({**_valid(k), "code": "two hundred"}).encode(),
    "state-not-string": lambda k: json.dumps({"data": {"taskId": k, "model": "m", "state": ["success"]}}).encode(),
    "stage-too-long": lambda k: json.dumps({"data": {"taskId": k, "model": "m", "state": "s" * 5000}}).encode(),
    "veo-info-not-object": lambda k: json.dumps({"data": {"taskId": k, "info": "x"}}).encode(),
    "suno-data-not-list": lambda k: json.dumps(
        {"data": {"callbackType": "complete", "task_id": k, "data": {}}}
    ).encode(),
    "deep-array": lambda _: b"[" * 100_000 + b"]" * 100_000,
    "deep-object": lambda _: b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "deep-inside-data": lambda k: (
        b'{"data": {"taskId": "' + k.encode() + b'", "x": ' + b"[" * 60_000 + b"]" * 60_000 + b"}}"
    ),
}


async def test_malformed_callback_is_a_client_error_and_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app(**QUICK_CREATES, **QUICK_MESSAGES)

    async def check(name: str, user_id: int) -> None:
        task, kie_id = await start_image(app, fake_telegram, fake_kie, user_id=user_id)
        fake_kie.complete(kie_id)
        before = await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id])
        async with http_client() as client:
            response = await client.post(
                callback_url(app, task.callback_token),
                content=MALFORMED[name](kie_id),
                headers={"Content-Type": "application/json"},
            )
        assert 400 <= response.status_code < 500, response.text
        await app.monitor.idle()
        assert await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id]) == before
        # The server is still fine afterwards: a genuine callback goes through, once.
        photos_before = len(photo_chats(fake_telegram))
        assert await fake_kie.send_callback(kie_id) == 200
        await app.monitor.idle()
        assert photo_chats(fake_telegram)[photos_before:] == [user_id]

    await check_each(app, MALFORMED, check)


async def test_oversized_callback_is_refused_with_413_and_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app(**QUICK_CREATES, **QUICK_MESSAGES)

    async def check(name: str, user_id: int) -> None:
        task, kie_id = await start_image(app, fake_telegram, fake_kie, user_id=user_id)
        fake_kie.complete(kie_id)
        before = await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id])
        body = fake_kie.callback_body(kie_id)
        body["padding"] = "x" * (300 * 1024)  # a valid callback, only too big
        raw = json.dumps(body).encode()

        async def stream():
            for i in range(0, len(raw), 16 * 1024):
                yield raw[i : i + 16 * 1024]

        async with http_client() as client:
            response = await client.post(
                callback_url(app, task.callback_token),
                content=stream() if name == "chunked" else raw,
                headers={"Content-Type": "application/json"},
            )
        assert response.status_code == 413
        await app.monitor.idle()
        assert await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id]) == before

    await check_each(app, ["content-length", "chunked"], check)


def _tokens(real: str) -> dict[str, str]:
    return {
        "unknown": "A" * len(real),
        "over-long": real + "x" * 100,
        "very-long": "t" * 4000,
        "real-plus-suffix": real + "x",
        "real-prefix": real[:-1],
        "upper-cased": real.upper() if real.upper() != real else real.lower(),
        "sql-ish": "x' OR '1'='1",
        "like-wildcard": "%",
    }


WRONG_TOKENS = [
    "unknown",
    "over-long",
    "very-long",
    "real-plus-suffix",
    "real-prefix",
    "upper-cased",
    "sql-ish",
    "like-wildcard",
]


async def test_wrong_token_is_forbidden_and_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app(**QUICK_CREATES, **QUICK_MESSAGES)

    async def check(name: str, user_id: int) -> None:
        task, kie_id = await start_image(app, fake_telegram, fake_kie, user_id=user_id)
        fake_kie.complete(kie_id)
        token = _tokens(task.callback_token)[name]
        assert token != task.callback_token
        before = await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id])
        async with http_client() as client:
            response = await client.post(callback_url(app, token), json=fake_kie.callback_body(kie_id))
        assert response.status_code == 403
        await app.monitor.idle()
        assert await snapshot(app, fake_kie, fake_telegram, [task.id], [user_id]) == before

    await check_each(app, WRONG_TOKENS, check)


async def test_valid_token_naming_another_real_kie_task_is_forbidden(make_app, fake_telegram, fake_kie):
    app = await make_app(**QUICK_CREATES)
    alice, alice_kie = await start_image(app, fake_telegram, fake_kie, user_id=1001)
    bob, bob_kie = await start_image(app, fake_telegram, fake_kie, user_id=1002)
    fake_kie.complete(alice_kie)
    fake_kie.complete(bob_kie)
    before = await snapshot(app, fake_kie, fake_telegram, [alice.id, bob.id], [1001, 1002])
    async with http_client() as client:
        # Bob's token, Alice's (real, finished) task in the body.
        response = await client.post(callback_url(app, bob.callback_token), json=fake_kie.callback_body(alice_kie))
    assert response.status_code == 403
    await app.monitor.idle()
    assert await snapshot(app, fake_kie, fake_telegram, [alice.id, bob.id], [1001, 1002]) == before


async def test_callback_for_a_settled_task_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    fake_kie.complete(kie_id)
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    before = await snapshot(app, fake_kie, fake_telegram, [task.id], [1001])
    fake_kie.fail(kie_id)  # even if Kie now said otherwise, a settled task stays settled
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    assert await snapshot(app, fake_kie, fake_telegram, [task.id], [1001]) == before


# -- 3. forged results -------------------------------------------------------------------


async def test_forged_success_with_an_attackers_url_delivers_nothing_until_kie_really_finishes(
    make_app, fake_telegram, fake_kie
):
    app = await make_app()
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    evil_png = make_png(4, 4, (0, 255, 0))
    evil = fake_kie.add_file("attacker/evil.png", evil_png, "image/png")
    forged = {
        "code": 200,
        "msg": "Playground task completed successfully.",
        "data": {
            "taskId": kie_id,
            "model": "google/nano-banana",
            "state": "success",
            "resultJson": json.dumps({"resultUrls": [evil]}),
            "creditsConsumed": 0,
        },
    }
    for _ in range(2):
        assert await fake_kie.send_callback(kie_id, body=forged) == 200
        await app.monitor.idle()
    assert fake_kie.tasks[kie_id].polls >= 1  # the claim was checked with Kie
    assert ok(fake_telegram, "sendPhoto") == [] and ok(fake_telegram, "sendDocument") == []
    row = await task_row(app, task.id)
    assert row.state is TaskState.RUNNING
    assert await ledger_kinds(app, task.id) == ["debit"]
    async with app.db.read() as repo:
        assert await repo.deliveries.for_task(task.id) == []

    fake_kie.complete(kie_id)
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    assert await fake_kie.send_callback(kie_id, body=forged) == 200  # and once more afterwards
    await app.monitor.idle()

    [photo] = ok(fake_telegram, "sendPhoto")
    assert next(iter(photo.files.values())).data == tiny_png()
    assert not any(r.path.endswith("/evil.png") for r in fake_kie.requests)  # never even fetched
    async with app.db.read() as repo:
        [delivery] = await repo.deliveries.for_task(task.id)
    assert delivery.url == fake_kie.tasks[kie_id].urls[0] and delivery.state is DeliveryState.SENT
    assert (await task_row(app, task.id)).state is TaskState.DONE
    assert await ledger_kinds(app, task.id) == ["debit"]


async def test_forged_failure_refunds_nothing_while_kie_is_still_working(make_app, fake_telegram, fake_kie):
    app = await make_app()
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    forged = {
        "code": 501,
        "msg": "Playground task failed.",
        "data": {"taskId": kie_id, "model": "google/nano-banana", "state": "fail", "failCode": "500", "failMsg": "x"},
    }
    assert await fake_kie.send_callback(kie_id, body=forged) == 200
    await app.monitor.idle()
    assert (await task_row(app, task.id)).state is TaskState.RUNNING
    assert await ledger_kinds(app, task.id) == ["debit"]
    assert not any(value.startswith("❌") for value in _status_texts(fake_telegram))

    fake_kie.complete(kie_id)
    assert await fake_kie.send_callback(kie_id) == 200
    await app.monitor.idle()
    assert len(ok(fake_telegram, "sendPhoto")) == 1
    assert await ledger_kinds(app, task.id) == ["debit"]


# -- 4. duplicates -----------------------------------------------------------------------


def _status_texts(fake_telegram) -> list[str]:
    calls = ok(fake_telegram, "editMessageText") + ok(fake_telegram, "sendMessage")
    return [c.params.get("text") or "" for c in calls]


@pytest.mark.parametrize("poll_interval", [30.0, 0.05], ids=["callbacks-only", "callbacks-and-polls"])
async def test_success_callback_repeated_delivers_each_file_once_and_charges_once(
    make_app, fake_telegram, fake_kie, poll_interval
):
    app = await make_app(poll_interval=poll_interval)
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    urls = [
        fake_kie.add_file(f"{kie_id}-a.png", make_png(2, 2, (10, 20, 30)), "image/png"),
        fake_kie.add_file(f"{kie_id}-b.png", make_png(3, 3, (30, 20, 10)), "image/png"),
    ]
    fake_kie.complete(kie_id, urls=urls)
    statuses = await asyncio.gather(*(fake_kie.send_callback(kie_id) for _ in range(3)))
    statuses += [await fake_kie.send_callback(kie_id)]
    await app.monitor.idle()
    statuses += [await fake_kie.send_callback(kie_id)]
    await app.monitor.idle()
    assert statuses == [200] * 5

    photos = ok(fake_telegram, "sendPhoto")
    sent_bytes = sorted(next(iter(p.files.values())).data for p in photos)
    assert sent_bytes == sorted([make_png(2, 2, (10, 20, 30)), make_png(3, 3, (30, 20, 10))])
    assert (await task_row(app, task.id)).state is TaskState.DONE
    assert await ledger_kinds(app, task.id) == ["debit"]
    assert await app.credits.balance(1001) == 8
    assert sum(text.startswith("✅") for text in _status_texts(fake_telegram)) == 1


@pytest.mark.parametrize("poll_interval", [30.0, 0.05], ids=["callbacks-only", "callbacks-and-polls"])
async def test_failure_callback_repeated_refunds_once(make_app, fake_telegram, fake_kie, poll_interval):
    app = await make_app(poll_interval=poll_interval)
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    fake_kie.fail(kie_id, code=501, msg="Generation failed upstream")
    statuses = list(await asyncio.gather(*(fake_kie.send_callback(kie_id) for _ in range(3))))
    statuses += [await fake_kie.send_callback(kie_id)]
    await app.monitor.idle()
    statuses += [await fake_kie.send_callback(kie_id)]
    await app.monitor.idle()
    assert statuses == [200] * 5

    assert await ledger_kinds(app, task.id) == ["debit", "refund"]
    assert await app.credits.balance(1001) == 10
    assert (await task_row(app, task.id)).state is TaskState.FAILED
    assert sum(text.startswith("❌") for text in _status_texts(fake_telegram)) == 1
    assert ok(fake_telegram, "sendPhoto") == []


async def test_signed_duplicates_with_a_key_still_deliver_once(make_app, fake_telegram, fake_kie):
    app = await make_app(webhook_hmac_key=KEY)
    task, kie_id = await start_image(app, fake_telegram, fake_kie)
    fake_kie.complete(kie_id)
    statuses = await asyncio.gather(*(fake_kie.send_callback(kie_id, hmac_key=KEY) for _ in range(5)))
    await app.monitor.idle()
    assert list(statuses) == [200] * 5
    assert len(ok(fake_telegram, "sendPhoto")) == 1
    assert await ledger_kinds(app, task.id) == ["debit"]
    assert (await task_row(app, task.id)).state is TaskState.DONE


# -- 5. Kie throttling of new tasks ------------------------------------------------------


async def test_burst_of_users_against_kies_rate_limit_all_delivered_none_refunded(
    make_app, fake_telegram, fake_kie, monkeypatch
):
    # Kie: 10 new tasks per 0.5 s, refusing (not queueing) the rest with code 429.
    monkeypatch.setattr(fake_kie_module, "RATE_WINDOW", 0.5)
    fake_kie.rate_limit = 10
    fake_kie.auto_complete = True
    fake_kie.auto_callback = True
    # Another client of the same Kie account has just used the window up.
    fake_kie.fail_next_create(429, "Rate limit exceeded", times=5)
    # Telegram's pace is not under test: at 25 messages a second the bot's ~120 would take most
    # of the test's time, and without it the requests reach Kie's limit even closer together.
    app = await make_app(rate_limit=10, rate_period=0.5, poll_interval=0.2, **QUICK_MESSAGES)
    users = [2000 + i for i in range(25)]

    await asyncio.gather(
        *(send(app, fake_telegram, f"/image fox {u}", user_id=u, username=None, first_name=f"U{u}") for u in users)
    )

    async def all_settled() -> bool:
        async with app.db.read() as repo:
            states = [t.state for u in users for t in await repo.tasks.for_user(u)]
        return len(states) == len(users) and all(s.is_final for s in states)

    await wait_until(all_settled, timeout=20)
    await app.monitor.idle()

    assert len(fake_kie.tasks) == len(users)
    assert len(creates(fake_kie)) > len(users)  # some creates really were refused and retried
    async with app.db.read() as repo:
        for u in users:
            [task] = await repo.tasks.for_user(u)
            assert task.state is TaskState.DONE, (u, task.error)
            assert [e.kind for e in await repo.ledger.for_task(task.id)] == ["debit"]
            assert await repo.ledger.balance(u) == 10 - 2
    photos = ok(fake_telegram, "sendPhoto")
    assert sorted(p.params["chat_id"] for p in photos) == sorted(users)


THROTTLES: dict[str, Callable[[Any], object]] = {
    "code-429": lambda f: f.fail_next_create(429, "Rate limit exceeded", times=3),
    "http-429-envelope": lambda f: f.fail_next_create(429, "Too many", times=3, http_status=429),
    "http-429-plain": lambda f: f.fail_next_raw(
        "Too Many Requests", http_status=429, content_type="text/plain", times=3, target="create"
    ),
    "code-430": lambda f: f.fail_next_create(430, "Too frequent", times=3),
    "code-455": lambda f: f.fail_next_create(455, "Service unavailable: maintenance", times=3),
    "code-500": lambda f: f.fail_next_create(500, "Server error", times=3),
    "http-500": lambda f: f.fail_next_create(500, "Server error", times=3, http_status=500),
    "http-502-page": lambda f: f.fail_next_raw(
        "<html>502 Bad Gateway</html>", http_status=502, times=3, target="create"
    ),
    "mixed": lambda f: (
        f.fail_next_create(429, "Rate limit exceeded", times=1),
        f.fail_next_create(455, "maintenance", times=1),
        f.fail_next_create(500, "Server error", times=1, http_status=500),
    ),
}


async def test_transient_create_refusals_are_retried_then_delivered_not_refunded(make_app, fake_telegram, fake_kie):
    app = await make_app(**QUICK_CREATES, **QUICK_MESSAGES)

    async def check(name: str, user_id: int) -> None:
        creates_before = len(creates(fake_kie))
        photos_before = len(photo_chats(fake_telegram))
        THROTTLES[name](fake_kie)
        task, kie_id = await start_image(app, fake_telegram, fake_kie, user_id=user_id)
        assert len(creates(fake_kie)) - creates_before == 4  # three refusals, then accepted
        fake_kie.complete(kie_id)
        assert await fake_kie.send_callback(kie_id) == 200
        await app.monitor.idle()
        assert photo_chats(fake_telegram)[photos_before:] == [user_id]
        assert (await task_row(app, task.id)).state is TaskState.DONE
        assert await ledger_kinds(app, task.id) == ["debit"]
        assert await app.credits.balance(user_id) == 8

    await check_each(app, THROTTLES, check)
