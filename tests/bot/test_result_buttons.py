"""The buttons under a result ("Again", "Animate") through the real app, the fake Bot API and
the fake Kie: each button starts at most one request, charged to whoever pressed it."""

from __future__ import annotations

import asyncio
import time
from importlib import resources
from typing import Any

from aiogram.types import Update

from bot.app import Tuning
from bot.services.operators.admin import UserRef
from bot.storage import TaskState
from bot.telegram.result_buttons import AgainButton, AnimateButton
from tests.conftest import send

GROUP = -1_001_234_567_890


async def feed(app, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


def creates(fake_kie, path: str) -> list[Any]:
    return [r for r in fake_kie.requests if r.method == "POST" and r.path == path]


IMAGES = "/api/v1/jobs/createTask"
VIDEOS = "/api/v1/veo/generate"


async def deliver_last(app, fake_kie) -> None:
    task_id = list(fake_kie.tasks)[-1]
    fake_kie.complete(task_id)
    assert await fake_kie.send_callback(task_id) == 200
    await app.monitor.idle()


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row]


def results(fake_telegram, method: str = "sendPhoto") -> list[dict[str, Any]]:
    return [c.result for c in fake_telegram.calls_of(method, ok=True)]


def answers(fake_telegram) -> list[str | None]:
    return [a.get("text") for a in fake_telegram.callback_answers.values()]


async def image_result(app, fake_telegram, fake_kie, **where: Any) -> dict[str, Any]:
    await send(app, fake_telegram, "/image a red fox in the snow", **where)
    await deliver_last(app, fake_kie)
    return results(fake_telegram)[-1]


async def tasks_of(app, user_id: int) -> list[Any]:
    async with app.db.read() as repo:
        return await repo.tasks.for_user(user_id)


async def test_result_has_again_and_animate_with_prices(make_app, fake_telegram, fake_kie):
    app = await make_app()
    photo = await image_result(app, fake_telegram, fake_kie)
    again, animate = buttons(photo)
    assert again["text"] == "🔁 Again · 2 cr"
    assert animate["text"] == "🎬 Animate · 20 cr"  # Veo 3.1 Fast, the video default
    [task] = await tasks_of(app, 1001)
    assert AgainButton.unpack(again["callback_data"]).task == task.id

    await send(app, fake_telegram, "/song a tune")
    await deliver_last(app, fake_kie)
    audio = results(fake_telegram, "sendAudio")[-1]
    assert [b["text"] for b in buttons(audio)] == ["🔁 Again · 4 cr"]  # no Animate for songs


async def test_russian_labels(make_app, fake_telegram, fake_kie):
    app = await make_app()
    photo = await image_result(app, fake_telegram, fake_kie, language_code="ru")
    assert [b["text"] for b in buttons(photo)] == ["🔁 Ещё раз · 2 кр", "🎬 Оживить · 20 кр"]


async def test_again_twice_concurrently_and_redelivered_starts_one_request(make_app, fake_telegram, fake_kie):
    app = await make_app()
    photo = await image_result(app, fake_telegram, fake_kie)
    data = buttons(photo)[0]["callback_data"]
    first = fake_telegram.callback_update(data, message=photo)
    second = fake_telegram.callback_update(data, message=photo)
    await asyncio.gather(feed(app, first), feed(app, second))
    await feed(app, first)  # Telegram delivers the same update again

    created = creates(fake_kie, IMAGES)
    assert len(created) == 2  # the original and one "Again"
    assert created[1].json == {**created[0].json, "callBackUrl": created[1].json["callBackUrl"]}
    assert await app.credits.balance(1001) == 10 - 2 - 2
    tasks = await tasks_of(app, 1001)
    assert len(tasks) == 2
    again = tasks[0]  # newest first
    assert again.request_message_id == photo["message_id"]
    said = answers(fake_telegram)
    assert said.count("This button has already started a request.") == 1 and "Started: 2 credits." in said

    # Its result replies to the result the button was under.
    await deliver_last(app, fake_kie)
    assert results(fake_telegram)[-1]["reply_to_message"]["message_id"] == photo["message_id"]
    # A redelivered update after the result still starts nothing.
    await feed(app, second)
    assert len(creates(fake_kie, IMAGES)) == 2


async def test_group_member_pressing_pays_and_only_once(make_app, fake_telegram, fake_kie):
    app = await make_app()
    fake_telegram.add_chat(GROUP, "supergroup", title="Friends")
    photo = await image_result(app, fake_telegram, fake_kie, chat_id=GROUP, chat_type="supergroup")
    data = buttons(photo)[0]["callback_data"]

    await feed(app, fake_telegram.callback_update(data, message=photo, user_id=2002, first_name="Bob"))
    await feed(app, fake_telegram.callback_update(data, message=photo, user_id=1001))  # too late

    assert len(creates(fake_kie, IMAGES)) == 2
    assert await app.credits.balance(1001) == 10 - 2  # A paid for their own request only
    assert await app.credits.balance(2002) == 10 - 2  # B pressed, B paid
    [bobs] = await tasks_of(app, 2002)
    assert bobs.chat_id == GROUP and bobs.request_message_id == photo["message_id"]


async def test_animate_uses_kies_result_url_without_upload(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=50)
    photo = await image_result(app, fake_telegram, fake_kie)
    result_url = fake_kie.tasks[list(fake_kie.tasks)[-1]].urls[0]
    data = buttons(photo)[1]["callback_data"]
    await feed(app, fake_telegram.callback_update(data, message=photo))
    await feed(app, fake_telegram.callback_update(data, message=photo))

    [video] = creates(fake_kie, VIDEOS)
    assert video.json["model"] == "veo3_fast"
    assert video.json["imageUrls"] == [result_url]
    assert video.json["prompt"] == "a red fox in the snow"
    assert fake_kie.uploads == []
    assert await app.credits.balance(1001) == 50 - 2 - 20
    await deliver_last(app, fake_kie)
    [clip] = results(fake_telegram, "sendVideo")
    assert clip["reply_to_message"]["message_id"] == photo["message_id"]
    assert [b["text"] for b in buttons(clip)] == ["🔁 Again · 20 cr"]


async def test_animate_after_kies_copy_expired_uploads_the_delivered_file(make_app, fake_telegram, fake_kie):
    now = [time.time()]
    app = await make_app(
        starting_credits=50, tuning=Tuning(submit_backoff=0.01, shutdown_timeout=2.0, clock=lambda: now[0])
    )
    photo = await image_result(app, fake_telegram, fake_kie)
    sent_bytes = next(iter(fake_telegram.calls_of("sendPhoto", ok=True)[-1].files.values())).data
    now[0] += 14 * 24 * 3600
    await feed(app, fake_telegram.callback_update(buttons(photo)[1]["callback_data"], message=photo))

    [upload] = fake_kie.uploads
    assert upload.data == sent_bytes  # fetched from Telegram by the delivered file's id
    [video] = creates(fake_kie, VIDEOS)
    assert video.json["imageUrls"] == [upload.url]


async def test_again_of_a_photo_edit_uploads_the_users_photo_again(make_app, fake_telegram, fake_kie):
    from tests.fakes.telegram import make_png

    app = await make_app()
    picture = make_png(20, 20, rgb=(5, 6, 7))
    raw = fake_telegram.photo_update(picture, caption="/image make it snowy")
    await feed(app, raw)
    await deliver_last(app, fake_kie)
    result = results(fake_telegram)[-1]
    await feed(app, fake_telegram.callback_update(buttons(result)[0]["callback_data"], message=result))

    assert [u.data for u in fake_kie.uploads] == [picture, picture]
    first, again = creates(fake_kie, IMAGES)
    assert again.json["model"] == first.json["model"] == "google/nano-banana-edit"
    assert again.json["input"]["image_urls"] == [fake_kie.uploads[1].url]


async def test_forged_and_stale_buttons_are_answered_and_charge_nothing(make_app, fake_telegram, fake_kie):
    app = await make_app()
    photo = await image_result(app, fake_telegram, fake_kie)
    [task] = await tasks_of(app, 1001)
    before = len(fake_kie.requests)
    # Bob's private chat: an "Again" of Alice's task pressed under a message of his.
    await send(app, fake_telegram, "/balance", user_id=2002)
    bobs = fake_telegram.messages(2002)[-1].message
    forged = [
        fake_telegram.callback_update(AgainButton(task=task.id).pack(), message=bobs, user_id=2002),
        fake_telegram.callback_update(AgainButton(task=99_999).pack(), message=photo),
        fake_telegram.callback_update(AnimateButton(delivery=99_999, price=20).pack(), message=photo),
        fake_telegram.callback_update("again:not-a-number", message=photo),
        # The task's own id, but under a message that is not its result (the command itself).
        fake_telegram.callback_update(AgainButton(task=task.id).pack(), message=task.request_message_id),
    ]
    for raw in forged:
        await feed(app, raw)
    said = answers(fake_telegram)
    assert said.count("This button no longer works. Please send the command again.") == len(forged)
    assert len(fake_kie.requests) == before
    assert await app.credits.balance(1001) == 8 and await app.credits.balance(2002) == 10
    assert len(await tasks_of(app, 1001)) == 1


async def test_press_without_credits_is_refused_with_a_buy_button(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=2)
    photo = await image_result(app, fake_telegram, fake_kie)
    await feed(app, fake_telegram.callback_update(buttons(photo)[0]["callback_data"], message=photo))

    assert len(creates(fake_kie, IMAGES)) == 1
    refusal = fake_telegram.calls_of("sendMessage", ok=True)[-1]
    assert "This costs 2" in refusal.params["text"]
    assert refusal.params["reply_markup"]["inline_keyboard"]
    assert list(fake_telegram.callback_answers.values())[-1].get("text") is None  # answered, quietly
    [task] = await tasks_of(app, 1001)
    assert task.state is TaskState.DONE


async def test_buttons_work_after_a_restart_and_a_changed_price_charges_nothing(
    make_app, fake_telegram, fake_kie, tmp_path
):
    first = await make_app(starting_credits=50)
    photo = await image_result(first, fake_telegram, fake_kie)
    again, animate = (b["callback_data"] for b in buttons(photo))
    await first.stop()

    # The operator raised Veo's price while the bot was down.
    text = (resources.files("bot.catalog") / "catalog.toml").read_text("utf-8")
    changed = text.replace('kie_model = "veo3_fast"\nprice = 20', 'kie_model = "veo3_fast"\nprice = 25')
    assert changed != text
    path = tmp_path / "catalog.toml"
    path.write_text(changed, "utf-8")
    second = await make_app(starting_credits=50, catalog_path=path, web_port=first.settings.web.web_port)

    await feed(second, fake_telegram.callback_update(animate, message=photo))
    alert = list(fake_telegram.callback_answers.values())[-1]
    assert alert["show_alert"] is True and "now 25 credits" in alert["text"]
    assert creates(fake_kie, VIDEOS) == [] and await second.credits.balance(1001) == 50 - 2

    await feed(second, fake_telegram.callback_update(again, message=photo))
    assert len(creates(fake_kie, IMAGES)) == 2
    assert await second.credits.balance(1001) == 50 - 2 - 2


async def test_group_cap_and_a_ban_hold_for_buttons_too(make_app, fake_telegram, fake_kie):
    app = await make_app(group_daily_credits=3, admin_ids=frozenset({1}))
    fake_telegram.add_chat(GROUP, "supergroup", title="Friends")
    photo = await image_result(app, fake_telegram, fake_kie, chat_id=GROUP, chat_type="supergroup")
    again = buttons(photo)[0]["callback_data"]

    # The group has spent 2 of its 3 credits today: Bob's "Again" (2) is refused, not charged.
    await feed(app, fake_telegram.callback_update(again, message=photo, user_id=2002, first_name="Bob"))
    refusal = list(fake_telegram.callback_answers.values())[-1]  # short and plain: an alert
    assert refusal["show_alert"] is True and "used its 3 credits for today" in refusal["text"]

    # A banned member's press starts nothing either.
    await send(app, fake_telegram, "/balance", user_id=3003)
    await app.admin.ban(admin_id=1, ref=UserRef(user_id=3003))
    await feed(app, fake_telegram.callback_update(again, message=photo, user_id=3003, first_name="Carol"))
    assert list(fake_telegram.callback_answers.values())[-1]["show_alert"] is True

    assert len(creates(fake_kie, IMAGES)) == 1
    assert await app.credits.balance(2002) == 10 and await app.credits.balance(3003) == 10
    assert await tasks_of(app, 2002) == [] and await tasks_of(app, 3003) == []


async def test_a_failed_answer_to_the_press_still_sends_the_charged_request(make_app, fake_telegram, fake_kie):
    """Telegram refusing the answer (a replayed press is "too old") must not strand the charge."""
    app = await make_app()
    photo = await image_result(app, fake_telegram, fake_kie)
    fake_telegram.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired")
    await feed(app, fake_telegram.callback_update(buttons(photo)[0]["callback_data"], message=photo))

    assert len(creates(fake_kie, IMAGES)) == 2  # the original and the "Again", sent to Kie
    again = (await tasks_of(app, 1001))[0]
    assert again.kie_task_id is not None and await app.credits.balance(1001) == 10 - 2 - 2
