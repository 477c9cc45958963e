"""The real program, ``python -m bot``, as an operator runs it: long polling plus the web
server, in its own process and working directory, against loopback fakes (the
``bot_process`` fixture lives in ``tests/e2e/conftest.py``)."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.fakes.kie import tiny_png

pytestmark = pytest.mark.e2e


async def test_image_request_reaches_the_chat_and_sigterm_stops_cleanly(bot_process, fake_telegram, fake_kie):
    fake_kie.auto_complete = True  # Kie finishes at once and calls back (maybe before create returns)
    fake_kie.auto_callback = True
    update = fake_telegram.message_update("/image a red fox in the snow")
    fake_telegram.push_update(update)

    photo = await fake_telegram.wait_for("sendPhoto", timeout=30)
    assert photo.ok
    assert photo.params["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert next(iter(photo.files.values())).data == tiny_png()
    [create] = [r for r in fake_kie.requests if r.path == "/api/v1/jobs/createTask"]
    assert create.json["callBackUrl"].startswith("http://127.0.0.1:")
    assert fake_kie.callbacks_sent and all(c.status == 200 for c in fake_kie.callbacks_sent)

    fake_telegram.push_update(fake_telegram.message_update("/balance"))
    balance = await fake_telegram.wait_for(
        "sendMessage", lambda call: "credits left" in str(call.params.get("text")), timeout=30
    )
    assert str(balance.params["text"]).split()[0] == "3"  # 5 starting credits - 2 for the image

    bot_process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(bot_process.communicate(), timeout=30)
    assert bot_process.returncode == 0, output.decode()
    log = output.decode()
    assert fake_telegram.token.split(":")[1] not in log
    assert fake_kie.api_key not in log
