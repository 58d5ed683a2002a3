"""Speed work must not move a single finding. The pattern detector's findings per text
(default settings, and `min_score=0`, which shows every candidate a verdict accepted, with
its score) on the PII corpus and 500 synthetic support texts must match the digests that
the detector recorded before its speed work (`data/findings_golden.txt`).

A deliberate change of detection rewrites the file with
`python -m tests.pii.findings_snapshot --golden`; review that diff like a test change, and
compare the findings themselves with `python -m tests.pii.findings_snapshot OUT` run on
both versions. When libphonenumber's metadata differs from the recorded version, numbers
may legitimately change: only texts without digits are compared then.
"""

from __future__ import annotations

import phonenumbers
import pytest

from tests.pii.findings_snapshot import (
    GOLDEN,
    GOLDEN_CONFIGS,
    configurations,
    digest,
    encode,
    golden_texts,
)


@pytest.mark.slow
def test_findings_match_the_recorded_digests() -> None:
    header, *rows = GOLDEN.read_text(encoding="utf-8").splitlines()
    recorded = header.split()[2].rstrip(";")
    same_metadata = recorded == phonenumbers.__version__
    expected = {(config, text): found for config, text, found in (r.split() for r in rows)}
    texts = golden_texts()
    present = {digest(t) for t in texts}
    gone = sum(1 for _, text in expected if text not in present)
    assert gone <= len(expected) // 5, f"{gone} recorded texts are gone: rewrite the file"
    compared = 0
    mismatches = []
    for name in GOLDEN_CONFIGS:
        detect = configurations()[name]()
        for text in texts:
            key = (name, digest(text))
            if key not in expected or (not same_metadata and any(c.isdigit() for c in text)):
                continue
            found = encode(detect(text))
            compared += 1
            if digest(found) != expected[key]:
                mismatches.append(f"{name}: {text!r} -> {found}")
    assert compared >= (len(expected) - gone if same_metadata else 50)
    assert not mismatches, "\n".join(mismatches[:10])
