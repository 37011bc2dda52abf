"""Rasa's HTTP API wants its token, and both Rasa servers listen on loopback only."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.stack import RasaStack

LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it
LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """The local addresses that listen on TCP `port` (IPv4 and IPv6), from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == LISTEN:
                found.add(address)
    return found


def test_rasa_api_refuses_requests_without_its_token(rasa_stack: RasaStack) -> None:
    base = rasa_stack.rasa_url
    assert httpx.get(f"{base}/status").status_code == 401
    assert httpx.get(f"{base}/conversations/someone/tracker").status_code == 401
    assert httpx.delete(f"{base}/model").status_code == 401
    assert httpx.post(f"{base}/model/parse", json={"text": "hei"}).status_code == 401
    token = {"token": rasa_stack.auth_token}
    assert httpx.get(f"{base}/status", params=token).status_code == 200
    assert httpx.post(f"{base}/model/parse", params=token,
                      json={"text": "hei"}).status_code == 200


def test_rasa_and_the_action_server_listen_on_loopback_only(rasa_stack: RasaStack) -> None:
    for port in (rasa_stack.rasa_port, rasa_stack.action_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= {LOOPBACK_HEX}, (port, addresses)


def test_the_procfile_keeps_both_on_loopback_with_a_token() -> None:
    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    rasa = next(line for line in procfile.splitlines() if line.startswith("rasa:"))
    actions = next(line for line in procfile.splitlines() if line.startswith("actions:"))
    assert "--auth-token=$RASA_AUTH_TOKEN" in rasa and "-i 127.0.0.1" in rasa
    assert actions.startswith("actions: SANIC_HOST=127.0.0.1 ")
