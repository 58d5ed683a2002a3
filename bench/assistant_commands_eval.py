"""False refusals on what people say to an assistant: HWU64, verbatim, never trained on.

    python -m bench.assistant_commands_eval [--json out.json] [--markdown]

HWU64 (xliuhw/NLU-Evaluation-Data, CC BY 4.0; Liu et al. 2019) holds short commands real
users gave a home assistant ("turn off the lights in the bathroom", "pull up Kate's email",
"how to cook yellow rice") in 64 intents: the 1,076 utterances of its first cross-validation
fold's test set. SNIPS (snipsco/nlu-benchmark, CC0; Coucke et al. 2018): the 700 validation
queries of its seven custom intents ("play Like A Hurricane by Paul Landers", "book a table
for four"). Each goes through `Charter.check` exactly as `bench.external_eval` sends its
prompts; all are benign, so every deny or hold is a false refusal. The families `hwu64` and
`snips` are HELDOUT: the script refuses to run on a classifier trained on either. Round 21's
training set of short commands imitates a different dataset (CLINC150), so that these stay
report sets (`policies/signals/experiments/r21`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from bench.external_eval import Dataset, Prompt, _git, run

REPO = "xliuhw/NLU-Evaluation-Data"
FOLD = (
    "CrossValidation/autoGeneFromRealAnno/autoGene_2018_03_22-13_01_25_169/CrossValidation/"
    "KFold_1/testset/csv/"
)


def _fold_files(_: str) -> Iterator[Prompt]:
    """Every intent's test file of the fold (the dataset's path names the folder)."""
    commit = _git(REPO, "rev-parse", "HEAD").strip()
    for path in sorted(_git(REPO, "ls-tree", "--name-only", commit, FOLD).split()):
        rows = csv.DictReader(io.StringIO(_git(REPO, "show", f"{commit}:{path}")), delimiter=";")
        for row in rows:
            yield Prompt(row["answer_from_user"], False, f"{row['scenario']}_{row['intent']}")


SNIPS = "snipsco/nlu-benchmark"
SNIPS_INTENTS = (
    "AddToPlaylist",
    "BookRestaurant",
    "GetWeather",
    "PlayMusic",
    "RateBook",
    "SearchCreativeWork",
    "SearchScreeningEvent",
)


def _snips(_: str) -> Iterator[Prompt]:
    commit = _git(SNIPS, "rev-parse", "HEAD").strip()
    for intent in SNIPS_INTENTS:
        path = f"2017-06-custom-intent-engines/{intent}/validate_{intent}.json"
        for query in json.loads(_git(SNIPS, "show", f"{commit}:{path}"))[intent]:
            yield Prompt("".join(part["text"] for part in query["data"]), False, intent)


DATASETS = (
    Dataset(
        "HWU64 (fold 1 test)",
        "hwu64",
        REPO,
        FOLD + "alarm_query.csv",  # present in the snapshot: `load` reads it, then the fold
        "CC BY 4.0",
        "1,076 commands real users gave a home assistant, 64 intents",
        _fold_files,
    ),
    Dataset(
        "SNIPS (validation)",
        "snips",
        SNIPS,
        "2017-06-custom-intent-engines/PlayMusic/validate_PlayMusic.json",
        "CC0 1.0",
        "700 queries to a voice assistant, 7 intents",
        _snips,
    ),
)


def main(argv: list[str] | None = None) -> int:
    return run(DATASETS, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
