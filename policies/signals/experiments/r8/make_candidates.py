# Build the two round-8 candidates: the shipped weights with a passages-only rule.
# Needs passages_only.patch applied to the SDK (git apply); run from the repository root.
import sys
from pathlib import Path
from charter.signals.model import load_artifact
from charter.signals.passages import PassageRule
art, rev = load_artifact(Path("policies/signals/model"))
for name, rule in (("P", PassageRule(whole=False)), ("Pb", PassageRule(passage=500, stride=250, whole=False))):
    art.meta["passages"] = rule.to_dict()
    print(name, art.save(Path(f"/work/model_{name}")), rule.to_dict())
