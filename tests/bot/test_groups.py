"""The bot in group chats: routing, who pays, where results go, joining and leaving."""

from __future__ import annotations

import time
from typing import Any

from aiogram.types import Update

from bot.storage import TaskState
from tests.conftest import send

GROUP = -1_001_234_567_890


def texts_sent(fake_telegram, chat_id: int | None = None) -> list[str]:
    return [
        c.params["text"]
        for c in fake_telegram.calls_of("sendMessage", ok=True)
        if chat_id is None or c.params["chat_id"] == chat_id
    ]


async def tasks_of(app, user_id: int):
    async with app.db.read() as repo:
        return await repo.tasks.for_user(user_id)


async def feed(app, raw: dict[str, Any]) -> None:
    await app.dispatcher.feed_update(app.bot, Update.model_validate(raw, context={"bot": app.bot}))


def membership_update(fake_telegram, *, chat_id: int, old: str, new: str, by: int = 1001) -> dict[str, Any]:
    fake_telegram.add_chat(chat_id, "supergroup", title="Friends")
    bot = fake_telegram.bot_user

    def member(status: str) -> dict[str, Any]:
        if status != "administrator":
            return {"status": status, "user": bot}
        rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                  "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
                  "can_edit_stories", "can_delete_stories", "can_send_welcome_messages")  # fmt: skip
        return {"status": status, "user": bot, "can_be_edited": False, "is_anonymous": False} | dict.fromkeys(
            rights, False
        )

    return {
        "update_id": int(time.time() * 1000) % 1_000_000_000,
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "supergroup", "title": "Friends"},
            "from": {"id": by, "is_bot": False, "first_name": "Alice", "language_code": "en"},
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        },
    }


async def test_commands_work_with_and_without_the_bots_username(make_app, fake_telegram, fake_kie):
    app = await make_app()
    name = fake_telegram.bot_username
    await send(app, fake_telegram, "/balance", chat_type="supergroup", chat_id=GROUP)
    await send(app, fake_telegram, f"/balance@{name}", chat_type="supergroup", chat_id=GROUP)
    await send(app, fake_telegram, f"/image@{name} a castle", chat_type="supergroup", chat_id=GROUP)
    assert texts_sent(fake_telegram, GROUP)[:2] == ["10 credits left.", "10 credits left."]
    assert len(fake_kie.tasks) == 1


async def test_commands_for_another_bot_and_chatter_get_no_reply(make_app, fake_telegram, fake_kie):
    app = await make_app()
    for text in ("/image@other_bot a castle", "/balance@other_bot", "nice picture!", "/unknown", "hello bot"):
        await send(app, fake_telegram, text, chat_type="supergroup", chat_id=GROUP)
    assert fake_telegram.calls_of("sendMessage") == []
    assert fake_kie.tasks == {}
    async with app.db.read() as repo:
        assert await repo.users.get(1001) is None  # chatter does not even register anyone


async def test_group_request_charges_the_requester_and_replies_in_their_topic(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/start", user_id=2002, first_name="Bob", username="bob")  # Bob: 10 credits
    asked = await send(
        app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP, message_thread_id=77
    )
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    assert await fake_kie.send_callback(task_id) == 200
    await app.monitor.idle()

    (photo,) = fake_telegram.calls_of("sendPhoto", ok=True)
    assert photo.params["chat_id"] == GROUP
    assert photo.params["message_thread_id"] == 77
    assert photo.params["reply_parameters"]["message_id"] == asked["message_id"]
    statuses = [c for c in fake_telegram.calls_of("sendMessage", ok=True) if c.params["chat_id"] == GROUP]
    assert all(c.params.get("message_thread_id") == 77 for c in statuses)
    assert await app.credits.balance(1001) == 8  # Alice asked and paid
    assert await app.credits.balance(2002) == 10  # Bob did not
    (task,) = await tasks_of(app, 1001)
    assert task.state is TaskState.DONE and task.chat_id == GROUP


async def test_bot_introduces_itself_once_when_added(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await feed(app, membership_update(fake_telegram, chat_id=GROUP, old="left", new="member"))
    # Promoted to admin later: not a new arrival, no second introduction.
    await feed(app, membership_update(fake_telegram, chat_id=GROUP, old="member", new="administrator"))
    (intro,) = texts_sent(fake_telegram, GROUP)
    assert f"@{fake_telegram.bot_username}" in intro and "/image" in intro
    assert fake_telegram.left_chats == set()


async def test_unlisted_group_gets_a_refusal_and_the_bot_leaves(make_app, fake_telegram, fake_kie):
    app = await make_app(allowed_group_ids=frozenset({-100555}))
    await feed(app, membership_update(fake_telegram, chat_id=GROUP, old="left", new="member"))
    assert GROUP in fake_telegram.left_chats
    assert "not available in this group" in texts_sent(fake_telegram, GROUP)[0]


async def test_command_in_an_unlisted_group_costs_nothing_and_the_bot_leaves(make_app, fake_telegram, fake_kie):
    app = await make_app(allowed_group_ids=frozenset({-100555}))
    await send(app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP)
    assert fake_kie.tasks == {}
    assert GROUP in fake_telegram.left_chats
    assert await tasks_of(app, 1001) == []


async def test_listed_group_and_private_chats_are_served(make_app, fake_telegram, fake_kie):
    app = await make_app(allowed_group_ids=frozenset({GROUP}))
    await feed(app, membership_update(fake_telegram, chat_id=GROUP, old="left", new="member"))
    await send(app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP)
    await send(app, fake_telegram, "/image a boat")
    assert len(fake_kie.tasks) == 2
    assert fake_telegram.left_chats == set()


async def test_daily_group_cap_stops_requests_without_charging(make_app, fake_telegram, fake_kie):
    app = await make_app(group_daily_credits=5)  # images cost 2: two fit, the third does not
    for user in (1001, 2002, 3003):
        await send(app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP, user_id=user)
    assert len(fake_kie.tasks) == 2
    assert "used its 5 credits for today" in texts_sent(fake_telegram, GROUP)[-1]
    assert await app.credits.balance(3003) == 10
    # Private chats are not limited by the group's cap.
    await send(app, fake_telegram, "/image a boat", user_id=3003)
    assert len(fake_kie.tasks) == 3


async def test_refunded_requests_do_not_count_towards_the_group_cap(make_app, fake_telegram, fake_kie):
    app = await make_app(group_daily_credits=2)
    fake_kie.fail_next_create(422, "content policy")
    await send(app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP)
    await send(app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP)
    assert len(fake_kie.tasks) == 1  # the first was refused and refunded, the second fits


async def test_anonymous_admin_in_an_unlisted_group_still_makes_the_bot_leave(make_app, fake_telegram, fake_kie):
    app = await make_app(allowed_group_ids=frozenset({-100555}))
    raw = fake_telegram.message_update("/image a castle", chat_type="supergroup", chat_id=GROUP)
    raw["message"]["sender_chat"] = {"id": GROUP, "type": "supergroup", "title": "Test Group"}
    raw["message"]["from"] = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    await feed(app, raw)
    assert GROUP in fake_telegram.left_chats
    assert ["not available in this group" in t for t in texts_sent(fake_telegram, GROUP)] == [True]


async def test_bot_removed_from_a_group_does_not_mark_the_requester_as_blocked(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a castle", chat_type="supergroup", chat_id=GROUP)
    fake_telegram.left_chats.add(GROUP)  # kicked before the result came
    task_id = next(iter(fake_kie.tasks))
    fake_kie.complete(task_id)
    assert await fake_kie.send_callback(task_id) == 200
    await app.monitor.idle()
    (task,) = await tasks_of(app, 1001)
    assert task.state is TaskState.FAILED  # undeliverable: refunded
    assert await app.credits.balance(1001) == 10
    async with app.db.read() as repo:
        assert (await repo.users.get(1001)).blocked_at is None  # they can still be reached privately
