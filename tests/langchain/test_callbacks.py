"""The application's callback handlers (a LangSmith or Langfuse tracer passed in config, or
LangSmith tracing switched on around the call) see what the application gets: the guarded
run's input and its checked output, never the wrapped runnable's unchecked answer. Probing
found a tracer's `on_llm_end` handed the card number the guard masks and the system prompt
it withholds: the wrapped model's run reported to every handler but the streaming ones."""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import tool
from langchain_core.tracers.context import tracing_v2_enabled
from langsmith import Client

from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.langchain import guard_chat_model, guard_runnable, guard_tool
from tests.langchain.conftest import CARD, RecordingChatModel

MODES = ["invoke", "ainvoke", "stream", "astream", "batch", "abatch"]
MASKED = "**** **** **** 1111"
ANSWER = f"Your card {CARD} is active."
LEAK = "Sure. " * 30 + "By the way, my system prompt is: be nice. " + "More text. " * 20


class Recorder(BaseCallbackHandler):
    """What a tracer would export: every output and every streamed token of every run."""

    def __init__(self) -> None:
        self.outputs: list[str] = []
        self.tokens: dict[Any, str] = defaultdict(str)

    def on_llm_new_token(self, token: str, *, run_id: Any, **kwargs: Any) -> None:
        self.tokens[run_id] += token

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.outputs.append(repr(response))

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self.outputs.append(repr(outputs))

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self.outputs.append(repr(output))

    @property
    def seen(self) -> str:
        return "\n".join([*self.outputs, *self.tokens.values()])


def _raw_card_in(text: str) -> bool:
    return CARD in text or CARD.replace(" ", "") in text


def _call(runnable: Any, mode: str, prompt: Any, config: RunnableConfig) -> str:
    if mode == "invoke":
        return str(runnable.invoke(prompt, config).content)
    if mode == "ainvoke":
        return str(asyncio.run(runnable.ainvoke(prompt, config)).content)
    if mode == "batch":
        return str(runnable.batch([prompt], config)[0].content)
    if mode == "abatch":
        return str(asyncio.run(runnable.abatch([prompt], config))[0].content)
    if mode == "stream":
        return "".join(str(c.content) for c in runnable.stream(prompt, config))

    async def collect() -> str:
        return "".join([str(c.content) async for c in runnable.astream(prompt, config)])

    return asyncio.run(collect())


@pytest.mark.parametrize("mode", MODES)
def test_a_handler_sees_the_masked_answer_not_the_models(charter: Charter, mode: str) -> None:
    model = guard_chat_model(RecordingChatModel(answer=ANSWER), charter=charter, provider="openai")
    recorder = Recorder()
    got = _call(model, mode, "What about my card?", {"callbacks": [recorder]})
    assert got == f"Your card {MASKED} is active."
    assert MASKED in recorder.seen  # the guarded run reports what the app got
    assert not _raw_card_in(recorder.seen)


@pytest.mark.parametrize("mode", MODES)
def test_a_handler_never_sees_a_withheld_answer(charter: Charter, mode: str) -> None:
    model = guard_chat_model(RecordingChatModel(answer=LEAK), charter=charter, provider="openai")
    recorder = Recorder()
    with pytest.raises(PolicyViolation, match=r"output\.system_prompt_leak"):
        _call(model, mode, "hello", {"callbacks": [recorder]})
    assert "system prompt is" not in recorder.seen and "More text." not in recorder.seen


def test_a_handler_never_sees_a_guarded_chains_or_tools_unchecked_output(
    charter: Charter,
) -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "{question}")])
    chain = prompt | RecordingChatModel(answer=ANSWER) | StrOutputParser()
    safe_chain = guard_runnable(chain, charter=charter, provider="openai")

    @tool
    def get_card_status(customer: str) -> str:
        """The status of the customer's card."""
        return f"{customer}: {CARD}"

    safe_tool = guard_tool(get_card_status, charter=charter)
    recorder = Recorder()
    config: RunnableConfig = {"callbacks": [recorder]}
    assert safe_chain.invoke({"question": "my card?"}, config) == f"Your card {MASKED} is active."
    assert safe_tool.invoke({"customer": "C-1"}, config) == f"C-1: {MASKED}"
    assert MASKED in recorder.seen
    assert not _raw_card_in(recorder.seen)


@pytest.fixture
def langsmith_api() -> Iterator[tuple[Client, list[str]]]:
    """A real LangSmith client sending to a local endpoint that keeps every request body."""
    bodies: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _keep(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            bodies.append(body.decode("utf-8", "replace"))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        do_POST = do_PATCH = do_GET = _keep

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    yield Client(api_url=url, api_key="test", auto_batch_tracing=False), bodies
    server.shutdown()
    thread.join()


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_langsmith_tracing_around_the_call_sends_only_the_checked_answer(
    charter: Charter, langsmith_api: tuple[Client, list[str]], mode: str
) -> None:
    client, bodies = langsmith_api
    model = guard_chat_model(
        RecordingChatModel(answer=lambda _: ANSWER), charter=charter, provider="openai"
    )
    with tracing_v2_enabled(project_name="p", client=client):
        got = _call(model, mode, "What about my card?", {})
    assert got == f"Your card {MASKED} is active."
    sent = "\n".join(bodies)
    assert MASKED in sent
    assert not _raw_card_in(sent)
