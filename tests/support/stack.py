"""Real Rasa and action-server processes on free loopback ports, for the tests."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "porvoo.tar.gz"
START_TIMEOUT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_env() -> dict:
    # SANIC_HOST: the action server listens on loopback only, as in the Procfile.
    return {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "3", "SANIC_HOST": "127.0.0.1"}


def wait_until(url: str, process: subprocess.Popen, ready: str = "") -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200 and ready in response.text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready")


def stop(process: Optional[subprocess.Popen]) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class RasaStack:
    """A Rasa server with its action server, as `make run` starts them."""

    workdir: Path
    rasa_port: int = 0
    action_port: int = 0
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None
    # Rasa's API token, as `make run` gives it (the REST channel needs none).
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    # Where the two servers' output goes: nowhere, or files in workdir (rasa.log,
    # actions.log) for tests that read the logs.
    keep_logs: bool = False

    _logs: list = field(default_factory=list)

    def _output(self, name: str) -> Any:
        if not self.keep_logs:
            return subprocess.DEVNULL
        self._logs.append((self.workdir / f"{name}.log").open("w"))
        return self._logs[-1]

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def start(self) -> RasaStack:
        self.rasa_port, self.action_port = free_port(), free_port()
        self.start_actions()
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "{self.action_url}/webhook"\n')
        self.rasa = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--enable-api", f"--auth-token={self.auth_token}",
             "-i", "127.0.0.1",
             "--port", str(self.rasa_port), "--model", str(MODEL),
             "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(endpoints)],
            cwd=ROOT, env=process_env(), stdout=self._output("rasa"), stderr=subprocess.STDOUT)
        wait_until(f"{self.rasa_url}/status?token={self.auth_token}", self.rasa,
                   ready="model_file")
        return self

    def start_actions(self) -> None:
        self.actions = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--port", str(self.action_port),
             "--actions", "actions"],
            cwd=ROOT, env=process_env(), stdout=self._output("actions"), stderr=subprocess.STDOUT)
        wait_until(f"{self.action_url}/health", self.actions)

    def stop_rasa(self) -> None:
        stop(self.rasa)

    def stop_actions(self) -> None:
        stop(self.actions)

    def stop(self) -> None:
        self.stop_rasa()
        self.stop_actions()
        for log in self._logs:
            log.close()
