#!/usr/bin/env python3
"""Build /work/r42data/tr_formats.jsonl from local bare-git mirrors of public
GitHub repositories (brought in with the search tool's `fetch`, stored under
/work/.mirror/<owner>+<name>/repo).

Deterministic: no randomness; per-source sampling = sort candidates by
sha256(text) and take the first N.  Re-running on the same mirrors gives a
byte-identical output.

Sources (see SOURCES.md for licences):
  exams    mhardalov/exams-qa            Turkish high-school exam MCQ   (CC BY-SA 4.0)
  gsm8ktr  kaayra2000/gsm8k-tr-semantik-analiz  GSM8K-TR sample      (MIT; upstream Apache-2.0 / MIT)
  xquad    google-deepmind/xquad         XQuAD Turkish                  (CC BY-SA 4.0)
  enelpi   okanvk/Turkish-Reading-Comprehension-Question-Answering-Dataset
                                         ENELPI 2020 Ottoman-history QA (MIT)
"""
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile

MIRROR = "/work/.mirror"
OUT = "/work/r42data/tr_formats.jsonl"

MIN_LEN, MAX_LEN = 60, 3000
GLOBAL_CAP = 700

# Alarming content words (matched as substrings on a Turkish-aware lowercase).
# "gun" deliberately absent (it is a substring of Turkish "uygun").
BAD_WORDS = [
    "öldür", "bomba", "silah", "uyuşturucu", "intihar", "hack",
    "saldır", "terör", "cinsel", "patlayıcı", "tecavüz", "taciz",
    "katliam", "soykırım", "suikast", "eroin", "kokain", "esrar", "zehir",
    "işkence", "cinayet", "katil", "idam", "rehine", "istismar", "müstehcen",
    "porno",
]
# English words are matched only at a word start: "kill" is otherwise a
# substring of Turkish "şekilli"/"şekilleri".
BAD_EN = re.compile(r"\b(kill|bomb|hack|weapon|drug|suicide|sexual|murder|terror|explosive)")


def tr_lower(s):
    return s.replace("İ", "i").replace("I", "ı").lower()


def is_alarming(text):
    low = tr_lower(text)
    return any(w in low for w in BAD_WORDS) or BAD_EN.search(low) is not None


def git(repo, *args):
    return subprocess.check_output(
        ["git", "--git-dir=%s/%s/repo" % (MIRROR, repo.replace("/", "+"))] + list(args))


def head(repo):
    return git(repo, "rev-parse", "HEAD").decode().strip()


def show(repo, commit, path):
    return git(repo, "show", "%s:%s" % (commit, path))


def clean(s):
    return s.replace("\ufeff", "").strip()


# ---------------------------------------------------------------- sources
def src_exams():
    repo = "mhardalov/exams-qa"
    c = head(repo)
    paths = ["data/exams/cross-lingual/train_tr.jsonl.tar.gz",
             "data/exams/cross-lingual/dev_tr.jsonl.tar.gz"]
    items = []
    for p in paths:
        tf = tarfile.open(fileobj=io.BytesIO(show(repo, c, p)), mode="r:gz")
        for m in sorted(tf.getmembers(), key=lambda m: m.name):
            if not m.isfile():
                continue
            for line in tf.extractfile(m).read().decode("utf-8").splitlines():
                if not line.strip():
                    continue
                d = json.loads(line)
                if d.get("info", {}).get("language") != "Turkish":
                    continue
                q = d["question"]
                lines = [clean(q["stem"])]
                for ch in q["choices"]:
                    lines.append("%s) %s" % (ch["label"], clean(ch["text"])))
                items.append(("\n".join(lines), "mcq", p))
    return repo, c, "CC BY-SA 4.0", "exams", items


def src_gsm8ktr():
    repo = "kaayra2000/gsm8k-tr-semantik-analiz"
    c = head(repo)
    p = "gsm8k_tr_1000_soru_cevap.csv"
    rd = csv.DictReader(io.StringIO(show(repo, c, p).decode("utf-8")))
    items = [(clean(r["question"]), "math", p) for r in rd]  # question only, never the answer
    return repo, c, "MIT (repo LICENSE); upstream ytu-ce-cosmos/gsm8k_tr Apache-2.0, GSM8K MIT", "gsm8ktr", items


def squad_items(raw, path):
    d = json.loads(raw.decode("utf-8-sig"))
    out = []
    for art in d["data"]:
        for para in art["paragraphs"]:
            ctx = clean(para["context"])
            for qa in para["qas"]:
                q = clean(qa["question"])
                if not q:
                    continue
                out.append((ctx + "\n\n" + q, "passage_qa", path))  # never the answer
    return out


def src_xquad():
    repo = "google-deepmind/xquad"
    c = head(repo)
    p = "xquad.tr.json"
    return repo, c, "CC BY-SA 4.0", "xquad", squad_items(show(repo, c, p), p)


def src_enelpi():
    repo = "okanvk/Turkish-Reading-Comprehension-Question-Answering-Dataset"
    c = head(repo)
    base = "data/2020-enelpi-squad-dataset/"
    paths = ["1299-1451/train_data.json", "1451-1579/test_data.json",
             "1451-1579/train_data.json", "1579-1792/train_data_v2.json",
             "1792-1922/test_data.json", "1792-1922/train_data.json"]
    items = []
    for p in paths:
        items += squad_items(show(repo, c, base + p), base + p)
    return repo, c, "MIT", "enelpi", items


# per-source quota (<= GLOBAL_CAP); passage-QA split over two sources so the
# four kinds stay roughly even.
SOURCES = [(src_gsm8ktr, 700), (src_exams, 700), (src_xquad, 400), (src_enelpi, 300)]


def main():
    seen = set()
    rows = []
    stats = []
    for fn, quota in SOURCES:
        repo, commit, lic, fam, items = fn()
        n_raw = len(items)
        cand = []
        drop = {"len": 0, "alarm": 0, "dup": 0}
        local = set()
        for text, kind, path in items:
            if not (MIN_LEN <= len(text) <= MAX_LEN):
                drop["len"] += 1
                continue
            if is_alarming(text):
                drop["alarm"] += 1
                continue
            if text in local or text in seen:
                drop["dup"] += 1
                continue
            local.add(text)
            cand.append((hashlib.sha256(text.encode("utf-8")).hexdigest(), text, kind, path))
        cand.sort()
        take = cand[:min(quota, GLOBAL_CAP)]
        for i, (_, text, kind, path) in enumerate(take):
            seen.add(text)
            rows.append({
                "id": "trfmt-%s-%05d" % (fam, i),
                "text": text,
                "lang": "tr",
                "label": "benign",
                "category": "benign",
                "family": fam,
                "kind": kind,
                "source": "%s@%s %s (%s)" % (repo, commit, path, lic),
            })
        stats.append((fam, repo, n_raw, drop, len(cand), len(take)))
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for fam, repo, n_raw, drop, n_c, n_t in stats:
        print("%-8s %-70s raw=%5d drop_len=%4d drop_alarm=%4d drop_dup=%4d eligible=%5d taken=%4d"
              % (fam, repo, n_raw, drop["len"], drop["alarm"], drop["dup"], n_c, n_t))
    print("total", len(rows), file=sys.stderr)


if __name__ == "__main__":
    main()
