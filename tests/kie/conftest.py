"""Fixtures for the Kie client tests: a loopback FakeKie, a client pointed at it, and a
callback receiver that records what the fake POSTs."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from multidict import CIMultiDict

from kie import KieClient
from tests.fakes.kie import FakeKie

# Built once: loading the CA bundle costs ~20 ms per client, and loopback is plain HTTP anyway.
_SSL_CONTEXT = ssl.create_default_context()


def loopback_transport() -> httpx.AsyncHTTPTransport:
    """A transport that ignores proxy settings from the environment (loopback only)."""
    return httpx.AsyncHTTPTransport(verify=_SSL_CONTEXT)


@pytest.fixture
async def fake_kie() -> AsyncIterator[FakeKie]:
    fake = FakeKie()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def kie_client(fake_kie: FakeKie) -> AsyncIterator[KieClient]:
    # An explicit transport also keeps environment proxies away from loopback traffic.
    async with KieClient(
        fake_kie.api_key,
        base_url=fake_kie.base_url,
        upload_url=fake_kie.base_url,
        timeout=5.0,
        transport=loopback_transport(),
    ) as client:
        yield client


@dataclass
class ReceivedCallback:
    body: Any
    headers: CIMultiDict[str]


@dataclass
class CallbackSink:
    """A tiny webhook receiver; answers like the docs ask (HTTP 200, code 200)."""

    url: str = ""
    received: list[ReceivedCallback] = field(default_factory=list)
    status: int = 200


@pytest.fixture
async def callback_sink() -> AsyncIterator[CallbackSink]:
    sink = CallbackSink()

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        sink.received.append(ReceivedCallback(json.loads(raw), CIMultiDict(request.headers)))
        return web.json_response({"code": 200, "msg": "success"}, status=sink.status)

    app = web.Application()
    app.router.add_post("/kie/callback", receive)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sink.url = f"http://127.0.0.1:{runner.addresses[0][1]}/kie/callback"
    try:
        yield sink
    finally:
        await runner.cleanup()
