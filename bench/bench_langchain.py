"""What the LangChain wrappers add on top of the plain guard.

Floor, measured in the same run: the plain `@charter.guard` (or `@charter.guard.tool`)
around a function that calls the same LangChain fake model (or tool) directly, on the same
Charter (shipped policies, pattern PII, audit on, telemetry off). The subject is the
`charter.langchain` wrapper making the same call, so the ratio is the wrappers' own cost:
the outer LangChain run, reading and rebuilding messages, the JSON record kept for resume,
and chunk handling when streaming. Target: at most 1.5 times the plain guard.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.tools import tool

from bench._timing import compare_us, row
from charter.config import DEFAULT_POLICIES, Settings
from charter.guard import Charter
from charter.langchain import guard_chat_model, guard_tool

PROMPT = "Hello, what are your branch opening hours on Saturday? Mail me at a.b@example.com"
ANSWER = "We are open 09:00-13:00 on Saturdays. I sent the details to <EMAIL_ADDRESS_1>."
LONG_ANSWER = ("Our branches open at nine and close at one on Saturdays. " * 36)[:2000]


def _charter(tmp: Path) -> Charter:
    return Charter(
        Settings.build(
            {
                "policies": str(DEFAULT_POLICIES),
                "store_url": f"sqlite:///{tmp / 'bench.db'}",
                "pii_mode": "pattern",
                "telemetry": False,
                "audit": True,
            }
        )
    )


def _fake(answer: str) -> FakeListChatModel:
    return FakeListChatModel(responses=[answer])


def run() -> list[dict[str, object]]:
    tmp = Path(tempfile.mkdtemp(prefix="charter-bench-langchain-"))
    charter = _charter(tmp)
    rows: list[dict[str, object]] = []
    target = "≤ 1.5× plain guard"

    # --- chat model invoke ----------------------------------------------------------------
    inner = _fake(ANSWER)
    wrapped = guard_chat_model(inner, charter=charter, provider="openai", model_name="fake")

    @charter.guard(model="fake", provider="openai")
    def plain(prompt: str) -> Any:
        return inner.invoke(prompt)

    assert wrapped.invoke(PROMPT).content == plain(PROMPT).content  # same work, same answer
    subject, floor = compare_us(lambda: wrapped.invoke(PROMPT), lambda: plain(PROMPT), n=150)
    rows.append(row("chat model invoke (guarded)", subject, "µs/call", floor=floor, target=target))

    # --- chat model stream, 2,000 characters ------------------------------------------------
    streamer = _fake(LONG_ANSWER)
    wrapped_stream = guard_chat_model(streamer, charter=charter, provider="openai")

    @charter.guard(model="fake", provider="openai")
    def plain_stream(prompt: str) -> Any:
        for chunk in streamer.stream(prompt):
            yield chunk.content

    def subject_stream() -> str:
        return "".join(str(c.content) for c in wrapped_stream.stream("hello"))

    def floor_stream() -> str:
        return "".join(plain_stream("hello"))

    assert subject_stream() == floor_stream() == LONG_ANSWER
    subject, floor = compare_us(subject_stream, floor_stream, n=5, rounds=5)
    rows.append(
        row("chat model stream, 2,000 chars", subject, "µs/stream", floor=floor, target=target)
    )

    # --- tool invoke ---------------------------------------------------------------------------
    @tool
    def issue_refund(order_id: str, amount: float) -> str:
        """Refund an order."""
        return f"refunded {amount}"

    wrapped_tool = guard_tool(issue_refund, charter=charter)

    @charter.guard.tool(name="issue_refund")
    def plain_tool(order_id: str, amount: float) -> Any:
        return issue_refund.invoke({"order_id": order_id, "amount": amount})

    arguments = {"order_id": "A-1", "amount": 20.0}
    assert wrapped_tool.invoke(arguments) == plain_tool(**arguments) == "refunded 20.0"
    subject, floor = compare_us(
        lambda: wrapped_tool.invoke(arguments), lambda: plain_tool(**arguments), n=150
    )
    rows.append(row("tool invoke (guarded)", subject, "µs/call", floor=floor, target=target))

    charter.close()
    return rows
