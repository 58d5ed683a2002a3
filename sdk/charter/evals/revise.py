"""Revise, measured: what the output stage's `revise` does to drafts a model might give.

Each case is a question, a draft answer, the rewrite the model gives when it is asked to
revise, the passages of a RAG call (if any) and two human labels: does the draft need
revising, and does the rewrite meet the principle. The draft and the rewrite come from a
scripted fake model, so what is measured is the guard and the shipped rules, not a model's
skill at revising: how many drafts are sent back, how many rewrites are released (fixed)
or refused, where the rules' verdict disagrees with the labels, and that every case made
exactly the model calls its report says. `charter eval revise` is the CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from charter.errors import ApprovalPending, CharterError, PolicyViolation
from charter.evals.revise_cases import ReviseCase
from charter.refusal import PREFIX

REVISION_ASKED = "must be revised"
"""What the guard's revision request says (`charter.pipeline.revise`): the fake model
answers the rewrite when it sees it, the draft otherwise."""


class ReviseVerdict(StrEnum):
    PASSED = "passed"
    """Released as drafted: no rule asked for a revision."""
    FIXED = "fixed"
    """Sent back, and the rewrite was released."""
    REFUSED = "refused"
    """Sent back, and refused: the rewrite still violated (or was denied)."""
    DENIED = "denied"
    """Refused without a revision: a deny of the draft, or of the question at the input
    stage (then the model was never called)."""
    HELD = "held"
    """Held for a reviewer's approval (`ApprovalPending`), as `eval run` counts a
    require_approval blocked: nothing reached the user. Queued in the eval's throwaway
    store, never the configured one (`eval_charter`)."""


@dataclass(frozen=True)
class CaseResult:
    case: ReviseCase
    verdict: ReviseVerdict
    calls: int
    """Model calls the call's report says it made."""
    made: int
    """Model calls the fake model received."""
    rounds: int
    rules: tuple[str, ...]

    @property
    def billed_right(self) -> bool:
        """The report counts exactly the calls made: the draft (unless the input stage
        refused) and one per revision round."""
        return self.made == self.calls == (1 if self.made else 0) + self.rounds

    @property
    def right(self) -> bool:
        """The guard did what the labels say it should have."""
        c = self.case
        if not c.draft_violates:
            return self.verdict is ReviseVerdict.PASSED
        if self.verdict is ReviseVerdict.PASSED:
            return False
        if self.verdict is ReviseVerdict.FIXED:
            return c.revision_ok is True
        return c.revision_ok is not True  # refused: right when the rewrite was still bad


@dataclass(frozen=True)
class CaseFailure:
    """A case the guard failed on (a `CharterError` other than a refusal or a hold): named
    in the report, and the rest still run (found by probing: one held case stopped the
    whole eval with no report)."""

    id: str
    error: str


@dataclass
class KindStats:
    cases: int = 0
    sent_back: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    right: int = 0
    calls: int = 0


@dataclass(frozen=True)
class ReviseEvalReport:
    results: tuple[CaseResult, ...]
    policy_revision: str
    stream: bool
    failures: tuple[CaseFailure, ...] = ()

    def by_kind(self) -> dict[str, KindStats]:
        out: dict[str, KindStats] = {}
        for r in self.results:
            stats = out.setdefault(r.case.kind, KindStats())
            stats.cases += 1
            stats.sent_back += r.rounds > 0
            stats.verdicts[r.verdict.value] += 1
            stats.right += r.right
            stats.calls += r.calls
        return out

    def disagreements(self) -> list[CaseResult]:
        return [r for r in self.results if not r.right]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_revision": self.policy_revision,
            "stream": self.stream,
            "cases": len(self.results),
            "model_calls": sum(r.calls for r in self.results),
            "billed_right": all(r.billed_right for r in self.results),
            "by_kind": {
                k: {
                    "cases": s.cases,
                    "sent_back": s.sent_back,
                    **{v.value: s.verdicts[v.value] for v in ReviseVerdict},
                    "as_labelled": s.right,
                    "model_calls": s.calls,
                }
                for k, s in self.by_kind().items()
            },
            "disagreements": [
                {"id": r.case.id, "verdict": r.verdict.value, "rules": list(r.rules)}
                for r in self.disagreements()
            ],
            "errors": [{"id": f.id, "error": f.error} for f in self.failures],
        }


def run_revise_eval(
    cases: Iterable[ReviseCase], guard: Any, *, stream: bool = False
) -> ReviseEvalReport:
    """Put every case through `guard` (a `Charter`) with a fake model that answers the draft,
    then the rewrite once it is asked to revise; `stream` drives the streaming flow."""
    import charter

    results, failures = [], []
    for case in cases:
        made: list[str] = []
        fn = _guarded(guard, case, made, stream=stream)
        with charter.reports() as reports, charter.context(retrieved=list(case.passages)):
            try:
                answer = _answer(fn, case.question, stream=stream)
            except CharterError as exc:
                failures.append(CaseFailure(case.id, f"{type(exc).__name__}: {exc}"))
                continue
        (report,) = reports
        rules = [rule for r in report.revisions for rule in r.rules]
        if isinstance(answer, ApprovalPending):
            rules.append(guard.queue.current(answer.ticket).rule)
        results.append(
            CaseResult(
                case,
                _verdict(case, answer, report.revisions),
                report.calls,
                len(made),
                len(report.revisions),
                tuple(dict.fromkeys(rules)),
            )
        )
    return ReviseEvalReport(tuple(results), guard.engine.revision, stream, tuple(failures))


def _guarded(guard: Any, case: ReviseCase, made: list[str], *, stream: bool) -> Any:
    def reply(prompt: str) -> str:
        made.append(prompt)
        return case.revision if REVISION_ASKED in prompt else case.draft

    def streamed(prompt: str) -> Iterator[str]:
        text = reply(prompt)
        yield from (text[i : i + 16] for i in range(0, len(text), 16))

    wrap = guard.guard(model="scripted-reviser", provider="openai")
    return wrap(streamed) if stream else wrap(reply)


def _answer(fn: Any, question: str, *, stream: bool) -> str | ApprovalPending | None:
    """The released text, None when the guard refused, the hold when it asked a reviewer."""
    try:
        text = "".join(fn(question)) if stream else str(fn(question))
    except PolicyViolation:
        return None
    except ApprovalPending as held:
        return held
    return None if text.startswith(PREFIX) or PREFIX in text else text


def _verdict(
    case: ReviseCase, answer: str | ApprovalPending | None, rounds: Sequence[object]
) -> ReviseVerdict:
    if isinstance(answer, ApprovalPending):
        return ReviseVerdict.HELD
    if not rounds:
        return ReviseVerdict.DENIED if answer is None else ReviseVerdict.PASSED
    return ReviseVerdict.REFUSED if answer is None else ReviseVerdict.FIXED


def render_revise(report: ReviseEvalReport) -> str:
    mode = "streamed" if report.stream else "sync"
    lines = [
        f"charter eval revise: {len(report.results)} cases ({mode}), policy revision "
        f"{report.policy_revision}, a scripted model (draft, then its rewrite)",
        "",
        f"{'kind':<12}{'cases':>6}{'sent back':>11}{'fixed':>7}{'refused':>9}{'passed':>8}"
        f"{'denied':>8}{'held':>6}{'as labelled':>13}{'calls':>7}",
    ]
    for kind, s in report.by_kind().items():
        v = s.verdicts
        lines.append(
            f"{kind:<12}{s.cases:>6}{s.sent_back:>11}{v['fixed']:>7}{v['refused']:>9}"
            f"{v['passed']:>8}{v['denied']:>8}{v['held']:>6}{s.right:>13}{s.calls:>7}"
        )
    made = sum(r.made for r in report.results)
    reported = sum(r.calls for r in report.results)
    rounds = sum(r.rounds for r in report.results)
    lines += [
        "",
        f"model calls: {made} made, {reported} reported by charter.reports() "
        f"({made - rounds} drafts + {rounds} revision rounds)",
    ]
    wrong = report.disagreements()
    lines += [f"not as labelled: {len(wrong)}"]
    for r in wrong:
        rules = f" ({', '.join(r.rules)})" if r.rules else ""
        lines.append(f"  {r.case.id}: {r.verdict.value}{rules}, {_expected(r.case)}")
    if report.failures:
        lines += [f"could not be run: {len(report.failures)}"]
        lines += [f"  {f.id}: {f.error}" for f in report.failures]
    return "\n".join(lines)


def _expected(case: ReviseCase) -> str:
    if not case.draft_violates:
        return "the draft needed no revision"
    if case.revision_ok is None:
        return "the draft needed revising"
    return "the rewrite " + ("meets" if case.revision_ok else "still breaks") + " the principle"
