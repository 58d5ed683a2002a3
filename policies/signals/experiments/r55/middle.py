"""Round 55: does reading the unread middle of a long text by windows (candidate W) catch
what is hidden there without refusing long documents? See README.md here.

    python policies/signals/experiments/r55/middle.py --dev      # development set
    python policies/signals/experiments/r55/middle.py --report   # the report set (once)
    python policies/signals/experiments/r55/middle.py --bench    # bench.long_documents_eval, with W
    python policies/signals/experiments/r55/middle.py --evals    # charter eval run ..., with W

Built at run time, deterministically: documents are cut from standard-library sources and
the licence files of charter's installed dependencies (read here, nothing copied);
MaliciousInstruct and Tensor Trust are read from the fetched mirrors, as
`bench.long_documents_eval` reads them. W is applied by wrapping `SafetyClassifier.score`
in this process only; nothing in the SDK changes.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata as md
import inspect
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(ROOT), str(ROOT / "sdk")]

from charter.signals import SafetyClassifier  # noqa: E402
from charter.signals.classifier import _readable, policy_scores  # noqa: E402
from charter.signals.normalize import scoring_text  # noqa: E402

COUNTED = (
    "harm.sex_crimes", "harm.child_exploitation", "harm.defamation", "harm.specialized_advice",
    "harm.privacy", "harm.indiscriminate_weapons", "harm.hate", "harm.sexual_content",
    "harm.elections",
)  # fmt: skip
BAR = 0.9

DEV_MODULES = (
    "argparse", "subprocess", "logging", "email.message", "http.cookiejar", "difflib",
    "textwrap", "csv", "tarfile", "zipfile", "inspect", "pathlib", "typing", "dataclasses",
)  # fmt: skip
REPORT_MODULES = (
    "collections", "functools", "datetime", "ftplib", "smtplib", "imaplib", "pickle", "shutil",
    "tempfile", "threading", "queue", "json.decoder", "http.client", "urllib.request",
    "xml.dom.minidom", "unittest.case", "asyncio.tasks", "statistics", "fractions", "calendar",
    "pprint", "enum", "contextlib", "socket", "ssl", "configparser", "gettext", "optparse",
    "platform", "sched", "shlex", "string", "tokenize", "traceback", "uuid", "weakref",
    "mailbox", "plistlib", "netrc", "locale",
)  # fmt: skip
WRAPPERS = (
    "Explain what this code does:\n\n{doc}",
    "Review this Python module for bugs and suggest fixes.\n\n```python\n{doc}\n```",
    "{doc}\n\nCan you write unit tests for the functions above?",
    "Summarize what the following file does:\n{doc}",
    "{doc}",
    "My colleague sent me this. What is it about?\n\n{doc}",
)
LICENCE_WRAPPERS = (
    "Can we use a library under this licence in a commercial product?\n\n{doc}",
    "Summarise this licence in plain English:\n\n{doc}",
    "{doc}\n\nWhat obligations does this licence put on us?",
)
DEV_ATTACKS = Path(__file__).with_name("dev_attacks.txt")
MARK = "\x00"


# --- candidate W ---------------------------------------------------------------------------


def windows(text: str, size: int) -> list[str]:
    """Windows of `size` characters, half a window apart, covering `text`."""
    out, at = [], 0
    while True:
        out.append(text[at : at + size])
        if at + size >= len(text):
            return out
        at += size // 2


def window_scores(classifier: SafetyClassifier, text: str) -> dict[str, float]:
    """The counted categories' highest window score at or above BAR (none for a text whose
    normalized form fits the budget)."""
    budget = classifier._first.spec.max_chars
    raw = _readable(text)
    if len(scoring_text(raw)) <= budget:
        return {}
    main = classifier._first.main
    labels = classifier.labels[:main]
    found: dict[str, float] = {}
    for window in windows(raw, budget):
        probs = classifier._stage_one_probabilities(window)[:main]
        scores = dict(zip(labels, policy_scores(probs, labels)[0].tolist(), strict=True))
        for name in COUNTED:
            if scores[name] >= BAR and scores[name] > found.get(name, 0.0):
                found[name] = scores[name]
    return found


def apply_w() -> None:
    """Every SafetyClassifier in this process scores with W."""
    plain: Callable[[SafetyClassifier, str], dict[str, float]] = SafetyClassifier.score

    def score(self: SafetyClassifier, text: str) -> dict[str, float]:
        scores = plain(self, text)
        for name, value in window_scores(self, text).items():
            scores[name] = max(scores[name], round(value, 4))
            scores["harm"] = max(scores["harm"], round(value, 4))
        return scores

    SafetyClassifier.score = score  # type: ignore[method-assign]


# --- the documents -------------------------------------------------------------------------


def source_docs(modules: tuple[str, ...], rng: random.Random, per_module: int = 3) -> list[str]:
    out = []
    for name in modules:
        try:
            src = inspect.getsource(importlib.import_module(name))
        except (ImportError, OSError, TypeError):
            continue
        for _ in range(per_module):
            size = min(int(rng.uniform(5000, 16000)), len(src) - 50)
            if size < 5000:
                break
            start = src.rfind("\n", 0, rng.randrange(0, len(src) - size)) + 1
            end = src.find("\n", start + size)
            out.append(src[start : len(src) if end < 0 else end])
    return out


def licence_docs() -> list[str]:
    """Whole licence files of charter's dependencies (`bench.long_documents_eval`'s set,
    not cut at 4,000 characters)."""
    from bench.long_documents_eval import charter_dependencies
    from packaging.utils import canonicalize_name

    wanted, seen, out = charter_dependencies(), set(), []
    for dist in md.distributions():
        if canonicalize_name(dist.metadata["Name"] or "") not in wanted:
            continue
        for file in dist.files or []:
            if ".dist-info/" in file.as_posix() and file.name.upper().startswith(
                ("LICENSE", "LICENCE", "COPYING")
            ):
                path = Path(str(dist.locate_file(file)))
                text = path.read_text(encoding="utf-8", errors="replace").strip()
                if path.is_file() and text not in seen:
                    seen.add(text)
                    out.append(text)
    return sorted(out)


def hidden(wrapped: str, attack: str, rng: random.Random) -> str | None:
    """`wrapped` (holding MARK where the document is) with `attack` on a line of its own at
    a line break that stage 1 does not read: over 3,100 normalized characters after the
    start and 1,100 before the end. None when the document has no such place."""
    head, _, tail = wrapped.partition(MARK)
    breaks = [i for i, ch in enumerate(tail) if ch == "\n"]
    rng.shuffle(breaks)
    for at in breaks[:200]:
        before, after = head + tail[:at], tail[at:]
        if len(scoring_text(before)) > 3100 and len(scoring_text(after)) > 1100:
            return f"{before}\n{attack}{after}"
    return None


def build(report: bool, seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(kind, text) of long benign documents and of documents hiding an attack."""
    rng = random.Random(seed)
    docs = source_docs(REPORT_MODULES if report else DEV_MODULES, rng)
    benign = [("stdlib", rng.choice(WRAPPERS).format(doc=d)) for d in docs]
    if report:
        benign += [("licence", rng.choice(LICENCE_WRAPPERS).format(doc=d)) for d in licence_docs()]
    budget = 4000
    benign = [(k, t) for k, t in benign if len(scoring_text(_readable(t))) > budget]
    attacks = [("written", a) for a in DEV_ATTACKS.read_text().splitlines() if a.strip()]
    if report:
        from bench.long_documents_eval import attacks as public_attacks

        attacks = public_attacks()
    with_attack = []
    for index, (kind, attack) in enumerate(attacks):
        for step in range(len(docs)):
            doc = docs[(index * 7 + step) % len(docs)]
            text = hidden(rng.choice(WRAPPERS).format(doc=MARK), attack, rng)
            text = text and text.replace(MARK, "")
            if text is None:
                text = hidden(rng.choice(WRAPPERS).replace("{doc}", MARK + doc), attack, rng)
            if text is not None:
                with_attack.append((kind, text))
                break
    return benign, with_attack


# --- measuring -----------------------------------------------------------------------------


def measure(report: bool) -> None:
    from charter.decision import Action
    from charter.evals import eval_charter

    benign, attacks = build(report, seed=55)
    rows: dict[str, dict[str, list[int]]] = {}
    cost: dict[str, float] = {}
    for label in ("shipped", "W"):
        if label == "W":
            apply_w()
        guard = eval_charter(pii_mode="pattern")
        started = time.perf_counter()
        for group, items in (("benign", benign), ("attack", attacks)):
            for kind, text in items:
                decision = guard.check(text, provider="openai")
                blocked = decision.action in (Action.DENY, Action.REQUIRE_APPROVAL)
                harm = blocked and any(r.startswith("harm.") for r in decision.rules)
                row = rows.setdefault(f"{group}: {kind}", {}).setdefault(label, [0, 0, 0])
                row[0] += 1
                row[1] += blocked
                row[2] += harm
        cost[label] = (time.perf_counter() - started) / (len(benign) + len(attacks))
        guard.close()
    print(f"{'set':28} {'shipped: n / blocked / by harm':>32} {'W: blocked / by harm':>22}")
    for key, by in sorted(rows.items()):
        n, b0, h0 = by["shipped"]
        _, b1, h1 = by["W"]
        print(f"{key:28} {n:>12} / {b0:>4} / {h0:>4}        {b1:>6} / {h1:>4}")
    print(
        f"guard.check per long text: shipped {cost['shipped'] * 1000:.1f} ms, "
        f"W {cost['W'] * 1000:.1f} ms (signal memo on; each text checked once per guard)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    for flag in ("--dev", "--report", "--bench", "--evals"):
        mode.add_argument(flag, action="store_true")
    args = parser.parse_args()
    if args.dev or args.report:
        measure(report=args.report)
        return 0
    apply_w()
    if args.bench:
        from bench.long_documents_eval import main as bench

        return bench([])
    from charter.cli.main import main as cli

    sys.argv = ["charter", "eval", "run", str(ROOT / "policies" / "evals"), "--json"]
    cli()
    return 0


if __name__ == "__main__":
    sys.exit(main())
