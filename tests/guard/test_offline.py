"""No outbound network: import, configure and guard sync/async/stream with an audit hook
recording every socket connect. The only destination allowed is one the user configured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, sys
attempts = []
def hook(event, args):
    if event == "socket.connect":
        attempts.append(repr(args[1]))
sys.addaudithook(hook)

import asyncio
import charter
from charter.config import DEFAULT_POLICIES

ch = charter.configure(policies=str(DEFAULT_POLICIES), store_url=sys.argv[1], pii_mode="spacy",
                       telemetry=True, audit=True)

@charter.guard(model="gpt-4o-mini", provider="openai")
def ask(prompt):
    return "ok " + prompt

@charter.guard(model="gpt-4o-mini", provider="openai")
async def aask(prompt):
    return "ok " + prompt

@charter.guard(model="gpt-4o-mini", provider="openai")
def stream(prompt):
    yield from ["a" * 50, " b" * 60]

ask("Hi, I am John Smith, mail john@example.com")
asyncio.run(aask("card 4111 1111 1111 1111"))
"".join(stream("hello"))
try:
    ask("Which stock should I buy?")
except charter.PolicyViolation:
    pass
ch.close()
print(json.dumps(attempts))
"""


def test_the_pipeline_makes_no_network_attempt(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'c.db'}"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OTEL_SDK_DISABLED": ""},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
