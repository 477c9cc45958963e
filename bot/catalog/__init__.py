"""The price catalog: commands → Kie models → options → prices, from one TOML data file.

The file ships as package data (``catalog.toml``); an operator may point ``CATALOG_PATH``
at their own copy. Any bad entry stops the program at start with a message naming it.

A request's price is the model's base ``price`` plus the extra credits of each option
choice taken (e.g. a longer video, a higher resolution). Credit packs (``[packs.<key>]``) say
what Telegram Stars buy: ``stars`` for ``credits`` plus an optional ``bonus``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain import Kind
from kie import Family

# Commands the bot itself uses (now or planned); a model cannot take one of them.
RESERVED_COMMANDS = frozenset(
    {"start", "help", "balance", "prices", "cancel", "history", "settings", "topup", "buy", "language"}
    | {"grant", "ban", "unban", "stats", "user", "refund", "broadcast"}
    | {"paysupport", "terms", "refundstars", "whoami", "backup"}
    | {kind.value for kind in Kind}
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")  # what Telegram accepts as a command name
_FLAG = re.compile(r"[a-z][a-z0-9_]{0,15}")
# A pack key travels in button data and in the signed invoice payload (both size-limited).
_PACK_KEY = re.compile(r"[a-z0-9_]{1,16}")
# Telegram's bounds for one Stars invoice.
MAX_PACK_STARS = 10_000


class CatalogError(ValueError):
    """The catalog file is unreadable or has a bad entry."""


class OptionError(ValueError):
    """A user asked for an option or choice the model does not have."""

    def __init__(self, message: str, *, option: str, choices: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.option = option
        self.choices = choices


class CatalogOption(BaseModel):
    """One setting of a model (aspect ratio, resolution, duration...), sent to Kie as ``key``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    label: str = Field(min_length=1, max_length=32)
    flag: str | None = None  # short name in a prompt: ``--ar 16:9``; the key always works too
    value_type: Literal["str", "int", "bool"] = "str"
    default: str
    choices: dict[str, int]  # choice → extra credits on top of the model's price

    @model_validator(mode="after")
    def _check(self) -> CatalogOption:
        if not self.choices:
            raise ValueError("choices must not be empty")
        if self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of the choices")
        for choice, extra in self.choices.items():
            if extra < 0 or extra > 1_000_000:
                raise ValueError(f"choices.{choice}: extra credits must be 0..1000000")
            if not choice or " " in choice:
                raise ValueError(f"choice {choice!r} must be one word")
            try:
                self.value_of(choice)
            except ValueError as exc:
                raise ValueError(f"choices.{choice}: {exc}") from None
        if self.flag is not None and not _FLAG.fullmatch(self.flag):
            raise ValueError("flag must be a short lowercase word")
        return self

    def value_of(self, choice: str) -> Any:
        """The choice as Kie wants it (``"10"`` stays a string for Kling, becomes 10 for Seedance)."""
        if self.value_type == "int":
            return int(choice)
        if self.value_type == "bool":
            if choice not in ("true", "false"):
                raise ValueError("a bool choice is true or false")
            return choice == "true"
        return choice

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key, self.flag) if self.flag else (self.key,)


class ImageInput(BaseModel):
    """How a model takes a picture to start from (an edit, an image-to-video): the Kie
    input ``field`` gets the picture's URL, in a list unless ``many`` is false."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(min_length=1, max_length=64)
    many: bool = True  # ``["https://…"]``; false: the URL as a plain string (Hailuo's image_url)
    required: bool = False  # the model works only from a picture: never a text-only request

    def value(self, urls: tuple[str, ...]) -> Any:
        return list(urls) if self.many else urls[0]


class CatalogModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: Kind
    command: str
    name: str = Field(min_length=1, max_length=64)
    family: Family
    kie_model: str = Field(min_length=1)
    price: int = Field(gt=0, le=1_000_000)  # credits with every option at no extra
    max_prompt_length: int = Field(gt=0, le=100_000)
    params: dict[str, Any] = Field(default_factory=dict)  # fixed inputs, sent as they are
    options: dict[str, CatalogOption] = Field(default_factory=dict)
    image: ImageInput | None = None  # takes a picture (a photo, or a result to animate)
    with_photo: str | None = None  # the model a request with a photo switches to

    @field_validator("command")
    @classmethod
    def _command_name(cls, command: str) -> str:
        if not _COMMAND.fullmatch(command):
            raise ValueError("a command is 1-32 of a-z, 0-9 and _")
        if command in RESERVED_COMMANDS:
            raise ValueError(f"/{command} is the bot's own command")
        return command

    @model_validator(mode="before")
    @classmethod
    def _option_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("options"), dict):
            data = {
                **data,
                "options": {
                    key: {"key": key, **value} if isinstance(value, dict) else value
                    for key, value in data["options"].items()
                },
            }
        return data

    @model_validator(mode="after")
    def _check(self) -> CatalogModel:
        if self.family is Family.SUNO and self.kind is not Kind.SONG:
            raise ValueError("the suno family only makes songs")
        if self.family is Family.VEO and self.kind is not Kind.VIDEO:
            raise ValueError("the veo family only makes videos")
        fixed = set(self.params) | {"prompt", "callBackUrl", "callback_url"}
        if "prompt" in self.params or "callBackUrl" in self.params:
            raise ValueError("params must not set prompt or callBackUrl")
        names: set[str] = set()
        for option in self.options.values():
            if option.key in fixed:
                raise ValueError(f"options.{option.key} is also a fixed param or the prompt")
            if names & set(option.names):
                raise ValueError(f"options.{option.key}: name {option.flag or option.key!r} is used twice")
            names.update(option.names)
        if self.image is not None and (self.image.field in fixed or self.image.field in self.options):
            raise ValueError(f"image.field {self.image.field!r} is also a param, an option or the prompt")
        if self.image is not None and self.with_photo is not None:
            raise ValueError("a model that takes a picture itself needs no with_photo")
        return self

    def option_named(self, name: str) -> CatalogOption | None:
        for option in self.options.values():
            if name in option.names:
                return option
        return None

    def resolve(self, chosen: Mapping[str, str] | None = None) -> dict[str, str]:
        """Every option's choice: ``chosen`` (by option key or flag) over the defaults.
        Raises OptionError naming what is wrong."""
        result = {key: option.default for key, option in self.options.items()}
        for name, choice in (chosen or {}).items():
            option = self.option_named(name)
            if option is None:
                raise OptionError(f"{self.name} has no option {name!r}", option=name)
            if choice not in option.choices:
                raise OptionError(
                    f"{self.name}: {option.label} {choice!r} is not offered",
                    option=option.key,
                    choices=tuple(option.choices),
                )
            result[option.key] = choice
        return result

    def price_for(self, choices: Mapping[str, str]) -> int:
        """Base price plus the extra of each choice (``choices`` as from :meth:`resolve`)."""
        return self.price + sum(option.choices[choices[key]] for key, option in self.options.items())

    def inputs(self, choices: Mapping[str, str]) -> dict[str, Any]:
        """What is sent to Kie next to the prompt: the fixed params and the typed choices."""
        return {**self.params, **{key: option.value_of(choices[key]) for key, option in self.options.items()}}

    def with_image(self, inputs: Mapping[str, Any], urls: tuple[str, ...]) -> dict[str, Any]:
        """``inputs`` plus the picture's URL in the model's image field."""
        if self.image is None:
            raise ValueError(f"{self.name} takes no picture")
        return {**inputs, self.image.field: self.image.value(urls)}

    def carry(self, choices: Mapping[str, str]) -> dict[str, str]:
        """Choices made for another model, kept where this model has the same option and
        choice (a photo switches /image to its edit model: the aspect ratio stays)."""
        kept = {
            key: choice
            for key, choice in choices.items()
            if key in self.options and choice in self.options[key].choices
        }
        return self.resolve(kept)

    @property
    def price_range(self) -> tuple[int, int]:
        top = self.price + sum(max(option.choices.values()) for option in self.options.values())
        return self.price, top


class CreditPack(BaseModel):
    """What a number of Telegram Stars buys: ``credits`` plus ``bonus`` credits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    stars: int = Field(gt=0, le=MAX_PACK_STARS)
    credits: int = Field(gt=0, le=10_000_000)
    bonus: int = Field(default=0, ge=0, le=10_000_000)

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        if not _PACK_KEY.fullmatch(key):
            raise ValueError("a pack key is 1-16 of a-z, 0-9 and _")
        return key

    @property
    def total(self) -> int:
        """Credits the buyer gets."""
        return self.credits + self.bonus


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: dict[Kind, str]
    models: dict[str, CatalogModel]
    # Shown by /buy in this order (the file's); a catalog without packs sells nothing.
    packs: dict[str, CreditPack] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Catalog:
        for kind in Kind:
            key = self.defaults.get(kind)
            if key is None:
                raise ValueError(f"defaults.{kind} is missing")
            model = self.models.get(key)
            if model is None:
                raise ValueError(f"defaults.{kind} names unknown model {key!r}")
            if model.kind is not kind:
                raise ValueError(f"defaults.{kind} names {key!r}, which makes {model.kind}s")
            if model.image is not None and model.image.required:
                raise ValueError(f"defaults.{kind} names {key!r}, which works only from a picture")
        seen: dict[str, str] = {}
        for model in self.models.values():
            if model.command in seen:
                raise ValueError(f"models.{model.key}.command /{model.command} is also models.{seen[model.command]}'s")
            seen[model.command] = model.key
            if model.with_photo is not None:
                target = self.models.get(model.with_photo)
                if target is None:
                    raise ValueError(f"models.{model.key}.with_photo names unknown model {model.with_photo!r}")
                if target.kind is not model.kind or target.image is None:
                    raise ValueError(
                        f"models.{model.key}.with_photo: {model.with_photo!r} must make {model.kind}s from a picture"
                    )
        return self

    def default_for(self, kind: Kind) -> CatalogModel:
        return self.models[self.defaults[kind]]

    def of_kind(self, kind: Kind) -> list[CatalogModel]:
        return [m for m in self.models.values() if m.kind is kind]

    def by_command(self, command: str) -> CatalogModel | None:
        """The model a command runs: a kind's command runs its default model."""
        command = command.casefold()  # as aiogram's Command(ignore_case=True) compares
        if command in {kind.value for kind in Kind}:
            return self.default_for(Kind(command))
        return next((m for m in self.models.values() if m.command == command), None)

    def for_photo(self, model: CatalogModel) -> CatalogModel | None:
        """The model a request for ``model`` runs when it starts from a picture: the model
        itself if it takes one, its ``with_photo`` model, or None (no picture possible)."""
        if model.image is not None:
            return model
        return self.models[model.with_photo] if model.with_photo is not None else None

    @property
    def commands(self) -> list[str]:
        return [kind.value for kind in Kind] + [m.command for m in self.models.values()]

    @property
    def option_names(self) -> frozenset[str]:
        """Every option key and flag of any model (what ``--name`` in a prompt may mean)."""
        return frozenset(name for m in self.models.values() for o in m.options.values() for name in o.names)


def parse_catalog(text: str, *, source: str = "catalog") -> Catalog:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from exc
    for section in ("models", "packs"):
        entries = raw.get(section)
        if isinstance(entries, dict):
            raw[section] = {
                key: {"key": key, **entry} if isinstance(entry, dict) else entry for key, entry in entries.items()
            }
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        message = first["msg"].removeprefix("Value error, ")
        raise CatalogError(f"{source}: {where}: {message}") from exc


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the operator's catalog from ``path``, or the one shipped with the package."""
    if path is None:
        text = (resources.files("bot.catalog") / "catalog.toml").read_text("utf-8")
        return parse_catalog(text, source="built-in catalog")
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from exc
    return parse_catalog(text, source=str(path))


__all__ = [
    "RESERVED_COMMANDS",
    "Catalog",
    "CatalogError",
    "CatalogModel",
    "CatalogOption",
    "CreditPack",
    "ImageInput",
    "Kind",
    "OptionError",
    "load_catalog",
    "parse_catalog",
]
