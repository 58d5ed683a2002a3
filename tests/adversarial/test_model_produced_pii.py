"""Personal data the model produced reached the user (found by probing the output stage).

The output stage redacted a third party's e-mail address the model wrote to a placeholder
in the caller's own scope, then restored every placeholder of that scope whose type the
policy lets back, the one it had just made included: the decision log said `redact`, the
user read the address. Now the output stage issues its placeholders withheld (never
restored: in the answer, a revision, a stream or a later turn of the conversation), and
the placeholders made from the caller's own input still come back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from charter import context, reports
from charter.config import DEFAULT_POLICIES
from charter.pii.vault_mapping import Mapping
from charter.testing import RecordingModel, make_charter

OWN = "alice.jones@example.org"
THEIRS = "bob.smith@example.com"
ASK = f"Who else had this problem? Reach me at {OWN}"
ANSWER = f"I will write to <EMAIL_ADDRESS_1>; our customer at {THEIRS} had it too."


def test_an_address_the_model_wrote_stays_redacted_and_the_callers_comes_back(
    tmp_path: Path,
) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    model = RecordingModel(lambda prompt: ANSWER)
    ask = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-1", conversation="c-1"):
        answer = ask(ASK)
    assert THEIRS not in answer  # main: the address, restored from its own placeholder
    assert answer == f"I will write to {OWN}; our customer at <EMAIL_ADDRESS_2> had it too."

    # the next turn: the history shows the placeholder, the model repeats it
    model = RecordingModel(
        lambda prompt: "Their address is <EMAIL_ADDRESS_2>, yours <EMAIL_ADDRESS_1>."
    )
    again = charter.guard(model=model.name, provider="openai")(model)
    with context(user="u-1", conversation="c-1"):
        answer = again(f"Assistant said: {answer}\nUser: what is their address?")
    assert answer == f"Their address is <EMAIL_ADDRESS_2>, yours {OWN}."
    charter.close()


def test_a_revision_repeating_the_drafts_placeholder_does_not_restore_it(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")

    def model(prompt: str) -> str:
        if "must be revised" in prompt:  # the draft went back with <EMAIL_ADDRESS_2>
            assert THEIRS not in prompt and "<EMAIL_ADDRESS_2>" in prompt
            return "Approval depends on checks; ask <EMAIL_ADDRESS_2>, we answer <EMAIL_ADDRESS_1>."
        return f"I guarantee your loan will be approved. Ask {THEIRS}."

    ask = charter.guard(model="gpt-4o", provider="openai")(model)
    with context(user="u-1", conversation="c-2"), reports() as calls:
        answer = ask(f"Will my loan be approved? Reach me at {OWN}")
    assert len(calls[0].revisions) == 1
    assert answer == f"Approval depends on checks; ask <EMAIL_ADDRESS_2>, we answer {OWN}."
    charter.close()


def test_a_streamed_answer_keeps_the_models_address_redacted(tmp_path: Path) -> None:
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")

    @charter.guard(model="gpt-4o", provider="openai")
    def stream(prompt: str) -> Iterator[str]:
        yield from (ANSWER[i : i + 7] for i in range(0, len(ANSWER), 7))

    with context(user="u-1"):
        answer = "".join(stream(ASK))
    assert THEIRS not in answer
    assert answer == f"I will write to {OWN}; our customer at <EMAIL_ADDRESS_2> had it too."
    charter.close()


def test_a_vault_scope_sealed_before_withheld_placeholders_reads_as_restorable() -> None:
    mapping = Mapping.from_json(
        {
            "counters": {"EMAIL_ADDRESS": 1},
            "entries": [["<EMAIL_ADDRESS_1>", "EMAIL_ADDRESS", OWN, 0]],
        }
    )
    assert not mapping.entries["<EMAIL_ADDRESS_1>"].withheld
    placeholder, new = mapping.assign("EMAIL_ADDRESS", OWN, False, withheld=True)
    assert (placeholder, new) == ("<EMAIL_ADDRESS_1>", False)  # issued first to the caller
    assert not mapping.entries[placeholder].withheld
    withheld, _ = mapping.assign("EMAIL_ADDRESS", THEIRS, False, withheld=True)
    assert Mapping.from_json(mapping.to_json()).entries[withheld].withheld


def test_the_callers_own_values_in_the_models_spelling_come_back(tmp_path: Path) -> None:
    """Found by review: an address or number the caller sent, written by the model in its
    own spelling (lower case, grouped digits), or sent undetected and found in the answer,
    came back as a placeholder nothing restores; withholding it protected nothing. A value
    the caller sent this call, in any spelling, is the caller's; a short name inside one of
    their words is not."""
    charter = make_charter(DEFAULT_POLICIES, tmp_path, pii_mode="pattern")
    model = RecordingModel(
        lambda prompt: (
            f"We will write to alice.jones@example.org and +44 20 7946 0958, and copy {THEIRS}."
        )
    )
    ask = charter.guard(model=model.name, provider="ollama")(model)
    with context(user="u-1", conversation="c-1"):
        answer = ask("Write to me at Alice.Jones@Example.org or call +442079460958")
    assert answer.startswith("We will write to ")
    assert "Alice.Jones@Example.org" in answer or "alice.jones@example.org" in answer
    assert "+44" in answer and "<PHONE_NUMBER" not in answer
    assert THEIRS not in answer and "<EMAIL_ADDRESS_" in answer  # the model's own: withheld
    charter.close()


def test_said_by_caller_reads_whole_words_and_whole_numbers() -> None:
    from charter.pii.vault_mapping import said_by_caller

    said = "call me on +44 20 7946 0958, i'm ann-marie from planning".casefold()
    assert said_by_caller("+442079460958", said, "PHONE_NUMBER")
    # an address is not said by the digits it holds (found by review: the model's address
    # came back to a user who had only named an order number)
    assert not said_by_caller("john.doe1984123@example.com", "order 1984123", "EMAIL_ADDRESS")
    assert said_by_caller("1984123", "order 1984123", "PHONE_NUMBER")
    assert said_by_caller("Ann-Marie", said)
    assert not said_by_caller("Ann", "planning ahead")  # inside a word: not said
    assert not said_by_caller("+44 20 7946 0959", said, "PHONE_NUMBER")  # another number
    assert not said_by_caller("bob@example.com", "")
