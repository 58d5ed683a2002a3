"""Round 56: which view of a text holding personal data the signals should score. See
README.md here.

    python policies/signals/experiments/r56/views.py VIEW [harmbench.jsonl]

VIEW: placeholder (shipped), raw, surrogate, typeword, max, min. The optional file is a
JSON-lines set with `text`, `set` and `attack` fields (the probing pass's HarmBench and
harmless Alpaca items; not in this repository). The view is patched into
`Inspected.signal_text` (what `Charter.check` scores) in this process only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "sdk")]

import charter.pipeline.stages as stages  # noqa: E402
import charter.privacy as privacy  # noqa: E402
from charter.evals import eval_charter  # noqa: E402

SURROGATES = {
    "PERSON": "Alex Morgan", "EMAIL_ADDRESS": "alex.morgan@example.com",
    "PHONE_NUMBER": "555 0100", "LOCATION": "Springfield", "CREDIT_CARD": "4000 0000 0000 0002",
    "IBAN_CODE": "GB00 BANK 0000 0000 0000 00", "DATE_TIME": "1 January 2000",
    "IP_ADDRESS": "192.0.2.1", "URL": "example.com",
}  # fmt: skip


def _sub(text: str, findings: list[Any], value: Any) -> str:
    out, at = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start >= at:
            out += [text[at : f.start], value(f)]
            at = f.end
    return "".join([*out, text[at:]])


VIEWS = {
    "placeholder": lambda ins: list(ins.policy_texts),
    "raw": lambda ins: list(ins.texts),
    "surrogate": lambda ins: [
        _sub(t, fs, lambda f: SURROGATES.get(f.entity_type, "12345"))
        for t, fs in zip(ins.texts, ins.findings, strict=True)
    ],
    "typeword": lambda ins: [
        _sub(t, fs, lambda f: f.entity_type.lower().replace("_", " "))
        for t, fs in zip(ins.texts, ins.findings, strict=True)
    ],
}


def use(view: str) -> None:
    if view in VIEWS:
        read = VIEWS[view]
        privacy.Inspected.signal_text = property(  # type: ignore[method-assign,assignment]
            lambda ins: "\n".join(map(privacy.prose, read(ins)))
        )
        return
    pairs: dict[str, str] = {}  # max / min of the raw and the placeholder view, per score

    def raw(ins: Any) -> str:
        text = "\n".join(map(privacy.prose, ins.texts))
        pairs[text] = "\n".join(map(privacy.prose, ins.policy_texts))
        return text

    privacy.Inspected.signal_text = property(raw)  # type: ignore[method-assign,assignment]
    plain, pick = stages.caller_scores, max if view == "max" else min

    def both(parts: Any, ctx: Any, texts: Any, refusal: Any = None, items: Any = ()) -> Any:
        a = plain(parts, ctx, texts, refusal, items)
        b = plain(parts, ctx, [pairs.get(t, t) for t in texts], refusal, items)
        return {k: pick(v, b.get(k, v)) for k, v in a.items()}

    stages.caller_scores = both  # type: ignore[assignment]


def main() -> int:
    use(sys.argv[1])
    guard = eval_charter(pii_mode="pattern")

    def by_signal(text: str) -> bool:
        d = guard.check(text, provider="openai")
        signal_rule = any(r.startswith(("harm.", "jailbreak", "injection")) for r in d.rules)
        return d.action.value in ("deny", "require_approval") and signal_rule

    sets: dict[str, list[str]] = {
        "benign_with_pii": (HERE / "benign_with_pii.txt").read_text().splitlines(),
        "harmful_with_pii": (HERE / "harmful_with_pii.txt").read_text().splitlines(),
        "pii_eval (benign)": [
            json.loads(line)["text"]
            for path in sorted((ROOT / "policies" / "evals" / "pii").glob("*.jsonl"))
            for line in path.read_text().splitlines()
            if line.strip()
        ],
    }
    if len(sys.argv) > 2:
        for line in Path(sys.argv[2]).read_text().splitlines():
            item = json.loads(line)
            if item["set"].startswith(("harmbench", "harmless")):
                sets.setdefault(item["set"], []).append(item["text"])
    for name, texts in sets.items():
        texts = [t for t in texts if t.strip()]
        refused = sum(map(by_signal, texts))
        print(f"{sys.argv[1]:12} {name:22} refused by a signal rule {refused}/{len(texts)}")
    guard.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
