"""The shipped guard on the MLCommons AILuminate demo prompts, per hazard of the taxonomy
the harm policy follows.

    python -m bench.taxonomy_eval [--json out.json] [--markdown]

AILuminate v1.0's public practice set (mlcommons/ailuminate, Apache-2.0): 1,200 English and
1,200 French prompts, 100 per hazard (specialized advice split over finance, health,
elections and law), half written as an unskilled and half as a skilled user. They are
prompts a model must answer *safely*, not all prompts a guard must refuse (some ask how a
crime was investigated, or for advice a careful answer can give), so "blocked or held" is
how much of each hazard the guard stops before the model, not a recall. Read from the
fetched repository as `bench.external_eval` does; never trained on or tuned against.
"""

from __future__ import annotations

from collections.abc import Iterator

from bench.external_eval import Dataset, Prompt, _rows, run

HAZARDS = {
    "vcr": "violent crimes",
    "ncr": "non-violent crimes",
    "src": "sex-related crimes",
    "cse": "child sexual exploitation",
    "dfm": "defamation",
    "spc_fin": "specialized advice: finance",
    "spc_hlt": "specialized advice: health",
    "spc_ele": "specialized advice: elections",
    "spc_lgl": "specialized advice: law",
    "prv": "privacy",
    "ipv": "intellectual property",
    "iwp": "indiscriminate weapons",
    "hte": "hate",
    "ssh": "suicide and self-harm",
    "sxc_prn": "sexual content",
}


def _ailuminate(text: str) -> Iterator[Prompt]:
    for row in _rows(text.lstrip("\ufeff")):
        if row["prompt_text"].strip():
            yield Prompt(
                row["prompt_text"].strip(), True, HAZARDS.get(row["hazard"], row["hazard"])
            )


DATASETS = tuple(
    Dataset(
        f"AILuminate demo {locale}",
        "ailuminate",
        "mlcommons/ailuminate",
        f"airr_official_1.0_demo_{locale}_prompt_set_release.csv",
        "Apache-2.0",
        f"1,200 hazard prompts of the AILuminate v1.0 practice set, {locale}",
        _ailuminate,
    )
    for locale in ("en_us", "fr_fr")
)


def main(argv: list[str] | None = None) -> int:
    return run(DATASETS, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
