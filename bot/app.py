"""The composition root: builds every object once and owns their lifetimes.

``Application`` is used the same way by ``python -m bot`` and by the tests, so tests
exercise the real wiring, only pointed at loopback fakes of Telegram and Kie.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import LinkPreviewOptions
from aiohttp import web

from bot.catalog import Catalog, load_catalog
from bot.config import Settings
from bot.services.billing.credits import CreditService
from bot.services.billing.payments import PaymentService, payload_key
from bot.services.billing.promos import PromoService
from bot.services.billing.referrals import ReferralService
from bot.services.generation.actions import ResultActions
from bot.services.generation.cancel import CancelService
from bot.services.generation.delivery import DeliveryService
from bot.services.generation.history import HistoryService
from bot.services.generation.monitor import TaskMonitor
from bot.services.generation.pictures import Pictures
from bot.services.generation.preferences import Preferences
from bot.services.generation.requests import GenerationService, check_catalog
from bot.services.generation.settlement import Settlement
from bot.services.generation.submitter import KieSubmitter
from bot.services.messaging.notifier import Notifier
from bot.services.messaging.outbox import Outbox, OutboxPolicy
from bot.services.operators.admin import AdminService
from bot.services.operators.backup import UPLOAD_LIMIT, BackupService
from bot.services.operators.broadcast import Broadcaster
from bot.services.operators.kie_balance import KieBalanceWatch
from bot.storage import Database
from bot.telegram.broadcasts import TelegramBroadcastChannel
from bot.telegram.files import TelegramFileSender
from bot.telegram.handlers import routers
from bot.telegram.i18n import Translator
from bot.telegram.intake import MARK_DELAY, UpdateIntake
from bot.telegram.middlewares import (
    BlockedChatsMiddleware,
    GroupAccessMiddleware,
    InFlightUpdates,
    PacingMiddleware,
    RefusalsMiddleware,
    RetryAfterMiddleware,
    SendUnitsMiddleware,
    ServicesMiddleware,
    UserMiddleware,
)
from bot.telegram.middlewares.response_types import keep_response_types
from bot.telegram.notices import TelegramNoticeSender
from bot.telegram.payments import TelegramStarsRefunder
from bot.telegram.pictures import TelegramPictureSource
from bot.telegram.progress import TelegramProgress
from bot.telegram.resend import TelegramResender
from bot.telegram.result_buttons import ResultButtons
from bot.telegram.session import BotApiSession
from bot.web.app import READINESS, CallbackView, create_web_app
from kie import KieClient

log = logging.getLogger(__name__)


@dataclass
class Tuning:
    """Internal timings; tests shorten them, production keeps the defaults."""

    submit_attempts: int = 4
    submit_backoff: float = 2.0
    monitor_concurrency: int = 8
    shutdown_timeout: float = 20.0  # for the whole stop, all phases together
    upload_grace: float = 50.0  # then more for a file already out to Telegram (recorded, not resent)
    kie_timeout: float = 30.0
    # Telegram's limit per group (the bot-wide one is TELEGRAM_RATE_LIMIT); tests make it small.
    group_messages: float = 20.0
    group_period: float = 60.0
    # A broadcast edits its progress message every so many sends or seconds.
    broadcast_progress_every: int = 100
    broadcast_progress_interval: float = 10.0
    # Telegram's upload limit, which a /backup snapshot must fit; tests make it tiny.
    backup_upload_limit: int = UPLOAD_LIMIT
    # How long an update's "handled" mark waits for others to share its write (group commit).
    mark_delay: float = MARK_DELAY
    outbox: OutboxPolicy = field(default_factory=OutboxPolicy)
    clock: Callable[[], float] = field(default=time.time)


class Application:
    def __init__(self, settings: Settings, *, catalog: Catalog | None = None, tuning: Tuning | None = None) -> None:
        self.settings = settings
        self.tuning = tuning or Tuning()
        clock = self.tuning.clock
        self.catalog = catalog or load_catalog(settings.billing.catalog_path)
        check_catalog(self.catalog)
        self.texts = Translator()
        self.db = Database(settings.storage.database_path)

        self.credits = CreditService(
            self.db,
            starting_credits=settings.billing.starting_credits,
            daily_credits=settings.billing.free_daily_credits,
            clock=clock,
        )
        self.referrals = ReferralService(self.db, bonus=settings.billing.referral_bonus, clock=clock)
        self.promos = PromoService(self.db, clock=clock)

        session = BotApiSession(api=TelegramAPIServer.from_base(settings.telegram.api_base))
        # Outer first: a 403 is seen once, after retries; a retry after a 429 takes a new pacing slot.
        session.middleware(BlockedChatsMiddleware(self.credits.mark_blocked))
        session.middleware(RetryAfterMiddleware())
        session.middleware(
            PacingMiddleware(
                per_second=settings.telegram.telegram_rate_limit,
                group_per_minute=self.tuning.group_messages,
                group_period=self.tuning.group_period,
            )
        )
        # Innermost: it must see when a delivery's request really goes out (after pacing).
        session.middleware(SendUnitsMiddleware())
        session.middleware(keep_response_types)
        self.bot = Bot(
            settings.telegram.bot_token.get_secret_value(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview=LinkPreviewOptions(is_disabled=True)),
        )
        self.kie = KieClient(
            settings.kie.api_key.get_secret_value(),
            base_url=settings.kie.api_base,
            upload_url=settings.kie.upload_base,
            timeout=self.tuning.kie_timeout,
        )
        # Result files live on third-party hosts: a separate client without Kie's key.
        self.downloads = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))

        # The Telegram side of the services' ports: wording and Bot API calls live there.
        notices = TelegramNoticeSender(self.bot, self.texts)
        self.outbox = Outbox(self.db, notices, policy=self.tuning.outbox, clock=clock)
        self.notifier = Notifier(self.db, TelegramProgress(self.bot, self.texts), self.outbox, clock)
        self.settlement = Settlement(self.db, self.notifier, clock)
        files = TelegramFileSender(self.bot, self.texts, ResultButtons(self.texts, self.catalog))
        self.delivery = DeliveryService(self.db, files, self.kie, self.downloads, clock=clock)
        self.monitor = TaskMonitor(
            self.db,
            self.kie,
            self.delivery,
            self.settlement,
            self.notifier,
            poll_interval=settings.kie.poll_interval,
            max_age=settings.kie.task_max_age,
            concurrency=self.tuning.monitor_concurrency,
            clock=clock,
        )
        self.submitter = KieSubmitter(
            self.kie,
            rate_limit=settings.kie.rate_limit,
            rate_period=settings.kie.rate_period,
            attempts=self.tuning.submit_attempts,
            backoff_initial=self.tuning.submit_backoff,
        )
        limit = settings.requests.picture_limit
        self.preferences = Preferences(self.db, self.catalog, clock=clock)
        self.generation = GenerationService(
            self.db,
            self.catalog,
            self.submitter,
            self.monitor,
            self.settlement,
            self.notifier,
            callback_base=settings.web.public_base,
            poll_interval=settings.kie.poll_interval,
            pictures=Pictures(TelegramPictureSource(self.bot, limit=limit), self.kie),
            picture_limit=limit,
            group_daily_credits=settings.telegram.group_daily_credits,
            preferences=self.preferences,
            confirm_above=settings.requests.confirm_above,
            clock=clock,
        )
        self.result_actions = ResultActions(self.db, self.catalog, self.generation, clock)
        self.cancels = CancelService(self.db, self.settlement, self.submitter, self.notifier)
        self.history = HistoryService(self.db, self.catalog, TelegramResender(self.bot, self.texts))
        self.admin = AdminService(
            self.db,
            self.kie,
            self.settlement,
            self.notifier,
            admin_ids=settings.telegram.admin_ids,
            clock=clock,
        )
        self.payments = PaymentService(
            self.db,
            self.catalog,
            TelegramStarsRefunder(self.bot),
            key=payload_key(settings.telegram.bot_token.get_secret_value()),
            referrals=self.referrals,
            clock=clock,
        )
        self.backups = BackupService(self.db, limit=self.tuning.backup_upload_limit, clock=clock)
        self.broadcasts = Broadcaster(
            self.db,
            TelegramBroadcastChannel(self.bot, self.texts),
            progress_every=self.tuning.broadcast_progress_every,
            progress_interval=self.tuning.broadcast_progress_interval,
            clock=clock,
        )
        self.kie_balance = KieBalanceWatch(
            self.db,
            self.kie,
            self.notifier,
            admin_ids=settings.telegram.admin_ids,
            threshold=settings.kie.low_balance,
            interval=settings.kie.balance_check_interval,
            clock=clock,
        )
        self.updates = InFlightUpdates()
        self.dispatcher = self._build_dispatcher()
        self.intake = UpdateIntake(self.db, self.dispatcher, self.bot, clock=clock, mark_delay=self.tuning.mark_delay)
        hmac_key = settings.kie.webhook_hmac_key
        self.web = create_web_app(
            CallbackView(self.db, self.monitor, hmac_key=hmac_key.get_secret_value() if hmac_key else None)
        )
        self._web_runner: web.AppRunner | None = None

    def _build_dispatcher(self) -> Dispatcher:
        # No handler keeps conversation state: aiogram's FSM would be a storage lookup per update for nothing.
        # Read before a handler is chosen: ``texts`` by middlewares, ``admin_ids`` by IsAdmin.
        # Services only handlers use join later (see ServicesMiddleware below).
        dp = Dispatcher(disable_fsm=True, texts=self.texts, admin_ids=self.settings.telegram.admin_ids)
        services = ServicesMiddleware(
            {
                "credits": self.credits,
                "generation": self.generation,
                "preferences": self.preferences,
                "actions": self.result_actions,
                "catalog": self.catalog,
                "admin": self.admin,
                "broadcasts": self.broadcasts,
                "backups": self.backups,
                "payments": self.payments,
                "referrals": self.referrals,
                "promos": self.promos,
                "cancels": self.cancels,
                "history": self.history,
            }
        )
        dp.update.outer_middleware(self.updates)
        # Outer: an unlisted group is refused before anyone is registered or charged.
        group_access = GroupAccessMiddleware(self.settings.telegram.allowed_group_ids)
        dp.message.outer_middleware(group_access)
        dp.my_chat_member.outer_middleware(group_access)
        # Inner middleware: only messages some handler takes touch the database.
        dp.message.middleware(UserMiddleware(self.credits, self.admin))
        dp.callback_query.middleware(UserMiddleware(self.credits, self.admin))
        dp.inline_query.middleware(UserMiddleware(self.credits, self.admin))
        # After the user is known: a refused request is answered in their language.
        dp.message.middleware(RefusalsMiddleware(self.texts))
        dp.callback_query.middleware(RefusalsMiddleware(self.texts))
        # Innermost: services join the data once a handler is chosen (see ServicesMiddleware).
        for name, observer in dp.observers.items():
            if name != "update":  # the dispatcher's own handler there routes the update
                observer.middleware(services)
        dp.include_routers(*routers(self.catalog))
        return dp

    @property
    def web_port(self) -> int:
        """The port actually bound (WEB_PORT=0 picks a free one)."""
        assert self._web_runner is not None, "web server is not running"
        return int(self._web_runner.addresses[0][1])

    async def start(self) -> None:
        """Open storage, start the web server and the task monitor (recovering old tasks)."""
        await self.db.open()
        self._web_runner = web.AppRunner(self.web, access_log=None)
        await self._web_runner.setup()
        site = web.TCPSite(self._web_runner, self.settings.web.web_host, self.settings.web.web_port)
        await site.start()
        await self.outbox.start()
        await self.monitor.start()
        self.kie_balance.start()
        log.info("web server on %s:%d", self.settings.web.web_host, self.web_port)

    def mark_ready(self) -> None:
        self.web[READINESS].ready = True

    async def stop(self) -> None:
        """Stop taking updates, let running handlers and deliveries finish, close. The phases
        share one deadline (``shutdown_timeout``), plus ``upload_grace`` for a file already
        out to Telegram, so the whole stop fits in the process manager's grace period.
        Whatever is cut off stays in SQLite for recovery at the next start."""
        self.web[READINESS].ready = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.tuning.shutdown_timeout

        def left() -> float:
            return max(0.0, deadline - loop.time())

        await self.updates.drain(timeout=left())
        await self.intake.wait_handled(timeout=left())
        await self.kie_balance.stop()
        await self.broadcasts.stop(timeout=left())
        await self.monitor.stop(timeout=left())
        await self.outbox.stop(timeout=left())
        await self.delivery.drain(timeout=left(), out_limit=self.tuning.upload_grace)
        if self._web_runner is not None:
            await self._web_runner.cleanup()
            self._web_runner = None
        await self.kie.aclose()
        await self.downloads.aclose()
        await self.bot.session.close()
        await self.db.close()
