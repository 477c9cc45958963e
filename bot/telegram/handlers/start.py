from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.catalog import Catalog
from bot.services.billing.referrals import ReferralService, code_from_start
from bot.storage import UserRecord
from bot.telegram.handlers.usage import usage_text
from bot.telegram.i18n import Translator
from bot.telegram.routing import FeatureRouter


async def start(
    message: Message,
    command: CommandObject,
    user: UserRecord,
    is_new_user: bool,
    texts: Translator,
    catalog: Catalog,
    referrals: ReferralService,
) -> None:
    # An invite link (/start ref_<code>) counts only at a newcomer's first contact: the
    # service refuses everyone else, and the newcomer is greeted as any other.
    code = code_from_start(command.args)
    if code is not None:
        await referrals.join(user.user_id, code, is_new=is_new_user)
    key = "start_new" if is_new_user else "start_back"
    usage = usage_text(texts, user.language, catalog)
    await message.answer(texts(key, user.language, name=user.first_name, balance=user.balance, usage=usage))


async def help_command(message: Message, user: UserRecord, texts: Translator, catalog: Catalog) -> None:
    await message.answer(texts("help", user.language, usage=usage_text(texts, user.language, catalog)))


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help", ignore_case=True))
    return router
