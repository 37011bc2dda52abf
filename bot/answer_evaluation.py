"""Answer-level evaluation: factual questions asked through the running stack.

Each question in tests/answers/*.yml (`language`, `text`, `expect`) is asked in a new web
chat conversation over HTTP, as a resident would; the answer is right when the bot's
replies to it contain `expect` (case-insensitive). Prints right/total per set and language
and the median reply length. With no service desk at --url, it starts the whole stack
(`python -m servicedesk.run`) on a free port with a throw-away SQLite database.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import httpx
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"programme_right": 0.95, "median_reply_chars": 400}
START_TIMEOUT_SECONDS = 300
MAX_RETRIES_ON_429 = 20


@dataclass
class Question:
    set_name: str
    language: str
    text: str
    expect: str


@dataclass
class Outcome:
    question: Question
    reply: str

    @property
    def right(self) -> bool:
        return self.question.expect.lower() in self.reply.lower()


def load_questions(directory: Path) -> List[Question]:
    questions = []
    for path in sorted(directory.glob("*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            questions.append(Question(path.stem, entry["language"], entry["text"],
                                      str(entry["expect"])))
    return questions


class WebChat:
    """A resident of the web chat, over the public HTTP API."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30.0)

    def ask(self, question: Question) -> str:
        started = self._post("/api/webchat/conversations", {"language": question.language})
        conversation = started["conversation_id"]
        turn = self._post(f"/api/webchat/conversations/{conversation}/messages",
                          {"text": question.text})
        return "\n".join(m["text"] for m in turn["messages"]
                         if m["sender"] in ("bot", "system") and m.get("text"))

    def _post(self, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
        for _ in range(MAX_RETRIES_ON_429):
            response = self.client.post(path, json=body)
            if response.status_code != 429:
                response.raise_for_status()
                result: Dict[str, Any] = response.json()
                return result
            time.sleep(float(response.headers.get("Retry-After") or 5))
        raise RuntimeError(f"{path}: still rate-limited")


def report(outcomes: List[Outcome]) -> Dict[str, Any]:
    groups: Dict[str, List[bool]] = defaultdict(list)
    for o in outcomes:
        groups[f"{o.question.set_name}/{o.question.language}"].append(o.right)
        groups[o.question.set_name].append(o.right)
    lengths = [len(o.reply) for o in outcomes]
    return {
        "right": {name: f"{sum(hits)}/{len(hits)}" for name, hits in sorted(groups.items())},
        "share_right": {name: round(sum(hits) / len(hits), 3)
                        for name, hits in sorted(groups.items())},
        "median_reply_chars": statistics.median(lengths) if lengths else 0,
        "wrong": [{"set": o.question.set_name, "language": o.question.language,
                   "text": o.question.text, "expect": o.question.expect,
                   "reply": o.reply} for o in outcomes if not o.right],
    }


def render(result: Dict[str, Any]) -> str:
    lines = ["answer-level evaluation (right/total):"]
    lines += [f"  {name:28} {value:>7}  ({result['share_right'][name]:.3f})"
              for name, value in result["right"].items()]
    lines.append(f"median reply length: {result['median_reply_chars']} characters "
                 f"(target <= {TARGETS['median_reply_chars']})")
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=3.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def _stack(url: Optional[str]) -> Iterator[str]:
    """The service desk at `url` when it answers, else one started for this run."""
    if url and _reachable(url):
        yield url
        return
    with _own_stack() as own:
        yield own


@contextmanager
def _own_stack() -> Iterator[str]:
    """Starts the whole system on a free port with its own database; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="porvoo-answers-") as workdir:
        port = _free_port()
        env = {**os.environ, "PORT": str(port), "ENVIRONMENT": "development",
               "DATABASE_URL": f"sqlite:///{workdir}/answers.db",
               "CONVERSATIONS_PER_MINUTE_PER_ADDRESS": "100000",
               "MESSAGES_PER_MINUTE_PER_ADDRESS": "100000",
               "EMAIL_ENABLED": "false", "EMAIL_INBOUND_PORT": str(_free_port())}
        process = subprocess.Popen([sys.executable, "-m", "servicedesk.run"], cwd=PROJECT_ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while not _reachable(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the stack did not start (try `make run` to see why)")
                time.sleep(2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=60)


def run_answer_evaluation(*, url: Optional[str], questions_dir: Path, out: Path) -> int:
    questions = load_questions(questions_dir)
    with _stack(url) as base_url:
        chat = WebChat(base_url)
        outcomes = [Outcome(q, chat.ask(q)) for q in questions]
    result = report(outcomes)
    out.mkdir(parents=True, exist_ok=True)
    (out / "answers.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(render(result))
    return 0
