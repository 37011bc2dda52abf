"""How long a staff reply takes from the console to the resident's widget.

Against a running service desk: an admin is created with the command-line tool, logs in
through the console's form, claims a resident's handoff and answers it; each reply is
timed from the console's POST until the resident's WebSocket delivers it.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from typing import Dict, List

import httpx
from websockets.client import connect as websocket_connect

from tests.support.stack import ROOT

PASSWORD = "bench password for the console"
REPLIES = 30


def create_admin(env: Dict[str, str], username: str) -> None:
    subprocess.run([sys.executable, "-m", "servicedesk.console", "create-admin",
                    "--username", username, "--password-stdin"], input=f"{PASSWORD}\n",
                   text=True, cwd=ROOT, env=env, check=True, capture_output=True)


def console_session(http: httpx.Client, username: str) -> Dict[str, str]:
    """Log in; the headers that carry the session (its cookie is Secure, so sent by hand)."""
    page = http.get("/console/login").text
    form_token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert form_token
    response = http.post("/console/login", data={
        "username": username, "password": PASSWORD, "form_token": form_token.group(1)})
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"].split(";", 1)[0]
    queue = http.get("/console/queue", headers={"cookie": cookie}).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', queue)
    assert csrf
    return {"cookie": cookie, "x-csrf-token": csrf.group(1)}


def waiting_item(http: httpx.Client, headers: Dict[str, str], conversation_id: str) -> int:
    items = http.get("/console/api/queue", headers=headers).json()["items"]
    return int(next(i["id"] for i in items if i["conversation_id"] == conversation_id))


async def reply_latencies(base: str, env: Dict[str, str]) -> List[float]:
    create_admin(env, "bench-admin")
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as http:
        headers = console_session(http, "bench-admin")
        conversation = http.post("/api/webchat/conversations", json={"language": "fi"}).json()
        conversation_id = conversation["conversation_id"]
        http.post(f"/api/webchat/conversations/{conversation_id}/messages",
                  json={"text": "haluan puhua ihmisen kanssa"}).raise_for_status()
        item = waiting_item(http, headers, conversation_id)
        http.post(f"/console/api/items/{item}/claim", headers=headers).raise_for_status()
        socket_url = base.replace("http", "ws", 1)
        latencies = []
        async with websocket_connect(
                f"{socket_url}/api/webchat/conversations/{conversation_id}/ws") as widget:
            for number in range(REPLIES):
                text = f"Vastaus numero {number}"
                started = time.perf_counter()
                http.post(f"/console/api/items/{item}/messages", headers=headers,
                          json={"text": text}).raise_for_status()
                while True:
                    event = json.loads(await widget.recv())
                    if event.get("type") == "message" and event["message"]["text"] == text:
                        break
                latencies.append(time.perf_counter() - started)
    return latencies


def describe(latencies: List[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"staff reply to the resident's widget: p50 {statistics.median(ordered) * 1000:.1f}"
            f" ms, p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms "
            f"({len(ordered)} replies)")
