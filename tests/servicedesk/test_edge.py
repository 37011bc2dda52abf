"""The edge: client addresses behind proxies, body sizes, security headers, docs, sockets."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from servicedesk.app import create_app
from servicedesk.core.edge import forwarded_client, parse_networks
from servicedesk.core.settings import Settings
from servicedesk.webchat.api import MAX_SOCKETS_PER_CONVERSATION
from tests.servicedesk.conftest import make_settings, start

PROXY = parse_networks(["10.0.0.5", "192.168.10.0/24"])


@pytest.mark.parametrize(("peer", "header", "expected"), [
    ("203.0.113.9", "1.2.3.4", "203.0.113.9"),           # no proxy: the header is a lie
    ("127.0.0.1", "1.2.3.4", "127.0.0.1"),               # loopback is no proxy either
    ("10.0.0.5", "198.51.100.7", "198.51.100.7"),        # through the proxy
    ("10.0.0.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a spoofed first hop is skipped
    ("10.0.0.5", "198.51.100.7, 192.168.10.3", "198.51.100.7"),  # two proxies
    ("10.0.0.5", "not-an-address", "10.0.0.5"),
])
def test_the_client_address_trusts_only_configured_proxies(peer: str, header: str,
                                                           expected: str) -> None:
    assert forwarded_client(peer, header, PROXY) == expected


def app_client(settings: Settings, peer: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings), client=(peer, 4321))
    return httpx.AsyncClient(transport=transport, base_url="https://testserver")


def limited_settings(database_url: str, rasa_stack: Any, **overrides: Any) -> Settings:
    return make_settings(database_url, rasa_stack, conversations_per_minute_per_address=2,
                         **overrides)


async def created(settings: Settings, peer: str, spoofs: list[str]) -> list[int]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 4321))
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as client:
            return [(await client.post("/api/webchat/conversations", json={"language": "fi"},
                                       headers={"X-Forwarded-For": spoof})).status_code
                    for spoof in spoofs]


def test_a_spoofed_forwarded_for_buys_no_new_conversations(database_url: str,
                                                           rasa_stack: Any) -> None:
    settings = limited_settings(database_url, rasa_stack)
    codes = asyncio.run(created(settings, "203.0.113.9", ["1.1.1.1", "2.2.2.2", "3.3.3.3"]))
    assert codes == [201, 201, 429]


def test_behind_the_proxy_each_resident_has_their_own_limit(database_url: str,
                                                            rasa_stack: Any) -> None:
    settings = limited_settings(database_url, rasa_stack, trusted_proxies="10.0.0.5")
    codes = asyncio.run(created(settings, "10.0.0.5", ["1.1.1.1", "1.1.1.1", "1.1.1.1",
                                                       "2.2.2.2"]))
    assert codes == [201, 201, 429, 201]


def test_bodies_over_the_limit_are_413_before_they_are_read(client: TestClient) -> None:
    conversation = start(client, "fi")["conversation_id"]
    url = f"/api/webchat/conversations/{conversation}/messages"
    big = b'{"text": "' + b"a" * (300 * 1024) + b'"}'
    response = client.post(url, content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413

    def chunks() -> Any:  # no Content-Length: counted as it arrives
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 10_000
        yield b'"}'

    chunked = client.post(url, content=chunks(), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413
    assert client.post("/contact", content=b"x" * (300 * 1024)).status_code == 413


def test_security_headers(client: TestClient) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1]\
        .split(";")[0]
    assert "frame-ancestors 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["strict-transport-security"].startswith("max-age=")
    console = client.get("/console/login")
    assert "frame-ancestors 'none'" in console.headers["content-security-policy"]
    assert console.headers["x-frame-options"] == "DENY"


def test_the_widget_may_be_framed_by_the_citys_own_origins(database_url: str,
                                                           rasa_stack: Any) -> None:
    settings = make_settings(database_url, rasa_stack,
                             widget_frame_origins="https://www.porvoo.fi https://www.borga.fi")
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        csp = client.get("/").headers["content-security-policy"]
    assert "frame-ancestors 'self' https://www.porvoo.fi https://www.borga.fi" in csp


def test_api_docs_only_outside_production(database_url: str, rasa_stack: Any) -> None:
    production = make_settings(database_url, rasa_stack).copy(
        update={"environment": "production"})
    with TestClient(create_app(production), base_url="https://testserver") as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 404
    with TestClient(create_app(make_settings(database_url, rasa_stack)),
                    base_url="https://testserver") as client:
        assert client.get("/openapi.json").status_code == 200


def test_one_conversation_holds_a_few_sockets_at_most(client: TestClient) -> None:
    conversation = start(client, "fi")["conversation_id"]
    url = f"/api/webchat/conversations/{conversation}/ws"
    sockets = [client.websocket_connect(url) for _ in range(MAX_SOCKETS_PER_CONVERSATION)]
    for socket in sockets:
        socket.__enter__()
    try:
        with pytest.raises(WebSocketDisconnect) as refused, \
                client.websocket_connect(url) as extra:
            extra.receive_json()
        assert refused.value.code == 4429
    finally:
        for socket in sockets:
            socket.__exit__(None, None, None)
    with client.websocket_connect(url):
        pass  # room again once they closed


def test_development_defaults_are_refused_beyond_loopback() -> None:
    env = {**os.environ, "HOST": "0.0.0.0", "ENVIRONMENT": "development"}
    done = subprocess.run([sys.executable, "-m", "servicedesk.run"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "ENVIRONMENT=production" in done.stderr
