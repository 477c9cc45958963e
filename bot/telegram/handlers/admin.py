"""Operator commands, for ADMIN_IDS only: /grant /ban /unban /user /stats /refund /broadcast.

The router is filtered by :class:`IsAdmin`, so for anyone else these commands do not
exist: they fall through to the fallback (a usage hint in private, silence in groups).
A user is named by id, by ``@username`` (of a user the bot knows) or by replying to
their message. Answers are replies in the chat where the command was sent.
"""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.services.operators.admin import (
    AdminError,
    AdminService,
    GrantResult,
    Stats,
    UserCard,
    describe,
    parse_amount,
    parse_task_id,
    split_target,
)
from bot.services.operators.broadcast import Broadcaster
from bot.storage import TaskState, UserRecord
from bot.storage.admin_queries import KindCounts
from bot.telegram.filters import IsAdmin
from bot.telegram.i18n import Markup, Translator
from bot.telegram.routing import FeatureRouter


def _args(command: CommandObject) -> list[str]:
    return (command.args or "").split()


def _replied_user(message: Message) -> int | None:
    """Who wrote the message this command replies to, if it names a person."""
    reply = message.reply_to_message
    if reply is None or reply.forum_topic_created is not None:
        return None
    # In a forum topic, a message that replies to nothing still points at the topic's first message.
    if message.is_topic_message and reply.message_id == message.message_thread_id:
        return None
    sender = reply.from_user
    return sender.id if sender is not None and not sender.is_bot else None


def _age(texts: Translator, lang: str, seconds: float) -> Markup:
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return texts("age", lang, n=seconds // size, unit=unit)
    return texts("age", lang, n=seconds, unit="s")


# -- credits -------------------------------------------------------------------------------


async def grant(
    message: Message, command: CommandObject, user: UserRecord, admin: AdminService, texts: Translator
) -> None:
    ref, rest = split_target(_args(command), rest=1, reply_user_id=_replied_user(message), usage="admin_usage_grant")
    amount = parse_amount(rest[0])
    result = await admin.grant(
        admin_id=user.user_id,
        ref=ref,
        amount=amount,
        request=(message.chat.id, message.message_id),
    )
    await message.reply(_grant_text(texts, user.language, result))


def _grant_text(texts: Translator, lang: str, result: GrantResult) -> Markup:
    who = describe(result.user)
    if result.repeated:
        return texts("admin_grant_repeated", lang, delta=f"{result.delta:+d}", user=who, balance=result.balance)
    if result.delta == 0:
        return texts("admin_grant_nothing", lang, user=who)
    if result.delta > 0:
        return texts("admin_grant_added", lang, amount=result.delta, user=who, balance=result.balance)
    if result.delta != result.requested:
        return texts(
            "admin_grant_clamped", lang, amount=-result.delta, asked=-result.requested, user=who, balance=result.balance
        )
    return texts("admin_grant_taken", lang, amount=-result.delta, user=who, balance=result.balance)


async def refund(
    message: Message, command: CommandObject, user: UserRecord, admin: AdminService, texts: Translator
) -> None:
    args = _args(command)
    if len(args) != 1:
        raise AdminError("admin_usage_refund")
    result = await admin.refund(admin_id=user.user_id, task_id=parse_task_id(args[0]))
    key = "admin_refund_cancelled" if result.was_open else "admin_refund_done"
    task = result.task
    await message.reply(
        texts(key, user.language, task_id=task.id, price=task.price, user_id=task.user_id, balance=result.balance)
    )


# -- bans ----------------------------------------------------------------------------------


async def ban(
    message: Message, command: CommandObject, user: UserRecord, admin: AdminService, texts: Translator
) -> None:
    ref, _ = split_target(_args(command), rest=0, reply_user_id=_replied_user(message), usage="admin_usage_ban")
    banned = await admin.ban(admin_id=user.user_id, ref=ref)
    await message.reply(texts("admin_banned", user.language, user=describe(banned)))


async def unban(
    message: Message, command: CommandObject, user: UserRecord, admin: AdminService, texts: Translator
) -> None:
    ref, _ = split_target(_args(command), rest=0, reply_user_id=_replied_user(message), usage="admin_usage_unban")
    unbanned = await admin.unban(admin_id=user.user_id, ref=ref)
    await message.reply(texts("admin_unbanned", user.language, user=describe(unbanned)))


# -- looking -------------------------------------------------------------------------------


async def user_info(
    message: Message, command: CommandObject, user: UserRecord, admin: AdminService, texts: Translator
) -> None:
    ref, _ = split_target(_args(command), rest=0, reply_user_id=_replied_user(message), usage="admin_usage_user")
    card = await admin.user_card(ref)
    await message.reply(_user_text(texts, user.language, card))


def _user_text(texts: Translator, lang: str, card: UserCard) -> Markup:
    status, target, now = card.status, card.status.user, card.now
    if target.is_banned:
        banned = texts(
            "admin_banned_since",
            lang,
            age=_age(texts, lang, now - (status.banned_at or now)),
            by=str(status.banned_by or "?"),
        )
    else:
        banned = texts("admin_no", lang)
    if target.blocked_at is not None:
        blocked = texts("admin_blocked_since", lang, age=_age(texts, lang, now - target.blocked_at))
    else:
        blocked = texts("admin_no", lang)
    lines = []
    for line in card.tasks:
        task = line.task
        state = texts("admin_task_state", lang, state=task.state.value)
        if line.refunded and task.state is TaskState.DONE:
            state = texts("admin_task_refunded", lang, state=state)
        lines.append(
            texts(
                "admin_user_task",
                lang,
                id=task.id,
                kind=task.kind.value,
                model=task.model_key,
                state=state,
                price=task.price,
                age=_age(texts, lang, now - task.created_at),
            )
        )
    return texts(
        "admin_user",
        lang,
        user=describe(target),
        balance=target.balance,
        banned=banned,
        blocked=blocked,
        joined=_age(texts, lang, now - target.created_at),
        seen=_age(texts, lang, now - status.last_seen_at),
        tasks=Markup("\n".join(lines)) if lines else texts("admin_none", lang),
    )


async def stats(message: Message, user: UserRecord, admin: AdminService, texts: Translator) -> None:
    await message.reply(_stats_text(texts, user.language, await admin.stats()))


def _kinds(texts: Translator, lang: str, rows: list[KindCounts]) -> Markup:
    if not rows:
        return texts("admin_none", lang)
    return Markup(
        "\n".join(
            texts(
                "admin_stats_kind",
                lang,
                kind=row.kind,
                total=row.total,
                done=row.done,
                failed=row.failed,
                in_flight=row.in_flight,
            )
            for row in rows
        )
    )


def _stats_text(texts: Translator, lang: str, stats: Stats) -> Markup:
    kie = round(stats.kie_balance, 2) if stats.kie_balance is not None else texts("admin_unavailable", lang)
    return texts(
        "admin_stats",
        lang,
        users=stats.users.total,
        active=stats.users.active,
        banned=stats.users.banned,
        blocked=stats.users.blocked,
        today=_kinds(texts, lang, stats.today),
        total=_kinds(texts, lang, stats.total),
        spent_today=stats.credits_today.spent,
        spent_total=stats.credits_total.spent,
        refunded_today=stats.credits_today.refunded,
        refunded_total=stats.credits_total.refunded,
        in_flight=stats.in_flight,
        kie=kie,
        stars_today=stats.stars_today.received,
        stars_total=stats.stars_total.received,
        stars_refunded_today=stats.stars_today.refunded,
        stars_refunded_total=stats.stars_total.refunded,
        topups_today=stats.stars_today.topups,
        topups_total=stats.stars_total.topups,
        payers=stats.paying_users,
    )


# -- broadcast -----------------------------------------------------------------------------


def _broadcast_body(message: Message, command: CommandObject) -> str:
    """The text after the command as HTML: formatting the operator applied in Telegram
    (bold, links...) is kept, anything typed is escaped, so it reads exactly as sent."""
    text = message.text or ""
    token = text.split(maxsplit=1)[0] if text.strip() else ""
    rendered = message.html_text
    if token and rendered.startswith(token):
        return rendered[len(token) :].strip()
    return html.escape(command.args or "", quote=False).strip()


async def broadcast(
    message: Message, command: CommandObject, user: UserRecord, broadcasts: Broadcaster, texts: Translator
) -> None:
    body = _broadcast_body(message, command)
    if not body:
        raise AdminError("admin_usage_broadcast")
    started = await broadcasts.start(
        body, report_chat_id=message.chat.id, language=user.language, reply_to=message.message_id
    )
    if started is None:
        raise AdminError("admin_broadcast_busy")


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.filter(IsAdmin())
    router.message.register(grant, Command("grant", ignore_case=True))
    router.message.register(ban, Command("ban", ignore_case=True))
    router.message.register(unban, Command("unban", ignore_case=True))
    router.message.register(user_info, Command("user", ignore_case=True))
    router.message.register(stats, Command("stats", ignore_case=True))
    router.message.register(refund, Command("refund", ignore_case=True))
    router.message.register(broadcast, Command("broadcast", ignore_case=True))
    return router
