#!/usr/bin/env python3
"""Build /work/r40data/formats.jsonl: benign, formatted prompts from permissively
licensed public GitHub repositories (bare mirrors under /work/.mirror, read with git).

Every prompt is built verbatim from the source text (only joined with "\n\n" or "\n"
where the source keeps the parts in separate fields, and stripped of outer whitespace).
"""
import collections
import json
import random
import re
import subprocess

MIRROR = "/work/.mirror"
OUT = "/work/r40data/formats.jsonl"
STATS = "/work/r40data/stats.json"
MIN_LEN, MAX_LEN = 60, 3000
CAP = 400
rng = random.Random(40)


def git(repo, *args):
    return subprocess.run(["git", f"--git-dir={MIRROR}/{repo.replace('/', '+')}/repo", *args],
                          check=True, capture_output=True, text=True).stdout


def show(repo, path):
    return git(repo, "show", f"HEAD:{path}")


def head(repo):
    return git(repo, "rev-parse", "HEAD").strip()


# ---------------------------------------------------------------- filters
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}\b")
CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
HARM = re.compile(r"\b(" + "|".join([
    r"kill(s|ed|ing)?", r"murder\w*", r"bomb\w*", r"weapon\w*", r"guns?", r"firearm\w*", r"shoot\w*",
    r"drugs?", r"cocaine", r"heroin", r"meth\w*amphetamine", r"sex\w*", r"porn\w*", r"nude\w*", r"naked",
    r"rape\w*", r"suicid\w*", r"self-harm", r"terror\w*", r"explosiv\w*", r"hack(er|ers|ing)?",
    r"malware", r"ransomware", r"exploit\w*", r"poison\w*", r"nazi\w*", r"racis\w*", r"slur\w*",
    r"abuse\w*", r"torture\w*", r"assault\w*", r"stab\w*", r"jailbreak\w*", r"phishing", r"steal\w*",
    r"fuck\w*", r"shit\w*", r"bitch\w*", r"nigg\w*", r"fag\w*", r"whore\w*", r"slut\w*",
    r"genocide", r"massacre\w*", r"corpse\w*", r"blood\w*", r"violen\w*", r"abortion", r"hate",
    r"toxic\w*", r"offensive", r"stereotyp\w*", r"artillery", r"missile\w*", r"military", r"ammunition", r"warhead\w*", r"surveil\w*", r"spy\w*", r"lethal", r"insult\w*", r"curse\w*", r"swear\w*", r"weed", r"marijuana", r"alcohol\w*", r"gambl\w*", r"casino",
]) + r")\b", re.I)

drops = collections.Counter()


def ok(text):
    if not (MIN_LEN <= len(text) <= MAX_LEN):
        drops["length"] += 1
        return False
    if EMAIL.search(text) or PHONE.search(text) or IBAN.search(text) or CARD.search(text):
        drops["personal-data"] += 1
        return False
    if HARM.search(text):
        drops["harm-keyword"] += 1
        return False
    return True


# ---------------------------------------------------------------- kind guess
def guess_kind(text):
    t = text.lower()
    if re.search(r"```|\bsql\b|\bregex|regular expression|\bjson\b|\bpython\b|javascript|typescript|\bc\+\+|\bc#|"
                 r"\bjava\b|\brust\b|\bgolang\b|\bbash\b|\bhtml\b|\bcss\b|\bfunction\b|\bcode\b|\bscript\b|"
                 r"\bprogram\b|\bquery\b|\bapi\b|\bdef |\bclass |\bimport |\blatex\b|\byaml\b|\bcsv\b|"
                 r"#include|\bnasm\b|\bassembly\b|autolisp|\bsnippet|\bdebug|\bcompile|\bgit\b|\bdocker|\blinux\b|"
                 r"\bshell\b|\bvba\b|\bmatlab\b|\bexcel\b|\bformula\b|\balgorithm\b|\bdataframe|\bpandas\b|\bnumpy\b", t):
        return "coding"
    if re.search(r"\b(rewrite|paraphrase|proofread|rephrase|translate|correct the grammar|grammatical|"
                 r"fix the grammar|make (it|this|the sentence) (more )?(formal|concise|polite)|edit the|"
                 r"convert (it|this|the)|correct (the|this|it)|simplify|shorten|citation style|more formal)\b", t):
        return "rewrite"
    if re.search(r"\b(act as|act like|i want you to act|play the role|pretend (you are|to be)|you are a[n]? |role-?play|imagine you are|as an? [a-z]+, )", t):
        return "roleplay"
    if re.search(r"\n\s*\(?[a-e][).]\s|\boptions?:|\bchoices?:|\bchoose (the|one|between|from)|which of the following", t):
        return "multiple-choice"
    if re.search(r"\b(poem|story|stories|haiku|limerick|song|lyrics|fiction|novel|screenplay|script for a|"
                 r"creative|slogan|tagline|joke|rap|sonnet|tweet|blog post|essay|brainstorm\w*|melody|"
                 r"write (a|an|me a|me an) (letter|email|speech|ad|advertisement|product description|review|dialogue|"
                 r"short|cover letter|toast|eulogy|bio))\b", t):
        return "creative"
    if re.search(r"\b(passage|article|paragraph|text below|following text|given text|document|context|"
                 r"summar\w+|extract|based on the)\b", t) and len(text) > 300:
        return "context-qa"
    if re.search(r"\b(solve|equation|integral|derivative|probability|calculate|compute|how many|how much|"
                 r"percent|sum of|prime|polynomial|triangle|x\^2|\d+\s*[+*/^-]\s*\d+)\b", t):
        return "math"
    return "other"


# ---------------------------------------------------------------- collectors
items = []   # (family, kind, text, source_str)
read_counts = collections.Counter()
kept_counts = collections.Counter()
seen = set()


def add(family, kind, text, source):
    read_counts[family] += 1
    text = text.strip()
    if not ok(text):
        return False
    if text in seen:
        drops["duplicate"] += 1
        return False
    if kept_counts[family] >= CAP:
        drops["cap"] += 1
        return False
    seen.add(text)
    kept_counts[family] += 1
    items.append((family, kind, text, source))
    return True


# 1. GSM8K (MIT) ---------------------------------------------------------
R = "openai/grade-school-math"
c = head(R)
rows = []
for split in ["test", "train"]:
    p = f"grade_school_math/data/{split}.jsonl"
    rows += [(p, json.loads(l)["question"]) for l in show(R, p).splitlines() if l.strip()]
rng.shuffle(rows)
for p, q in rows:
    if kept_counts["gsm8k"] >= 350:
        break
    add("gsm8k", "math", q, f"{R}@{c} {p} (MIT)")

# 2. SVAMP (MIT) ---------------------------------------------------------
R = "arkilpatel/SVAMP"
c = head(R)
rows = json.loads(show(R, "SVAMP.json"))
rng.shuffle(rows)
for r in rows:
    if kept_counts["svamp"] >= 200:
        break
    body = r["Body"].strip()
    sep = " " if body.endswith((".", "?", "!")) else ". "
    add("svamp", "math", body + sep + r["Question"].strip(), f"{R}@{c} SVAMP.json (MIT)")

# 3. AQuA-RAT dev/test (Apache-2.0) -------------------------------------
R = "google-deepmind/AQuA"
c = head(R)
rows = []
for p in ["dev.json", "test.json"]:
    rows += [(p, json.loads(l)) for l in show(R, p).splitlines() if l.strip()]
rng.shuffle(rows)
for p, r in rows:
    if kept_counts["aqua"] >= 300:
        break
    add("aqua", "multiple-choice", r["question"].strip() + "\n" + "\n".join(r["options"]),
        f"{R}@{c} {p} (Apache-2.0)")

# 4. self-instruct seed tasks + user-oriented instructions (Apache-2.0) --
R = "yizhongw/self-instruct"
c = head(R)
rows = []
for p in ["human_eval/user_oriented_instructions.jsonl", "data/seed_tasks.jsonl"]:
    for l in show(R, p).splitlines():
        if not l.strip():
            continue
        t = json.loads(l)
        inst = t["instances"][0]
        inp = inst["input"].strip()
        text = t["instruction"].strip() + ("\n\n" + inp if inp else "")
        if not inp and len(t["instruction"]) < 100:
            drops["selfinstruct-plain-question"] += 1
            continue
        rows.append((p, t["id"], text))
for p, tid, text in rows:
    add("selfinstruct", guess_kind(text), text, f"{R}@{c} {p}#{tid} (Apache-2.0)")

# 5. P3 / promptsource-rendered prompts shipped in self-instruct (Apache-2.0 repo)
#    only templates over datasets whose own licence is permissive (see SOURCES.md)
T0_DIR = "data/finetuning/t0_train_50k/data_per_template/"
T0_DATASETS = {  # dataset prefix -> (kind, dataset licence)
    "adversarial_qa": ("context-qa", "CC BY-SA 3.0"),
    "cnn_dailymail": ("context-qa", "Apache-2.0"),
    "common_gen": ("creative", "MIT"),  # concept-to-sentence generation
    "commonsense_qa": ("multiple-choice", "MIT"),
    "cosmos_qa": ("multiple-choice", "CC BY 4.0"),
    "dbpedia_14": ("multiple-choice", "CC BY-SA 3.0"),
    "duorc": ("context-qa", "MIT"),
    "qasc": ("multiple-choice", "CC BY 4.0"),
    "quarel": ("multiple-choice", "CC BY 4.0"),
    "quartz": ("multiple-choice", "CC BY 4.0"),
    "quoref": ("context-qa", "CC BY 4.0"),
    "ropes": ("context-qa", "CC BY 4.0"),
    "wiki_hop": ("multiple-choice", "CC BY-SA 3.0"),
}
files = [l.split("\t")[1] for l in git(R, "ls-tree", "-r", "HEAD", T0_DIR).splitlines()]
per_ds = collections.defaultdict(list)
for f in files:
    name = f.rsplit("/", 1)[1][:-6]
    ds = next((d for d in T0_DATASETS if name.startswith(d)), None)
    if ds is None:
        continue
    try:
        lines = show(R, f).splitlines()
    except subprocess.CalledProcessError:
        drops["t0-file-absent"] += 1
        continue
    cand = [json.loads(l)["prompt"] for l in lines if l.strip()]
    rng.shuffle(cand)
    per_ds[ds].append((f, name, cand[:6]))
# round-robin over datasets, then templates, 1 prompt per template per round
queues = {ds: collections.deque([(f, n, p) for f, n, ps in sorted(v) for p in ps[:2]] +
                                [(f, n, p) for f, n, ps in sorted(v) for p in ps[2:]])
          for ds, v in per_ds.items()}
for q in queues.values():
    lst = list(q)
    rng.shuffle(lst)
    q.clear()
    q.extend(lst)
while kept_counts["p3"] < CAP and any(queues.values()):
    for ds in sorted(queues):
        if not queues[ds] or kept_counts["p3"] >= CAP:
            continue
        f, n, prompt = queues[ds].popleft()
        kind, lic = T0_DATASETS[ds]
        add("p3", kind, prompt, f"{R}@{c} {f} (repo Apache-2.0; underlying {ds}: {lic})")

# 6. FastChat MT-bench + Vicuna bench questions, first turn (Apache-2.0) --
R = "lm-sys/FastChat"
c = head(R)
MT_KIND = {"writing": "creative", "roleplay": "roleplay", "reasoning": "other", "math": "math",
           "coding": "coding", "extraction": "context-qa", "stem": "other", "humanities": "other",
           "generic": "other", "knowledge": "other", "common-sense": "other", "fermi": "math",
           "counterfactual": "other"}
for p in ["fastchat/llm_judge/data/mt_bench/question.jsonl", "fastchat/llm_judge/data/vicuna_bench/question.jsonl"]:
    for l in show(R, p).splitlines():
        if not l.strip():
            continue
        q = json.loads(l)
        add("fastchat", MT_KIND.get(q["category"], "other"), q["turns"][0],
            f"{R}@{c} {p}#{q['question_id']} (Apache-2.0)")

# 7. Arena-Hard v0.1 questions (Apache-2.0) -------------------------------
R = "lm-sys/arena-hard-auto"
c = head(R)
p = "data/arena-hard-v0.1/question.jsonl"
rows = [json.loads(l) for l in show(R, p).splitlines() if l.strip()]
rng.shuffle(rows)
for q in rows:
    add("arenahard", guess_kind(q["turns"][0]["content"]), q["turns"][0]["content"],
        f"{R}@{c} {p}#{q['question_id']} (Apache-2.0)")

# 8. Natural Instructions v1: GPT-3 prompt files (Apache-2.0) -------------
#    prompt = Definition + "\n\n" + instance input, parsed from "Definition: ...\nPrompt: ...\ninput: ...\noutput:"
R = "allenai/natural-instructions-v1"
c = head(R)
NI_KIND = {"quoref_answer_generation": "context-qa", "mctaco_question_generation_event_duration": "other",
           "mctaco_wrong_answer_generation_event_duration": "other",
           "mctaco_wrong_answer_generation_transient_stationary": "other",
           "winogrande_answer_generation": "multiple-choice",
           "winogrande_question_modification_object": "rewrite", "qasc_find_overlapping_words": "other",
           "qasc_question_generation": "other", "essential_terms_identifying_essential_words": "multiple-choice",
           "miscellaneous_sentence_paraphrasing": "rewrite", "multirc_identify_bad_question": "context-qa"}
for f in git(R, "ls-tree", "-r", "--name-only", "HEAD", "predictions/gpt3_outputs/").splitlines():
    if not f.endswith("@_Definition_Prompt@0_100.json"):
        continue
    task = f.rsplit("/", 1)[1].split("@")[0]
    short = task.split("_", 1)[1]
    if short not in NI_KIND:  # excludes cosmosqa_passage_inappropriate_binary (content-safety task)
        drops["ni-task-excluded"] += 1
        continue
    preds = json.loads(show(R, f))["predictions"]
    rng.shuffle(preds)
    n = 0
    for pr in preds:
        m = re.match(r"Definition: (.*?)\nPrompt: .*?\ninput: (.*)\noutput:\s*$", pr["input"], re.S)
        if not m or n >= 3:
            continue
        if add("natinst1", NI_KIND[short], m.group(1).strip() + "\n\n" + m.group(2).strip(),
               f"{R}@{c} {f}#index={pr['index']} (Apache-2.0)"):
            n += 1

# ---------------------------------------------------------------- write
counters = collections.Counter()
with open(OUT, "w") as fo:
    for family, kind, text, source in items:
        counters[family] += 1
        fo.write(json.dumps({"id": f"fmt-{family}-{counters[family]:05d}", "text": text, "lang": "en",
                             "label": "benign", "category": "benign", "family": family, "kind": kind,
                             "source": source}, ensure_ascii=False) + "\n")
stats = {"total": len(items), "read": dict(read_counts), "kept": dict(kept_counts), "drops": dict(drops),
         "kinds": dict(collections.Counter(k for _, k, _, _ in items)),
         "kind_by_family": {f: dict(collections.Counter(k for ff, k, _, _ in items if ff == f)) for f in kept_counts}}
json.dump(stats, open(STATS, "w"), indent=1)
print(json.dumps(stats, indent=1))
