"""`make run`: start Rasa, the action server and the service desk, wait until ready.

The processes run under honcho (Procfile); Ctrl-C stops all of them.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

import httpx

from servicedesk.core.db import migrate
from servicedesk.core.settings import PROJECT_ROOT, get_settings

READY_TIMEOUT_SECONDS = 300


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}

def wait_until_ready(url: str, process: subprocess.Popen) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def main() -> int:
    settings = get_settings()
    host = os.environ.get("HOST", "127.0.0.1")
    if settings.environment == "development" and host not in LOOPBACK_HOSTS:
        print(f"Refusing to serve development defaults on {host}: set ENVIRONMENT=production "
              "(with SECRET_KEY and the rest) to serve beyond this machine.", file=sys.stderr)
        return 2
    # The Procfile's development mail server keeps mail in var/mail (Maildir makes only
    # the last folder), also when the database lives elsewhere.
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    migrate(settings.database_url)
    # Rasa and its action server stay on their standard ports (endpoints.yml).
    # honcho gives each process its own $PORT, so the service desk reads SERVICEDESK_PORT.
    token = settings.rasa_auth_token.get_secret_value() or secrets.token_hex(24)
    env = {**os.environ, "SERVICEDESK_PORT": str(settings.port), "RASA_AUTH_TOKEN": token,
           "HOST": host,
           "RASA_PORT": "5005", "ACTION_PORT": "5055"}
    honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", "Procfile"],
                              cwd=PROJECT_ROOT, env=env)
    # Ctrl-C or a stop request: honcho stops every process of the Procfile.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda number, _frame: honcho.send_signal(number))
    base = f"http://localhost:{settings.port}"
    if wait_until_ready(f"{base}/health", honcho):
        print(f"\n  Ready: {base}  (widget demo; API docs at {base}/docs)\n", flush=True)
    return honcho.wait()


if __name__ == "__main__":
    sys.exit(main())
