"""/prices, model commands, and ``--option value`` choices: what Kie gets and what is charged."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.catalog import load_catalog
from tests.conftest import send


def created(fake_kie) -> dict[str, Any]:
    (task,) = fake_kie.tasks.values()
    return task.body


def last_text(fake_telegram) -> str:
    """What the user reads (tags stripped) in the last message sent."""
    return re.sub(r"<[^>]+>", "", fake_telegram.calls_of("sendMessage", ok=True)[-1].params["text"])


async def test_prices_lists_every_model_with_its_command_and_price(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/prices")
    text = last_text(fake_telegram)
    for model in load_catalog().models.values():
        assert f"/{model.command}" in text and model.name in text
    assert "/image, /nanobanana — Nano Banana: 2" in text  # the default of /image
    assert "/kling — Kling 2.6: 19 (duration, s 10 +18)" in text
    assert "/veo — Veo 3.1 Fast 📷: 20 (resolution 1080p +2, resolution 4k +40)" in text  # takes a photo
    assert "Your balance: 10 credits." in text


@pytest.mark.parametrize(
    ("command", "price", "expected_input"),
    [
        ("/kling waves at sunset --dur 10 --ar 9:16", 37, {"duration": "10", "aspect_ratio": "9:16", "sound": False}),
        ("/kling waves at sunset", 19, {"duration": "5", "aspect_ratio": "16:9"}),
        ("/seedance waves at sunset —dur 8", 10, {"duration": 8, "generate_audio": False}),
        ("/nanobananapro waves at sunset --res 4K --aspect_ratio 3:2", 8, {"resolution": "4K", "aspect_ratio": "3:2"}),
        ("/gptimage waves at sunset --q high", 8, {"quality": "high"}),
        ("/flux waves at sunset", 2, {"resolution": "1K"}),
        ("/hailuo waves at sunset", 10, {"prompt_optimizer": True}),
    ],
)
async def test_market_options_reach_kie_typed_and_are_priced(
    make_app, fake_telegram, fake_kie, command, price, expected_input
):
    app = await make_app(starting_credits=100)
    await send(app, fake_telegram, command)
    body = created(fake_kie)
    assert body["input"]["prompt"] == "waves at sunset"
    assert expected_input.items() <= body["input"].items()
    assert await app.credits.balance(1001) == 100 - price


async def test_veo_and_suno_options(make_app, fake_telegram, fake_kie):
    app = await make_app(starting_credits=100)
    await send(app, fake_telegram, "/veo a drone shot --res 1080p --ar 9:16")
    await send(app, fake_telegram, "/suno5 a lullaby --instrumental true")
    veo, suno = (task.body for task in fake_kie.tasks.values())
    assert (veo["model"], veo["resolution"]) == ("veo3_fast", "1080p")
    assert veo.get("aspectRatio", veo.get("aspect_ratio")) == "9:16"
    assert (suno["model"], suno["instrumental"], suno["customMode"]) == ("V5", True, False)
    assert await app.credits.balance(1001) == 100 - 22 - 4


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/kling waves --ar 5:1", "--ar (Aspect ratio) can be 16:9, 9:16, 1:1"),
        ("/hailuo waves --ar 16:9", "Hailuo 02 has no option --ar"),
        ("/kling waves --dur", "--dur (Duration, s) can be 5, 10"),
        ("/kling waves --dur 5 --dur 10", "--dur (Duration, s) can be 5, 10"),
    ],
)
async def test_bad_option_is_explained_and_costs_nothing(make_app, fake_telegram, fake_kie, command, says):
    app = await make_app(starting_credits=100)
    await send(app, fake_telegram, command)
    assert says in last_text(fake_telegram)
    assert "Nothing was charged" in last_text(fake_telegram)
    assert fake_kie.tasks == {}
    assert await app.credits.balance(1001) == 100


async def test_dashes_that_are_no_option_stay_in_the_prompt(make_app, fake_telegram, fake_kie):
    app = await make_app()
    await send(app, fake_telegram, "/image a sign saying --stop-- and --go")
    assert created(fake_kie)["input"]["prompt"] == "a sign saying --stop-- and --go"


async def test_price_with_options_is_checked_against_the_balance(make_app, fake_telegram, fake_kie):
    app = await make_app()  # 10 credits; Kling 10 s costs 37
    await send(app, fake_telegram, "/kling waves --dur 10")
    assert "This costs 37 credits and you have 10" in last_text(fake_telegram)
    assert fake_kie.tasks == {}


async def test_command_matched_by_unicode_case_folding_is_served_not_a_crash(make_app, fake_telegram, fake_kie):
    # aiogram matches /ſong (a long s) to /song by casefold(); the model lookup must agree.
    app = await make_app()
    await send(app, fake_telegram, "/ſong a lullaby")
    assert created(fake_kie)["model"] == "V4_5"
    assert "went wrong" not in last_text(fake_telegram)
