"""Domain errors: each one is something a user can be told in plain words."""

from __future__ import annotations


class BotError(Exception):
    """Base of errors the Telegram layer turns into a message (never a crash)."""


class InsufficientCreditsError(BotError):
    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(f"needs {needed} credits, has {balance}")
        self.needed = needed
        self.balance = balance


class UnknownUserError(BotError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"unknown user {user_id}")
        self.user_id = user_id


class PromptTooLongError(BotError):
    def __init__(self, limit: int, length: int, model: str = "") -> None:
        super().__init__(f"prompt has {length} characters, the model takes {limit}")
        self.limit = limit
        self.length = length
        self.model = model  # the model's display name


class PromptMissingError(BotError):
    """A generation command with nothing to generate."""

    def __init__(self, command: str, kind: str, price: int) -> None:
        super().__init__(f"/{command} without a prompt")
        self.command = command
        self.kind = kind
        self.price = price


class OptionProblemError(BotError):
    """An ``--option`` or a choice the model does not have."""

    def __init__(
        self, model: str, option: str, *, key: str | None, label: str | None, choices: tuple[str, ...], known: str
    ) -> None:
        super().__init__(f"{model}: no option or choice --{option}")
        self.model = model  # display name
        self.option = option  # as typed (unknown), or the option's flag (bad choice)
        self.key = key  # the catalog's option key; None: the model has no such option
        self.label = label
        self.choices = choices
        self.known = known  # the model's options, e.g. "--ar, --res"


class PictureNeededError(BotError):
    """A model that works only from a picture was asked with text alone."""

    def __init__(self, command: str, model: str) -> None:
        super().__init__(f"/{command} needs a picture")
        self.command = command
        self.model = model  # display name


class PictureNotTakenError(BotError):
    """A picture came with a request whose model (and its kind) cannot start from one."""

    def __init__(self, command: str, model: str) -> None:
        super().__init__(f"/{command} takes no picture")
        self.command = command
        self.model = model


class PictureTooLargeError(BotError):
    """The picture is larger than the bot takes (``PICTURE_MAX_MB``); nothing was charged."""

    def __init__(self, limit: int, size: int) -> None:
        super().__init__(f"picture of {size} bytes, limit {limit}")
        self.limit = limit  # bytes
        self.size = size


class GroupCapReachedError(BotError):
    """The group has spent its daily credit cap (``GROUP_DAILY_CREDITS``)."""

    def __init__(self, cap: int, spent: int, price: int = 0) -> None:
        super().__init__(f"group spent {spent} of its {cap} credits today")
        self.cap = cap
        self.spent = spent
        self.price = price


class DuplicateRequestError(BotError):
    """This message was already turned into a task (Telegram delivered the update again)."""

    def __init__(self, chat_id: int, message_id: int | None) -> None:
        super().__init__(f"message {message_id} in chat {chat_id} was already handled")


class UnknownModelError(BotError):
    """No model answers to this command (the catalog changed under a redelivered update)."""

    def __init__(self, command: str) -> None:
        super().__init__(f"no model for /{command}")
        self.command = command


# -- payments (Telegram Stars) --------------------------------------------------------------


class PaymentNotFoundError(BotError):
    """No payment with this Telegram charge id was ever recorded."""

    def __init__(self, charge_id: str) -> None:
        super().__init__(f"no payment {charge_id!r}")
        self.charge_id = charge_id


class AlreadyRefundedError(BotError):
    """This payment was refunded before; a charge is refunded once."""

    def __init__(self, charge_id: str, user_id: int, stars: int) -> None:
        super().__init__(f"payment {charge_id!r} was already refunded")
        self.charge_id = charge_id
        self.user_id = user_id
        self.stars = stars


class RefundRefusedError(BotError):
    """Telegram refused the refund (its words in ``detail``); nothing was changed."""

    def __init__(self, charge_id: str, detail: str) -> None:
        super().__init__(f"refund of {charge_id!r} refused: {detail}")
        self.charge_id = charge_id
        self.detail = detail


class NoSuchPackError(BotError):
    """A buy button names a pack the catalog no longer has."""

    def __init__(self, pack: str) -> None:
        super().__init__(f"no pack {pack!r}")
        self.pack = pack


# -- growth (referrals, promo codes) ---------------------------------------------------------


class PromoError(BotError):
    """A promo code that cannot be redeemed or made; ``key`` is the locale text saying why
    (``promo_unknown``, ``promo_expired``, ``promo_used_up``, ``promo_already``, ``promo_usage``,
    and the admin's ``admin_promo_*``), ``values`` what it shows."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        # A typed code is quoted back: keep the reply short whatever was typed.
        self.values = {k: v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v for k, v in values.items()}


# -- settings and confirmation ----------------------------------------------------------------


class SettingUnavailableError(BotError):
    """A /settings button names a model, option or choice the catalog (or the user's current
    model) does not have: an old screen or a forged button. Nothing was changed."""

    def __init__(self, kind: str, what: str) -> None:
        super().__init__(f"{kind}: {what} cannot be chosen")
        self.kind = kind
        self.what = what


class ConfirmationNeededError(BotError):
    """The request costs more than ``CONFIRM_ABOVE``: nothing was charged; it waits as
    confirmation ``confirmation_id`` for one tap (the Telegram layer shows the buttons)."""

    def __init__(self, confirmation_id: int, price: int, model: str, kind: str, balance: int, minutes: int) -> None:
        super().__init__(f"confirmation {confirmation_id}: {price} credits for {model}")
        self.confirmation_id = confirmation_id
        self.price = price
        self.model = model  # display name
        self.kind = kind
        self.balance = balance
        self.minutes = minutes  # how long the buttons work


class ConfirmationExpiredError(BotError):
    """Confirm pressed after the confirmation expired: nothing was charged."""

    def __init__(self, confirmation_id: int) -> None:
        super().__init__(f"confirmation {confirmation_id} expired")
        self.confirmation_id = confirmation_id


class ConfirmationClosedError(BotError):
    """Confirm or Cancel pressed on a confirmation already confirmed or cancelled (a second
    tap, a redelivered update), or one the bot does not know: nothing more happens."""

    def __init__(self, confirmation_id: int, state: str | None) -> None:
        super().__init__(f"confirmation {confirmation_id} is {state or 'unknown'}")
        self.confirmation_id = confirmation_id
        self.state = state  # "confirmed", "cancelled", or None (unknown)


class NotYourConfirmationError(BotError):
    """Someone other than the requester pressed Confirm or Cancel (in a group)."""

    def __init__(self, confirmation_id: int) -> None:
        super().__init__(f"confirmation {confirmation_id} belongs to someone else")
        self.confirmation_id = confirmation_id


# -- buttons under a result ("Again", "Animate") -------------------------------------------


class ResultButtonStaleError(BotError):
    """A result button that is not (or no longer) what it says: an unknown task or file, a
    result of another chat, one not delivered, or data nobody sent. Nothing is charged."""


class ResultModelGoneError(BotError):
    """The button's model is no longer in the catalog (it changed since the result)."""


class ResultExpiredError(BotError):
    """The result is no longer to be had (Kie's copy expired and Telegram has no file of it)."""


class ResultPriceChangedError(BotError):
    """The price on the button is no longer the price (the catalog changed): not charged."""

    def __init__(self, price: int) -> None:
        super().__init__(f"the price is now {price}")
        self.price = price
