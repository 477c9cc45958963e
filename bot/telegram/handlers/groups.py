"""The bot in group chats: it introduces itself once when added. (Groups outside
``ALLOWED_GROUP_IDS`` never get here: ``GroupAccessMiddleware`` refuses them first.)"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.catalog import Catalog, Kind
from bot.services.billing.credits import CreditService
from bot.telegram.i18n import Translator
from bot.telegram.routing import FeatureRouter

_GROUPS = F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP})


async def added_to_group(
    event: ChatMemberUpdated, bot: Bot, texts: Translator, catalog: Catalog, credits: CreditService
) -> None:
    me = await bot.me()
    # In the language of whoever added the bot: their own choice if they have used it.
    language = await credits.language_of(event.from_user.id) or event.from_user.language_code
    await bot.send_message(
        event.chat.id,
        texts(
            "group_intro",
            language,
            bot=me.username or me.first_name,
            image_price=catalog.default_for(Kind.IMAGE).price,
        ),
    )


def setup() -> Router:
    router = FeatureRouter(name=__name__)
    router.my_chat_member.register(
        added_to_group, _GROUPS, ChatMemberUpdatedFilter(member_status_changed=JOIN_TRANSITION)
    )
    return router
