"""parse_callback on the documented bodies, on what FakeKie really POSTs, and on garbage."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kie import (
    CallbackEvent,
    Family,
    KieCallbackError,
    KieClient,
    MarketTaskRequest,
    SunoTaskRequest,
    TaskState,
    VeoTaskRequest,
    callback_task_id,
    parse_callback,
    verify_callback_signature,
)
from tests.fakes.kie import FakeKie

from .conftest import CallbackSink

# -- bodies from the reference (§1.3, §2, §3.3, §4.3), values verbatim ----------------------

WAN30_SUCCESS: dict[str, Any] = {
    "code": 200,
    "msg": "Playground task completed successfully.",
    "data": {
        "taskId": "bd8f4b1a52048d0f17a38b49591abfa1",
        "model": "wan/3-0-video-prime",
        "state": "success",
        # param.input is itself a JSON string (double-encoded), as in the real example.
        "param": json.dumps(
            {
                "input": json.dumps({"duration": 5, "prompt": "x"}),
                "callBackUrl": "https://webhook.uutool.cn/x",
                "model": "wan/3-0-video-prime",
            }
        ),
        "resultJson": '{"resultUrls":["https://tempfile.aiquickdraw.com/wan30-video-prime-alibaba/1787567408129-b1fmz5um3co.mp4"]}',
        "costTime": 89,
        "completeTime": 1787567409000,
        "createTime": 1787567320000,
        "updateTime": 1787567409000,
        "creditsConsumed": 61,
    },
}

KLING_FAILURE: dict[str, Any] = {
    "code": 501,
    "msg": "Playground task failed.",
    "data": {
        "completeTime": 1755597081000,
        "consumeCredits": 0,
        "costTime": 0,
        "createTime": 1755596341000,
        "failCode": "500",
        "failMsg": "Internal server error",
        "model": "kling-2.6/image-to-video",
        "param": "{...}",
        "state": "fail",
        "taskId": "bd3a37c523149e4adf45a3ddb5faf1a8",
    },
}

KLING_OLD_SUCCESS: dict[str, Any] = json.loads(
    '{"code":200,"data":{"completeTime":1755599644000,"consumeCredits":100,"costTime":8,'
    '"createTime":1755599634000,"model":"kling-2.6/image-to-video","param":"{...}",'
    '"remainedCredits":2510330,"resultJson":"{\\"resultUrls\\":[\\"https://example.com/generated-video.mp4\\"]}",'
    '"state":"success","taskId":"e989621f54392584b05867f87b160672","updateTime":1755599644000},'
    '"msg":"Playground task completed successfully."}'
)

VEO_SUCCESS: dict[str, Any] = {
    "code": 200,
    "msg": "Veo3.1 video generated successfully.",
    "data": {
        "taskId": "veo_task_abcdef123456",
        "info": {
            "resultUrls": ["http://example.com/video1.mp4"],
            "originUrls": ["http://example.com/original_video1.mp4"],
            "resolution": "1080p",
        },
        "fallbackFlag": False,
    },
}

VEO_SUCCESS_STRING_URLS: dict[str, Any] = {
    "code": 200,
    "msg": "Veo3.1 video generated successfully.",
    "data": {
        "taskId": "veo_task_abcdef123456",
        "info": {"resultUrls": "[http://example.com/video1.mp4]"},
    },
}

VEO_FAILURE: dict[str, Any] = {
    "code": 400,
    "msg": "Your prompt was flagged by Website as violating content policies.",
    "data": {"taskId": "veo_task_abcdef123456", "fallbackFlag": False},
}

VEO_4K_FAILURE: dict[str, Any] = {
    "code": 500,
    "msg": "The 4K version of this video is unavailable...",
    "data": {"taskId": "veo_task_abcdef123456"},
}

SUNO_COMPLETE: dict[str, Any] = {
    "code": 200,
    "msg": "All generated successfully.",
    "data": {
        "callbackType": "complete",
        "task_id": "2fac9f72",
        "data": [
            {
                "id": "e231-8cadc7dc",
                "audio_url": "https://example.cn/x.mp3",
                "stream_audio_url": "https://example.cn/x",
                "image_url": "https://example.cn/x.jpeg",
                "prompt": "[Verse] Night city lights shining bright",
                "model_name": "chirp-v3-5",
                "title": "Iron Man",
                "tags": "electrifying, rock",
                "createTime": "2025-01-01 00:00:00",
                "duration": 198.44,
            }
        ],
    },
}

# The recorded "real" first-stage body: numeric createTime, source_* fields, empty 2nd track.
SUNO_FIRST_REALISTIC: dict[str, Any] = {
    "code": 200,
    "msg": "First audio generated successfully.",
    "data": {
        "callbackType": "first",
        "task_id": "3b66882fde0a5d398bd269cab6d9542b",
        "data": [
            {
                "id": "a1",
                "audio_url": "https://apiboxfiles.erweima.ai/a1.mp3",
                "source_audio_url": "https://cdn1.suno.ai/a1.mp3",
                "stream_audio_url": "https://mfile.erweima.ai/a1",
                "source_stream_audio_url": "https://audiopipe.suno.ai/?item_id=a1",
                "image_url": "https://apiboxfiles.erweima.ai/a1.jpeg",
                "source_image_url": "https://cdn2.suno.ai/image_a1.jpeg",
                "prompt": "[Verse]",
                "model_name": "chirp-v4",
                "title": "Song",
                "tags": "pop",
                "createTime": 1758044664461,
                "duration": 201.2,
            },
            {
                "id": "a2",
                "audio_url": "",
                "source_audio_url": "",
                "stream_audio_url": "https://mfile.erweima.ai/a2",
                "image_url": "https://apiboxfiles.erweima.ai/a2.jpeg",
                "prompt": "[Verse]",
                "model_name": "chirp-v4",
                "title": "Song",
                "tags": "pop",
                "createTime": 1758044664461,
            },
        ],
    },
}

SUNO_TEXT_NULL: dict[str, Any] = {
    "code": 200,
    "msg": "Text generated successfully",
    "data": {"callbackType": "text", "task_id": "2fac9f72", "data": None},
}

SUNO_TEXT_EMPTY: dict[str, Any] = {
    "code": 200,
    "msg": "Text generated successfully",
    "data": {"callbackType": "text", "task_id": "2fac9f72", "data": []},
}

SUNO_ERROR: dict[str, Any] = {
    "code": 501,
    "msg": "Audio generation failed",
    "data": {"callbackType": "error", "task_id": "2fac9f72", "data": None},
}

SUNO_REFUNDED: dict[str, Any] = {
    "code": 531,
    "msg": "Generation failed, credits refunded",
    "data": {"callbackType": "error", "task_id": "2fac9f72", "data": None},
}

# The webhook-verification page's example body (§2): top-level taskId, Suno-style data.
DOCS_SIGNING_EXAMPLE: dict[str, Any] = {
    "taskId": "ee9c2715375b7837f8bb51d641ff5863",
    "code": 200,
    "msg": "Success",
    "data": {"task_id": "ee9c2715375b7837f8bb51d641ff5863", "callbackType": "task_completed"},
}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            WAN30_SUCCESS,
            ("bd8f4b1a52048d0f17a38b49591abfa1", Family.MARKET, "success", TaskState.SUCCESS, 200),
        ),
        (
            KLING_FAILURE,
            ("bd3a37c523149e4adf45a3ddb5faf1a8", Family.MARKET, "fail", TaskState.FAILED, 501),
        ),
        (
            KLING_OLD_SUCCESS,
            ("e989621f54392584b05867f87b160672", Family.MARKET, "success", TaskState.SUCCESS, 200),
        ),
        (VEO_SUCCESS, ("veo_task_abcdef123456", Family.VEO, "complete", TaskState.SUCCESS, 200)),
        (
            VEO_SUCCESS_STRING_URLS,
            ("veo_task_abcdef123456", Family.VEO, "complete", TaskState.SUCCESS, 200),
        ),
        (VEO_FAILURE, ("veo_task_abcdef123456", Family.VEO, "error", TaskState.FAILED, 400)),
        (VEO_4K_FAILURE, ("veo_task_abcdef123456", Family.VEO, "error", TaskState.FAILED, 500)),
        (SUNO_COMPLETE, ("2fac9f72", Family.SUNO, "complete", TaskState.SUCCESS, 200)),
        (
            SUNO_FIRST_REALISTIC,
            ("3b66882fde0a5d398bd269cab6d9542b", Family.SUNO, "first", TaskState.PENDING, 200),
        ),
        (SUNO_TEXT_NULL, ("2fac9f72", Family.SUNO, "text", TaskState.PENDING, 200)),
        (SUNO_TEXT_EMPTY, ("2fac9f72", Family.SUNO, "text", TaskState.PENDING, 200)),
        (SUNO_ERROR, ("2fac9f72", Family.SUNO, "error", TaskState.FAILED, 501)),
        (SUNO_REFUNDED, ("2fac9f72", Family.SUNO, "error", TaskState.FAILED, 531)),
        (
            DOCS_SIGNING_EXAMPLE,
            (
                "ee9c2715375b7837f8bb51d641ff5863",
                Family.SUNO,
                "task_completed",
                TaskState.FAILED,
                200,
            ),
        ),
    ],
)
def test_documented_bodies(payload: dict[str, Any], expected: tuple[Any, ...]) -> None:
    event = parse_callback(copy.deepcopy(payload))
    assert (event.task_id, event.family, event.stage, event.claimed_state, event.code) == expected
    assert event.message == payload["msg"]


def test_message_key_variant_and_string_code() -> None:
    payload = copy.deepcopy(VEO_SUCCESS)
    del payload["msg"]
    payload["message"] = "ok"
    payload["code"] = "200"
    event = parse_callback(payload)
    assert (event.code, event.message, event.claimed_state) == (200, "ok", TaskState.SUCCESS)


def test_missing_code_is_tolerated() -> None:
    payload = copy.deepcopy(KLING_FAILURE)
    del payload["code"], payload["msg"]
    event = parse_callback(payload)
    assert (event.code, event.message, event.claimed_state) == (None, None, TaskState.FAILED)


def test_suno_task_id_camel_fallback() -> None:
    payload = {"code": 200, "msg": "", "data": {"callbackType": "complete", "taskId": "abc"}}
    assert parse_callback(payload).task_id == "abc"


def test_market_non_final_state_claims_pending() -> None:
    payload = copy.deepcopy(WAN30_SUCCESS)
    payload["data"]["state"] = "generating"
    assert parse_callback(payload).claimed_state is TaskState.PENDING


def _mutate(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


_DELETE = object()


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "a string",
        42,
        {},
        {"code": 200, "msg": "x"},
        {"code": 200, "data": None},
        {"code": 200, "data": []},
        {"code": 200, "data": "x"},
        {"code": 200, "data": {}},
        {"code": 200, "data": {"foo": "bar"}},
        # Runway-like: task_id without callbackType is not one of our families.
        {"code": 200, "data": {"task_id": "abc", "video_url": "https://x/v.mp4"}},
        _mutate(WAN30_SUCCESS, ("data", "taskId"), ""),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), None),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), 12345),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), "a" * 129),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), "abc/../../etc"),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), "abc def"),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), "abc'; DROP TABLE tasks;--"),
        _mutate(WAN30_SUCCESS, ("data", "taskId"), "täsk"),
        _mutate(WAN30_SUCCESS, ("data", "state"), None),
        _mutate(WAN30_SUCCESS, ("data", "state"), ""),
        _mutate(WAN30_SUCCESS, ("data", "state"), 1),
        _mutate(WAN30_SUCCESS, ("data", "state"), "x" * 65),
        _mutate(WAN30_SUCCESS, ("data", "state"), _DELETE),  # model only: still Market, no state
        _mutate(WAN30_SUCCESS, ("code",), "two hundred"),
        _mutate(WAN30_SUCCESS, ("code",), [200]),
        _mutate(VEO_SUCCESS, ("data", "info"), "not an object"),
        _mutate(VEO_SUCCESS, ("data", "taskId"), _DELETE),
        _mutate(SUNO_COMPLETE, ("data", "task_id"), _DELETE),
        _mutate(SUNO_COMPLETE, ("data", "task_id"), ""),
        _mutate(SUNO_COMPLETE, ("data", "callbackType"), None),
        _mutate(SUNO_COMPLETE, ("data", "callbackType"), ""),
        _mutate(SUNO_COMPLETE, ("data", "callbackType"), {"x": 1}),
        _mutate(SUNO_COMPLETE, ("data", "data"), "tracks"),
    ],
)
def test_malformed_bodies_are_rejected(payload: object) -> None:
    with pytest.raises(KieCallbackError):
        parse_callback(payload)


def test_callback_error_is_a_value_error() -> None:
    # Web handlers can catch ValueError to answer 400 without importing kie.errors.
    assert issubclass(KieCallbackError, ValueError)


# -- hypothesis: nothing but KieCallbackError escapes ------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=16)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)
callback_keys = st.sampled_from(
    [
        "code",
        "msg",
        "message",
        "data",
        "taskId",
        "task_id",
        "state",
        "model",
        "info",
        "callbackType",
        "resultJson",
        "resultUrls",
    ]
)
near_values = json_scalars | st.sampled_from(
    [
        "success",
        "fail",
        "complete",
        "first",
        "text",
        "error",
        "abc123",
        "veo_task_1",
        200,
        501,
        "200",
    ]
)
near_callbacks = st.recursive(
    near_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(callback_keys, inner, max_size=6),
    max_leaves=30,
)


def _check(payload: object) -> None:
    try:
        event = parse_callback(payload)
    except KieCallbackError:
        return
    assert isinstance(event, CallbackEvent)
    assert 0 < len(event.task_id) <= 128
    assert callback_task_id(payload) is not None


@settings(max_examples=200, deadline=None)
@given(payload=json_values)
def test_arbitrary_json_only_raises_callback_error(payload: object) -> None:
    _check(payload)


@settings(max_examples=200, deadline=None)
@given(payload=near_callbacks)
def test_near_valid_json_only_raises_callback_error(payload: object) -> None:
    _check(payload)


@settings(max_examples=100, deadline=None)
@given(payload=json_values)
def test_arbitrary_json_roundtrip_through_text(payload: object) -> None:
    # What a web handler would do: decode the raw body first. NaN/inf survive json.dumps.
    _check(json.loads(json.dumps(payload)))


# -- callback_task_id (the id Kie signs) ---------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (WAN30_SUCCESS, "bd8f4b1a52048d0f17a38b49591abfa1"),
        (VEO_FAILURE, "veo_task_abcdef123456"),
        (SUNO_ERROR, "2fac9f72"),
        (DOCS_SIGNING_EXAMPLE, "ee9c2715375b7837f8bb51d641ff5863"),
        ({"taskId": "top", "data": None}, "top"),
        ({"data": {"taskId": "bad id"}}, None),
        ("nope", None),
    ],
)
def test_callback_task_id(payload: object, expected: str | None) -> None:
    assert callback_task_id(payload) == expected


# -- what FakeKie actually sends ---------------------------------------------------------


async def _receive(fake: FakeKie, sink: CallbackSink, task_id: str, key: str = "whk") -> CallbackEvent:
    status = await fake.send_callback(task_id, hmac_key=key)
    assert status == 200
    received = sink.received[-1]
    event = parse_callback(received.body)
    assert event.task_id == task_id
    assert verify_callback_signature(
        key,
        event.task_id,
        received.headers.get("X-Webhook-Timestamp"),
        received.headers.get("X-Webhook-Signature"),
    )
    return event


async def test_fake_market_callbacks(fake_kie: FakeKie, kie_client: KieClient, callback_sink: CallbackSink) -> None:
    ok = await kie_client.create_task(
        MarketTaskRequest(model="nano-banana-pro", input={"prompt": "p"}, callback_url=callback_sink.url)
    )
    bad = await kie_client.create_task(
        MarketTaskRequest(model="nano-banana-pro", input={"prompt": "p"}, callback_url=callback_sink.url)
    )
    with pytest.raises(ValueError):
        fake_kie.callback_body(ok)  # Kie sends Market callbacks for final states only
    fake_kie.complete(ok)
    fake_kie.fail(bad, 500, "Internal server error")

    success = await _receive(fake_kie, callback_sink, ok)
    failure = await _receive(fake_kie, callback_sink, bad)

    assert (success.family, success.stage, success.claimed_state, success.code) == (
        Family.MARKET,
        "success",
        TaskState.SUCCESS,
        200,
    )
    assert (failure.stage, failure.claimed_state, failure.code) == ("fail", TaskState.FAILED, 501)
    failure_body = callback_sink.received[-1].body["data"]
    assert (failure_body["failCode"], failure_body["failMsg"]) == ("500", "Internal server error")
    assert isinstance(failure_body["param"], str) and "resultJson" not in failure_body


@pytest.mark.parametrize("as_string", [False, True])
async def test_fake_veo_callbacks(
    fake_kie: FakeKie, kie_client: KieClient, callback_sink: CallbackSink, as_string: bool
) -> None:
    fake_kie.veo_urls_as_string = as_string
    ok = await kie_client.create_task(VeoTaskRequest(prompt="p", callback_url=callback_sink.url))
    bad = await kie_client.create_task(VeoTaskRequest(prompt="p", callback_url=callback_sink.url))
    fake_kie.complete(ok)
    fake_kie.fail(bad, 400, "flagged")

    success = await _receive(fake_kie, callback_sink, ok)
    info = callback_sink.received[-1].body["data"]["info"]
    failure = await _receive(fake_kie, callback_sink, bad)

    assert (success.family, success.claimed_state) == (Family.VEO, TaskState.SUCCESS)
    assert isinstance(info["resultUrls"], str) is as_string
    assert (failure.family, failure.claimed_state, failure.code) == (
        Family.VEO,
        TaskState.FAILED,
        400,
    )
    assert "info" not in callback_sink.received[-1].body["data"]


async def test_fake_suno_callback_stages(fake_kie: FakeKie, kie_client: KieClient, callback_sink: CallbackSink) -> None:
    task_id = await kie_client.create_task(SunoTaskRequest(prompt="p", callback_url=callback_sink.url))
    stages = []
    for step in (fake_kie.suno_text, fake_kie.suno_first, fake_kie.complete):
        step(task_id)
        event = await _receive(fake_kie, callback_sink, task_id)
        stages.append((event.stage, event.claimed_state))

    assert stages == [
        ("text", TaskState.PENDING),
        ("first", TaskState.PENDING),
        ("complete", TaskState.SUCCESS),
    ]
    first_body = callback_sink.received[1].body["data"]["data"]
    assert first_body[0]["audio_url"] and first_body[1]["audio_url"] == ""
    assert "duration" not in first_body[1]
    assert isinstance(first_body[0]["createTime"], int)


async def test_fake_suno_error_callback(fake_kie: FakeKie, kie_client: KieClient, callback_sink: CallbackSink) -> None:
    task_id = await kie_client.create_task(SunoTaskRequest(prompt="p", callback_url=callback_sink.url))
    fake_kie.fail(task_id, 531, "Generation failed, credits refunded")

    event = await _receive(fake_kie, callback_sink, task_id)

    assert (event.stage, event.claimed_state, event.code) == ("error", TaskState.FAILED, 531)
    assert callback_sink.received[-1].body["data"]["data"] is None


async def test_fake_callback_custom_body_and_headers(
    fake_kie: FakeKie, kie_client: KieClient, callback_sink: CallbackSink
) -> None:
    task_id = await kie_client.create_task(SunoTaskRequest(prompt="p", callback_url=callback_sink.url))
    callback_sink.status = 500

    status = await fake_kie.send_callback(
        task_id, body={"forged": True}, headers={"X-Webhook-Timestamp": "1"}, hmac_key="k"
    )

    assert status == 500
    received = callback_sink.received[-1]
    assert received.body == {"forged": True}
    assert received.headers["X-Webhook-Timestamp"] == "1"
    assert fake_kie.callbacks_sent[-1].status == 500


async def test_fake_auto_callback(fake_kie: FakeKie, kie_client: KieClient, callback_sink: CallbackSink) -> None:
    fake_kie.auto_callback = True
    fake_kie.auto_complete = True
    task_id = await kie_client.create_task(VeoTaskRequest(prompt="p", callback_url=callback_sink.url))
    for _ in range(100):
        if callback_sink.received:
            break
        await asyncio.sleep(0.01)
    assert parse_callback(callback_sink.received[-1].body).task_id == task_id
