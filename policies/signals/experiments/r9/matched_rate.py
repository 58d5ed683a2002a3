# Analysis after the fact (r9/README.md): each model's top score (jailbreak, prompt_injection,
# harm) on the external sets, the held-out corpora and MGSM English; recall at a benign
# false-positive rate matched on external + held-out benign. Not a ship decision: the
# threshold is read off report sets. Run from the repository root with /work/model_r9.
import json, sys, os, subprocess
import numpy as np
from pathlib import Path
os.environ["CHARTER_SIGNALS_MEMO"]="0"
from charter.signals.classifier import SafetyClassifier
from bench.external_eval import DATASETS, load
sets={}
for d in DATASETS:
    _, ps = load(d)
    for p in ps: sets.setdefault("external", []).append((p.text, p.attack))
raw=subprocess.run(["git","-C","/work/.mirror/google-research+url-nlp/repo","show","HEAD:mgsm/mgsm_en.tsv"],capture_output=True,text=True).stdout
mgsm=[(l.split("\t")[0], False) for l in raw.splitlines() if l.strip()]
ev=[]
for path in sorted(Path("policies/evals").glob("*heldout*.jsonl")):
    for line in path.read_text().splitlines():
        if line.strip():
            d=json.loads(line); ev.append((d["text"], d.get("label")=="blocked" or d.get("expected") in ("deny","require_approval")))
print("heldout items", len(ev), sum(a for _,a in ev))
models={"shipped":"policies/signals/model","r9":"/work/model_r9"}
def auc(pos, neg):
    pos=np.asarray(pos); neg=np.asarray(neg)
    allv=np.concatenate([pos,neg]); r=allv.argsort().argsort()+1
    return (r[:len(pos)].sum()-len(pos)*(len(pos)+1)/2)/(len(pos)*len(neg))
for name, path in models.items():
    c=SafetyClassifier(path, memo=0)
    keys=[i for i,l in enumerate(c.labels) if l in ("jailbreak","prompt_injection","harm")]
    def s(t): return float(c.probabilities(t)[keys].max())
    ext=[(s(t),a) for t,a in sets["external"]]
    mg=[s(t) for t,_ in mgsm]
    ho=[(s(t),a) for t,a in ev]
    ea=[x for x,a in ext if a]; eb=[x for x,a in ext if not a]
    ha=[x for x,a in ho if a]; hb=[x for x,a in ho if not a]
    # recall at the threshold where the benign FPR (external benign + heldout benign) is 5%
    benign=np.asarray(eb+hb)
    for q in (0.97, 0.90):
        t=np.quantile(benign, q)
        print(f"   {name} at {100*(1-q):.0f}% benign FPR (thr {t:.3f}): ext attacks {np.mean(np.asarray(ea)>t):.3f} held-out attacks {np.mean(np.asarray(ha)>t):.3f} MGSM refused {np.mean(np.asarray(mg)>t):.3f}")
    thr=np.quantile(benign, 0.95)
    print(f"{name}: AUC external {auc(ea,eb):.4f}  held-out {auc(ha,hb):.4f}  ext+MGSM-benign {auc(ea,eb+mg):.4f} | at 5% benign FPR (thr {thr:.3f}): ext attacks {np.mean(np.asarray(ea)>thr):.3f} held-out attacks {np.mean(np.asarray(ha)>thr):.3f} MGSM refused {np.mean(np.asarray(mg)>thr):.3f}")
