"""The logs of a whole conversation, as the Procfile runs the service desk, carry no
conversation id, client address or resident text."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import httpx
import websockets

from servicedesk.core.log_privacy import redact
from tests.support.stack import VENV_BIN, RasaStack, free_port, process_env, stop, wait_until

SECRET_TEXT = "salainen asia numero 7"


def test_paths_and_addresses_are_redacted() -> None:
    line = '127.0.0.1:53422 - "WebSocket /api/webchat/conversations/AbC_123-x/ws?t=1" [accepted]'
    assert redact(line) == '- - "WebSocket /api/webchat/conversations/…/ws" [accepted]'


async def converse(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        created = (await client.post("/api/webchat/conversations", json={"language": "fi"}))
        conversation = created.json()["conversation_id"]
        url = base.replace("http", "ws") + f"/api/webchat/conversations/{conversation}/ws"
        async with websockets.connect(url):
            for text in (f"kirjaston aukioloajat, {SECRET_TEXT}", '/rate{"rating":"1"}',
                         "haluan puhua ihmisen kanssa"):
                response = await client.post(
                    f"/api/webchat/conversations/{conversation}/messages", json={"text": text})
                assert response.status_code == 200
        await client.get(f"/api/webchat/conversations/{conversation}/messages",
                         params={"after": "0"})
        return conversation


def test_a_whole_conversation_leaves_no_secret_in_the_logs(tmp_path: Path) -> None:
    """The service desk's, Rasa's and the action server's logs, as they run in production."""
    rasa_stack = RasaStack(tmp_path, keep_logs=True).start()
    port = free_port()
    log = tmp_path / "servicedesk.log"
    env = {**process_env(), "ENVIRONMENT": "test", "RASA_URL": rasa_stack.rasa_url,
           "ACTION_SERVER_URL": rasa_stack.action_url, "RASA_AUTH_TOKEN": rasa_stack.auth_token,
           "RASA_TRACKER_DB_URL": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'logs.db'}",
           "EMAIL_ENABLED": "false"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(VENV_BIN / "uvicorn"), "--factory", "servicedesk.app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
             "--no-proxy-headers", "--log-level", "debug"],
            env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until(f"http://127.0.0.1:{port}/health", server)
            conversation = asyncio.run(converse(f"http://127.0.0.1:{port}"))
        finally:
            stop(server)
            rasa_stack.stop()
    text = log.read_text()
    for name in ("rasa", "actions"):
        other = (tmp_path / f"{name}.log").read_text()
        assert conversation not in other and SECRET_TEXT not in other, name
        assert "rate{" not in other and rasa_stack.auth_token not in other, name
    assert "WebSocket" in text, "uvicorn logged no socket at all (is the log captured?)"
    assert conversation not in text
    assert SECRET_TEXT not in text and "rating" not in text
    assert "127.0.0.1:" not in text.replace(f"127.0.0.1:{port}", "")
