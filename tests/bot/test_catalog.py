from __future__ import annotations

import pytest

from bot.catalog import CatalogError, Kind, OptionError, load_catalog, parse_catalog
from bot.services.generation.requests import build_request, check_catalog
from kie import Family

GOOD = """
[defaults]
image = "img"
video = "vid"
song = "snd"

[models.img]
kind = "image"
command = "img"
name = "Img"
family = "market"
kie_model = "google/nano-banana"
price = 2
max_prompt_length = 100

[models.vid]
kind = "video"
command = "vid"
name = "Vid"
family = "veo"
kie_model = "veo3_fast"
price = 20
max_prompt_length = 100

[models.snd]
kind = "song"
command = "snd"
name = "Snd"
family = "suno"
kie_model = "V4_5"
price = 4
max_prompt_length = 100

[models.vid.options.resolution]
label = "Resolution"
flag = "res"
default = "720p"
choices = { "720p" = 0, "1080p" = 3 }

[models.vid.options.duration]
label = "Duration"
value_type = "int"
default = "4"
choices = { "4" = 0, "8" = 5 }
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
        (('command = "img"', 'command = "Image Maker"'), "models.img.command"),
        (('command = "img"', 'command = "balance"'), "/balance is the bot's own"),
        (('command = "img"', 'command = "vid"'), "/vid is also models"),
        (('default = "720p"', 'default = "4k"'), "models.vid.options.resolution: default '4k' is not one of"),
        (('"1080p" = 3', '"1080p" = -3'), "extra credits"),
        (('choices = { "4" = 0, "8" = 5 }', 'choices = { "4" = 0, "eight" = 5 }'), "options.duration: choices.eight"),
        (('choices = { "4" = 0, "8" = 5 }', "choices = {}"), "choices must not be empty"),
        (('flag = "res"', 'flag = "--Res"'), "flag must be"),
        (('label = "Duration"', 'label = "Duration"\nflag = "res"'), "used twice"),
        (('label = "Duration"', 'label = "Duration"\ncolour = 1'), "models.vid.options.duration.colour"),
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


def test_price_is_base_plus_the_extra_of_each_choice():
    video = parse_catalog(GOOD).models["vid"]
    assert video.price_for(video.resolve()) == 20
    assert video.price_for(video.resolve({"res": "1080p"})) == 23
    assert video.price_for(video.resolve({"resolution": "1080p", "duration": "8"})) == 28
    assert video.price_range == (20, 28)
    # Choices reach Kie typed as the model wants them.
    assert video.inputs(video.resolve({"duration": "8"})) == {"resolution": "720p", "duration": 8}


@pytest.mark.parametrize(("chosen", "problem"), [({"fps": "60"}, "no option 'fps'"), ({"res": "8k"}, "'8k'")])
def test_unknown_option_or_choice_is_refused(chosen, problem):
    video = parse_catalog(GOOD).models["vid"]
    with pytest.raises(OptionError, match=problem):
        video.resolve(chosen)


def test_commands_route_to_models():
    catalog = parse_catalog(GOOD)
    assert catalog.by_command("VIDEO") is catalog.models["vid"]
    assert catalog.by_command("snd") is catalog.models["snd"]
    assert catalog.by_command("nope") is None
    assert catalog.option_names == {"resolution", "res", "duration"}


def test_built_in_catalog_offers_the_promised_models():
    catalog = load_catalog()
    offered = {m.kie_model for m in catalog.models.values()}
    assert {
        "nano-banana-pro",
        "google/nano-banana",
        "seedream/4.5-text-to-image",
        "gpt-image/1.5-text-to-image",
        "flux-2/pro-text-to-image",
        "veo3_fast",
        "kling-2.6/text-to-video",
        "bytedance/seedance-1.5-pro",
        "hailuo/02-text-to-video-standard",
        "V4_5",
        "V5",
    } <= offered
    check_catalog(catalog)  # every option choice makes a request its Kie family accepts


async def test_every_choice_of_every_built_in_model_is_accepted_by_kies_input_schema(fake_kie):
    # The fake enforces each offered Market model's input fields, types and enums (§8),
    # so a renamed key or a duration sent as the wrong type fails here.
    from kie import KieClient

    catalog = load_catalog()
    async with KieClient(fake_kie.api_key, base_url=fake_kie.base_url) as kie:
        for model in catalog.models.values():
            choices = [model.resolve()] + [
                model.resolve({option.key: choice}) for option in model.options.values() for choice in option.choices
            ]
            for chosen in choices:
                request = build_request(model, "a lighthouse at dawn", "https://bot.example/cb", model.inputs(chosen))
                assert await kie.create_task(request), (model.key, chosen)


@pytest.mark.parametrize(
    ("pack", "named"),
    [
        ("[packs.p]\nstars = 0\ncredits = 5", "packs.p.stars"),
        ("[packs.p]\nstars = 20000\ncredits = 5", "packs.p.stars"),
        ("[packs.p]\nstars = 10\ncredits = 0", "packs.p.credits"),
        ("[packs.p]\nstars = 10\ncredits = 5\nbonus = -1", "packs.p.bonus"),
        ("[packs.p]\nstars = 10", "packs.p.credits"),
        ("[packs.p]\nstars = 10\ncredits = 5\nprice = 3", "packs.p.price"),
        ('[packs."Big Pack"]\nstars = 10\ncredits = 5', "packs.Big Pack.key"),
    ],
)
def test_bad_packs_are_named(pack, named):
    with pytest.raises(CatalogError) as info:
        parse_catalog(GOOD + "\n" + pack)
    assert named in str(info.value)


def test_packs_are_offered_in_file_order_with_their_bonus():
    catalog = parse_catalog(
        GOOD + "\n[packs.b]\nstars = 100\ncredits = 40\nbonus = 5\n[packs.a]\nstars = 10\ncredits = 4"
    )
    assert [(p.key, p.stars, p.total) for p in catalog.packs.values()] == [("b", 100, 45), ("a", 10, 4)]
    assert parse_catalog(GOOD).packs == {}  # a catalog without packs sells nothing
    assert [p.key for p in load_catalog(None).packs.values()] == ["small", "medium", "large"]
