"""/image, /video, /song through the real dispatcher, services and web server,
against loopback fakes of the Bot API and of Kie."""

from __future__ import annotations

import asyncio
import hashlib
import time
from importlib import resources
from typing import Any

import httpx
import pytest

from bot.app import Tuning
from bot.services.ports import ProgressStage
from bot.storage import TaskState
from tests.conftest import send
from tests.fakes.kie import tiny_png


def value(call: Any, name: str) -> Any:
    return call.params.get(name)


def replied_to(call: Any) -> int | None:
    params = call.params.get("reply_parameters")
    return params["message_id"] if params else None


def sent(fake_telegram, method: str) -> list[Any]:
    """Calls of ``method`` that Telegram accepted."""
    return fake_telegram.calls_of(method, ok=True)


def creates(fake_kie, path: str) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == path]


async def balance_of(app, user_id: int = 1001) -> int:
    return await app.credits.balance(user_id)


async def only_task(app):
    async with app.db.read() as repo:
        tasks = await repo.tasks.for_user(1001)
    assert len(tasks) == 1
    return tasks[0]


async def finish_with_callback(app, fake_kie, task_id: str) -> None:
    assert await fake_kie.send_callback(task_id) == 200
    await app.monitor.idle()


async def test_image_reaches_the_chat_as_a_reply_after_the_callback(make_app, fake_telegram, fake_kie):
    app = await make_app()
    command = await send(app, fake_telegram, "/image a red fox in the snow")

    [create] = creates(fake_kie, "/api/v1/jobs/createTask")
    assert create.json["model"] == "google/nano-banana"
    assert create.json["input"]["prompt"] == "a red fox in the snow"
    assert create.json["callBackUrl"].startswith(app.settings.web.public_base + "/kie/callback/")
    assert await balance_of(app) == 10 - 2
    assert sent(fake_telegram, "sendPhoto") == []

    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    await finish_with_callback(app, fake_kie, task_id)

    [photo] = sent(fake_telegram, "sendPhoto")
    assert value(photo, "chat_id") == command["chat"]["id"]
    assert replied_to(photo) == command["message_id"]
    assert "a red fox in the snow" in value(photo, "caption")
    assert next(iter(photo.files.values())).data == tiny_png()
    task = await only_task(app)
    assert task.state is TaskState.DONE
    assert await balance_of(app) == 8
    # The progress message ends as "done", edited in place.
    edits = [value(c, "text") for c in sent(fake_telegram, "editMessageText")]
    assert edits and edits[-1].startswith("✅")


async def test_video_uses_veo_and_arrives_as_video(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=50)
    command = await send(app, fake_telegram, "/video waves at sunset")
    [create] = creates(fake_kie, "/api/v1/veo/generate")
    assert create.json["prompt"] == "waves at sunset"
    assert create.json["model"] == "veo3_fast"
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    [video] = sent(fake_telegram, "sendVideo")
    assert replied_to(video) == command["message_id"]
    assert await balance_of(app) == 50 - 20


async def test_song_tracks_each_arrive_once_across_text_first_complete_callbacks(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/song a cheerful song about coffee")
    [create] = creates(fake_kie, "/api/v1/generate")
    assert create.json["customMode"] is False and create.json["model"] == "V4_5"
    task_id = next(iter(fake_kie.tasks))

    fake_kie.suno_text(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    fake_kie.suno_first(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    assert len(sent(fake_telegram, "sendAudio")) == 1  # the first track, early
    fake_kie.complete(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    await finish_with_callback(app, fake_kie, task_id)  # Kie may repeat a callback

    audios = sent(fake_telegram, "sendAudio")
    assert len(audios) == 2
    assert len({value(a, "title") for a in audios}) == 2
    assert (await only_task(app)).state is TaskState.DONE
    assert await balance_of(app) == 10 - 4


async def test_failed_generation_is_refunded_once_and_explained(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a castle")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.fail(task_id, code=400, msg="Your prompt was flagged by the content policy")
    await finish_with_callback(app, fake_kie, task_id)
    await finish_with_callback(app, fake_kie, task_id)

    assert await balance_of(app) == 10
    task = await only_task(app)
    assert task.state is TaskState.FAILED
    async with app.db.read() as repo:
        kinds = [e.kind for e in await repo.ledger.for_task(task.id)]
    assert kinds == ["debit", "refund"]
    last = [value(c, "text") for c in sent(fake_telegram, "editMessageText")][-1]
    assert "flagged by the content policy" in last and "returned" in last
    assert sent(fake_telegram, "sendPhoto") == []


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (402, "unavailable"),
        (401, "unavailable"),
        (422, "refused"),
        (500, "busy"),
    ],
)
async def test_refused_submission_refunds_and_tells_the_user(make_app, fake_telegram, fake_kie, code, says):
    app = await make_app()
    fake_kie.fail_next_create(code, "nope", times=10)
    await send(app, fake_telegram, "/image a castle")
    assert await balance_of(app) == 10
    assert (await only_task(app)).state is TaskState.FAILED
    texts = [value(c, "text") for c in sent(fake_telegram, "editMessageText")]
    assert says in texts[-1] and "returned" in texts[-1]


async def test_kie_throttling_is_retried_not_failed(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_kie.fail_next_create(429, "Rate limit exceeded", times=2)
    await send(app, fake_telegram, "/image a castle")
    assert len(creates(fake_kie, "/api/v1/jobs/createTask")) == 3
    assert (await only_task(app)).state is TaskState.RUNNING
    assert await balance_of(app) == 8
    # The user saw that the request waits in a queue, then that it is being made.
    statuses = [c.params["text"] for c in sent(fake_telegram, "editMessageText")]
    assert len(statuses) == 2
    assert "in the queue" in statuses[0] and "is working on your picture" in statuses[1]


async def test_create_cut_off_after_sending_is_refunded_not_repeated(make_app, fake_telegram, fake_kie):
    # Kie may or may not have taken a create whose answer never came; repeating it could
    # pay for two generations, so the user gets the credits back and is asked to retry.
    app = await make_app(tuning=Tuning(submit_backoff=0.01, kie_timeout=0.3))
    fake_kie.delay_next(2.0, target="create")
    await send(app, fake_telegram, "/image a castle")
    assert len(creates(fake_kie, "/api/v1/jobs/createTask")) == 1
    assert (await only_task(app)).state is TaskState.FAILED
    assert await balance_of(app) == 10
    assert "busy right now" in sent(fake_telegram, "editMessageText")[-1].params["text"]


async def test_redelivered_update_is_charged_and_submitted_once(make_app, fake_telegram, fake_kie):
    # After a crash before the bot confirmed an update, Telegram sends it again.
    from aiogram.types import Update

    app = await make_app()
    raw = fake_telegram.message_update("/image a castle")
    for _ in range(2):
        await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))
    assert len(creates(fake_kie, "/api/v1/jobs/createTask")) == 1
    assert await balance_of(app) == 8
    assert len(sent(fake_telegram, "sendMessage")) == 1  # one progress message, no second reply


async def test_missing_prompt_costs_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image")
    await send(app, fake_telegram, "/song    ")
    [usage, _] = sent(fake_telegram, "sendMessage")
    assert "/image" in value(usage, "text") and "Nothing was charged" in value(usage, "text")
    assert fake_kie.requests == []
    assert await balance_of(app) == 10


async def test_too_long_prompt_costs_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/song " + "la " * 400)
    [reply] = sent(fake_telegram, "sendMessage")
    assert "at most 500" in value(reply, "text")
    assert fake_kie.requests == []
    assert await balance_of(app) == 10


async def test_not_enough_credits_costs_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/video a storm")  # costs 20, the user has 10
    [reply] = sent(fake_telegram, "sendMessage")
    assert "costs 20 credits and you have 10" in value(reply, "text")
    assert fake_kie.requests == []
    async with app.db.read() as repo:
        assert await repo.tasks.for_user(1001) == []


async def test_hostile_prompt_is_escaped_everywhere(make_app, fake_telegram, fake_kie):
    app = await make_app()
    prompt = "<b>bold</b> & <script>x</script> *star* _under_ [link](http://x) `tick` < > &amp;"
    await send(app, fake_telegram, f"/image {prompt}")
    task_id = next(iter(fake_kie.tasks))
    assert fake_kie.tasks[task_id].body["input"]["prompt"] == prompt  # Kie gets it verbatim
    fake_kie.complete(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    # The fake Bot API rejects malformed HTML the way Telegram does: nothing may have failed.
    assert [c.method for c in fake_telegram.calls if not c.ok] == []
    [photo] = sent(fake_telegram, "sendPhoto")
    assert "&lt;script&gt;" in value(photo, "caption")
    assert (await only_task(app)).state is TaskState.DONE


async def test_concurrent_commands_cannot_overdraw(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=5)
    await asyncio.gather(*(send(app, fake_telegram, f"/image fox {i}") for i in range(6)))
    assert len(fake_kie.tasks) == 2  # 2 credits each, 5 credits: two requests fit
    assert await balance_of(app) == 1
    refusals = [c for c in sent(fake_telegram, "sendMessage") if "Nothing was charged" in value(c, "text")]
    assert len(refusals) == 4


async def test_missing_callback_is_covered_by_polling(make_app, fake_telegram, fake_kie):
    app = await make_app(poll_interval=0.2)
    await send(app, fake_telegram, "/image a lighthouse")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    await fake_telegram.wait_for("sendPhoto", timeout=5)
    await app.monitor.idle()
    assert (await only_task(app)).state is TaskState.DONE


async def test_task_that_never_finishes_is_refunded_after_max_age(make_app, fake_telegram, fake_kie):
    app = await make_app(poll_interval=0.1, task_max_age=0.5)
    await send(app, fake_telegram, "/image a slow thing")
    for _ in range(100):
        if (await only_task(app)).state is TaskState.FAILED:
            break
        await asyncio.sleep(0.05)
    assert (await only_task(app)).state is TaskState.FAILED
    assert await balance_of(app) == 10
    texts = [value(c, "text") for c in sent(fake_telegram, "editMessageText")]
    assert "took too long" in texts[-1]


async def test_callback_without_valid_token_is_rejected_and_changes_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a red fox")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    body = fake_kie.callback_body(task_id)
    base = app.settings.web.public_base
    token_url = fake_kie.tasks[task_id].callback_url
    async with httpx.AsyncClient() as client:
        forged = await client.post(f"{base}/kie/callback/not-the-token", json=body)
        malformed = await client.post(token_url, content=b"{not json")
        wrong_shape = await client.post(token_url, json={"hello": "world"})
        other_task = await client.post(token_url, json={**body, "data": {**body["data"], "taskId": "someone-elses"}})
        health = await client.get(f"{base}/healthz")
    assert forged.status_code == 403
    assert malformed.status_code == 400
    assert wrong_shape.status_code == 400
    assert other_task.status_code == 403
    assert health.status_code == 200
    await app.monitor.idle()
    assert sent(fake_telegram, "sendPhoto") == []
    assert (await only_task(app)).state is TaskState.RUNNING


async def test_callback_claiming_success_is_checked_with_kie_first(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a red fox")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    body = fake_kie.callback_body(task_id)
    fake_kie.tasks[task_id].state = "generating"  # Kie's status endpoint says: not done yet
    fake_kie.tasks[task_id].urls = []
    async with httpx.AsyncClient() as client:
        response = await client.post(fake_kie.tasks[task_id].callback_url, json=body)
    assert response.status_code == 200
    await app.monitor.idle()
    assert sent(fake_telegram, "sendPhoto") == []
    assert (await only_task(app)).state is TaskState.RUNNING


async def test_large_image_goes_as_document(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a huge panorama")
    task_id = next(iter(fake_kie.tasks))
    content = tiny_png() + bytes(range(256)) * (11 * 4096)  # 11 MiB: uploaded in pieces
    big = fake_kie.add_file("big.png", content, "image/png")
    fake_kie.complete(task_id, urls=[big])
    await finish_with_callback(app, fake_kie, task_id)
    assert sent(fake_telegram, "sendPhoto") == []
    [document] = sent(fake_telegram, "sendDocument")
    assert "a huge panorama" in value(document, "caption")
    [upload] = document.files.values()
    assert (upload.size, upload.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert (await only_task(app)).state is TaskState.DONE


async def test_restart_delivers_what_finished_while_down(make_app, fake_telegram, fake_kie):
    first = await make_app()
    await send(first, fake_telegram, "/image a phoenix")
    await first.stop()
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)  # finished while the bot was down; its callback was lost

    second = await make_app(web_port=first.settings.web.web_port)
    await second.monitor.idle()
    assert len(sent(fake_telegram, "sendPhoto")) == 1
    assert (await only_task(second)).state is TaskState.DONE
    await second.monitor.idle()
    assert len(sent(fake_telegram, "sendPhoto")) == 1


async def test_start_grants_credits_once_and_balance_shows_them(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=7)
    await send(app, fake_telegram, "/start")
    await send(app, fake_telegram, "/start")
    await send(app, fake_telegram, "/balance")
    start_new, start_back, balance = (value(c, "text") for c in sent(fake_telegram, "sendMessage"))
    assert "<b>7</b>" in start_new and "Welcome back" in start_back
    assert balance.split()[0] == "7"
    async with app.db.read() as repo:
        assert [e.kind for e in await repo.ledger.entries(1001)] == ["welcome"]


async def test_photo_refused_by_telegram_falls_back_to_document(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a very tall tower")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    fake_telegram.fail_next("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    await finish_with_callback(app, fake_kie, task_id)
    assert sent(fake_telegram, "sendPhoto") == []
    [document] = sent(fake_telegram, "sendDocument")
    assert next(iter(document.files.values())).data == tiny_png()
    assert (await only_task(app)).state is TaskState.DONE
    assert await balance_of(app) == 8


async def test_telegram_flood_control_is_waited_out(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a red fox")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    fake_telegram.fail_next_flood("sendPhoto", retry_after=1)
    await finish_with_callback(app, fake_kie, task_id)
    attempts = fake_telegram.calls_of("sendPhoto")
    assert [c.error_code for c in attempts] == [429, None]
    assert (await only_task(app)).state is TaskState.DONE


async def test_result_over_telegram_limit_is_sent_as_a_link_and_kept(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=50)
    await send(app, fake_telegram, "/video a long epic")
    task_id = next(iter(fake_kie.tasks))
    huge = fake_kie.add_large_file("huge.mp4", 60 * 1024 * 1024, "video/mp4")
    fake_kie.complete(task_id, urls=[huge])
    await finish_with_callback(app, fake_kie, task_id)
    assert sent(fake_telegram, "sendVideo") == [] and sent(fake_telegram, "sendDocument") == []
    link = [c for c in sent(fake_telegram, "sendMessage") if "too large" in value(c, "text")]
    assert len(link) == 1
    assert fake_kie.base_url in value(link[0], "text")  # Kie's temporary download link
    assert (await only_task(app)).state is TaskState.DONE
    assert await balance_of(app) == 30


async def test_user_who_blocked_the_bot_gets_the_credits_back(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a red fox")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    fake_telegram.blocked_users.add(1001)
    await finish_with_callback(app, fake_kie, task_id)
    assert (await only_task(app)).state is TaskState.FAILED
    assert await balance_of(app) == 10
    async with app.db.read() as repo:
        assert (await repo.users.get(1001)).blocked_at is not None


async def test_result_finished_during_long_downtime_is_delivered_not_refunded(make_app, fake_telegram, fake_kie):
    first = await make_app(task_max_age=60)
    await send(first, fake_telegram, "/image a phoenix")
    await first.stop()
    fake_kie.complete(next(iter(fake_kie.tasks)))
    # The bot comes back two hours later, far past the task's maximum age.
    later = Tuning(submit_backoff=0.01, shutdown_timeout=2.0, clock=lambda: time.time() + 7200)
    second = await make_app(task_max_age=60, tuning=later, web_port=first.settings.web.web_port)
    await second.monitor.idle()
    assert len(sent(fake_telegram, "sendPhoto")) == 1
    assert (await only_task(second)).state is TaskState.DONE
    assert await balance_of(second) == 8


async def test_song_failing_after_its_first_track_keeps_what_was_delivered(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/song a lullaby")
    task_id = next(iter(fake_kie.tasks))
    fake_kie.suno_first(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    fake_kie.fail(task_id, code=501, msg="Audio generation failed")
    await finish_with_callback(app, fake_kie, task_id)
    assert len(sent(fake_telegram, "sendAudio")) == 1
    task = await only_task(app)
    assert task.state is TaskState.DONE
    async with app.db.read() as repo:
        assert [e.kind for e in await repo.ledger.for_task(task.id)] == ["debit"]
    assert await balance_of(app) == 6


async def test_callback_arriving_during_a_check_is_not_lost(make_app, fake_telegram, fake_kie, monkeypatch):
    app = await make_app(poll_interval=600)
    await send(app, fake_telegram, "/image a red fox")
    task_id = next(iter(fake_kie.tasks))
    real_get_task = app.kie.get_task
    answered = asyncio.Event()

    async def slow_get_task(*args, **kwargs):
        result = await real_get_task(*args, **kwargs)
        answered.set()
        await asyncio.sleep(0.3)  # the check is still busy when the next callback comes
        return result

    monkeypatch.setattr(app.kie, "get_task", slow_get_task)
    early = {"code": 200, "msg": "ok", "data": {"taskId": task_id, "model": "google/nano-banana", "state": "success"}}
    assert await fake_kie.send_callback(task_id, body=early) == 200
    await answered.wait()  # Kie said "not done" to the check in flight
    fake_kie.complete(task_id)
    assert await fake_kie.send_callback(task_id) == 200
    await app.monitor.idle()
    assert len(sent(fake_telegram, "sendPhoto")) == 1


async def test_anonymous_admin_is_told_and_not_charged(make_app, fake_telegram, fake_kie):
    app = await make_app()
    raw = fake_telegram.message_update("/image a castle", chat_type="supergroup")
    raw["message"]["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    await app.dispatcher.feed_raw_update(app.bot, raw)
    [reply] = sent(fake_telegram, "sendMessage")
    assert "your own account" in value(reply, "text")
    assert fake_kie.requests == []


async def test_unexpected_error_after_kie_accepted_still_delivers(make_app, fake_telegram, fake_kie, monkeypatch):
    app = await make_app()

    shown = app.notifier.progress

    async def broken_once_running(task, stage, **kwargs):
        if stage is ProgressStage.RUNNING:
            raise RuntimeError("something unforeseen")
        await shown(task, stage, **kwargs)

    monkeypatch.setattr(app.notifier, "progress", broken_once_running)
    await send(app, fake_telegram, "/image a red fox")
    monkeypatch.undo()
    assert (await only_task(app)).state is TaskState.RUNNING
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    await finish_with_callback(app, fake_kie, task_id)
    assert len(sent(fake_telegram, "sendPhoto")) == 1
    assert await balance_of(app) == 8


async def test_catalog_params_that_the_family_rejects_stop_the_start(tmp_path, fake_telegram, fake_kie):
    from bot.app import Application
    from bot.catalog import CatalogError, load_catalog
    from tests.conftest import make_settings

    text = (resources.files("bot.catalog") / "catalog.toml").read_text()
    bad = tmp_path / "prices.toml"
    veo = 'kie_model = "veo3_fast"\n'
    bad.write_text(text.replace(veo, veo + 'params = { watermark = "x" }\n'))
    with pytest.raises(CatalogError, match="models.veo3-fast.params"):
        Application(make_settings(tmp_path, fake_telegram, fake_kie), catalog=load_catalog(bad))


def test_caption_is_cut_by_telegram_utf16_units():
    from bot.telegram.files import shorten as _shorten

    emoji = "🦊" * 700  # 1400 UTF-16 units
    cut = _shorten(emoji, 800)
    assert len(cut.encode("utf-16-le")) // 2 <= 800 and cut.endswith("…")
    assert _shorten("short", 800) == "short"
