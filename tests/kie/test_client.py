"""KieClient against the loopback FakeKie: every family's create + status, error mapping,
HTTP-level failures, timeouts and malformed replies."""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kie import (
    Family,
    KieAuthError,
    KieClient,
    KieError,
    KieFeatureDisabledError,
    KieGenerationError,
    KieInsufficientCreditsError,
    KieNotFoundError,
    KieQuotaError,
    KieRateLimitError,
    KieTransportError,
    KieUnavailableError,
    KieUnconfirmedError,
    KieUnreachableError,
    KieValidationError,
    MarketTaskRequest,
    MediaKind,
    SunoTaskRequest,
    TaskResult,
    TaskState,
    VeoTaskRequest,
)
from kie.families import market, suno, veo
from tests.fakes.kie import FakeKie, tiny_png

from .conftest import loopback_transport

CALLBACK = "https://bot.example.com/kie/callback"


def market_request(**overrides: Any) -> MarketTaskRequest:
    fields: dict[str, Any] = {
        "model": "nano-banana-pro",
        "input": {"prompt": "a red fox", "aspect_ratio": "1:1"},
        "callback_url": CALLBACK,
    }
    fields.update(overrides)
    return MarketTaskRequest(**fields)


def last_json(fake: FakeKie) -> Any:
    return fake.requests[-1].json


# -- Market -------------------------------------------------------------------------------


async def test_market_create_sends_documented_body(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(market_request())

    assert task_id in fake_kie.tasks
    sent = fake_kie.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/api/v1/jobs/createTask")
    assert sent.headers["Authorization"] == "Bearer test-kie-key"
    assert sent.json == {
        "model": "nano-banana-pro",
        "input": {"prompt": "a red fox", "aspect_ratio": "1:1"},
        "callBackUrl": CALLBACK,
    }


async def test_market_create_without_callback_omits_key(fake_kie: FakeKie, kie_client: KieClient) -> None:
    await kie_client.create_task(market_request(callback_url=None))
    assert "callBackUrl" not in last_json(fake_kie)


@pytest.mark.parametrize("state", ["waiting", "queuing", "generating"])
async def test_market_pending_states(fake_kie: FakeKie, kie_client: KieClient, state: str) -> None:
    task_id = await kie_client.create_task(market_request())
    fake_kie.set_state(task_id, state)

    result = await kie_client.get_task(Family.MARKET, task_id)

    assert result == TaskResult(task_id=task_id, family=Family.MARKET, state=TaskState.PENDING)
    assert fake_kie.requests[-1].query == {"taskId": task_id}


async def test_market_success_returns_image_files(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(market_request())
    fake_kie.complete(task_id)

    result = await kie_client.get_task(Family.MARKET, task_id)

    assert result.state is TaskState.SUCCESS
    assert [(f.key, f.kind) for f in result.files] == [("0", MediaKind.IMAGE)]
    async with httpx.AsyncClient(trust_env=False) as http:
        downloaded = await http.get(result.files[0].url)
    assert downloaded.content == tiny_png()
    assert downloaded.headers["content-type"] == "image/png"


async def test_market_multiple_urls_get_positional_keys_and_kinds(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(market_request())
    urls = [
        "https://cdn.example/a.JPG?sig=1",
        "https://cdn.example/b.mov",
        "https://cdn.example/c.m4a",
        "https://cdn.example/no-extension",
    ]
    fake_kie.complete(task_id, urls)

    result = await kie_client.get_task(Family.MARKET, task_id, kind_hint=MediaKind.VIDEO)

    assert [(f.key, f.url, f.kind) for f in result.files] == [
        ("0", urls[0], MediaKind.IMAGE),
        ("1", urls[1], MediaKind.VIDEO),
        ("2", urls[2], MediaKind.AUDIO),
        ("3", urls[3], MediaKind.VIDEO),  # unknown extension: the hint wins
    ]


async def test_market_unknown_extension_defaults_to_image(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(market_request())
    fake_kie.complete(task_id, ["https://cdn.example/result"])

    result = await kie_client.get_task(Family.MARKET, task_id)

    assert result.files[0].kind is MediaKind.IMAGE


async def test_market_video_model_default_file_is_video(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(
        market_request(
            model="kling-2.6/text-to-video",
            input={"prompt": "waves", "duration": "5", "sound": False, "aspect_ratio": "16:9"},
        )
    )
    fake_kie.complete(task_id)

    result = await kie_client.get_task(Family.MARKET, task_id)

    assert result.files[0].kind is MediaKind.VIDEO


async def test_market_failure(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(market_request())
    fake_kie.fail(task_id, 500, "Internal server error")

    result = await kie_client.get_task(Family.MARKET, task_id)

    assert result.state is TaskState.FAILED
    assert (result.error_code, result.error_message) == (500, "Internal server error")
    assert result.files == ()


@pytest.mark.parametrize(
    "raw",
    [
        "not json at all",
        "",
        "null",
        "[]",
        '{"resultUrls": []}',
        '{"resultObject": {"text": "hello"}}',
        '{"resultUrls": [1, null, ""]}',
        '{"resultUrls": {"0": "x"}}',
        '{"resultUrls": ',
    ],
)
async def test_market_success_with_garbage_result_json_is_failed_not_crash(
    fake_kie: FakeKie, kie_client: KieClient, raw: str
) -> None:
    task_id = await kie_client.create_task(market_request())
    fake_kie.complete(task_id)
    fake_kie.tasks[task_id].raw_result_json = raw

    result = await kie_client.get_task(Family.MARKET, task_id)

    assert result.state is TaskState.FAILED
    assert result.error_message == market.NO_URLS_MESSAGE


async def test_market_unknown_task_is_not_found(kie_client: KieClient) -> None:
    with pytest.raises(KieNotFoundError) as caught:
        await kie_client.get_task(Family.MARKET, "task_does_not_exist")
    assert caught.value.code == 422
    assert not caught.value.retryable


async def test_task_of_other_family_is_not_found(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(market_request())
    with pytest.raises(KieNotFoundError):
        await kie_client.get_task(Family.VEO, task_id)


async def test_market_create_missing_prompt_is_validation_error(kie_client: KieClient) -> None:
    with pytest.raises(KieValidationError) as caught:
        await kie_client.create_task(market_request(input={"aspect_ratio": "1:1"}))
    assert caught.value.code == 422


# -- Veo ------------------------------------------------------------------------------------


async def test_veo_create_body(fake_kie: FakeKie, kie_client: KieClient) -> None:
    request = VeoTaskRequest(
        prompt="a dog surfing",
        model="veo3",
        aspect_ratio="9:16",
        image_urls=("https://img.example/1.png",),
        resolution="1080p",
        duration=8,
        callback_url=CALLBACK,
    )
    task_id = await kie_client.create_task(request)

    assert task_id.startswith("veo_task_")
    assert fake_kie.requests[-1].path == "/api/v1/veo/generate"
    assert last_json(fake_kie) == {
        "prompt": "a dog surfing",
        "model": "veo3",
        "aspectRatio": "9:16",
        "imageUrls": ["https://img.example/1.png"],
        "resolution": "1080p",
        "duration": 8,
        "callBackUrl": CALLBACK,
    }


async def test_veo_create_minimal_body(fake_kie: FakeKie, kie_client: KieClient) -> None:
    await kie_client.create_task(VeoTaskRequest(prompt="p"))
    assert last_json(fake_kie) == {"prompt": "p", "model": "veo3_fast", "aspectRatio": "16:9"}


@pytest.mark.parametrize("as_string", [False, True])
async def test_veo_pending_then_success(fake_kie: FakeKie, kie_client: KieClient, as_string: bool) -> None:
    fake_kie.veo_urls_as_string = as_string
    task_id = await kie_client.create_task(VeoTaskRequest(prompt="p"))

    pending = await kie_client.get_task(Family.VEO, task_id)
    fake_kie.complete(task_id)
    done = await kie_client.get_task(Family.VEO, task_id)

    assert pending.state is TaskState.PENDING
    assert done.state is TaskState.SUCCESS
    assert [(f.key, f.kind) for f in done.files] == [("0", MediaKind.VIDEO)]
    assert done.files[0].url.endswith(f"{task_id}-0.mp4")


@pytest.mark.parametrize("flag", [2, 3])
async def test_veo_failure_flags(fake_kie: FakeKie, kie_client: KieClient, flag: int) -> None:
    task_id = await kie_client.create_task(VeoTaskRequest(prompt="p"))
    fake_kie.fail(task_id, 400, "Your prompt was flagged", veo_flag=flag)

    result = await kie_client.get_task(Family.VEO, task_id)

    assert result.state is TaskState.FAILED
    assert (result.error_code, result.error_message) == (400, "Your prompt was flagged")


async def test_veo_create_without_prompt_is_rejected(kie_client: KieClient) -> None:
    with pytest.raises(KieValidationError):
        await kie_client.create_task(VeoTaskRequest(prompt=""))


# -- Suno -----------------------------------------------------------------------------------


def suno_request(**overrides: Any) -> SunoTaskRequest:
    fields: dict[str, Any] = {"prompt": "a calm piano track", "callback_url": CALLBACK}
    fields.update(overrides)
    return SunoTaskRequest(**fields)


async def test_suno_create_body(fake_kie: FakeKie, kie_client: KieClient) -> None:
    await kie_client.create_task(
        suno_request(custom_mode=True, instrumental=True, style="Classical", title="Peace", model="V5")
    )
    assert fake_kie.requests[-1].path == "/api/v1/generate"
    assert last_json(fake_kie) == {
        "prompt": "a calm piano track",
        "customMode": True,
        "instrumental": True,
        "model": "V5",
        "callBackUrl": CALLBACK,
        "style": "Classical",
        "title": "Peace",
    }


async def test_suno_custom_mode_without_style_is_rejected(kie_client: KieClient) -> None:
    with pytest.raises(KieValidationError):
        await kie_client.create_task(suno_request(custom_mode=True, title="t"))


async def test_suno_stages(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(suno_request())
    tracks = fake_kie.tasks[task_id].tracks

    pending = await kie_client.get_task(Family.SUNO, task_id)
    fake_kie.suno_text(task_id)
    text = await kie_client.get_task(Family.SUNO, task_id)
    fake_kie.suno_first(task_id)
    first = await kie_client.get_task(Family.SUNO, task_id)
    fake_kie.complete(task_id)
    done = await kie_client.get_task(Family.SUNO, task_id)

    assert (pending.state, pending.files) == (TaskState.PENDING, ())
    assert (text.state, text.files) == (TaskState.PENDING, ())
    assert first.state is TaskState.PENDING
    assert [f.key for f in first.files] == [tracks[0].id]
    assert done.state is TaskState.SUCCESS
    assert [f.key for f in done.files] == [t.id for t in tracks]
    # The track delivered early keeps its key and URL, so a caller can skip it later.
    assert done.files[0] == first.files[0]
    for file, track in zip(done.files, tracks, strict=True):
        assert file.kind is MediaKind.AUDIO
        assert file.title == track.title
        assert file.duration == track.duration


async def test_suno_complete_with_urls_keeps_track_ids(fake_kie: FakeKie, kie_client: KieClient) -> None:
    task_id = await kie_client.create_task(suno_request())
    ids = [t.id for t in fake_kie.tasks[task_id].tracks]
    fake_kie.complete(task_id, ["https://cdn.example/one.mp3"])

    result = await kie_client.get_task(Family.SUNO, task_id)

    assert [(f.key, f.url) for f in result.files] == [(ids[0], "https://cdn.example/one.mp3")]


@pytest.mark.parametrize(
    "status",
    ["GENERATE_AUDIO_FAILED", "CREATE_TASK_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR"],
)
async def test_suno_failures(fake_kie: FakeKie, kie_client: KieClient, status: str) -> None:
    task_id = await kie_client.create_task(suno_request())
    fake_kie.fail(task_id, 400, "Lyrics contain copyrighted material", suno_status=status)

    result = await kie_client.get_task(Family.SUNO, task_id)

    assert result.state is TaskState.FAILED
    assert (result.error_code, result.error_message) == (400, "Lyrics contain copyrighted material")


# -- error codes (reference §7) ------------------------------------------------------------

ERROR_TABLE: list[tuple[int, type[KieError], bool]] = [
    (400, KieValidationError, False),
    (401, KieAuthError, False),
    (402, KieInsufficientCreditsError, False),
    (404, KieNotFoundError, False),
    (405, KieRateLimitError, True),
    (408, KieGenerationError, False),
    (409, KieValidationError, False),
    (413, KieValidationError, False),
    (422, KieValidationError, False),
    (429, KieRateLimitError, True),
    (430, KieRateLimitError, True),
    (433, KieQuotaError, False),
    (451, KieValidationError, False),
    (455, KieUnavailableError, True),
    (500, KieUnavailableError, True),
    (501, KieGenerationError, False),
    (505, KieFeatureDisabledError, False),
    (531, KieGenerationError, False),
    (550, KieUnavailableError, True),
]


@pytest.mark.parametrize(("code", "error_class", "retryable"), ERROR_TABLE)
async def test_create_error_codes(
    fake_kie: FakeKie,
    kie_client: KieClient,
    code: int,
    error_class: type[KieError],
    retryable: bool,
) -> None:
    fake_kie.fail_next_create(code, f"simulated {code}")

    with pytest.raises(KieError) as caught:
        await kie_client.create_task(market_request())

    assert type(caught.value) is error_class
    assert caught.value.retryable is retryable
    assert (caught.value.code, caught.value.message) == (code, f"simulated {code}")
    assert fake_kie.tasks == {}


@pytest.mark.parametrize(("code", "error_class", "retryable"), ERROR_TABLE)
async def test_status_error_codes(
    fake_kie: FakeKie,
    kie_client: KieClient,
    code: int,
    error_class: type[KieError],
    retryable: bool,
) -> None:
    task_id = await kie_client.create_task(VeoTaskRequest(prompt="p"))
    fake_kie.fail_next_status(code, f"simulated {code}")

    with pytest.raises(error_class) as caught:
        await kie_client.get_task(Family.VEO, task_id)

    assert caught.value.retryable is retryable
    # The override is used up: the next poll works again.
    assert (await kie_client.get_task(Family.VEO, task_id)).state is TaskState.PENDING


@pytest.mark.parametrize(("code", "error_class"), [(418, KieError), (599, KieUnavailableError)])
async def test_undocumented_codes(
    fake_kie: FakeKie, kie_client: KieClient, code: int, error_class: type[KieError]
) -> None:
    fake_kie.fail_next_create(code)
    with pytest.raises(KieError) as caught:
        await kie_client.create_task(market_request())
    assert type(caught.value) is error_class


async def test_fail_next_create_times(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.fail_next_create(455, "maintenance", times=2)
    for _ in range(2):
        with pytest.raises(KieUnavailableError):
            await kie_client.create_task(suno_request())
    assert await kie_client.create_task(suno_request())


async def test_wrong_api_key(fake_kie: FakeKie) -> None:
    async with KieClient("wrong", base_url=fake_kie.base_url, transport=loopback_transport()) as c:
        with pytest.raises(KieAuthError) as caught:
            await c.get_credits()
    assert caught.value.code == 401
    assert caught.value.message == "You do not have access permissions"


async def test_rate_limit(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.rate_limit = 2
    await kie_client.create_task(market_request())
    await kie_client.create_task(VeoTaskRequest(prompt="p"))

    with pytest.raises(KieRateLimitError) as caught:
        await kie_client.create_task(suno_request())

    assert caught.value.code == 429 and caught.value.retryable
    assert len(fake_kie.tasks) == 2


async def test_insufficient_credits(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.credits = 5
    with pytest.raises(KieInsufficientCreditsError):
        await kie_client.create_task(market_request())


# -- HTTP-level failures, non-JSON bodies, timeouts --------------------------------------


@pytest.mark.parametrize(
    ("http_status", "body", "content_type", "error_class"),
    [
        (502, "<html>Bad gateway</html>", "text/html", KieUnavailableError),
        (503, "", "text/plain", KieUnavailableError),
        (429, "Too Many Requests", "text/plain", KieRateLimitError),
        (401, "Unauthorized", "text/plain", KieAuthError),
        (404, "<html>nginx</html>", "text/html", KieTransportError),
        (200, "<html>captive portal</html>", "text/html", KieTransportError),
        (200, "[1, 2, 3]", "application/json", KieTransportError),
        (200, '"just a string"', "application/json", KieTransportError),
        (200, '{"msg": "no code"}', "application/json", KieTransportError),
        (500, '{"msg": "no code"}', "application/json", KieUnavailableError),
        (200, '{"code": "abc", "msg": "x"}', "application/json", KieTransportError),
        (
            200,
            '{"code": 200, "msg": "success", "data": null}',
            "application/json",
            KieTransportError,
        ),
        (
            200,
            '{"code": 200, "msg": "success", "data": {"taskId": 5}}',
            "application/json",
            KieTransportError,
        ),
    ],
)
async def test_create_http_level_failures(
    fake_kie: FakeKie,
    kie_client: KieClient,
    http_status: int,
    body: str,
    content_type: str,
    error_class: type[KieError],
) -> None:
    fake_kie.fail_next_raw(body, http_status=http_status, content_type=content_type, target="create")

    with pytest.raises(KieError) as caught:
        await kie_client.create_task(market_request())

    assert type(caught.value) is error_class


async def test_json_error_with_http_error_status_uses_json_code(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.fail_next_create(402, "Insufficient credits", http_status=400)
    with pytest.raises(KieInsufficientCreditsError):
        await kie_client.create_task(market_request())


async def test_message_key_variant(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.fail_next_raw(
        '{"code": 404, "message": "Task not found"}',
        http_status=200,
        content_type="application/json",
    )
    with pytest.raises(KieNotFoundError) as caught:
        await kie_client.get_credits()
    assert caught.value.message == "Task not found"


@pytest.mark.parametrize(
    "body",
    [
        '{"code": 200, "data": {}}',
        '{"code": 200, "data": []}',
        '{"code": 200, "data": "x"}',
        '{"code": 200, "data": {"state": "paused"}}',
        '{"code": 200, "data": {"state": 7}}',
    ],
)
async def test_malformed_market_status_is_transport_error(fake_kie: FakeKie, kie_client: KieClient, body: str) -> None:
    fake_kie.fail_next_raw(body, http_status=200, content_type="application/json", target="status")
    with pytest.raises(KieTransportError):
        await kie_client.get_task(Family.MARKET, "task_x")


async def test_timeout_is_retryable_transport_error(fake_kie: FakeKie) -> None:
    fake_kie.delay_next(2.0)
    async with KieClient(
        fake_kie.api_key,
        base_url=fake_kie.base_url,
        timeout=0.2,
        transport=loopback_transport(),
    ) as client:
        started = time.monotonic()
        with pytest.raises(KieTransportError) as caught:
            await client.get_credits()
        assert time.monotonic() - started < 1.5
        assert caught.value.retryable
        # The same client keeps working after a timeout.
        assert await client.get_credits() == 1000.0


async def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with KieClient("k", base_url=f"http://127.0.0.1:{port}", transport=loopback_transport()) as c:
        with pytest.raises(KieUnreachableError) as caught:
            await c.create_task(market_request())
    # Nothing reached Kie, so repeating the create cannot make a second paid task.
    assert caught.value.retryable and isinstance(caught.value, KieTransportError)


async def test_create_cut_off_after_sending_is_unconfirmed_not_retryable(fake_kie: FakeKie) -> None:
    fake_kie.delay_next(2.0, target="create")
    async with KieClient(
        fake_kie.api_key, base_url=fake_kie.base_url, timeout=0.2, transport=loopback_transport()
    ) as client:
        with pytest.raises(KieUnconfirmedError) as caught:
            await client.create_task(market_request())
    # Kie may have taken it: a retry could pay for the same generation twice.
    assert not caught.value.retryable
    assert isinstance(caught.value, KieTransportError)


async def test_unsupported_request_type(kie_client: KieClient) -> None:
    with pytest.raises(TypeError):
        await kie_client.create_task({"model": "x"})  # type: ignore[arg-type]


# -- common endpoints -----------------------------------------------------------------------


async def test_credits(fake_kie: FakeKie, kie_client: KieClient) -> None:
    assert await kie_client.get_credits() == 1000.0
    task_id = await kie_client.create_task(market_request())
    fake_kie.complete(task_id)
    assert await kie_client.get_credits() == 982.0
    fake_kie.credits = 12.5
    assert await kie_client.get_credits() == 12.5
    assert fake_kie.requests[-1].path == "/api/v1/chat/credit"


async def test_credits_reply_not_a_number(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.fail_next_raw(
        '{"code":200,"msg":"success","data":{"credits":1}}',
        http_status=200,
        content_type="application/json",
    )
    with pytest.raises(KieTransportError):
        await kie_client.get_credits()


async def test_download_url(fake_kie: FakeKie, kie_client: KieClient) -> None:
    url = fake_kie.add_file("result.png", tiny_png(), "image/png")

    link = await kie_client.get_download_url(url)

    assert link.startswith(f"{fake_kie.base_url}/files/result.png?")
    assert fake_kie.requests[-1].json == {"url": url}
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.get(link)).content == tiny_png()


async def test_download_url_rejects_external(kie_client: KieClient) -> None:
    with pytest.raises(KieValidationError) as caught:
        await kie_client.get_download_url("https://elsewhere.example/x.png")
    assert caught.value.code == 422


async def test_upload_bytes(fake_kie: FakeKie, kie_client: KieClient) -> None:
    url = await kie_client.upload_file(tiny_png(), file_name="photo.png", upload_path="tg/42")

    assert url == f"{fake_kie.base_url}/files/tg/42/photo.png"
    upload = fake_kie.uploads[-1]
    assert (upload.upload_path, upload.file_name, upload.content_type) == (
        "tg/42",
        "photo.png",
        "image/png",
    )
    assert fake_kie.requests[-1].form == {"uploadPath": "tg/42", "fileName": "photo.png"}
    assert fake_kie.requests[-1].headers["Authorization"] == "Bearer test-kie-key"
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.get(url)).content == tiny_png()


async def test_upload_path_is_streamed(fake_kie: FakeKie, kie_client: KieClient, tmp_path: Path) -> None:
    source = tmp_path / "clip.jpg"
    source.write_bytes(b"\xff\xd8" + b"x" * 300_000)

    url = await kie_client.upload_file(source, file_name="clip.jpg")

    assert url.endswith("/files/telegram/clip.jpg")
    assert fake_kie.uploads[-1].data == source.read_bytes()
    assert fake_kie.uploads[-1].content_type == "image/jpeg"


async def test_upload_errors(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.fail_next("upload", 500, "Internal server error")
    with pytest.raises(KieUnavailableError):
        await kie_client.upload_file(b"x", file_name="a.bin")

    async with KieClient("bad", upload_url=fake_kie.base_url, transport=loopback_transport()) as c:
        with pytest.raises(KieAuthError):
            await c.upload_file(b"x", file_name="a.bin")


async def test_upload_success_false_with_code_200(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.fail_next_raw(
        '{"success": false, "code": 200, "msg": "?"}',
        http_status=200,
        content_type="application/json",
        target="upload",
    )
    with pytest.raises(KieTransportError):
        await kie_client.upload_file(b"x", file_name="a.bin")


async def test_large_file_is_streamed_with_length(fake_kie: FakeKie) -> None:
    size = 60 * 1024 * 1024
    url = fake_kie.add_large_file("big.mp4", size, "video/mp4")

    received = 0
    async with httpx.AsyncClient(trust_env=False) as http, http.stream("GET", url) as response:
        assert response.headers["content-length"] == str(size)
        assert response.headers["content-type"] == "video/mp4"
        async for chunk in response.aiter_raw():
            received += len(chunk)
    assert received == size


async def test_missing_file_is_404(fake_kie: FakeKie) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        assert (await http.get(f"{fake_kie.base_url}/files/nope.png")).status_code == 404


async def test_auto_complete(fake_kie: FakeKie, kie_client: KieClient) -> None:
    fake_kie.auto_complete = True
    task_id = await kie_client.create_task(suno_request())
    result = await kie_client.get_task(Family.SUNO, task_id)
    assert result.state is TaskState.SUCCESS and len(result.files) == 2


async def test_api_key_never_logged_or_repred(fake_kie: FakeKie, caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-very-secret-key"
    caplog.set_level(logging.DEBUG)
    async with KieClient(secret, base_url=fake_kie.base_url, transport=loopback_transport()) as c:
        with pytest.raises(KieAuthError) as caught:
            await c.get_credits()
        assert secret not in repr(c)
    assert secret not in caplog.text
    assert secret not in str(caught.value)


async def test_aclose_is_idempotent(fake_kie: FakeKie) -> None:
    client = KieClient("k", base_url=fake_kie.base_url)
    await client.aclose()
    await client.aclose()


# -- parsers never leak untyped exceptions ----------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
# Values biased towards the real keys, so the parsers see near-valid records.
record_keys = st.sampled_from(
    [
        "state",
        "resultJson",
        "failCode",
        "failMsg",
        "successFlag",
        "response",
        "errorCode",
        "errorMessage",
        "status",
        "sunoData",
        "resultUrls",
        "audioUrl",
        "id",
        "duration",
        "title",
    ]
)
near_records = st.recursive(
    st.none()
    | st.integers()
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "success",
            "fail",
            "waiting",
            "SUCCESS",
            "FIRST_SUCCESS",
            "GENERATE_AUDIO_FAILED",
            '{"resultUrls":["https://x/a.png"]}',
            '["https://x/v.mp4"]',
            "1",
            "2",
        ]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(record_keys, inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(json_values, near_records))
def test_status_parsers_raise_only_transport_errors(data: object) -> None:
    for module in (market, veo, suno):
        try:
            result = module.parse_status("t1", data, kind_hint=None)
        except KieTransportError:
            continue
        assert isinstance(result, TaskResult)
        if result.state is TaskState.SUCCESS:
            assert result.files


def test_veo_result_urls_variants() -> None:
    for urls in (
        ["https://x/v.mp4"],
        json.dumps(["https://x/v.mp4"]),
        "[https://x/v.mp4]",  # the OpenAPI schema's own example: not even JSON
        "https://x/v.mp4",
    ):
        result = veo.parse_status("t", {"successFlag": 1, "response": {"resultUrls": urls}})
        assert [f.url for f in result.files] == ["https://x/v.mp4"]


def test_suno_tolerates_odd_tracks() -> None:
    data = {
        "status": "SUCCESS",
        "response": {
            "sunoData": [
                {
                    "id": "a",
                    "audioUrl": "https://x/a.mp3",
                    "duration": "198.44",
                    "createTime": 1758044664461,
                },
                {
                    "id": "b",
                    "audioUrl": "https://x/b.mp3",
                    "duration": "n/a",
                    "title": None,
                    "extra": 1,
                },
                {"audioUrl": "https://x/c.mp3", "duration": -1},
                "garbage",
                {"id": "d", "audioUrl": ""},
            ]
        },
    }
    result = suno.parse_status("t", data)
    assert [(f.key, f.duration) for f in result.files] == [("a", 198.44), ("b", None), ("2", None)]


def test_suno_success_without_tracks_is_failed() -> None:
    result = suno.parse_status("t", {"status": "SUCCESS", "response": {"sunoData": []}})
    assert result.state is TaskState.FAILED
    assert result.error_message == suno.NO_TRACKS_MESSAGE


def test_suno_unknown_failure_status_is_failed() -> None:
    result = suno.parse_status("t", {"status": "GENERATE_LYRICS_FAILED", "errorCode": "413"})
    assert (result.state, result.error_code) == (TaskState.FAILED, 413)
