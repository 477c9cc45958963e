"""/settings: each user's saved model and option choices per kind (picture, video, song).

What a request runs, from what is saved:

- ``/image``, ``/video``, ``/song`` run the saved model of their kind with its saved choices;
- a model's own command (``/flux``) runs that model with the saved choices when it is the
  saved model of its kind, else with the model's defaults (choices saved for one model say
  nothing about another's);
- options typed after the prompt override saved choices for that request (the caller merges).

Only models that work without a picture can be saved (the picture models are what a photo
switches to, see ``Catalog.for_photo``). Whatever the catalog no longer has (a model removed,
a choice no longer offered) is ignored as it is read: the default takes its place silently.
The price shown is ``model.price_for(choices)`` of exactly the choices a request gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.catalog import Catalog, CatalogModel
from bot.domain import Kind
from bot.errors import SettingUnavailableError
from bot.storage import Database


@dataclass(frozen=True, slots=True)
class Setting:
    """A user's current choice for a kind: the model and every option's choice (resolved)."""

    kind: Kind
    model: CatalogModel
    choices: dict[str, str] = field(default_factory=dict)
    saved: bool = False  # False: the catalog's defaults (nothing saved, or what was is gone)

    @property
    def price(self) -> int:
        return self.model.price_for(self.choices)


def selectable(model: CatalogModel) -> bool:
    """A model /settings offers: one that works from words alone."""
    return model.image is None or not model.image.required


class Preferences:
    def __init__(self, db: Database, catalog: Catalog, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._catalog = catalog
        self._clock = clock

    def models(self, kind: Kind) -> list[CatalogModel]:
        """The models a user may pick for ``kind``, in the catalog's order."""
        return [m for m in self._catalog.of_kind(kind) if selectable(m)]

    async def current(self, user_id: int, kind: Kind) -> Setting:
        async with self._db.read() as repo:
            saved = await repo.preferences.get(user_id, kind)
        if saved is not None:
            model = self._catalog.models.get(saved.model_key)
            if model is not None and model.kind is kind and selectable(model):
                return Setting(kind, model, model.carry(saved.choices), saved=True)
        default = self._catalog.default_for(kind)
        return Setting(kind, default, default.resolve())

    async def choices_for(self, user_id: int, model: CatalogModel) -> dict[str, str]:
        """The choices a request for ``model`` starts from (before typed options)."""
        setting = await self.current(user_id, model.kind)
        return dict(setting.choices) if setting.model.key == model.key else model.resolve()

    async def choose_model(self, user_id: int, kind: Kind, model_key: str) -> Setting:
        """Save ``model_key`` for ``kind``; choices the new model shares (an aspect ratio)
        are kept. Raises SettingUnavailableError for a model that cannot be chosen."""
        model = self._catalog.models.get(model_key)
        if model is None or model.kind is not kind or not selectable(model):
            raise SettingUnavailableError(kind=kind.value, what=model_key)
        before = await self.current(user_id, kind)
        return await self._save(user_id, Setting(kind, model, model.carry(before.choices), saved=True))

    async def choose(self, user_id: int, kind: Kind, model_key: str, option: str, choice: str) -> Setting:
        """Save ``choice`` for ``option`` of the current model, which must be ``model_key``
        (a button from a screen showing another model is stale). Raises SettingUnavailableError."""
        current = await self.current(user_id, kind)
        found = current.model.options.get(option)
        if current.model.key != model_key or found is None or choice not in found.choices:
            raise SettingUnavailableError(kind=kind.value, what=f"{model_key}.{option}={choice}")
        choices = {**current.choices, option: choice}
        return await self._save(user_id, Setting(kind, current.model, choices, saved=True))

    async def reset(self, user_id: int, kind: Kind) -> Setting:
        async with self._db.transaction() as repo:
            await repo.preferences.clear(user_id, kind)
        return await self.current(user_id, kind)

    async def _save(self, user_id: int, setting: Setting) -> Setting:
        async with self._db.transaction() as repo:
            await repo.preferences.save(user_id, setting.kind, setting.model.key, setting.choices, now=self._clock())
        return setting
