"""The model catalog: commands → Kie models → prices, from one TOML data file.

The file ships as package data (``catalog.toml``); an operator may point ``CATALOG_PATH``
at their own copy. Any bad entry stops the program at start with a message naming it.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kie import Family, MediaKind


class Kind(StrEnum):
    """What a user asks for; each has its own command."""

    IMAGE = "image"
    VIDEO = "video"
    SONG = "song"

    @property
    def media(self) -> MediaKind:
        return {Kind.IMAGE: MediaKind.IMAGE, Kind.VIDEO: MediaKind.VIDEO, Kind.SONG: MediaKind.AUDIO}[self]


class CatalogError(ValueError):
    """The catalog file is unreadable or has a bad entry."""


class CatalogModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: Kind
    name: str = Field(min_length=1, max_length=64)
    family: Family
    kie_model: str = Field(min_length=1)
    price: int = Field(gt=0, le=1_000_000)
    max_prompt_length: int = Field(gt=0, le=100_000)
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _family_fits_kind(self) -> CatalogModel:
        if self.family is Family.SUNO and self.kind is not Kind.SONG:
            raise ValueError("the suno family only makes songs")
        if self.family is Family.VEO and self.kind is not Kind.VIDEO:
            raise ValueError("the veo family only makes videos")
        if "prompt" in self.params or "callBackUrl" in self.params:
            raise ValueError("params must not set prompt or callBackUrl")
        return self


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: dict[Kind, str]
    models: dict[str, CatalogModel]

    @model_validator(mode="after")
    def _defaults_exist(self) -> Catalog:
        for kind in Kind:
            key = self.defaults.get(kind)
            if key is None:
                raise ValueError(f"defaults.{kind} is missing")
            model = self.models.get(key)
            if model is None:
                raise ValueError(f"defaults.{kind} names unknown model {key!r}")
            if model.kind is not kind:
                raise ValueError(f"defaults.{kind} names {key!r}, which makes {model.kind}s")
        return self

    def default_for(self, kind: Kind) -> CatalogModel:
        return self.models[self.defaults[kind]]

    def of_kind(self, kind: Kind) -> list[CatalogModel]:
        return [m for m in self.models.values() if m.kind is kind]


def parse_catalog(text: str, *, source: str = "catalog") -> Catalog:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from exc
    models = raw.get("models")
    if isinstance(models, dict):
        raw["models"] = {
            key: {"key": key, **entry} if isinstance(entry, dict) else entry for key, entry in models.items()
        }
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        raise CatalogError(f"{source}: {where}: {first['msg']}") from exc


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


__all__ = ["Catalog", "CatalogError", "CatalogModel", "Kind", "load_catalog", "parse_catalog"]
