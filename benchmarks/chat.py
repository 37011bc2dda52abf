"""`make bench`: the web chat API against Rasa's own REST channel, same messages.

Starts Rasa, the action server and the service desk on free loopback ports, then:
1. single conversation, sequential turns through the gateway: p50 / p95 turn latency;
2. 20 concurrent conversations through the gateway, and the same through Rasa's REST
   channel (each conversation opened with the greeting the gateway sends Rasa, so both
   sides give Rasa the same work): throughput (turns per second);
3. resident memory of every process;
4. a staff reply from the console to the resident's WebSocket (benchmarks/staff_reply.py).
Request loops are bounded in count and time. The last line is machine-readable.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Awaitable, Callable, Dict, List

import httpx

from benchmarks import staff_reply
from servicedesk.gateway import GREETING_PAYLOAD
from tests.support.stack import ROOT, RasaStack, free_port, process_env, stop, wait_until

CONCURRENCY = 20
TURNS_PER_CONVERSATION = 15
# Gateway and Rasa are measured in alternation this many times; medians are reported,
# since one short run on a shared 2-core machine varies by +-15 %.
ROUNDS = 3
SINGLE_TURNS = 60
MESSAGES = [
    "miten haen lapselle päiväkotipaikkaa", "hur förnyar jag mina lån på biblioteket",
    "I need to cancel my dentist appointment", "kuka vastaa chatbotista",
    "var finns simhallen", "when is the Kompassi service point open", "kiitos",
    "tack så mycket", "what does the digital programme do in 2022", "moi",
]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    for candidate in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> List[int]:
    found = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().split()
        except OSError:
            continue
        if int(fields[3]) == pid:
            child = int(fields[0])
            found += [child, *children(child)]
    return found


async def gateway_conversation(http: httpx.AsyncClient, base: str, turns: int,
                               latencies: List[float]) -> None:
    created = await http.post(f"{base}/api/webchat/conversations", json={"language": "fi"})
    conversation = created.json()["conversation_id"]
    for i in range(turns):
        started = time.perf_counter()
        response = await http.post(f"{base}/api/webchat/conversations/{conversation}/messages",
                                   json={"text": MESSAGES[i % len(MESSAGES)]})
        response.raise_for_status()
        latencies.append(time.perf_counter() - started)


async def rasa_conversation(http: httpx.AsyncClient, base: str, turns: int, sender: str) -> None:
    # What Rasa gets from the gateway: the greeting that opens a conversation, then the turns.
    greeting = await http.post(f"{base}/webhooks/rest/webhook",
                               json={"sender": sender, "message": GREETING_PAYLOAD,
                                     "metadata": {"language": "fi"}})
    greeting.raise_for_status()
    for i in range(turns):
        response = await http.post(f"{base}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": MESSAGES[i % len(MESSAGES)],
                                          "metadata": {"language": "fi"}})
        response.raise_for_status()


async def throughput(run: Callable[[int], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(run(n) for n in range(CONCURRENCY)))
    return CONCURRENCY * TURNS_PER_CONVERSATION / (time.perf_counter() - started)


async def measure(gateway: str, rasa: str, pids: Dict[str, int]) -> dict:
    limits = httpx.Limits(max_connections=CONCURRENCY * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        single: List[float] = []
        await gateway_conversation(http, gateway, 5, [])  # warm-up
        await gateway_conversation(http, gateway, SINGLE_TURNS, single)
        gateway_runs: List[float] = []
        rasa_runs: List[float] = []
        cpu_used = {name: 0.0 for name in pids}
        for _ in range(ROUNDS):
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            gateway_runs.append(await throughput(lambda n: gateway_conversation(
                http, gateway, TURNS_PER_CONVERSATION, [])))
            for name, pid in pids.items():
                cpu_used[name] += cpu_seconds(pid) - before[name]
            rasa_runs.append(await throughput(lambda n: rasa_conversation(
                http, rasa, TURNS_PER_CONVERSATION, f"bench-{n}-{time.time()}")))
        turns = ROUNDS * CONCURRENCY * TURNS_PER_CONVERSATION
        cpu_ms = {name: used * 1000 / turns for name, used in cpu_used.items()}
        gateway_rps, rasa_rps = statistics.median(gateway_runs), statistics.median(rasa_runs)
    ordered = sorted(single)
    return {"gateway_rps": gateway_rps, "rasa_rps": rasa_rps,
            "p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000, "cpu_ms": cpu_ms}


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="porvoo-bench-"))
    stack = RasaStack(workdir).start()
    port = free_port()
    env = {**process_env(), "ENVIRONMENT": "development", "RASA_URL": stack.rasa_url,
           "RASA_AUTH_TOKEN": stack.auth_token,
           "ACTION_SERVER_URL": stack.action_url, "RASA_TRACKER_DB_URL": "",
           "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "MESSAGES_PER_MINUTE_PER_CONVERSATION": "100000",
           "MESSAGES_PER_MINUTE_PER_ADDRESS": "100000",
           "CONVERSATIONS_PER_MINUTE_PER_ADDRESS": "100000"}
    desk = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "servicedesk.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(f"{base}/health", desk)
        pids = {name: p.pid for name, p in
                (("rasa", stack.rasa), ("actions", stack.actions), ("servicedesk", desk))
                if p is not None}
        figures = asyncio.run(measure(base, stack.rasa_url, pids))
        staff_replies = asyncio.run(staff_reply.reply_latencies(base, env))
        memory = {name: rss_mb(p.pid) for name, p in
                  (("rasa", stack.rasa), ("actions", stack.actions), ("servicedesk", desk))
                  if p is not None}
    finally:
        stop(desk)
        stack.stop()
    print(f"single conversation: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms "
          f"({SINGLE_TURNS} turns)")
    print(f"{CONCURRENCY} concurrent conversations x {TURNS_PER_CONVERSATION} turns, median of "
          f"{ROUNDS}: gateway "
          f"{figures['gateway_rps']:.1f} turns/s, Rasa REST {figures['rasa_rps']:.1f} turns/s")
    print("CPU per gateway turn: " + ", ".join(
        f"{k} {v:.1f} ms" for k, v in figures["cpu_ms"].items()))
    print("resident memory: " + ", ".join(f"{k} {v:.0f} MB" for k, v in memory.items()))
    print(staff_reply.describe(staff_replies))
    ratio = figures["gateway_rps"] / figures["rasa_rps"]
    print(f"bench: gateway_rps={figures['gateway_rps']:.1f} rasa_rps={figures['rasa_rps']:.1f} "
          f"ratio={ratio:.2f} p50_ms={figures['p50_ms']:.1f} p95_ms={figures['p95_ms']:.1f} "
          f"rss_mb={sum(memory.values()):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
