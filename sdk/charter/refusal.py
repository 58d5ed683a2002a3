"""Explainable refusals in the shape the caller expects (a chat UI shows the reason)."""

from __future__ import annotations

import re
from typing import Any

from charter.adapters import LangChainMessagesAdapter, OpenAIMessagesAdapter, adapter_for
from charter.decision import Decision
from charter.provider_answers import without_cited_blocks
from charter.reasoning import without_reasoning
from charter.tool_calls import without_tool_calls
from charter.vendor_adapters import without_citations

PREFIX = "I can't help with that"
_REFUSING = re.compile(r"(?i)^i\s+(?:can(?:'|’)?t|cannot|can not|won(?:'|’)?t|am unable)\b")


def support_message(decision: Decision) -> str | None:
    """The supportive message the policy attached (obligation `support`, e.g. for
    self-harm: help resources in the user's language), if any."""
    support = decision.obligations.get("support") if decision.obligations else None
    message = support.get("message") if isinstance(support, dict) else None
    return message if isinstance(message, str) and message.strip() else None


def refusal_text(decision: Decision) -> str:
    """`I can't help with that: <reason> [rule a.b, c.d]`. A policy message that is already
    a refusal ("I can't ...") is used as it is, so the refusal never repeats itself. When the
    policy sent a supportive message (obligation `support`, e.g. self-harm), that message is
    the answer: a person in crisis gets help resources, not a rule id."""
    supportive = support_message(decision)
    if supportive is not None:
        return supportive
    cited = decision.reasons
    messages = [v.message for v in cited if v.message]
    reason = messages[0].strip().rstrip(".") if messages else "it is not allowed by policy"
    rules = ", ".join(v.rule for v in cited) or "charter.policy"
    head = reason if _REFUSING.match(reason) else f"{PREFIX}: {reason}"
    return f"{head} [rule {rules}]"


def refusal_like(
    decision: Decision, *, answer: Any = None, prompt: Any = None, provider: str = ""
) -> Any:
    """The refusal as the function would have returned it: same answer shape when we have
    an answer; otherwise chosen from the prompt's shape and the provider the guard was
    given (`@guard(provider=...)`): a chat prompt to Anthropic gets an Anthropic message,
    to Gemini a Gemini answer, and so on; an OpenAI chat completion by default."""
    text = refusal_text(decision)
    if answer is not None and getattr(answer, "tool_calls", None):
        # A refused message must not carry tool calls an agent would still run.
        return _lc_refusal(text)
    if answer is not None:
        adapter = adapter_for(answer)
        if adapter is not None:
            # OpenAI-shaped: the same, for the same reason; no calls, and no reasoning (it
            # may hold what the answer was refused for)
            answer = without_citations(without_reasoning(without_tool_calls(answer)))
            answer = without_cited_blocks(answer)
            n = len(adapter.texts(answer))
            return adapter.replace(answer, [text] + [""] * (n - 1))
        return text
    if prompt is not None:
        if LangChainMessagesAdapter().matches(prompt):
            return _lc_refusal(text)
        if OpenAIMessagesAdapter().matches(prompt):
            gemini = any(isinstance(m, dict) and "parts" in m for m in prompt)
            return _chat_refusal("gemini" if gemini else provider.lower(), text)
    return text


def _chat_refusal(provider: str, text: str) -> dict[str, Any]:
    """A refusal answer in the shape of `provider`'s chat API (OpenAI's by default)."""
    if "anthropic" in provider:
        content = [{"type": "text", "text": text}]
        return {
            "type": "message",
            "role": "assistant",
            "content": content,
            "stop_reason": "refusal",
        }
    if "bedrock" in provider:
        message = {"role": "assistant", "content": [{"text": text}]}
        return {"output": {"message": message}, "stopReason": "guardrail_intervened"}
    if any(name in provider for name in ("gemini", "vertex", "gcp")):
        candidate = {
            "content": {"role": "model", "parts": [{"text": text}]},
            "finish_reason": "SAFETY",
        }
        return {"candidates": [candidate]}
    if "cohere" in provider:
        message = {"role": "assistant", "content": [{"type": "text", "text": text}]}
        return {"message": message, "finish_reason": "COMPLETE"}
    if "ollama" in provider:
        return {"message": {"role": "assistant", "content": text}, "done": True}
    message = {"role": "assistant", "content": text}
    return {"choices": [{"index": 0, "message": message, "finish_reason": "content_filter"}]}


def _lc_refusal(text: str) -> Any:
    from langchain_core.messages import AIMessage

    return AIMessage(content=text, response_metadata={"finish_reason": "content_filter"})
