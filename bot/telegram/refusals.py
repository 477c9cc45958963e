"""Domain errors in words, in one place: whatever a service refuses (too few credits, an
unknown option, a prompt too long, the group's cap, an operator command that cannot be
done), the user reads why, in their language, and knows nothing was charged."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.errors import (
    AlreadyRefundedError,
    BotError,
    ConfirmationClosedError,
    ConfirmationExpiredError,
    ConfirmationNeededError,
    GroupCapReachedError,
    InsufficientCreditsError,
    NoSuchPackError,
    NotYourConfirmationError,
    OptionProblemError,
    PaymentNotFoundError,
    PictureNeededError,
    PictureNotTakenError,
    PictureTooLargeError,
    PromoError,
    PromptMissingError,
    PromptTooLongError,
    RefundRefusedError,
    ResultButtonStaleError,
    ResultExpiredError,
    ResultModelGoneError,
    ResultPriceChangedError,
    SettingUnavailableError,
)
from bot.services.operators.admin import AdminError
from bot.services.operators.backup import BackupTooLarge
from bot.telegram.confirmations import confirm_keyboard
from bot.telegram.i18n import Markup, Translator
from bot.telegram.payments import buy_button
from bot.telegram.wording import file_size


def refusal_text(texts: Translator, language: str, error: BotError) -> Markup | None:
    """The answer to ``error``, or None when it needs none."""
    match error:
        case InsufficientCreditsError():
            return texts("insufficient", language, price=error.needed, balance=error.balance)
        case PromptMissingError():
            example = texts(f"example_{error.kind}", language)
            return texts("prompt_missing", language, command=error.command, example=example, price=error.price)
        case PromptTooLongError():
            return texts("prompt_too_long", language, length=error.length, model=error.model, limit=error.limit)
        case PictureNeededError():
            return texts("picture_needed", language, model=error.model, command=error.command)
        case PictureNotTakenError():
            return texts("picture_not_taken", language, model=error.model, command=error.command)
        case PictureTooLargeError():
            size, limit = file_size(texts, language, error.size), file_size(texts, language, error.limit)
            return texts("picture_too_large", language, size=size, limit=limit)
        case ResultButtonStaleError():
            return texts("button_stale", language)
        case ResultModelGoneError():
            return texts("result_model_gone", language)
        case ResultExpiredError():
            return texts("result_expired", language)
        case ResultPriceChangedError():
            return texts("result_price_changed", language, price=error.price)
        case GroupCapReachedError():
            return texts("group_cap_reached", language, cap=error.cap, price=error.price)
        case OptionProblemError() if error.key is None:
            return texts("option_unknown", language, model=error.model, option=error.option, options=error.known)
        case OptionProblemError():
            return texts(
                "option_choices",
                language,
                model=error.model,
                option=error.option,
                label=texts("option_label", language, key=error.key, label=error.label or ""),
                choices=", ".join(error.choices),
            )
        case BackupTooLarge():
            return texts(
                "admin_backup_too_large",
                language,
                size=file_size(texts, language, error.size),
                limit=file_size(texts, language, error.limit),
                command=error.command,
            )
        case AdminError() | PromoError():
            return texts(error.key, language, **error.values)
        case PaymentNotFoundError():
            return texts("admin_refundstars_unknown", language, charge_id=error.charge_id)
        case AlreadyRefundedError():
            return texts(
                "admin_refundstars_repeated",
                language,
                charge_id=error.charge_id,
                user_id=error.user_id,
                stars=error.stars,
            )
        case RefundRefusedError():
            return texts("admin_refundstars_refused", language, charge_id=error.charge_id, detail=error.detail)
        case NoSuchPackError() | SettingUnavailableError():
            return texts("button_stale", language)
        case ConfirmationNeededError():
            return texts(
                "confirm_ask",
                language,
                kind=error.kind,
                model=error.model,
                price=error.price,
                balance=error.balance,
                minutes=error.minutes,
            )
        case ConfirmationExpiredError():
            return texts("confirm_expired", language)
        case ConfirmationClosedError() if error.state == "confirmed":
            return texts("confirm_already_confirmed", language)
        case ConfirmationClosedError() if error.state == "cancelled":
            return texts("confirm_already_cancelled", language)
        case ConfirmationClosedError():
            return texts("button_stale", language)
        case NotYourConfirmationError():
            return texts("confirm_not_yours", language)
        case _:
            return None


def refusal_markup(texts: Translator, language: str, error: BotError) -> InlineKeyboardMarkup | None:
    """Buttons that go with the answer: where credits are short, the way to buy more; for a
    request above CONFIRM_ABOVE, Confirm and Cancel."""
    if isinstance(error, InsufficientCreditsError):
        return buy_button(texts, language)
    if isinstance(error, ConfirmationNeededError):
        return confirm_keyboard(texts, language, error.confirmation_id, error.price)
    return None
