"""LangChain integration: Charter's checks around chat models, runnables and tools.

    from charter.langchain import guard_chat_model, guard_runnable, guard_tool

    safe_model = guard_chat_model(ChatOpenAI(model="gpt-4o"), charter=ch, provider="openai")
    chain = prompt | safe_model | StrOutputParser()
    safe_refund = guard_tool(issue_refund, charter=ch)

Enforcement happens before the wrapped call, in `invoke`, `ainvoke`, `stream`, `astream`,
`batch` and `abatch` (not only in callbacks): a denied prompt never reaches the model, PII is
redacted before it and restored after, and a tool call the policy refuses never runs. The
decisions are the plain `@charter.guard`'s: the wrappers run the same pipeline.

Needs the `langchain` extra: `pip install "charter[langchain]"`.
"""

from __future__ import annotations

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

__all__ = [
    "GuardedChatModel",
    "GuardedRunnable",
    "GuardedTool",
    "guard_chat_model",
    "guard_runnable",
    "guard_tool",
]
