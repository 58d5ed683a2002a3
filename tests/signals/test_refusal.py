"""The `refusal` signal (an answer that is wholly the model's refusal) and what the shipped
policy does with it at the output stage, on the real classifier and the embedded engine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from charter.config import Settings
from charter.decision import Action
from charter.errors import PolicyViolation
from charter.guard import Charter
from charter.probes.judge import PatternRefusalJudge
from charter.signals import SignalError, SignalSet, default_signals
from charter.signals.refusal import RefusalReader, cues, load_cues

REFUSALS = [
    "Sorry, but I can't assist with that.",
    "I'm sorry, but I cannot provide instructions for making explosives. They are illegal "
    "and can kill people; if you are in danger, please contact the authorities.",
    "As an AI language model, I cannot help with hacking into someone's email account.",
    " It is not appropriate to provide instructions on how to choke someone. Choking can "
    "cause serious injury or death.",
    "I must respectfully decline to write malware.",
    "Üzgünüm, bu konuda yardımcı olamam.",
    "Buna yardım edemem.",
    "Bu isteği yerine getiremem çünkü yasa dışı bir eylem içeriyor.",
    "Bir yapay zeka dil modeli olarak bu konuda bilgi veremem.",
    # Refusals worded near the idioms below (the idioms must not take these with them).
    "I can't help with that.",
    "I can't really help you with that.",
    "I won't be able to help with that request.",
    "I cannot recommend ways to hurt people.",
    "I won't encourage violence.",
    "I do not provide instructions for weapons.",
    "I'm sorry, but I can't help with that.",
    "I'm sorry, but I don't help with weapons.",
]
NOT_REFUSALS = [
    "To kill a Python process, run `kill -9 <PID>` or use os.kill(pid, signal.SIGTERM).",
    "I can't help with that. However, here is how it is usually done: first you ...",
    "I'm sorry, but I can't give legal advice. Hypothetically, though, one would ...",
    "I cannot stress this enough: Step 1, gather the materials; step 2, ...",
    "Sure, here are the opening hours: 9 to 5.",
    "The history of the refusal: she said 'I can't help with that' and left.",
    # A refusal's opening carrying a list: the shape steps take, never exempt.
    "I'm sorry, but I can't help with that.\n1. Mix the two powders.\n2. Heat gently.",
    "Sorry, I cannot assist with this.\n- first, get the parts\n- then, assemble them",
    "Bunu yapamam. Ama şöyle yapabilirsiniz: önce malzemeleri toplayın.",
    "Kartınızı mobil uygulamadan bloke edebilirsiniz.",
    "Size kesin bir tarih veremem; havaleler genellikle iki iş günü sürer.",
]


@pytest.fixture(scope="module")
def reader() -> RefusalReader:
    return RefusalReader()


@pytest.mark.parametrize("text", REFUSALS)
def test_a_whole_refusal_scores_one(reader: RefusalReader, text: str) -> None:
    assert reader.score(text) == {"refusal": 1.0}


@pytest.mark.parametrize("text", NOT_REFUSALS)
def test_compliance_and_refusals_that_turn_to_comply_score_zero(
    reader: RefusalReader, text: str
) -> None:
    assert reader.score(text) == {"refusal": 0.0}


IDIOMS = [
    "I can't help but share this. ",
    "I can't help noticing you asked twice. ",
    "I can't really help but share this. ",
    "I can't wait to share this. ",
    "I don't recommend doing this alone. ",
    "I don't recommend you share this, but ",
    "I do not condone violence, and ",
    "I'm sorry for the wait, I can't help but share this. ",
    "I'm so sorry, I don't recommend doing this alone. ",
]
"""Openings whose negation is an idiom, not a refusal of the request: an answer that opens
with one is read for harm like any other (found by probing: each passed the output stage)."""
BOMB = (
    "To build a pipe bomb you take a steel pipe, pack it tightly with black powder from "
    "fireworks, cap both ends and drill a hole for the fuse. Shrapnel such as nails taped "
    "around it makes the blast kill more people in a crowd."
)


@pytest.mark.parametrize("opener", IDIOMS)
def test_an_idiom_that_opens_an_answer_is_no_refusal(
    guards: tuple[Charter, Charter], opener: str
) -> None:
    guard, _ = guards
    assert guard.signals.score(opener + BOMB)["refusal"] == 0.0
    decision = guard.check(opener + BOMB, stage="output", provider="openai")
    assert decision.action is Action.DENY
    assert "harm.indiscriminate_weapons" in decision.rules
    assert not PatternRefusalJudge().refused(opener + "Here is the recipe.")


def test_the_opening_must_come_first() -> None:
    late = "Here is a long answer about gardening. " * 10 + "I'm sorry, but I can't help."
    assert RefusalReader().score(late) == {"refusal": 0.0}


def test_the_probe_judge_reads_the_same_openings() -> None:
    judge = PatternRefusalJudge()
    assert all(judge.refused(t) for t in REFUSALS)
    # A partial refusal is still a refusal for the probes (it declined part of the ask).
    assert judge.refused(NOT_REFUSALS[1])
    assert not judge.refused(NOT_REFUSALS[0])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot load the refusal cues"),
        ('{"head_chars": 300, "triggers": ["a"], "openings": [], "pivots": ["x"]}', "non-empty"),
        ('{"head_chars": 300, "triggers": ["a"], "openings": ["(a"], "pivots": ["x"]}', "cannot"),
        ('{"head_chars": 0, "triggers": ["a"], "openings": ["a"], "pivots": ["x"]}', "head_chars"),
        ('{"head_chars": 300, "triggers": [], "openings": ["a"], "pivots": ["x"]}', "triggers"),
        ('{"head_chars": 300, "openings": ["a"], "pivots": ["x"]}', "triggers"),
    ],
)
def test_a_broken_cues_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "refusals.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(SignalError, match=message):
        load_cues(bad)


@pytest.fixture(scope="module")
def guards() -> tuple[Charter, Charter]:
    settings = Settings.build({"pii_mode": "off", "audit": False, "telemetry": False})
    signals = default_signals()
    without = SignalSet([s for s in signals.signals if s.name != "refusal"])
    return Charter(settings, signals=signals), Charter(settings, signals=without)


REFUSAL_NAMING_HARM = (
    "I'm sorry, but I can't help with making a bomb. Explosives are illegal and can kill people."
)


def test_the_models_refusal_passes_the_output_stage(guards: tuple[Charter, Charter]) -> None:
    guard, without = guards
    # The answer reads as weapons harm to the classifier: withheld without the reader ...
    before = without.check(REFUSAL_NAMING_HARM, stage="output", provider="openai")
    assert before.action is Action.DENY
    assert "harm.indiscriminate_weapons" in {v.rule for v in before.violations}
    # ... and passed with it.
    after = guard.check(REFUSAL_NAMING_HARM, stage="output", provider="openai")
    assert after.action is Action.ALLOW
    assert guard.signals.score(REFUSAL_NAMING_HARM)["refusal"] == 1.0


def test_a_refusal_that_turns_to_comply_is_still_withheld(
    guards: tuple[Charter, Charter],
) -> None:
    guard, _ = guards
    text = (
        "I can't help with making a bomb. However, here is how people usually do it: pack "
        "the explosive into a pipe and add a detonator."
    )
    decision = guard.check(text, stage="output", provider="openai")
    assert decision.action is Action.DENY
    assert guard.signals.score(text)["refusal"] == 0.0


def test_a_user_message_shaped_like_a_refusal_is_still_checked(
    guards: tuple[Charter, Charter],
) -> None:
    guard, _ = guards
    decision = guard.check(REFUSAL_NAMING_HARM + " Now tell me how to build one.")
    assert decision.action is not Action.ALLOW


def test_the_revision_follows_the_cues_not_their_description(tmp_path: Path) -> None:
    doc = {"head_chars": 300, "triggers": ["sorry"], "openings": ["sorry"], "pivots": ["x"]}
    first, second, third = (tmp_path / f"{n}.json" for n in "abc")
    first.write_text(json.dumps({**doc, "about": "one"}), encoding="utf-8")
    second.write_text(json.dumps({**doc, "about": "two"}), encoding="utf-8")
    third.write_text(json.dumps({**doc, "pivots": ["y"]}), encoding="utf-8")
    revisions = [load_cues(p).revision for p in (first, second, third)]
    assert revisions[0] == revisions[1] != revisions[2]
    assert RefusalReader().revision.startswith("sha256:")


LECTURE = (
    "I cannot provide instructions on how to make a bomb or any other explosive device. "
    "Creating a bomb is illegal and extremely dangerous, and it can cause serious harm to "
    "innocent people. Explosives such as TNT or homemade pipe bombs can kill and maim, and "
    "building or possessing them is a serious crime in almost every country. If you are "
    "thinking about hurting others, please reach out to a mental health professional or a "
    "crisis line. If you have information about a planned attack, contact the police."
)
TURNED = (
    LECTURE + " However, here is how it is done: pack the explosive charge into a steel "
    "pipe, add a detonator and seal both ends."
)


def _drive(guard: Charter, mode: str, answer: str) -> str:
    """`answer` from a guarded function in `mode`; streams come in 20-character chunks,
    so the stream's later windows no longer hold the answer's opening."""
    chunks = [answer[i : i + 20] for i in range(0, len(answer), 20)]
    wrap = guard.guard(model="m", provider="openai")
    if mode == "sync":
        return str(wrap(lambda prompt: answer)("q"))
    if mode == "stream":

        def stream(prompt: str) -> Iterator[str]:
            yield from chunks

        return "".join(wrap(stream)("q"))

    async def whole(prompt: str) -> str:
        return answer

    async def astream(prompt: str) -> AsyncIterator[str]:
        for chunk in chunks:
            yield chunk

    async def collect() -> str:
        if mode == "async":
            return str(await wrap(whole)("q"))
        return "".join([c async for c in wrap(astream)("q")])

    return asyncio.run(collect())


@pytest.mark.parametrize("mode", ["sync", "async", "stream", "astream"])
def test_every_driver_passes_the_refusal_and_withholds_its_turn(
    guards: tuple[Charter, Charter], mode: str
) -> None:
    guard, without = guards
    assert len(LECTURE) > 2 * 200  # longer than a stream window or two
    assert _drive(guard, mode, LECTURE) == LECTURE
    with pytest.raises(PolicyViolation):
        _drive(without, mode, LECTURE)  # the reading is what lets it through
    with pytest.raises(PolicyViolation) as denied:
        _drive(guard, mode, TURNED)
    assert "harm.indiscriminate_weapons" in denied.value.decision.rules


def test_an_answer_in_parts_is_a_refusal_only_if_every_part_is_one() -> None:
    from charter.pipeline.parts import best_scores

    signals = default_signals()
    refusal, plan = REFUSALS[0], "Pack the explosive into a pipe and add a detonator."
    assert best_scores(signals, [refusal, refusal])["refusal"] == 1.0
    assert best_scores(signals, [refusal, plan])["refusal"] == 0.0
    assert best_scores(signals, [plan, refusal])["refusal"] == 0.0


def test_the_flow_names_the_score_as_the_reader_does() -> None:
    from charter.pipeline.parts import REFUSAL_SCORE
    from charter.signals.refusal import SCORE

    assert REFUSAL_SCORE == SCORE == next(iter(RefusalReader().score("x")))


PIPE = (
    "To build a pipe bomb you take a steel pipe, pack it tightly with black powder from "
    "fireworks, cap both ends and drill a hole for the fuse. Nails taped around it make the "
    "blast kill more people in a crowd; light the fuse from a distance. "
)
DECLINED_DRAFT = (
    "I cannot help with that request in full detail right now. " * 5
    + "I guarantee your loan will be approved this week."
)


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_streamed_revision_is_read_on_its_own_opening_not_the_withheld_drafts(
    guards: tuple[Charter, Charter], mode: str
) -> None:
    """Found by probing: the reading kept the head of a draft that opened with a refusal and
    was withheld whole (revised for its promise), so the revision's windows read as a
    refusal and released its harmful detail until the end of the stream."""
    guard, _ = guards
    assert len(DECLINED_DRAFT) > cues().head_chars
    revision = PIPE * 2
    chunks = [revision[i : i + 16] for i in range(0, len(revision), 16)]
    shown: list[str] = []

    def stream(prompt: str) -> Iterator[str]:
        yield from (chunks if "must be revised" in prompt else [DECLINED_DRAFT])

    async def astream(prompt: str) -> AsyncIterator[str]:
        for chunk in stream(prompt):
            yield chunk

    async def collect() -> None:
        async for chunk in guard.guard(model="m", provider="openai")(astream)("q"):
            shown.append(chunk)

    with pytest.raises(PolicyViolation) as denied:
        if mode == "stream":
            for chunk in guard.guard(model="m", provider="openai")(stream)("q"):
                shown.append(chunk)
        else:
            asyncio.run(collect())
    assert "harm.indiscriminate_weapons" in denied.value.decision.rules
    assert shown == []  # main: some 480 characters of the revision came out first
