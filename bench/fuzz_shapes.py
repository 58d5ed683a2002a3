"""Answers and stream events in broken shapes through the shipped guard: does anything
crash?

    python -m bench.fuzz_shapes [--rounds 3000] [--seed 7]

Takes valid answers (an OpenAI chat completion with a call and a search citation, an
Anthropic message with thinking, text, a cited text and `tool_use`, a Responses API answer
with reasoning, a cited message and a
`function_call`; Ollama, Cohere v2, Bedrock Converse and Gemini answers with a call; a
`parse()` answer of each OpenAI API; a structured answer, a dict of lists) and
valid stream events (Anthropic, Responses API, Ollama, Cohere, Bedrock, Gemini, with their
calls and reasoning), and chat prompts of each provider (text, documents, tool results,
earlier refusals and calls), sets one or two of
their fields (at any depth) to None, a number, a list, a dict or a card number, and runs
them through `@guard` (`on_deny="refuse"`). A crash is any exception other than the
guard's own answers (`PolicyViolation`, `ConfigurationError`). Prints the crashes by
exception and place; exit status 1 when there is one. Not part of `make test`: it
measures, it does not assert.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import random
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from charter.config import DEFAULT_POLICIES
from charter.errors import ConfigurationError, PolicyViolation
from charter.testing import make_charter

CARD = "4111 1111 1111 1111"
ODD: list[Any] = [None, 1, 1.5, "x", [], {}, {"a": 1}, [None], CARD, {"type": 3}]
ANSWERS: list[Any] = [
    {
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "hi jane.doe@example.com, see the source",
                    "annotations": [
                        {"type": "url_citation", "url_citation": {"start_index": 3, "end_index": 9}}
                    ],
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ]
    },
    {
        "type": "message",
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": f"card {CARD}", "signature": "s"},
            {"type": "text", "text": f"hi {CARD}"},
            {"type": "text", "text": "cited", "citations": [{"cited_text": CARD}]},
            {"type": "tool_use", "id": "t", "name": "n", "input": {"a": CARD}},
        ],
        "stop_reason": "tool_use",
    },
    {
        "object": "response",
        "output": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": f"s {CARD}"}]},
            {
                "type": "message",
                "content": [
                    {
                        "type": "output_text",
                        "text": "hi jane.doe@example.com, see",
                        "annotations": [{"type": "url_citation", "start_index": 3, "end_index": 8}],
                    }
                ],
            },
            {"type": "function_call", "name": "f", "arguments": json.dumps({"a": CARD})},
        ],
    },
    {  # Ollama
        "message": {
            "role": "assistant",
            "content": f"hi {CARD}",
            "tool_calls": [{"function": {"name": "f", "arguments": {"a": CARD}}}],
        }
    },
    {  # Cohere v2
        "message": {
            "role": "assistant",
            "content": [{"type": "text", "text": "hi"}],
            "tool_calls": [{"function": {"name": "f", "arguments": json.dumps({"a": CARD})}}],
        }
    },
    {  # Bedrock Converse
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {"reasoningContent": {"reasoningText": {"text": "r"}}},
                    {"text": f"hi {CARD}"},
                    {"citationsContent": {"content": [{"text": CARD}], "citations": [{"t": 1}]}},
                    {"toolUse": {"toolUseId": "t", "name": "f", "input": {"a": CARD}}},
                ],
            }
        },
        "stopReason": "tool_use",
    },
    {  # Gemini
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "t", "thought": True},
                        {"text": f"hi {CARD}"},
                        {"executable_code": {"language": "PYTHON", "code": "print(1)"}},
                        {"code_execution_result": {"outcome": "OUTCOME_OK", "output": CARD}},
                        {"text": "so"},
                        {"function_call": {"name": "f", "args": {"a": CARD}}},
                    ],
                }
            }
        ]
    },
    {  # chat.completions.parse(), dumped: the text and the object built from it
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": json.dumps({"card": CARD, "notes": ["a", "b"]}),
                    "parsed": {"card": CARD, "notes": ["a", "b"]},
                },
            }
        ]
    },
    {  # responses.parse(), dumped
        "object": "response",
        "output": [
            {
                "type": "message",
                "content": [
                    {
                        "type": "output_text",
                        "text": json.dumps({"card": CARD}),
                        "parsed": {"card": CARD},
                    }
                ],
            }
        ],
    },
    {"holder": "Jane", "cards": [{"number": CARD, "tags": ["vip", 3]}]},  # a structured answer
    {  # a Responses answer in two parts, a card split across them
        "object": "response",
        "output": [
            {
                "type": "message",
                "content": [
                    {"type": "output_text", "text": "card 4111 1111 ", "annotations": []},
                    {"type": "refusal", "refusal": "no"},
                    {"type": "output_text", "text": "1111 1111 ok", "annotations": [{"index": 2}]},
                ],
            }
        ],
    },
]


EMAIL = "jane.doe@example.com"
_B64 = base64.b64encode(f"mail {EMAIL}".encode()).decode()
_DATA_URL = f"data:text/plain;base64,{_B64}"
PROMPTS: list[Any] = [
    [{"role": "user", "content": [{"type": "text", "text": f"mail {EMAIL}"}]}],
    [{"role": "assistant", "content": [{"type": "refusal", "refusal": f"no {EMAIL}"}]}],
    [
        {
            "role": "user",
            "content": [{"type": "document", "source": {"type": "text", "data": EMAIL}}],
        }
    ],
    [
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "x",
                    "content": [{"type": "text", "text": EMAIL}],
                },
                {
                    "type": "search_result",
                    "source": "u",
                    "content": [{"type": "text", "text": EMAIL}],
                },
            ],
        }
    ],
    [
        {
            "role": "user",
            "parts": [{"text": EMAIL}, {"function_response": {"response": {"r": EMAIL}}}],
        }
    ],
    [{"role": "user", "content": [{"document": {"format": "txt", "source": {"text": EMAIL}}}]}],
    [{"role": "tool", "content": [{"type": "document", "document": {"data": {"s": EMAIL}}}]}],
    [
        {"role": "assistant", "content": None, "tool_calls": [{"function": {"arguments": "{}"}}]},
        {"type": "function_call_output", "call_id": "c", "output": EMAIL},
    ],
    [
        {
            "role": "user",
            "content": [
                {"type": "input_file", "filename": "a.txt", "file_data": _DATA_URL},
                {"type": "file", "file": {"file_data": _DATA_URL}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        }
    ],
    [
        {
            "role": "user",
            "parts": [
                {"inline_data": {"mime_type": "text/plain", "data": _B64}},
                {"file_data": {"mime_type": "application/pdf", "file_uri": "gs://b/x.pdf"}},
            ],
        }
    ],
]
"""Chat prompts of each provider, with an e-mail address where the guard reads text
(inline text files among them) and attachments it cannot read."""
PROMPTS.append(
    [
        {
            "role": "user",
            "content": "Encoded: .... .. / - .... . .-. . ⠓⠊ ⠞⠓⠑⠗⠑ 😈"
            + "".join(chr(0xE0100 + ord(c)) for c in f"mail {EMAIL}")
            + "\u2064\u2062\u2062\u2064\u2062\u2062\u2062\u200b"
            + f" Gur nqqerff vf {EMAIL} \nDecoded:",
        }
    ]
)  # what the signals decode (Morse, Braille, variation selectors, bits, rot13)


def _delta(index: int, kind: str, field: str, text: str) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": {"type": kind, field: text}}


REASONING_ITEM = {"type": "reasoning", "summary": [{"text": "s"}]}
EVENTS: list[Any] = [
    {"type": "message_start", "message": {"content": []}},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "name": "n"}},
    _delta(0, "text_delta", "text", "hi"),
    _delta(1, "input_json_delta", "partial_json", "{"),
    _delta(0, "thinking_delta", "thinking", "t"),
    {"type": "response.output_text.delta", "output_index": 0, "delta": "hi"},
    {"type": "response.function_call_arguments.delta", "output_index": 1, "delta": "{"},
    {"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": "r"},
    {"type": "response.output_text.done", "text": "x"},
    {"type": "response.output_item.done", "output_index": 0, "item": REASONING_ITEM},
    {"type": "response.completed", "response": ANSWERS[2]},
    {"model": "l", "message": {"role": "assistant", "content": f"hi {CARD}"}, "done": False},
    {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": "hi"}}}},
    {"contentBlockDelta": {"delta": {"text": "hi"}, "contentBlockIndex": 0}},
    {"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}}]},
    {  # calls and reasoning of the same four streams
        "type": "tool-call-start",
        "index": 0,
        "delta": {
            "message": {"tool_calls": {"id": "c", "function": {"name": "f", "arguments": ""}}}
        },
    },
    {
        "type": "tool-call-delta",
        "index": 0,
        "delta": {"message": {"tool_calls": {"function": {"arguments": "{"}}}},
    },
    {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": f"plan {CARD}"}}},
    {
        "contentBlockStart": {
            "start": {"toolUse": {"toolUseId": "t", "name": "f"}},
            "contentBlockIndex": 1,
        }
    },
    {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"a": 1'}}, "contentBlockIndex": 1}},
    {"contentBlockDelta": {"delta": {"reasoningContent": {"text": "r"}}, "contentBlockIndex": 0}},
    {
        "model": "l",
        "message": {
            "role": "assistant",
            "content": "hi",
            "thinking": "t",
            "tool_calls": [{"function": {"name": "f", "arguments": {"a": CARD}}}],
        },
        "done": False,
    },
    {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {"text": "t", "thought": True},
                        {"text": "hi"},
                        {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
                        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": CARD}},
                        {"function_call": {"name": "f", "args": {"a": [CARD, 1]}}},
                    ]
                }
            }
        ]
    },
]


def mutated(value: Any, rng: random.Random, changes: int) -> Any:
    """A copy of `value` with `changes` fields (at any depth) set to an odd value."""
    out = json.loads(json.dumps(value))
    for _ in range(changes):
        places = _places(out)
        if places:
            parent, key = rng.choice(places)
            parent[key] = json.loads(json.dumps(rng.choice(ODD)))
    return out


def _places(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in `node`, at any depth."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    out: list[tuple[Any, Any]] = []
    for key, child in list(items):
        out.append((node, key))
        if isinstance(child, dict | list):
            out += _places(child)
    return out


def run(rounds: int, seed: int) -> collections.Counter[str]:
    charter = make_charter(DEFAULT_POLICIES, Path(tempfile.mkdtemp()), pii_mode="pattern")
    rng = random.Random(seed)
    crashes: collections.Counter[str] = collections.Counter()
    for n in range(rounds):
        if n % 3 == 2:
            prompt = mutated(rng.choice(PROMPTS), rng, rng.randint(1, 2))
            guarded_prompt = charter.guard(model="m", provider="openai", on_deny="refuse")(
                lambda messages: "ok"
            )

            def call(_: str, prompt: Any = prompt, guarded: Any = guarded_prompt) -> Any:
                return guarded(prompt)

        elif n % 2:
            answer = mutated(rng.choice(ANSWERS), rng, rng.randint(1, 2))
            call: Any = charter.guard(model="m", provider="openai", on_deny="refuse")(
                lambda prompt, answer=answer: answer
            )
        else:
            events = [mutated(rng.choice(EVENTS), rng, rng.randint(0, 1)) for _ in range(6)]

            def stream(prompt: str, events: list[Any] = events) -> Any:
                yield from events

            guarded = charter.guard(model="m", provider="openai", on_deny="refuse")(stream)

            def call(prompt: str, guarded: Any = guarded) -> Any:
                return list(guarded(prompt))

        try:
            call("hello")
        except (PolicyViolation, ConfigurationError):
            pass
        except Exception as exc:  # what this measures
            where = traceback.extract_tb(exc.__traceback__)[-1]
            crashes[f"{type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"] += 1
    charter.close()
    return crashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    crashes = run(args.rounds, args.seed)
    total = sum(crashes.values())
    print(f"{args.rounds} broken answers, streams and prompts (seed {args.seed}): {total} crashes")
    for place, count in crashes.most_common():
        print(f"  {count:5d}  {place}")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
