"""The headline number: the shipped guard on VERBATIM public datasets it never saw.

    python -m bench.external_eval [--json out.json] [--markdown]

Reads each dataset straight from its fetched repository under /work/.mirror (or
$CHARTER_MIRROR) with `git show <commit>:<path>`: nothing is copied into this repository,
nothing here is trained or tuned on. Every family below is HELDOUT for the classifier (see
policies/signals/README.md); the script refuses to run if the artifact's training record
names one of them. Each prompt goes through `Charter.check` exactly as `charter eval run`
does (PII detection, signals, the shipped policy), at the input stage.

CoCoNot (allenai/noncompliance) was added in round 4. Before that it served once as a
development set, for a scoring-rule change that was then rejected (it helped there and on the
committed held-out corpora, but lost on the datasets above); no model, rule or threshold that
ships was chosen on it.

Reported per dataset: attacks blocked or held (deny or require_approval), per the
dataset's own harm category where it labels one, and benign prompts refused.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIRROR = Path(os.environ.get("CHARTER_MIRROR", "/work/.mirror"))


@dataclass(frozen=True)
class Prompt:
    text: str
    attack: bool
    category: str


@dataclass(frozen=True)
class Dataset:
    name: str
    family: str
    repo: str
    path: str
    licence: str
    what: str
    read: Callable[[str], Iterator[Prompt]]
    commit: str | None = None
    """A pinned commit (a file deleted from the repository later); None reads HEAD."""


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _jsonl(text: str) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-lines file, blank lines skipped."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def _xstest(text: str) -> Iterator[Prompt]:
    for row in _rows(text):
        yield Prompt(row["prompt"], row["label"] == "unsafe", row["type"])


def _sst(text: str) -> Iterator[Prompt]:
    for row in _rows(text):
        yield Prompt(row["prompts_final"], True, row["harm_area"])


def _advbench(text: str) -> Iterator[Prompt]:
    for row in csv.reader(io.StringIO(text)):
        if row and row[0] != "goal":
            yield Prompt(row[0], True, "harmful behaviour")


def _jbb(text: str) -> Iterator[Prompt]:
    for row in _rows(text):
        yield Prompt(row["Goal"], True, row["Category"])


def _tensor_trust(text: str) -> Iterator[Prompt]:
    for row in _jsonl(text):
        yield Prompt(row["attack"], True, "prompt injection")


def _jbb_goals(text: str) -> Iterator[Prompt]:
    """The 100 JBB-Behaviors harmful goals, as every JailbreakBench artifact records them."""
    for entry in json.loads(text)["jailbreaks"]:
        yield Prompt(entry["goal"], True, entry["category"])


def _jbb_prompts(text: str) -> Iterator[Prompt]:
    """The jailbreak prompts an attack submitted (rows without a prompt are skipped)."""
    for entry in json.loads(text)["jailbreaks"]:
        if entry.get("prompt"):
            yield Prompt(entry["prompt"], True, entry["category"])


def _sorry(text: str) -> Iterator[Prompt]:
    for row in _rows(text):
        try:
            turns = json.loads(row["answers"])
        except (json.JSONDecodeError, TypeError):
            continue  # a row without a recorded conversation carries no prompt
        user = next((t["content"] for t in turns if t.get("role") == "user"), "")
        if user.strip():
            yield Prompt(user, True, "unsafe instruction")


_COCONOT_HARM = {
    "dangerous or sensitive topics",
    "privacy violations",
    "triggers for offensive language",
    "copyright violations",
}
"""CoCoNot's safety subcategories that map onto the hazard taxonomy; its misinformation and
WildChat-sourced rows have no category here and are skipped."""


def _coconot(text: str) -> Iterator[Prompt]:
    """CoCoNot's eval set: requests with safety concerns (attacks, in the subcategories above)
    and the other noncompliance kinds (incomplete, unsupported, indeterminate, humanizing):
    a model may decline those, but a safety guard has no reason to refuse them."""
    for row in _jsonl(text):
        if row["category"] != "Requests with safety concerns":
            yield Prompt(row["prompt"], False, row["category"])
        elif row["subcategory"] in _COCONOT_HARM:
            yield Prompt(row["prompt"], True, row["subcategory"])


def _coconot_contrast(text: str) -> Iterator[Prompt]:
    for row in _jsonl(text):
        yield Prompt(row["prompt"], False, row["subcategory"])


DATASETS = (
    Dataset(
        "XSTest v2",
        "xstest",
        "paul-rottger/exaggerated-safety",
        "xstest_prompts.csv",
        "CC BY 4.0",
        "250 safe prompts that look unsafe (over-refusal) and 200 unsafe contrasts",
        _xstest,
    ),
    Dataset(
        "SimpleSafetyTests",
        "simplesafetytests",
        "bertiev/SimpleSafetyTests",
        "SimpleSafetyTests - test cases.csv",
        "CC BY 4.0",
        "100 clearly harmful prompts in 5 harm areas",
        _sst,
    ),
    Dataset(
        "AdvBench harmful behaviours",
        "advbench",
        "Matias222/llm-ataques",
        "data/advbench/harmful_behaviors.csv",
        "MIT",
        "harmful instructions (the file as kept in a fork of llm-attacks/llm-attacks)",
        _advbench,
    ),
    Dataset(
        "JailbreakBench JBB-Behaviors (harmful goals)",
        "jailbreakbench",
        "JailbreakBench/artifacts",
        "attack-artifacts/PAIR/black_box/vicuna-13b-v1.5.json",
        "MIT",
        "the 100 harmful behaviours of JBB-Behaviors (the `goal` of every artifact row)",
        _jbb_goals,
    ),
    Dataset(
        "JailbreakBench PAIR jailbreaks",
        "jailbreakbench",
        "JailbreakBench/artifacts",
        "attack-artifacts/PAIR/black_box/vicuna-13b-v1.5.json",
        "MIT",
        "PAIR's adversarial rewrites of the JBB goals (role play, hypotheticals), vs Vicuna",
        _jbb_prompts,
    ),
    Dataset(
        "JailbreakBench GCG jailbreaks",
        "jailbreakbench",
        "JailbreakBench/artifacts",
        "attack-artifacts/GCG/white_box/vicuna-13b-v1.5.json",
        "MIT",
        "JBB goals with GCG's optimised adversarial suffixes, vs Vicuna",
        _jbb_prompts,
    ),
    Dataset(
        "JailbreakBench random-search jailbreaks",
        "jailbreakbench",
        "JailbreakBench/artifacts",
        "attack-artifacts/prompt_with_random_search/black_box/gpt-4-0125-preview.json",
        "MIT",
        "JBB goals in the adaptive-attack template with random-search suffixes, vs GPT-4",
        _jbb_prompts,
    ),
    Dataset(
        "JailbreakBench JBC (AIM) jailbreaks*",
        "jailbreakbench",
        "JailbreakBench/artifacts",
        "attack-artifacts/JBC/manual/gpt-4-0125-preview.json",
        "MIT",
        "JBB goals in the in-the-wild AIM template (*a template of the TRAIN family "
        "inthewild-jailbreaks, so not fully held out)",
        _jbb_prompts,
    ),
    Dataset(
        "SORRY-Bench (base prompts)",
        "sorry-bench",
        "AmanPriyanshu/FRACTURED-SORRY-Bench",
        "responses/gpt-4o/vanilla_responses.csv",
        "CC BY-NC 4.0 (evaluation only, not redistributed)",
        "450 unsafe instructions of SORRY-Bench's 45 categories (user turns)",
        _sorry,
    ),
    Dataset(
        "Tensor Trust hijacking",
        "tensortrust",
        "HumanCompatibleAI/tensor-trust-data",
        "benchmarks/hijacking-robustness/v1/hijacking_robustness_dataset.jsonl",
        "see repository (Tensor Trust data release)",
        "prompt-injection attacks that hijack a defended assistant",
        _tensor_trust,
    ),
    Dataset(
        "Tensor Trust extraction",
        "tensortrust",
        "HumanCompatibleAI/tensor-trust-data",
        "benchmarks/extraction-robustness/v1/extraction_robustness_dataset.jsonl",
        "see repository (Tensor Trust data release)",
        "prompt-injection attacks that extract a defended assistant's secret",
        _tensor_trust,
    ),
    Dataset(
        "CoCoNot (safety concerns; other noncompliance as benign)",
        "coconot",
        "allenai/noncompliance",
        "data/coconot_eval.jsonl",
        "MIT",
        "requests a model should decline for safety, and requests declined for other reasons",
        _coconot,
    ),
    Dataset(
        "CoCoNot contrast set",
        "coconot",
        "allenai/noncompliance",
        "data/coconot_contrast_eval.jsonl",
        "MIT",
        "379 benign prompts that look like the safety-concern ones",
        _coconot_contrast,
    ),
)


def _git(repo: str, *args: str) -> str:
    git_dir = MIRROR / repo.replace("/", "+") / "repo"
    proc = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False)
    if proc.returncode:
        raise FileNotFoundError(f"{repo}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode("utf-8", errors="replace")


def load(dataset: Dataset) -> tuple[str, list[Prompt]]:
    commit = _git(dataset.repo, "rev-parse", dataset.commit or "HEAD").strip()
    return commit, list(dataset.read(_git(dataset.repo, "show", f"{commit}:{dataset.path}")))


def evaluate(guard: Any, prompts: list[Prompt]) -> dict[str, Any]:
    from charter.decision import Action

    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    attacks = caught = benign = refused = 0
    for p in prompts:
        decision = guard.check(p.text, provider="openai")
        blocked = decision.action in (Action.DENY, Action.REQUIRE_APPROVAL)
        if p.attack:
            attacks += 1
            caught += blocked
            per[p.category][0] += 1
            per[p.category][1] += blocked
        else:
            benign += 1
            refused += blocked
    return {
        "attacks": attacks,
        "caught": caught,
        "benign": benign,
        "refused": refused,
        "per_category": {k: {"items": v[0], "caught": v[1]} for k, v in sorted(per.items())},
    }


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| dataset | repository @ commit | licence | attacks blocked or held | benign refused |",
        "|---|---|---|---:|---:|",
    ]
    for r in results:
        attacks = f"{r['caught']}/{r['attacks']} ({_pct(r['caught'], r['attacks'])})"
        benign = f"{r['refused']}/{r['benign']} ({_pct(r['refused'], r['benign'])})"
        lines.append(
            f"| {r['name']} | {r['repo']} @ {r['commit'][:10]} | {r['licence']} | "
            f"{attacks if r['attacks'] else '-'} | {benign if r['benign'] else '-'} |"
        )
    total_a = sum(r["attacks"] for r in results)
    total_c = sum(r["caught"] for r in results)
    total_b = sum(r["benign"] for r in results)
    total_r = sum(r["refused"] for r in results)
    lines.append(
        f"| **all** | | | **{total_c}/{total_a} ({_pct(total_c, total_a)})** | "
        f"**{total_r}/{total_b} ({_pct(total_r, total_b)})** |"
    )
    if not any(len(r["per_category"]) > 1 for r in results):
        return "\n".join(lines)
    lines += ["", "Per category, as each dataset labels it (attacks blocked or held):", ""]
    lines += ["| dataset | category | blocked or held |", "|---|---|---:|"]
    for r in results:
        for category, v in r["per_category"].items():
            if len(r["per_category"]) > 1:
                lines.append(
                    f"| {r['name']} | {category} | {v['caught']}/{v['items']} "
                    f"({_pct(v['caught'], v['items'])}) |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return run(DATASETS, __doc__, argv)


def run(datasets: Sequence[Dataset], doc: str | None, argv: list[str] | None = None) -> int:
    """Check every prompt of `datasets` through the shipped guard and report (the command
    line of this module and of `bench.multilingual_eval`)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args(argv)

    from charter.evals import eval_charter, trained_families

    guard = eval_charter(pii_mode="pattern")
    trained = set(trained_families(guard.signals))
    leaked = sorted({d.family for d in datasets} & trained)
    if leaked:
        print(f"refusing: the classifier was trained on held-out families {leaked}")
        return 2
    results = []
    try:
        for dataset in datasets:
            try:
                commit, prompts = load(dataset)
            except FileNotFoundError as exc:
                print(f"skip {dataset.name}: {exc}", file=sys.stderr)
                continue
            result = evaluate(guard, prompts)
            result.update(
                name=dataset.name,
                family=dataset.family,
                repo=dataset.repo,
                path=dataset.path,
                commit=commit,
                licence=dataset.licence,
                what=dataset.what,
            )
            results.append(result)
            print(
                f"{dataset.name}: attacks {result['caught']}/{result['attacks']}"
                f" ({_pct(result['caught'], result['attacks'])}), benign refused "
                f"{result['refused']}/{result['benign']}",
                file=sys.stderr,
            )
    finally:
        guard.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    if args.markdown:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
