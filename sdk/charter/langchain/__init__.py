"""LangChain integration: Charter's checks around chat models, runnables and tools.

    from charter.langchain import guard_chat_model, guard_runnable, guard_tool

    safe_model = guard_chat_model(ChatOpenAI(model="gpt-4o"), charter=ch, provider="openai")
    chain = prompt | safe_model | StrOutputParser()
    safe_refund = guard_tool(issue_refund, charter=ch)

    agent = create_agent(model, tools, middleware=[CharterMiddleware(charter=ch)],
                         checkpointer=InMemorySaver())   # held tool calls pause and resume

Enforcement happens before the wrapped call, in `invoke`, `ainvoke`, `stream`, `astream`,
`batch` and `abatch` (not only in callbacks): a denied prompt never reaches the model, PII is
redacted before it and restored after, and a tool call the policy refuses never runs. The
decisions are the plain `@charter.guard`'s: the wrappers run the same pipeline.

Needs the `langchain` extra: `pip install "charter[langchain]"` (`CharterMiddleware` also
needs LangChain v1's `langchain` package, which the extra installs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from charter.errors import IntegrationError

try:
    import langchain_core  # noqa: F401
except ImportError as exc:
    raise IntegrationError(
        "charter.langchain needs LangChain, which is not installed; "
        'install the extra: pip install "charter[langchain]"'
    ) from exc

from charter.langchain.chat import GuardedChatModel, guard_chat_model
from charter.langchain.runnable import GuardedRunnable, guard_runnable
from charter.langchain.tools import GuardedTool, guard_tool

if TYPE_CHECKING:
    from charter.langchain.agent import CharterMiddleware

__all__ = [
    "CharterMiddleware",
    "GuardedChatModel",
    "GuardedRunnable",
    "GuardedTool",
    "guard_chat_model",
    "guard_runnable",
    "guard_tool",
]


def __getattr__(name: str) -> Any:
    """`CharterMiddleware` loads on first use: it needs `langchain` (v1) and LangGraph,
    which a plain LangChain-core application may not have."""
    if name == "CharterMiddleware":
        try:
            from charter.langchain.agent import CharterMiddleware
        except ImportError as exc:
            raise IntegrationError(
                "CharterMiddleware needs LangChain v1 agents (the `langchain` package); "
                'install the extra: pip install "charter[langchain]"'
            ) from exc
        return CharterMiddleware
    raise AttributeError(f"module 'charter.langchain' has no attribute {name!r}")
