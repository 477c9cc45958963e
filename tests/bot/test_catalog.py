from __future__ import annotations

import pytest

from bot.catalog import CatalogError, Kind, load_catalog, parse_catalog
from kie import Family

GOOD = """
[defaults]
image = "img"
video = "vid"
song = "snd"

[models.img]
kind = "image"
name = "Img"
family = "market"
kie_model = "google/nano-banana"
price = 2
max_prompt_length = 100

[models.vid]
kind = "video"
name = "Vid"
family = "veo"
kie_model = "veo3_fast"
price = 20
max_prompt_length = 100

[models.snd]
kind = "song"
name = "Snd"
family = "suno"
kie_model = "V4_5"
price = 4
max_prompt_length = 100
"""


def test_built_in_catalog_loads_from_package_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # must not depend on the working directory
    catalog = load_catalog()
    assert catalog.default_for(Kind.IMAGE).family is Family.MARKET
    assert catalog.default_for(Kind.VIDEO).family is Family.VEO
    assert catalog.default_for(Kind.SONG).family is Family.SUNO
    assert all(model.price > 0 for model in catalog.models.values())


def test_operator_catalog_file(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text(GOOD.replace("price = 2", "price = 9"))
    assert load_catalog(path).default_for(Kind.IMAGE).price == 9


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("price = 2", "price = 0"), "models.img.price"),
        (("price = 2", "price = -5"), "models.img.price"),
        (('family = "veo"', 'family = "midjourney"'), "models.vid.family"),
        (('kind = "song"', 'kind = "image"'), "models.snd"),
        (('image = "img"', 'image = "nope"'), "unknown model 'nope'"),
        (('image = "img"', 'image = "vid"'), "defaults.image"),
        (("max_prompt_length = 100\n", 'max_prompt_length = 100\ncolour = "red"\n'), "models.img.colour"),
        (('name = "Img"', 'name = "Img"\nparams = { prompt = "x" }'), "models.img"),
        (("[defaults]", "[defaults"), "not valid TOML"),
    ],
)
def test_bad_entries_are_named(tmp_path, change, named):
    path = tmp_path / "prices.toml"
    path.write_text(GOOD.replace(*change, 1))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert named in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.toml")


def test_good_text_parses():
    assert parse_catalog(GOOD).default_for(Kind.SONG).kie_model == "V4_5"
