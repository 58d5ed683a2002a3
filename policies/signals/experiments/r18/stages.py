"""Exploration on calibration texts only: stage-1 vs stage-2 vs weighted combinations."""
import json, sys, numpy as np
from charter.signals.classifier import SafetyClassifier, sigmoid, _readable, GATE_HEADS
from charter.signals.normalize import context_text
c = SafetyClassifier(sys.argv[1] if len(sys.argv)>1 else None, memo=0)
rows = [c.labels.index(h) for h in GATE_HEADS]
def load(p): return [json.loads(l)["text"] for l in open(p)]
harm = load("policies/signals/experiments/r11/calibration_catqa_en.jsonl")
ben = load("policies/signals/experiments/r16/calibration_lookalike_en.jsonl")
def both(texts):
    a, b = [], []
    for t in texts:
        r = _readable(t)
        p1 = c._stage_one_probabilities(r)
        p2 = sigmoid(c._second.logits(context_text(r)))
        a.append(p1[rows]); b.append(p2[rows])
    return np.array(a), np.array(b)
H1, H2 = both(harm); B1, B2 = both(ben)
print("gate", c.gate, "benign sent to stage2", (B1.max(1) >= c.gate).mean(), "harm sent", (H1.max(1)>=c.gate).mean())
for w in (0.0, 0.25, 0.5, 0.75, 1.0):
    def comb(S1, S2):
        m = S1.max(1) >= c.gate
        out = S1.copy(); out[m] = (1-w)*S1[m] + w*S2[m]
        return out.max(1)
    h, b = comb(H1, H2), comb(B1, B2)
    # recall at look-alike FR budgets
    res = []
    for fr in (0.01, 0.03, 0.05, 0.10):
        thr = np.quantile(b, 1-fr)
        res.append(f"FR{int(fr*100)}%:{(h>thr).mean():.3f}")
    print(f"w2={w:.2f} @0.5: harm {(h>=0.5).mean():.3f} benign {(b>=0.5).mean():.3f} | " + " ".join(res))
